/* arf.c - store one ARF report: a DMARC failure report or a complaint,
 * every field of it and the returned message's headers, in one statement.
 *
 *	store_message_begin(st, &err);
 *	rc = store_arf_report(st, report, msg_sha256, &err);   1 new, 0 duplicate
 *	store_message_end(st, &log, &err);
 *
 * The row is inserted ON CONFLICT DO NOTHING on its identity, a hex
 * SHA-256 of the report's content: every field of the feedback-report part
 * and the returned message's identifying headers, not the report message's
 * own envelope (sql/004_tls_arf.sql), so the same report delivered twice
 * through two paths is stored once.  When nothing identifies the returned
 * message (no headers, no Message-ID, no arrival date) the message's own
 * hash joins the identity, so distinct bare reports never merge.  One
 * round trip (single.c).
 *
 * Derived here, for the views: the reporter (Reporting-MTA without its
 * "dns;" type, else the report's From domain), the From domain the report
 * is about (the returned message's, else the first Reported-Domain), and
 * the domain of SPF-DNS.  Values: text made valid UTF-8, Source-IP as inet
 * when it is an address (the text as read kept beside it), times outside
 * 1970..9999 as NULL (the text as written kept), a Source-Port that is
 * no port as NULL.  Incidents that are
 * negative or absurd (over 10^12) refuse the report with STORE_ERROR_DATA
 * before anything is sent (quarantine), as TLS counts do.  Unknown fields
 * go to a jsonb object by lower-cased name, every field read to a jsonb
 * array of [name, value] pairs, both built by the server from two arrays
 * each (no JSON is written here).  Columns of sql/004_tls_arf.sql and
 * sql/005_arf_fields.sql.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "../parse/arf/arf.h"

#define ARF_MAX_INCIDENTS INT64_C(1000000000000)

/* The parameters of ins_arf, $1 = A_HAVE_ID + 1 and so on. */
enum {
	A_HAVE_ID, A_SHA, A_FORMAT, A_FBTYPE, A_UA, A_VERSION, A_ENVID,
	A_MAILFROM, A_RCPTTO, A_ARRIVAL, A_ARRIVAL_T, A_RMTA, A_SIP, A_SIP_RAW,
	A_INCIDENTS, A_AUTHRES, A_RDOMAIN, A_RURI, A_DELIVERY, A_AUTHFAIL,
	A_DKIM_D, A_DKIM_I, A_DKIM_S, A_DKIM_CH, A_DKIM_CB, A_SPF_DNS,
	A_ALIGN, A_OTHER_N, A_OTHER_V, A_DROPPED, A_O_FROM, A_O_TO,
	A_O_SUBJECT, A_O_MSGID, A_O_DATE, A_O_DATE_T, A_O_AUTHRES, A_O_DKIM_D,
	A_O_DKIM_S, A_O_RECEIVED, A_O_HEADERS, A_O_BODY, A_R_FROM,
	A_R_SUBJECT, A_R_MSGID, A_R_DATE, A_REPORTER, A_FROM_DOMAIN,
	A_SPF_DOMAIN, A_IDENTITY,
	/* sql/005_arf_fields.sql */
	A_FIELDS_N, A_FIELDS_V, A_SPORT, A_ADSP_DNS, A_SEL_DNS, A_O_PART,
	A_O_DROPPED, A_O_TRUNC, A_O_BODY_TRUNC, A_PARAMS
};

static const struct q_stmt ins_arf = { "ms_arf_ins",
	"INSERT INTO arf_report (ingest_id, sha256, format, feedback_type,"
	" user_agent, version, original_envelope_id, original_mail_from,"
	" original_rcpt_to, arrival_date, arrival_time, reporting_mta,"
	" source_ip, source_ip_raw, incidents, authentication_results,"
	" reported_domain, reported_uri, delivery_result, auth_failure,"
	" dkim_domain, dkim_identity, dkim_selector,"
	" dkim_canonicalized_header, dkim_canonicalized_body, spf_dns,"
	" identity_alignment, other_fields, fields_dropped, orig_from,"
	" orig_to, orig_subject, orig_message_id, orig_date, orig_date_time,"
	" orig_authentication_results, orig_dkim_domain, orig_dkim_selector,"
	" orig_received, orig_headers, orig_body, report_from,"
	" report_subject, report_message_id, report_date, reporter,"
	" from_domain, spf_domain, day, identity, fields, source_port,"
	" dkim_adsp_dns, dkim_selector_dns, orig_part_type,"
	" orig_fields_dropped, orig_truncated, orig_body_truncated)"
	" VALUES (CASE WHEN $1::bool THEN currval('ingest_log_id_seq')"
	" ELSE nextval('ingest_log_id_seq') END, $2::text, $3::text,"
	" $4::text, $5::text, $6::text, $7::text, $8::text, $9::text[],"
	" $10::text, to_timestamp($11::bigint), $12::text, $13::inet,"
	" $14::text, $15::bigint, $16::text[], $17::text[], $18::text[],"
	" $19::text, $20::text, $21::text, $22::text, $23::text, $24::text,"
	" $25::text, $26::text, $27::text,"
	" (SELECT jsonb_object_agg(g.n, g.vs) FROM (SELECT u.n,"
	"  jsonb_agg(u.v ORDER BY u.i) AS vs"
	"  FROM unnest($28::text[], $29::text[]) WITH ORDINALITY AS u(n, v, i)"
	"  GROUP BY u.n) g),"
	" $30::int, $31::text, $32::text, $33::text, $34::text, $35::text,"
	" to_timestamp($36::bigint), $37::text[], $38::text, $39::text,"
	" $40::text[], $41::text, $42::text, $43::text, $44::text, $45::text,"
	" to_timestamp($46::bigint), $47::text, $48::text, $49::text,"
	" (coalesce(to_timestamp($11::bigint), now()) AT TIME ZONE 'UTC')::date,"
	" $50::text,"
	" (SELECT jsonb_agg(jsonb_build_array(u.n, u.v) ORDER BY u.i)"
	"  FROM unnest($51::text[], $52::text[]) WITH ORDINALITY"
	"  AS u(n, v, i)),"
	" $53::int, $54::text, $55::text, $56::text, $57::int, $58::bool,"
	" $59::bool)"
	" ON CONFLICT ON CONSTRAINT arf_report_identity DO NOTHING"
	" RETURNING id" };

/* ---- derived values ---- */

/* Reporting-MTA is "dns; mx.example.com" (RFC 5965 after RFC 3464): the
 * name, without its type and anything after it. */
static char *
mta_name(const char *s)
{
	const char *semi, *p, *end;
	char *name, *norm;

	if (s == NULL)
		return NULL;
	if ((semi = strchr(s, ';')) != NULL) {
		for (p = s; p < semi && (g_ascii_isalnum(*p) || *p == '-' ||
		    g_ascii_isspace(*p)); p++)
			;
		if (p == semi)
			s = semi + 1;
	}
	while (g_ascii_isspace(*s))
		s++;
	for (end = s; *end && !g_ascii_isspace(*end) && *end != '(' &&
	    *end != ';'; end++)
		;
	name = g_strndup(s, end - s);
	norm = val_host(name, FALSE);
	g_free(name);
	return norm;
}

static char *
reporter(const struct arf_report *a)
{
	char *r = mta_name(a->reporting_mta);

	return r ? r : val_mail_domain(a->from);
}

static char *
from_domain(const struct arf_report *a)
{
	char *d = val_mail_domain(a->original.from);

	if (d == NULL && a->reported_domain && a->reported_domain->len > 0)
		d = val_host(g_ptr_array_index(a->reported_domain, 0), FALSE);
	return d;
}

/* SPF-DNS (RFC 6591 3.2): "txt : example.com : v=spf1 ...", the record
 * type, the domain queried and what it said.  Some leave the type out, or
 * write the domain alone: then the first part, if it looks like a name. */
static char *
spf_domain(const char *s)
{
	char **part, *d = NULL;
	const char *name;

	if (s == NULL)
		return NULL;
	part = g_strsplit(s, ":", 3);
	name = part[0] ? g_strstrip(part[0]) : NULL;
	if (name && part[1] && (g_ascii_strcasecmp(name, "txt") == 0 ||
	    g_ascii_strcasecmp(name, "spf") == 0))
		name = g_strstrip(part[1]);
	if (name && *name && strchr(name, ' ') == NULL &&
	    strchr(name, '\t') == NULL && strchr(name, '.') != NULL)
		d = val_host(name, FALSE);
	g_strfreev(part);
	return d;
}

/* ---- the identity ---- */

/* Hex SHA-256 of the report's content; see the top of the file. */
static char *
identity(const struct arf_report *a, const char *sha256)
{
	const struct arf_original *o = &a->original;
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	char *hex;
	guint i;

	val_ident_add(ck, "arf");
	val_ident_add(ck, a->format);
	val_ident_add(ck, a->feedback_type);
	val_ident_add(ck, a->user_agent);
	val_ident_add(ck, a->version);
	val_ident_add(ck, a->original_envelope_id);
	val_ident_add(ck, a->original_mail_from);
	val_ident_add_list(ck, a->original_rcpt_to);
	val_ident_add(ck, a->arrival_date);
	val_ident_add_int(ck, a->arrival_time);
	val_ident_add(ck, a->reporting_mta);
	val_ident_add(ck, a->source_ip);
	val_ident_add_int(ck, a->incidents);
	val_ident_add_list(ck, a->authentication_results);
	val_ident_add_list(ck, a->reported_domain);
	val_ident_add_list(ck, a->reported_uri);
	val_ident_add(ck, a->delivery_result);
	val_ident_add(ck, a->auth_failure);
	val_ident_add(ck, a->dkim_domain);
	val_ident_add(ck, a->dkim_identity);
	val_ident_add(ck, a->dkim_selector);
	val_ident_add(ck, a->dkim_canonicalized_header);
	val_ident_add(ck, a->dkim_canonicalized_body);
	val_ident_add(ck, a->spf_dns);
	val_ident_add(ck, a->identity_alignment);
	val_ident_add_int(ck, a->other_fields ? a->other_fields->len : 0);
	for (i = 0; a->other_fields && i < a->other_fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(a->other_fields, i);

		val_ident_add(ck, f ? f->name : NULL);
		val_ident_add(ck, f ? f->value : NULL);
	}
	val_ident_add_int(ck, a->source_port);
	val_ident_add(ck, a->dkim_adsp_dns);
	val_ident_add(ck, a->dkim_selector_dns);
	val_ident_add_int(ck, a->fields ? a->fields->len : 0);
	for (i = 0; a->fields && i < a->fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(a->fields, i);

		val_ident_add(ck, f ? f->name : NULL);
		val_ident_add(ck, f ? f->value : NULL);
	}
	val_ident_add(ck, o->message_id);
	val_ident_add(ck, o->from);
	val_ident_add(ck, o->to);
	val_ident_add(ck, o->subject);
	val_ident_add(ck, o->date);
	val_ident_add(ck, o->headers);
	if (o->headers == NULL && o->message_id == NULL &&
	    a->arrival_date == NULL && a->arrival_time == 0)
		val_ident_add(ck, sha256);
	hex = g_strdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	return hex;
}

/* ---- the statement's values ---- */

/* The unknown fields as two text[] literals: names lower-cased, values in
 * order (the server groups them by name). */
static void
other_fields(const GPtrArray *fields, const char **names,
    const char **values, GPtrArray *keep)
{
	GPtrArray *n, *v;
	guint i;

	*names = *values = NULL;
	if (fields == NULL || fields->len == 0)
		return;
	n = g_ptr_array_new_with_free_func(g_free);
	v = g_ptr_array_new();
	for (i = 0; i < fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(fields, i);

		if (f == NULL || f->name == NULL)
			continue;	/* a JSON key cannot be NULL */
		g_ptr_array_add(n, g_ascii_strdown(val_utf8(f->name, keep), -1));
		g_ptr_array_add(v, (char *)f->value);
	}
	g_ptr_array_add(keep, (char *)(*names = val_text_array(n)));
	g_ptr_array_add(keep, (char *)(*values = val_text_array(v)));
	g_ptr_array_free(n, TRUE);
	g_ptr_array_free(v, TRUE);
}

/* Every field read, as two text[] literals in order (the server pairs
 * them into a JSON array). */
static void
all_fields(const GPtrArray *fields, const char **names, const char **values,
    GPtrArray *keep)
{
	GPtrArray *n, *v;
	guint i;

	*names = *values = NULL;
	if (fields == NULL || fields->len == 0)
		return;
	n = g_ptr_array_sized_new(fields->len);
	v = g_ptr_array_sized_new(fields->len);
	for (i = 0; i < fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(fields, i);

		g_ptr_array_add(n, f ? f->name : NULL);
		g_ptr_array_add(v, f ? f->value : NULL);
	}
	g_ptr_array_add(keep, (char *)(*names = val_text_array(n)));
	g_ptr_array_add(keep, (char *)(*values = val_text_array(v)));
	g_ptr_array_free(n, TRUE);
	g_ptr_array_free(v, TRUE);
}

/* Times as epoch text, in buffers of 32 bytes each. */
struct arf_times {
	char arrival[32], odate[32], rdate[32], incidents[32], dropped[16];
	char port[16], odropped[16];
};

static void
report_values(const struct arf_report *a, const char **v,
    struct arf_times *t, GPtrArray *keep)
{
	v[A_FORMAT] = a->format ? a->format : "arf";
	v[A_FBTYPE] = val_utf8(a->feedback_type, keep);
	v[A_UA] = val_utf8(a->user_agent, keep);
	v[A_VERSION] = val_utf8(a->version, keep);
	v[A_ENVID] = val_utf8(a->original_envelope_id, keep);
	v[A_MAILFROM] = val_utf8(a->original_mail_from, keep);
	g_ptr_array_add(keep, (char *)(v[A_RCPTTO] =
	    val_text_array(a->original_rcpt_to)));
	v[A_ARRIVAL] = val_utf8(a->arrival_date, keep);
	v[A_ARRIVAL_T] = val_epoch(a->arrival_time, t->arrival,
	    sizeof(t->arrival));
	v[A_RMTA] = val_utf8(a->reporting_mta, keep);
	g_ptr_array_add(keep, (char *)(v[A_SIP] = val_inet(a->source_ip)));
	v[A_SIP_RAW] = val_utf8(a->source_ip, keep);
	snprintf(t->incidents, sizeof(t->incidents), "%" PRId64, a->incidents);
	v[A_INCIDENTS] = a->incidents >= 0 ? t->incidents : NULL;
	g_ptr_array_add(keep, (char *)(v[A_AUTHRES] =
	    val_text_array(a->authentication_results)));
	g_ptr_array_add(keep, (char *)(v[A_RDOMAIN] =
	    val_text_array(a->reported_domain)));
	g_ptr_array_add(keep, (char *)(v[A_RURI] =
	    val_text_array(a->reported_uri)));
	v[A_DELIVERY] = val_utf8(a->delivery_result, keep);
	v[A_AUTHFAIL] = val_utf8(a->auth_failure, keep);
	v[A_DKIM_D] = val_utf8(a->dkim_domain, keep);
	v[A_DKIM_I] = val_utf8(a->dkim_identity, keep);
	v[A_DKIM_S] = val_utf8(a->dkim_selector, keep);
	v[A_DKIM_CH] = val_utf8(a->dkim_canonicalized_header, keep);
	v[A_DKIM_CB] = val_utf8(a->dkim_canonicalized_body, keep);
	v[A_SPF_DNS] = val_utf8(a->spf_dns, keep);
	v[A_ALIGN] = val_utf8(a->identity_alignment, keep);
	other_fields(a->other_fields, &v[A_OTHER_N], &v[A_OTHER_V], keep);
	snprintf(t->dropped, sizeof(t->dropped), "%u",
	    MIN(a->fields_dropped, (guint)G_MAXINT));
	v[A_DROPPED] = t->dropped;
	v[A_R_FROM] = val_utf8(a->from, keep);
	v[A_R_SUBJECT] = val_utf8(a->subject, keep);
	v[A_R_MSGID] = val_utf8(a->message_id, keep);
	v[A_R_DATE] = val_epoch(a->date, t->rdate, sizeof(t->rdate));
	all_fields(a->fields, &v[A_FIELDS_N], &v[A_FIELDS_V], keep);
	snprintf(t->port, sizeof(t->port), "%d", a->source_port);
	v[A_SPORT] = a->source_port >= 0 && a->source_port <= 65535 ?
	    t->port : NULL;
	v[A_ADSP_DNS] = val_utf8(a->dkim_adsp_dns, keep);
	v[A_SEL_DNS] = val_utf8(a->dkim_selector_dns, keep);
}

static void
original_values(const struct arf_original *o, const char **v,
    struct arf_times *t, GPtrArray *keep)
{
	v[A_O_FROM] = val_utf8(o->from, keep);
	v[A_O_TO] = val_utf8(o->to, keep);
	v[A_O_SUBJECT] = val_utf8(o->subject, keep);
	v[A_O_MSGID] = val_utf8(o->message_id, keep);
	v[A_O_DATE] = val_utf8(o->date, keep);
	v[A_O_DATE_T] = val_epoch(o->date_time, t->odate, sizeof(t->odate));
	g_ptr_array_add(keep, (char *)(v[A_O_AUTHRES] =
	    val_text_array(o->authentication_results)));
	v[A_O_DKIM_D] = val_utf8(o->dkim_domain, keep);
	v[A_O_DKIM_S] = val_utf8(o->dkim_selector, keep);
	g_ptr_array_add(keep, (char *)(v[A_O_RECEIVED] =
	    val_text_array(o->received)));
	v[A_O_HEADERS] = val_utf8(o->headers, keep);
	v[A_O_BODY] = val_utf8(o->body, keep);
	v[A_O_PART] = o->part_type;
	snprintf(t->odropped, sizeof(t->odropped), "%u",
	    MIN(o->fields_dropped, (guint)G_MAXINT));
	v[A_O_DROPPED] = t->odropped;
	v[A_O_TRUNC] = o->truncated ? "t" : "f";
	v[A_O_BODY_TRUNC] = o->body_truncated ? "t" : "f";
}

int
store_arf_report(struct store *st, const struct arf_report *a,
    const char *sha256, GError **err)
{
	GPtrArray *keep;
	const char *v[A_PARAMS] = { NULL };
	struct arf_times t;
	int rc;

	if (!st->in_message || st->in_report || sha256 == NULL ||
	    *sha256 == '\0') {
		store_set_error(err, STORE_ERROR_INTERNAL,
		    "store_arf_report: %s", !st->in_message ?
		    "no message begun" : st->in_report ? "a report is open" :
		    "no message hash");
		return -1;
	}
	if (a->incidents < -1 || a->incidents > ARF_MAX_INCIDENTS) {
		store_set_error(err, STORE_ERROR_DATA, "ARF report: Incidents "
		    "out of range (%" PRId64 ")", a->incidents);
		return -1;
	}
	keep = g_ptr_array_new_with_free_func(g_free);
	v[A_HAVE_ID] = st->have_id ? "t" : "f";
	v[A_SHA] = val_utf8(sha256, keep);
	report_values(a, v, &t, keep);
	original_values(&a->original, v, &t, keep);
	g_ptr_array_add(keep, (char *)(v[A_REPORTER] = reporter(a)));
	g_ptr_array_add(keep, (char *)(v[A_FROM_DOMAIN] = from_domain(a)));
	g_ptr_array_add(keep, (char *)(v[A_SPF_DOMAIN] =
	    spf_domain(a->spf_dns)));
	g_ptr_array_add(keep, (char *)(v[A_IDENTITY] = identity(a, sha256)));

	rc = store_single(st, &ins_arf, A_PARAMS, v, NULL, NULL, err);
	g_ptr_array_free(keep, TRUE);
	return rc;
}
