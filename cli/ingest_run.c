/* ingest_run.c - from messages to committed reports and ingest log rows.
 *
 * For every message: skip it as a duplicate when the same bytes were
 * already ingested; else walk it (ingest/), parse every payload as a DMARC
 * report (XML, streamed straight into the database) or an SMTP TLS report
 * (JSON, read whole: parse/tlsrpt), store it (store/), and log the outcome.
 * A message in which the walk found no report goes to the ARF reader (a
 * DMARC failure report or a complaint: every field kept) and to the bounce
 * reader, with the MIME tree the walk already parsed: a bounce, auto-reply
 * or complaint is stored (or found a duplicate) and its recipients counted
 * in the log; anything else stays "not a report", the reason saying what
 * was looked for.  Parse errors and limits quarantine the message with its
 * raw bytes and the reason; reports of the same message that parsed fine
 * are kept, and a later requeue finds them as duplicates.  Database errors are not the message's
 * fault: the batch is rolled back and retried, then the run stops with 75.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ingest_run.h"
#include "../parse/dmarc/dmarc.h"
#include "../parse/bounce/bounce.h"
#include "../parse/tlsrpt/tlsrpt.h"
#include "../parse/arf/arf.h"
#include "parse_json.h"

#define RUN_RETRIES	3

struct queued_message {
	struct ingest_message *msg;
	char *reason;		/* preset quarantine reason, or NULL */
	int64_t requeued_from;
};

/* State of one message while its payloads are parsed and stored. */
struct message_state {
	struct ingest_run *run;
	struct ingest_payload *payload;
	int reports_stored, reports_duplicate;
	int64_t records;
	GString *errors;	/* why the message is quarantined */
	GString *notes;		/* why payloads were not reports */
	GError *db_err;		/* a database error: the batch must go */
	gboolean report_open;	/* store_report_begin returned 1 */
	gboolean duplicate;	/* the current report was already stored */
	int bounce;		/* store_bounce: 1 stored, 0 duplicate, -1 none */
	enum bounce_kind bounce_kind;	/* of the bounce stored */
	gboolean failure_report;	/* the ARF report is a failure report */
	int bounce_rcpts;	/* recipients it stored */
	int arf;		/* store_arf_report: 1 stored, 0 duplicate, -1 none */
};

static void
queued_free(gpointer p)
{
	struct queued_message *q = p;

	ingest_message_free(q->msg);
	g_free(q->reason);
	g_free(q);
}

void
ingest_run_init(struct ingest_run *run, struct store *st)
{
	memset(run, 0, sizeof(*run));
	run->st = st;
	store_set_pipelined(st, TRUE);	/* retried safely on a refusal */
	ingest_limits_default(&run->lim);
	run->batch_max = 500;
	run->batch_bytes_max = 32 * 1024 * 1024;
	run->batch = g_ptr_array_new_with_free_func(queued_free);
}

static void
append_reason(GString *s, const char *what, const char *why)
{
	if (s->len)
		g_string_append(s, "; ");
	if (what && *what)
		g_string_append_printf(s, "%s: ", what);
	g_string_append(s, why);
}

/* Database errors other than "this content was refused" end the batch. */
static gboolean
db_error_is_fatal(const GError *err)
{
	return !(err->domain == STORE_ERROR && err->code == STORE_ERROR_DATA);
}

static int
on_report_begin(void *user, const struct dmarc_report *r)
{
	struct message_state *ms = user;
	int rc = store_report_begin(ms->run->st, r, &ms->db_err);

	if (rc < 0)
		return -1;
	if (rc == 0) {
		/* Already stored: no need to read the rest. */
		ms->duplicate = TRUE;
		ms->reports_duplicate++;
		return -1;
	}
	ms->report_open = TRUE;
	return 0;
}

static int
on_report_record(void *user, const struct dmarc_report *r,
    const struct dmarc_record *rec)
{
	struct message_state *ms = user;

	return store_report_record(ms->run->st, r, rec, &ms->db_err);
}

static int
on_report_end(void *user, const struct dmarc_report *r)
{
	struct message_state *ms = user;
	struct ingest_payload *p = ms->payload;
	struct store_raw raw = { p->raw, p->container, p->member, p->part_name };

	if (store_report_end(ms->run->st, r, &raw, &ms->db_err) < 0)
		return -1;
	ms->report_open = FALSE;
	ms->reports_stored++;
	ms->records += r->record_count;
	return 0;
}

static const struct dmarc_callbacks store_callbacks = {
	on_report_begin, on_report_record, on_report_end,
};

static const char *
payload_label(const struct ingest_payload *p)
{
	if (p->member && *p->member)
		return p->member;
	return p->part_name;
}

/* Undo a report that failed half way.  Returns -1 when even that failed
 * (the connection is gone). */
static int
abort_open_report(struct message_state *ms)
{
	GError *err = NULL;

	if (!ms->report_open)
		return 0;
	ms->report_open = FALSE;
	if (store_report_abort(ms->run->st, &err) < 0) {
		if (ms->db_err == NULL)
			ms->db_err = err;
		else
			g_error_free(err);
		return -1;
	}
	return 0;
}

/* A refused or failed store call: -1 ends the batch (ms->db_err kept),
 * else the message is quarantined with the database's reason. */
static int
store_failed(struct message_state *ms, const char *what)
{
	if (db_error_is_fatal(ms->db_err))
		return -1;
	append_reason(ms->errors, what, ms->db_err->message);
	g_clear_error(&ms->db_err);
	return 0;
}

/* A JSON payload: an SMTP TLS report, stored whole, or JSON that is no
 * report (a note: an Amazon SES notification, say, read later as a
 * bounce). */
static int
on_tls_payload(struct message_state *ms, struct ingest_payload *p)
{
	struct store_raw raw = { p->raw, p->container, p->member, p->part_name };
	const char *label = payload_label(p);
	struct tlsrpt_report *r;
	GError *err = NULL;
	int rc;

	if ((r = cli_tls_payload(p, label, &err)) == NULL) {
		if (err == NULL)
			append_reason(ms->notes, NULL,
			    "JSON that is not a TLS report");
		else if (g_error_matches(err, TLSRPT_ERROR,
		    TLSRPT_ERROR_NOT_REPORT))
			append_reason(ms->notes, NULL, err->message);
		else	/* the message names the payload */
			append_reason(ms->errors, NULL, err->message);
		g_clear_error(&err);
		return 0;
	}
	rc = store_tls_report(ms->run->st, r, &raw, &ms->db_err);
	tlsrpt_report_free(r);
	if (rc < 0)
		return store_failed(ms, label);
	if (rc == 1)
		ms->reports_stored++;
	else
		ms->reports_duplicate++;
	return 0;
}

static int
on_payload(void *user, struct ingest_payload *p)
{
	struct message_state *ms = user;
	GError *err = NULL;
	int rc;

	ms->payload = p;
	ms->duplicate = FALSE;
	if (g_strcmp0(p->format, "json") == 0)
		return on_tls_payload(ms, p);
	rc = dmarc_parse(ingest_payload_read, p, payload_label(p),
	    &store_callbacks, ms, &err);
	if (rc >= 0)
		return 0;
	if (ms->db_err != NULL) {
		if (abort_open_report(ms) < 0 || db_error_is_fatal(ms->db_err)) {
			g_clear_error(&err);
			return -1;
		}
		/* The database refused this content: quarantine. */
		append_reason(ms->errors, payload_label(p), ms->db_err->message);
		g_clear_error(&ms->db_err);
	} else if (ms->duplicate) {
		/* stopped on purpose */
	} else if (err->domain == DMARC_ERROR && err->code == DMARC_ERROR_NOT_REPORT) {
		append_reason(ms->notes, NULL, err->message);
	} else {
		if (abort_open_report(ms) < 0) {
			g_clear_error(&err);
			return -1;
		}
		/* The parser's message already names the payload. */
		append_reason(ms->errors, NULL, err->message);
	}
	g_clear_error(&err);
	return 0;
}

/* A message without a report: is it an ARF report (a DMARC failure
 * report or a complaint)?  Stores every field of it when it is, before the
 * bounce reader stores a complaint its own way.  -1: a database error
 * that ends the batch (*err set); a refused or unreadable one quarantines
 * the message. */
static int
try_arf(struct ingest_run *run, struct ingest_message *m,
    struct message_state *ms, GError **err)
{
	struct _GMimeMessage *mime = ingest_message_mime(m);
	struct arf_report *a;
	GError *perr = NULL;
	int rc;

	if (mime == NULL)
		return 0;
	if ((a = arf_parse_full(mime, run->keep_bodies, &perr)) == NULL) {
		if (perr != NULL)
			append_reason(ms->errors, "feedback report",
			    perr->message);
		g_clear_error(&perr);
		return 0;
	}
	rc = store_arf_report(run->st, a, ingest_message_sha256(m), err);
	ms->failure_report = arf_is_failure_report(a);
	arf_report_free(a);
	if (rc < 0) {
		if (db_error_is_fatal(*err))
			return -1;
		append_reason(ms->errors, "feedback report", (*err)->message);
		g_clear_error(err);
		return 0;
	}
	ms->arf = rc;
	return 0;
}

/* A message without a report: is it a bounce, an auto-reply or a
 * complaint?  Stores it when it is.  -1: a database error that ends the
 * batch (*err set); a refused bounce or an unreadable one quarantines the
 * message, like a DMARC report would. */
static int
try_bounce(struct ingest_run *run, struct ingest_message *m,
    struct message_state *ms, GError **err)
{
	struct _GMimeMessage *mime = ingest_message_mime(m);
	struct bounce_report *b;
	GError *perr = NULL;
	int rc;

	if (mime == NULL)
		return 0;	/* a bare report file, or not MIME at all */
	if ((b = bounce_parse(mime, &perr)) == NULL) {
		append_reason(ms->errors, "bounce", perr ? perr->message :
		    "unreadable");
		g_clear_error(&perr);
		return 0;
	}
	if (b->kind == BOUNCE_KIND_NONE && ms->arf >= 0) {
		/* A failure report in plain text: the ARF reader took it. */
		bounce_report_free(b);
		return 0;
	}
	if (b->kind == BOUNCE_KIND_NONE) {
		append_reason(ms->notes, NULL, ms->notes->len ?
		    "not a bounce, auto-reply or complaint either" :
		    "no report, bounce, auto-reply or complaint found in the "
		    "message");
		bounce_report_free(b);
		return 0;
	}
	rc = store_bounce(run->st, b, ingest_message_sha256(m),
	    &ms->bounce_rcpts, err);
	ms->bounce_kind = b->kind;
	bounce_report_free(b);
	if (rc < 0) {
		if (db_error_is_fatal(*err))
			return -1;
		/* The database refused its content: quarantine. */
		append_reason(ms->errors, "bounce", (*err)->message);
		g_clear_error(err);
		return 0;
	}
	ms->bounce = rc;
	return 0;
}

static enum store_outcome
message_outcome(const struct message_state *ms, const char **reason)
{
	if (ms->errors->len) {
		*reason = ms->errors->str;
		return STORE_OUTCOME_QUARANTINED;
	}
	if (ms->reports_stored || ms->bounce == 1 || ms->arf == 1) {
		*reason = NULL;
		return STORE_OUTCOME_STORED;
	}
	if (ms->reports_duplicate) {
		*reason = "every report was already stored";
		return STORE_OUTCOME_DUPLICATE;
	}
	if (ms->bounce == 0) {
		*reason = "the bounce was already stored";
		return STORE_OUTCOME_DUPLICATE;
	}
	if (ms->arf == 0) {
		*reason = "the feedback report was already stored";
		return STORE_OUTCOME_DUPLICATE;
	}
	*reason = ms->notes->len ? ms->notes->str : "no report found in the message";
	return STORE_OUTCOME_NOT_REPORT;
}

static const char *const outcome_names[] = {
	"stored", "duplicate", "not a report", "quarantined",
};

/* Text for the database: valid UTF-8, no control characters. */
static char *
clean_text(const char *s)
{
	char *v;

	if (s == NULL)
		return NULL;
	v = g_utf8_make_valid(s, -1);
	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return v;
}

static int
log_message(struct ingest_run *run, struct queued_message *q,
    enum store_outcome outcome, const char *reason,
    const struct message_state *ms, GError **err)
{
	struct ingest_message *m = q->msg;
	g_autofree char *source = clean_text(m->source);
	g_autofree char *message_id = clean_text(m->message_id);
	g_autofree char *why = clean_text(reason);
	struct store_ingest_log log = {
		.source = source,
		.message_id = message_id,
		.sha256 = ingest_message_sha256(m),
		.outcome = outcome,
		.reason = why,
		.reports_stored = ms ? ms->reports_stored : 0,
		.reports_duplicate = ms ? ms->reports_duplicate : 0,
		.records = ms ? ms->records : 0,
		.raw = outcome == STORE_OUTCOME_QUARANTINED ? m->raw : NULL,
		.requeued_from = q->requeued_from,
		.bounce_recipients = ms && ms->bounce == 1 &&
		    outcome == STORE_OUTCOME_STORED ? ms->bounce_rcpts : 0,
	};
	g_autoptr(GBytes) empty = NULL;
	g_autofree char *dup_why = NULL;

	if (log.outcome == STORE_OUTCOME_QUARANTINED && log.raw == NULL)
		log.raw = empty = g_bytes_new_static("", 0);
	/* The same bytes already waiting in the quarantine (a sender that
	 * retries, a file ingested twice): one copy is enough, this one is
	 * logged as its duplicate.  A requeue retries that very entry. */
	if (outcome == STORE_OUTCOME_QUARANTINED && q->requeued_from <= 0 &&
	    m->raw != NULL) {
		int64_t held = store_quarantine_find(run->st, log.sha256, err);

		if (held < 0)
			return -1;
		if (held > 0) {
			outcome = log.outcome = STORE_OUTCOME_DUPLICATE;
			log.raw = NULL;
			log.duplicate_of = held;
			dup_why = g_strdup_printf("the same bytes are already "
			    "quarantined (mailsift quarantine show %" PRId64
			    "): %s", held, why ? why : "");
			log.reason = reason = dup_why;
		}
	}
	if (store_message_end(run->st, &log, err) < 0)
		return -1;
	switch (outcome) {
	case STORE_OUTCOME_STORED: run->n.stored++; break;
	case STORE_OUTCOME_DUPLICATE: run->n.duplicate++; break;
	case STORE_OUTCOME_NOT_REPORT: run->n.none++; break;
	case STORE_OUTCOME_QUARANTINED: run->n.quarantined++; break;
	}
	if (cli_global.verbose || outcome == STORE_OUTCOME_QUARANTINED)
		fprintf(stderr, "mailsift: %s: %s%s%s\n", m->source,
		    outcome_names[outcome], reason ? ": " : "",
		    reason ? reason : "");
	return 0;
}

static void
count_message(struct ingest_counts *n, const struct message_state *ms)
{
	n->reports += ms->reports_stored;
	n->records += ms->records;
	if (ms->errors->len != 0)
		return;
	if (ms->arf == 1 && ms->failure_report)
		n->failure_reports++;
	if (ms->bounce != 1)
		return;
	switch (ms->bounce_kind) {
	case BOUNCE_KIND_FEEDBACK:
		n->complaints += !ms->failure_report;
		break;
	case BOUNCE_KIND_AUTOREPLY:
		n->autoreplies++;
		break;
	default:
		n->bounces++;
		n->bounce_rcpts += ms->bounce_rcpts;
	}
}

void
ingest_counts_add(struct ingest_counts *a, const struct ingest_counts *b)
{
	a->stored += b->stored;
	a->duplicate += b->duplicate;
	a->none += b->none;
	a->quarantined += b->quarantined;
	a->reports += b->reports;
	a->records += b->records;
	a->bounces += b->bounces;
	a->bounce_rcpts += b->bounce_rcpts;
	a->complaints += b->complaints;
	a->autoreplies += b->autoreplies;
	a->failure_reports += b->failure_reports;
}

/* Store one message inside the open batch.  -1: a database error that
 * ends the batch (*err set). */
static int
process_message(struct ingest_run *run, struct queued_message *q, GError **err)
{
	struct message_state ms = { .run = run, .bounce = -1, .arf = -1 };
	enum store_outcome outcome;
	const char *reason;
	GError *walk_err = NULL;
	int known, rc;

	/* The hash lookup makes re-ingesting old mail cheap.  A message
	 * still in a Maildir's new/ has not been seen by us (it leaves new/
	 * when committed), so skip the lookup: the report identity still
	 * catches a second delivery as a duplicate. */
	if (q->reason == NULL && q->msg->raw != NULL &&
	    !q->msg->in_maildir_new) {
		known = store_message_known(run->st,
		    ingest_message_sha256(q->msg), err);
		if (known < 0)
			return -1;
	} else
		known = 0;
	if (store_message_begin(run->st, err) < 0)
		return -1;
	if (known) {
		struct message_state dup = { .reports_duplicate = 0 };
		return log_message(run, q, STORE_OUTCOME_DUPLICATE,
		    "the same message was already ingested", &dup, err);
	}
	if (q->reason)
		return log_message(run, q, STORE_OUTCOME_QUARANTINED, q->reason,
		    NULL, err);

	ms.errors = g_string_new(NULL);
	ms.notes = g_string_new(NULL);
	rc = ingest_walk(q->msg, &run->lim, on_payload, &ms, &walk_err);
	if (ms.db_err != NULL) {
		g_propagate_error(err, ms.db_err);
		g_clear_error(&walk_err);
		rc = -1;
		goto out;
	}
	if (rc < 0)
		append_reason(ms.errors, NULL, walk_err ? walk_err->message :
		    "the message could not be read");
	g_clear_error(&walk_err);
	if (rc >= 0 && ms.errors->len == 0 && ms.reports_stored == 0 &&
	    ms.reports_duplicate == 0 &&
	    (try_arf(run, q->msg, &ms, err) < 0 ||
	    (ms.errors->len == 0 && try_bounce(run, q->msg, &ms, err) < 0))) {
		rc = -1;
		goto out;
	}
	count_message(&run->n, &ms);
	outcome = message_outcome(&ms, &reason);
	rc = log_message(run, q, outcome, reason, &ms, err);
	if (rc < 0 && !db_error_is_fatal(*err)) {
		/* The log row itself was refused: keep the message anyway. */
		g_autofree char *why = g_strdup_printf(
		    "the database refused the log entry: %s", (*err)->message);

		g_clear_error(err);
		if (store_message_abort(run->st, err) < 0 ||
		    store_message_begin(run->st, err) < 0)
			goto out;
		rc = log_message(run, q, STORE_OUTCOME_QUARANTINED, why, NULL, err);
	}
out:
	g_string_free(ms.errors, TRUE);
	g_string_free(ms.notes, TRUE);
	return rc;
}

static int
try_batch(struct ingest_run *run, GError **err)
{
	if (store_batch_begin(run->st, err) < 0)
		return -1;
	for (guint i = 0; i < run->batch->len; i++) {
		if (process_message(run, g_ptr_array_index(run->batch, i), err) < 0) {
			store_batch_rollback(run->st);
			return -1;
		}
	}
	if (store_batch_commit(run->st, err) < 0) {
		store_batch_rollback(run->st);
		return -1;
	}
	return 0;
}

static void
mark_seen(struct ingest_run *run)
{
	for (guint i = 0; i < run->batch->len; i++) {
		struct queued_message *q = g_ptr_array_index(run->batch, i);
		GError *err = NULL;

		if (ingest_maildir_mark_seen(q->msg, &err) < 0) {
			/* Nothing is lost: the next run finds it as a
			 * duplicate.  But a Maildir that cannot be written
			 * (full disk, permissions) never empties, and
			 * every run logs the same messages again: the
			 * exit status must say so (EX_IOERR), not only
			 * stderr. */
			fprintf(stderr, "mailsift: %s\n", err->message);
			g_error_free(err);
			run->unmoved = TRUE;
		}
	}
}

static void
flush_batch(struct ingest_run *run)
{
	struct ingest_counts saved = run->n;	/* kept for committed batches */
	GError *err = NULL;

	if (run->batch->len == 0 || run->stopped)
		return;
	for (int attempt = 0; ; attempt++) {
		if (try_batch(run, &err) == 0)
			break;
		run->n = saved;
		if (cli_store_status(err) != EX_TEMPFAIL || attempt >= RUN_RETRIES) {
			fprintf(stderr, "mailsift: database: %s\n", err->message);
			run->status = cli_store_status(err);
			run->stopped = TRUE;
			g_clear_error(&err);
			g_ptr_array_set_size(run->batch, 0);
			return;
		}
		if (cli_global.verbose)
			fprintf(stderr, "mailsift: retrying after: %s\n",
			    err->message);
		g_clear_error(&err);
		g_usleep((gulong)(100000 << attempt));
	}
	mark_seen(run);
	g_ptr_array_set_size(run->batch, 0);
	run->batch_bytes = 0;
}

gboolean
ingest_run_add(struct ingest_run *run, struct ingest_message *msg,
    const char *reason, int64_t requeued_from)
{
	struct queued_message *q;

	if (run->stopped) {
		ingest_message_free(msg);
		return FALSE;
	}
	q = g_new0(struct queued_message, 1);
	q->msg = msg;
	q->reason = g_strdup(reason);
	q->requeued_from = requeued_from;
	g_ptr_array_add(run->batch, q);
	run->batch_bytes += msg->raw ? g_bytes_get_size(msg->raw) : 0;
	if (run->batch->len >= run->batch_max ||
	    run->batch_bytes >= run->batch_bytes_max)
		flush_batch(run);
	return !run->stopped;
}

int
ingest_run_finish(struct ingest_run *run)
{
	flush_batch(run);
	g_ptr_array_free(run->batch, TRUE);
	run->batch = NULL;
	return run->status;
}
