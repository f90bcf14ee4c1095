/* bounce.c - store bounces, auto-replies and complaints; re-classify them.
 *
 *	r = store_bounce(st, b, msg_sha256, &nrcpt, &err);   1 new, 0 duplicate
 *	n = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, all, fn, user,
 *	    &seen, &err);
 *
 * A bounce is stored inside its message's savepoint like a report: one
 * statement (data-modifying WITH) inserts the message row and every
 * recipient, from one array parameter per column (unnest), so a bounce
 * costs one round trip however many recipients it lists.  Both inserts are
 * ON CONFLICT DO NOTHING on the identities of sql/003_bounce.sql, which
 * also settles races between ingesters: the loser waits for the winner's
 * index entries, then skips.  The statement answers with the message id
 * (none: the same bytes were stored) and how many recipients were new
 * (none of several: the same bounce came with other headers).  In that
 * second case the message row must go too, and the ingest role may not
 * delete: the bounce has a savepoint of its own (r, as a report has) and
 * is rolled back to it.  The SAVEPOINT rides along with the insert, the
 * RELEASE with the message's next round trip.  A bounce stored is noted
 * for the bounce rollup, written once per batch (bounce_daily.c);
 * reclassify writes its changes to the rollup in its own UPDATE.
 *
 * A recipient's identity is hashed here: the reporting MTA, the queue id
 * (else the original's Message-ID, else this message's hash), recipient,
 * action, stated status (never an inferred one) and the attempt's time
 * (else the arrival date), each
 * length-prefixed so that no two lists of fields hash alike.
 *
 * Values that the database would refuse are dropped here rather than let
 * them cost the whole bounce: IPs that are not addresses, times outside
 * PostgreSQL's range, reply codes that are not three digits; text is made
 * valid UTF-8.  Parameters only, never SQL text.
 */
#include <gio/gio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../parse/bounce/bounce.h"

/* Per recipient: the columns of the unnest below, in its order. */
enum {
	RC_NO, RC_RCPT, RC_ORCPT, RC_ACTION, RC_STATUS, RC_CODE, RC_RMTA,
	RC_DTYPE, RC_DCODE, RC_CMD, RC_LAST, RC_FBTYPE, RC_MREASON, RC_REASON,
	RC_RULE, RC_HARD, RC_AIP, RC_ADOMAIN, RC_SPF, RC_DKIM, RC_DMARC,
	RC_IDENT, RC_SSRC, RC_COLS
};
#define MSG_PARAMS 19		/* $1..$19 before the arrays */

/* The first statement of a message draws its ingest log id ($18: was it
 * drawn already?), as store_report_begin does. */
static const struct q_stmt ins_bounce = { "ms_bounce_ins",
	"WITH m AS (INSERT INTO bounce_message (ingest_id, sha256, kind,"
	"  format, reporting_mta, queue_id, arrival_date, subject, from_addr,"
	"  orig_message_id, orig_from, orig_to, orig_subject, orig_date,"
	"  orig_list_id, orig_feedback_id, orig_sending_ip, recipients_dropped,"
	"  orig_list_unsubscribe, orig_list_unsubscribe_post)"
	"  VALUES (CASE WHEN $18::bool THEN currval('ingest_log_id_seq')"
	"  ELSE nextval('ingest_log_id_seq') END, $1::text, $2::text,"
	"  $3::text, $4::text, $5::text, to_timestamp($6::bigint), $7::text,"
	"  $8::text, $9::text, $10::text, $11::text, $12::text,"
	"  to_timestamp($13::bigint), $14::text, $15::text, $16::inet,"
	"  $17::int, $43::text, $44::text)"
	"  ON CONFLICT ON CONSTRAINT bounce_message_sha256 DO NOTHING"
	"  RETURNING id, arrival_date, orig_date, received_at),"
	" r AS (INSERT INTO bounce_recipient (bounce_id, rcpt_no, recipient,"
	"  original_recipient, action, status, reply_code, remote_mta,"
	"  diagnostic_type, diagnostic_code, smtp_command, last_attempt,"
	"  feedback_type, mta_reason, reason, rule, rules_version, hard_bounce,"
	"  auth_sending_ip, auth_domain, spf, dkim, dmarc, event_at, identity,"
	"  status_source)"
	"  SELECT m.id, u.no, u.rcpt, u.orcpt, u.action, u.status, u.code,"
	"  u.rmta, u.dtype, u.dcode, u.cmd, to_timestamp(u.la), u.fbtype,"
	"  u.mreason, u.reason, u.rule, $19::int, coalesce(u.hard, false),"
	"  u.aip, u.adomain, u.spf, u.dkim, u.dmarc,"
	"  coalesce(to_timestamp(u.la), m.arrival_date, m.orig_date,"
	"  m.received_at), u.ident, u.ssrc"
	"  FROM m CROSS JOIN unnest($20::int[], $21::text[], $22::text[],"
	"  $23::text[], $24::text[], $25::int[], $26::text[], $27::text[],"
	"  $28::text[], $29::text[], $30::bigint[], $31::text[], $32::text[],"
	"  $33::text[], $34::text[], $35::bool[], $36::inet[], $37::text[],"
	"  $38::text[], $39::text[], $40::text[], $41::text[], $42::text[])"
	"  AS u(no, rcpt, orcpt, action, status, code, rmta, dtype, dcode, cmd,"
	"  la, fbtype, mreason, reason, rule, hard, aip, adomain, spf, dkim,"
	"  dmarc, ident, ssrc)"
	"  ON CONFLICT ON CONSTRAINT bounce_recipient_identity DO NOTHING"
	"  RETURNING 1)"
	" SELECT (SELECT id FROM m), (SELECT count(*) FROM r)" };
/* then the two headers 009_check.sql added: $43, $44 */
#define INS_PARAMS (MSG_PARAMS + RC_COLS + 2)

/* ---- values the database accepts ---- */

/* s when valid UTF-8, else a repaired copy kept in keep. */
static const char *
utf8(const char *s, GPtrArray *keep)
{
	char *fixed;

	if (s == NULL || g_utf8_validate(s, -1, NULL))
		return s;
	fixed = g_utf8_make_valid(s, -1);
	g_ptr_array_add(keep, fixed);
	return fixed;
}

/* The address in canonical text, or NULL when s is not an IPv4 or IPv6
 * address (an inet parameter that is not one would refuse the bounce). */
static char *
inet_text(const char *s)
{
	GInetAddress *a;
	char *t;

	if (s == NULL || *s == '\0' || strlen(s) > 64 || strchr(s, '%'))
		return NULL;
	if ((a = g_inet_address_new_from_string(s)) == NULL)
		return NULL;
	t = g_inet_address_to_string(a);
	g_object_unref(a);
	return t;
}

/* Epoch seconds as text, NULL when absent or beyond year 9999. */
static const char *
epoch_text(int64_t t, char *buf, gsize len)
{
	if (t <= 0 || t > INT64_C(253402300799))
		return NULL;
	snprintf(buf, len, "%" PRId64, t);
	return buf;
}

/* ---- the recipient identity ---- */

static void
ident_add(GChecksum *ck, const char *s)
{
	char len[24];

	if (s == NULL) {
		g_checksum_update(ck, (const guchar *)"-", 1);
		return;
	}
	snprintf(len, sizeof(len), "+%zu:", strlen(s));
	g_checksum_update(ck, (const guchar *)len, -1);
	g_checksum_update(ck, (const guchar *)s, strlen(s));
}

/* Hex SHA-256 of the identity fields; see the top of the file. */
static char *
identity(const struct bounce_report *b, const struct bounce_recipient *r,
    const char *sha256)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	char when[32], *hex;
	const char *ref;

	if (b->queue_id && *b->queue_id)
		ref = b->queue_id, ident_add(ck, "queue-id");
	else if (b->orig.message_id && *b->orig.message_id)
		ref = b->orig.message_id, ident_add(ck, "message-id");
	else
		ref = sha256, ident_add(ck, "sha256");
	ident_add(ck, ref);
	ident_add(ck, b->reporting_mta);
	ident_add(ck, r->recipient);
	ident_add(ck, r->action);
	/* Only what the message states: a status inferred from the reason
	 * (rules 5 on) must not make a bounce stored before look new. */
	ident_add(ck, r->status_source != NULL &&
	    strcmp(r->status_source, "inferred") == 0 ? NULL : r->status);
	ident_add(ck, epoch_text(r->last_attempt ? r->last_attempt :
	    b->arrival_date, when, sizeof(when)));
	hex = g_strdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	return hex;
}

/* ---- store_bounce ---- */

static const char *
kind_word(enum bounce_kind k)
{
	switch (k) {
	case BOUNCE_KIND_BOUNCE: return "bounce";
	case BOUNCE_KIND_AUTOREPLY: return "autoreply";
	case BOUNCE_KIND_FEEDBACK: return "feedback";
	case BOUNCE_KIND_NONE: break;
	}
	return NULL;
}

static void
add_text(struct rowbuf *rb, const char *s)
{
	if (s != NULL && !g_utf8_validate(s, -1, NULL)) {
		char *fixed = g_utf8_make_valid(s, -1);

		rowbuf_add(rb, fixed);
		g_free(fixed);
	} else
		rowbuf_add(rb, s);
}

/* One recipient's values, RC_COLS of them, into rb. */
static void
add_recipient(struct rowbuf *rb, int no, const struct bounce_report *b,
    const struct bounce_recipient *r, const char *sha256)
{
	char buf[32], *ip, *id;

	rowbuf_add_int(rb, no);
	add_text(rb, r->recipient);
	add_text(rb, r->original_recipient);
	add_text(rb, r->action);
	add_text(rb, r->status);
	if (r->reply_code >= 100 && r->reply_code <= 999)
		rowbuf_add_int(rb, r->reply_code);
	else
		rowbuf_add(rb, NULL);
	add_text(rb, r->remote_mta);
	add_text(rb, r->diagnostic_type);
	add_text(rb, r->diagnostic_code);
	add_text(rb, r->smtp_command);
	rowbuf_add(rb, epoch_text(r->last_attempt, buf, sizeof(buf)));
	add_text(rb, r->feedback_type);
	add_text(rb, r->mta_reason);
	add_text(rb, r->reason);
	add_text(rb, r->rule);
	rowbuf_add(rb, r->hard_bounce ? "t" : "f");
	ip = inet_text(r->auth.sending_ip);
	rowbuf_add(rb, ip);
	g_free(ip);
	add_text(rb, r->auth.domain);
	add_text(rb, r->auth.spf);
	add_text(rb, r->auth.dkim);
	add_text(rb, r->auth.dmarc);
	id = identity(b, r, sha256);
	rowbuf_add(rb, id);
	g_free(id);
	add_text(rb, r->status_source);
}

int
store_bounce(struct store *st, const struct bounce_report *b,
    const char *sha256, int *recipients, GError **err)
{
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	const char *v[INS_PARAMS];
	char arrival[32], odate[32], dropped[16], version[16];
	struct rowbuf rb;
	GString **cols;
	PGresult *res;
	guint k;
	int i, n;

	if (recipients)
		*recipients = 0;
	if (!st->in_message || st->in_report || kind_word(b->kind) == NULL ||
	    sha256 == NULL || *sha256 == '\0') {
		store_set_error(err, STORE_ERROR_INTERNAL, "store_bounce: %s",
		    !st->in_message ? "no message begun" : st->in_report ?
		    "a report is open" : kind_word(b->kind) == NULL ?
		    "nothing to store" : "no message hash");
		g_ptr_array_free(keep, TRUE);
		return -1;
	}
	snprintf(dropped, sizeof(dropped), "%u", b->recipients_dropped);
	snprintf(version, sizeof(version), "%d", BOUNCE_RULES_VERSION);
	v[0] = sha256;
	v[1] = kind_word(b->kind);
	v[2] = b->format;
	v[3] = utf8(b->reporting_mta, keep);
	v[4] = utf8(b->queue_id, keep);
	v[5] = epoch_text(b->arrival_date, arrival, sizeof(arrival));
	v[6] = utf8(b->subject, keep);
	v[7] = utf8(b->from, keep);
	v[8] = utf8(b->orig.message_id, keep);
	v[9] = utf8(b->orig.from, keep);
	v[10] = utf8(b->orig.to, keep);
	v[11] = utf8(b->orig.subject, keep);
	v[12] = epoch_text(b->orig.date, odate, sizeof(odate));
	v[13] = utf8(b->orig.list_id, keep);
	v[14] = utf8(b->orig.feedback_id, keep);
	g_ptr_array_add(keep, (char *)(v[15] = inet_text(b->orig.sending_ip)));
	v[16] = dropped;
	v[17] = st->have_id ? "t" : "f";
	v[18] = version;

	rowbuf_init(&rb, RC_COLS);
	for (k = 0; b->recipients && k < b->recipients->len; k++)
		add_recipient(&rb, (int)k + 1, b,
		    g_ptr_array_index(b->recipients, k), sha256);
	cols = rowbuf_arrays(&rb);
	for (k = 0; k < RC_COLS; k++) {
		v[MSG_PARAMS + k] = cols[k]->str;
		g_ptr_array_add(keep, g_string_free(cols[k], FALSE));
	}
	g_free(cols);
	rowbuf_free(&rb);
	v[MSG_PARAMS + RC_COLS] = utf8(b->orig.list_unsubscribe, keep);
	v[MSG_PARAMS + RC_COLS + 1] = utf8(b->orig.list_unsubscribe_post, keep);

	q_fixed(st, "SAVEPOINT r", EFF_SP_R);
	i = q_send(st, &ins_bounce, INS_PARAMS, v, NULL, NULL, 0, err);
	g_ptr_array_free(keep, TRUE);
	if (i < 0 || q_sync(st, err) < 0)
		return -1;	/* pipe.c has rolled back to r */
	st->have_id = TRUE;	/* nextval ran, even for a duplicate */
	res = q_result(st, i);
	if (PQgetisnull(res, 0, 0)) {
		q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
		return 0;	/* the same bytes were stored before */
	}
	n = atoi(PQgetvalue(res, 0, 1));
	if (n == 0 && b->recipients && b->recipients->len > 0) {
		/* Every recipient was known: the same bounce again. */
		q_fixed(st, "ROLLBACK TO SAVEPOINT r", EFF_NONE);
		q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
		return 0;
	}
	q_fixed(st, "RELEASE SAVEPOINT r", EFF_REL_R);
	/* Its recipients go into the rollup at the batch's end. */
	bounce_daily_note(st, g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10));
	if (recipients)
		*recipients = n;
	return 1;
}

/* ---- reclassify ---- */

#define PAGE_ROWS 500

static const struct q_stmt rc_page = { "ms_bounce_page",
	"SELECT r.bounce_id, r.rcpt_no, m.format, r.recipient,"
	" r.original_recipient, r.action, r.status, r.reply_code, r.remote_mta,"
	" r.diagnostic_type, r.diagnostic_code, r.smtp_command,"
	" extract(epoch FROM r.last_attempt)::bigint, r.feedback_type,"
	" r.mta_reason, r.reason, r.rule, r.hard_bounce,"
	" host(r.auth_sending_ip), r.auth_domain, r.spf, r.dkim, r.dmarc,"
	" r.status_source"
	" FROM bounce_recipient r JOIN bounce_message m ON m.id = r.bounce_id"
	" WHERE (r.bounce_id, r.rcpt_no) > ($1::bigint, $2::int)"
	" AND ($3::bool OR r.rules_version < $4::int)"
	" ORDER BY r.bounce_id, r.rcpt_no LIMIT $5::int" };

/* Columns of rc_page. */
enum {
	PG_ID, PG_NO, PG_FORMAT, PG_RCPT, PG_ORCPT, PG_ACTION, PG_STATUS,
	PG_CODE, PG_RMTA, PG_DTYPE, PG_DCODE, PG_CMD, PG_LAST, PG_FBTYPE,
	PG_MREASON, PG_REASON, PG_RULE, PG_HARD, PG_AIP, PG_ADOMAIN, PG_SPF,
	PG_DKIM, PG_DMARC, PG_SSRC
};

/* What the classifier decides, in the order of rc_update's arrays after
 * the key, and the columns of rc_page holding the stored decision. */
#define VERDICT 11
static const int verdict_col[VERDICT] = {
	PG_REASON, PG_RULE, PG_HARD, PG_STATUS, PG_CODE, PG_AIP, PG_ADOMAIN,
	PG_SPF, PG_DKIM, PG_DMARC, PG_SSRC
};

/* The new verdicts, and the rollup's deltas (sql/013_bounce_rollup.sql)
 * in the same statement: each changed recipient counted -1 under its old
 * key (o reads the rows as they were before the UPDATE: one snapshot for
 * the whole statement) and +1 under its new one; a key whose rows cancel
 * out gets none (BOUNCE_DAILY_KEY: internal.h). */
static const struct q_stmt rc_update = { "ms_bounce_reclassify",
	"WITH u AS (SELECT * FROM unnest($2::bigint[], $3::int[], $4::text[],"
	" $5::text[], $6::bool[], $7::text[], $8::int[], $9::inet[],"
	" $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])"
	" AS u(id, no, reason, rule, hard, status, code, aip, adomain, spf,"
	" dkim, dmarc, ssrc)),"
	" up AS (UPDATE bounce_recipient b SET reason = u.reason, rule = u.rule,"
	" hard_bounce = u.hard, status = u.status, reply_code = u.code,"
	" auth_sending_ip = u.aip, auth_domain = u.adomain, spf = u.spf,"
	" dkim = u.dkim, dmarc = u.dmarc, status_source = u.ssrc,"
	" rules_version = $1::int"
	" FROM u WHERE b.bounce_id = u.id AND b.rcpt_no = u.no"
	" RETURNING b.bounce_id, b.event_at, b.recipient_domain, b.action,"
	" b.reason, b.hard_bounce, b.auth_sending_ip, b.auth_domain),"
	" o AS (SELECT b.bounce_id, b.event_at, b.recipient_domain, b.action,"
	" b.reason, b.hard_bounce, b.auth_sending_ip, b.auth_domain"
	" FROM bounce_recipient b JOIN u ON b.bounce_id = u.id"
	" AND b.rcpt_no = u.no),"
	" k AS (SELECT" BOUNCE_DAILY_KEY("o") ", -1 AS n"
	" FROM o JOIN bounce_message m ON m.id = o.bounce_id"
	" UNION ALL SELECT" BOUNCE_DAILY_KEY("up") ", 1"
	" FROM up JOIN bounce_message m ON m.id = up.bounce_id)"
	" INSERT INTO bounce_daily (sender_domain, day, sending_ip, kind,"
	" bounced, reason, recipient_domain, hard_bounce, recipients)"
	" SELECT sender_domain, day, sending_ip, kind, bounced, reason,"
	" recipient_domain, hard_bounce, sum(n) FROM k"
	" GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(n) <> 0" };
#define UP_COLS (2 + VERDICT)

static char *
get(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL :
	    g_strdup(PQgetvalue(res, row, col));
}

static const char *
cell(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void
rcpt_clear(struct bounce_recipient *r)
{
	g_free(r->recipient); g_free(r->original_recipient);
	g_free(r->action); g_free(r->status); g_free(r->remote_mta);
	g_free(r->diagnostic_type); g_free(r->diagnostic_code);
	g_free(r->smtp_command); g_free(r->feedback_type);
	g_free(r->mta_reason); g_free(r->rule);
	g_free(r->auth.sending_ip); g_free(r->auth.domain);
	g_free(r->auth.spf); g_free(r->auth.dkim); g_free(r->auth.dmarc);
	memset(r, 0, sizeof(*r));
}

/* NULL-safe string equality. */
static gboolean
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Row i of the page as the classifier's input: the stated fields only. */
static void
stated_fields(const PGresult *res, int i, struct bounce_recipient *r)
{
	memset(r, 0, sizeof(*r));
	r->recipient = get(res, i, PG_RCPT);
	r->original_recipient = get(res, i, PG_ORCPT);
	r->action = get(res, i, PG_ACTION);
	/* A status inferred from the reason is ours: the classifier
	 * infers it again if the message still says none. */
	r->status = same(cell(res, i, PG_SSRC), "inferred") ? NULL :
	    get(res, i, PG_STATUS);
	r->reply_code = PQgetisnull(res, i, PG_CODE) ? 0 :
	    atoi(PQgetvalue(res, i, PG_CODE));
	r->remote_mta = get(res, i, PG_RMTA);
	r->diagnostic_type = get(res, i, PG_DTYPE);
	r->diagnostic_code = get(res, i, PG_DCODE);
	r->smtp_command = get(res, i, PG_CMD);
	r->last_attempt = PQgetisnull(res, i, PG_LAST) ? 0 :
	    g_ascii_strtoll(PQgetvalue(res, i, PG_LAST), NULL, 10);
	r->feedback_type = get(res, i, PG_FBTYPE);
	r->mta_reason = get(res, i, PG_MREASON);
}

/* Re-classify row i of the page, add its key and new verdict to up;
 * TRUE when the verdict differs from the stored one. */
static gboolean
reclassify_row(const PGresult *res, int i, store_classify_fn fn, void *user,
    struct rowbuf *up)
{
	struct bounce_recipient r;
	const char *now[VERDICT];
	char code[16], *ip;
	gboolean changed = FALSE;
	int k;

	stated_fields(res, i, &r);
	fn(user, &r, cell(res, i, PG_FORMAT));
	/* Stored as store_bounce stores them: comparable as text. */
	ip = inet_text(r.auth.sending_ip);
	snprintf(code, sizeof(code), "%d", r.reply_code);
	now[0] = r.reason; now[1] = r.rule; now[2] = r.hard_bounce ? "t" : "f";
	now[3] = r.status;
	now[4] = r.reply_code >= 100 && r.reply_code <= 999 ? code : NULL;
	now[5] = ip; now[6] = r.auth.domain; now[7] = r.auth.spf;
	now[8] = r.auth.dkim; now[9] = r.auth.dmarc;
	now[10] = r.status_source;

	rowbuf_add(up, PQgetvalue(res, i, PG_ID));
	rowbuf_add(up, PQgetvalue(res, i, PG_NO));
	for (k = 0; k < VERDICT; k++) {
		changed |= !same(now[k], cell(res, i, verdict_col[k]));
		add_text(up, now[k]);
	}
	g_free(ip);
	rcpt_clear(&r);
	return changed;
}

/* One page in one transaction: read, re-classify, update.  Returns the
 * rows read (0: done), -1 on error; *last is the key to go on from. */
static int
reclassify_page(struct store *st, int version, gboolean all,
    store_classify_fn fn, void *user, int64_t last[2], int64_t *changed,
    GError **err)
{
	char k0[32], k1[32], ver[16], lim[16];
	const char *v[UP_COLS + 1];
	struct rowbuf up;
	GString **cols;
	PGresult *res;
	int i, n, c;

	snprintf(k0, sizeof(k0), "%" PRId64, last[0]);
	snprintf(k1, sizeof(k1), "%" PRId64, last[1]);
	snprintf(ver, sizeof(ver), "%d", version);
	snprintf(lim, sizeof(lim), "%d", PAGE_ROWS);
	v[0] = k0; v[1] = k1; v[2] = all ? "t" : "f"; v[3] = ver; v[4] = lim;
	q_fixed(st, "BEGIN", EFF_BEGIN);
	if ((i = q_send(st, &rc_page, 5, v, NULL, NULL, 0, err)) < 0 ||
	    q_sync(st, err) < 0) {
		store_tx_abandon(st);
		return -1;
	}
	res = q_result(st, i);
	if ((n = PQntuples(res)) == 0) {
		q_fixed(st, "ROLLBACK", EFF_END);
		return q_sync(st, err) < 0 ? -1 : 0;
	}
	rowbuf_init(&up, UP_COLS);
	for (i = 0; i < n; i++)
		if (reclassify_row(res, i, fn, user, &up))
			(*changed)++;
	last[0] = g_ascii_strtoll(PQgetvalue(res, n - 1, PG_ID), NULL, 10);
	last[1] = g_ascii_strtoll(PQgetvalue(res, n - 1, PG_NO), NULL, 10);

	cols = rowbuf_arrays(&up);
	rowbuf_free(&up);
	v[0] = ver;
	for (c = 0; c < UP_COLS; c++)
		v[c + 1] = cols[c]->str;
	i = q_send(st, &rc_update, UP_COLS + 1, v, NULL, NULL, 0, err);
	for (c = 0; c < UP_COLS; c++)
		g_string_free(cols[c], TRUE);
	g_free(cols);
	q_fixed(st, "COMMIT", EFF_END);
	if (i < 0 || q_sync(st, err) < 0) {
		store_tx_abandon(st);
		return -1;
	}
	return n;
}

int64_t
store_bounce_reclassify(struct store *st, int version, gboolean all,
    store_classify_fn fn, void *user, int64_t *seen, GError **err)
{
	int64_t last[2] = { 0, 0 }, changed = 0;
	int n;

	if (seen)
		*seen = 0;
	if (st->in_batch) {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_bounce_reclassify: a batch is open");
		return -1;
	}
	if (store_check_usable(st, err) < 0 || q_sync(st, err) < 0)
		return -1;
	while ((n = reclassify_page(st, version, all, fn, user, last,
	    &changed, err)) > 0)
		if (seen)
			*seen += n;
	return n < 0 ? -1 : changed;
}
