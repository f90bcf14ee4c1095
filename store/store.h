/* store.h - keep reports in PostgreSQL and answer queries about them.
 *
 * The only module that talks to the database (libpq).  Reports are written
 * in bulk (COPY for big ones) inside one transaction; a batch may hold
 * several messages, each inside its own savepoint, so a message is stored
 * whole or not at all and a batch of Maildir messages costs one commit.
 * Idempotent: a report is identified by (org_name, report_id, policy domain,
 * begin, end); a second copy is counted once and logged as a duplicate,
 * also when two ingesters race on the same report.
 *
 * Usage (one message):
 *	struct store *st = store_open(conninfo, &err);	   NULL: see err->code
 *	store_batch_begin(st, &err);
 *	store_message_begin(st, &err);
 *	  r = store_report_begin(st, report, &err);	   1 new, 0 duplicate
 *	  if (r == 1) store_report_record(...) per record, store_report_end(...)
 *	  (on a parse error: store_report_abort(st, &err))
 *	store_message_end(st, &log, &err);	   writes the ingest log row
 *	store_batch_commit(st, &err);
 * Any call may fail with STORE_ERROR_TRANSIENT: roll the batch back and
 * retry later (exit 75); STORE_ERROR_DATA means the database refused this
 * report's content: abort the report and quarantine the message.
 */
#ifndef MAILSIFT_STORE_H
#define MAILSIFT_STORE_H

#include <glib.h>
#include <stdint.h>
#include "../parse/dmarc/dmarc.h"

#define STORE_ERROR (store_error_quark())
GQuark store_error_quark(void);

enum store_error_code {
	STORE_ERROR_TRANSIENT,	/* unreachable, connection lost, serialization: retry */
	STORE_ERROR_CONFIG,	/* bad conninfo, authentication, schema missing */
	STORE_ERROR_DATA,	/* the database refused the content */
	STORE_ERROR_INTERNAL,	/* anything else */
};

enum store_outcome {
	STORE_OUTCOME_STORED,
	STORE_OUTCOME_DUPLICATE,
	STORE_OUTCOME_NOT_REPORT,
	STORE_OUTCOME_QUARANTINED,
};

struct store;

/* conninfo NULL or "": MAILSIFT_DB, else libpq defaults (PG* variables). */
struct store *store_open(const char *conninfo, GError **err);
void store_close(struct store *st);

/* Apply pending migrations from the compiled-in sql/ files; returns the
 * number applied (0 when up to date).  Safe to run concurrently. */
int store_migrate(struct store *st, GError **err);
/* Schema version in the database and the newest one this build knows. */
int store_schema_version(struct store *st, int *latest, GError **err);
/* Create mailsift_ingest and mailsift_reader (NOLOGIN) if missing and
 * grant them what they need on the current schema; see sql/roles.sql. */
int store_roles(struct store *st, GError **err);

int store_batch_begin(struct store *st, GError **err);
/* Pipelined batches (ingest's): no savepoints, one wait for the server per
 * report.  An error of one message then shows at a later call, maybe of
 * another message, always as TRANSIENT: roll the batch back and retry it;
 * the retry (the next store_batch_begin) runs safely, as every batch does
 * without this: savepoints, and each call returns its own errors.  In a
 * pipelined batch store_message_end returns 0, not the id. */
void store_set_pipelined(struct store *st, gboolean on);
int store_batch_commit(struct store *st, GError **err);
void store_batch_rollback(struct store *st);

/* 1 when a message with this content hash already ended stored, duplicate
 * (but not of quarantined bytes: those stay to be requeued) or
 * not-a-report: the caller may skip it as a duplicate. */
int store_message_known(struct store *st, const char *sha256, GError **err);

int store_message_begin(struct store *st, GError **err);

/* The raw report bytes to keep, as found in the message. */
struct store_raw {
	GBytes *bytes;
	const char *container;	/* "xml", "gzip", "zip", ... */
	const char *member;	/* zip entry or NULL */
	const char *part_name;
};

int store_report_begin(struct store *st, const struct dmarc_report *r,
    GError **err);
int store_report_record(struct store *st, const struct dmarc_report *r,
    const struct dmarc_record *rec, GError **err);
/* store_report_end queues the report's last rows for the message's next
 * round trip, usually store_message_end's: an error they cause is returned
 * by that call, with the report already rolled back and the message still
 * usable; like any DATA error inside a message it means: quarantine the
 * message.  A big report's records go out in chunks while it is read, and
 * a chunk's error comes back from the report's next call (a later
 * store_report_record, or store_report_end) with the report still open:
 * abort it, as after any error of those calls. */
int store_report_end(struct store *st, const struct dmarc_report *r,
    const struct store_raw *raw, GError **err);
/* Undo everything of the current report (after a parse error). */
int store_report_abort(struct store *st, GError **err);

struct store_ingest_log {
	const char *source;
	const char *message_id;
	const char *sha256;
	enum store_outcome outcome;
	const char *reason;	/* why: duplicate of..., not a report: ..., error */
	int reports_stored, reports_duplicate;
	int64_t records;
	GBytes *raw;		/* kept only when outcome is QUARANTINED */
	int64_t requeued_from;	/* quarantine id this retries, or 0 */
	int bounce_recipients;	/* stored by store_bounce */
	int64_t duplicate_of;	/* a duplicate of this quarantined one, or 0 */
};

/* Write the ingest log row (and the quarantine copy) and close the message's
 * savepoint.  Returns the ingest log id (0 in a pipelined batch). */
int64_t store_message_end(struct store *st, const struct store_ingest_log *log,
    GError **err);
/* Undo the current message entirely (then log it anew, e.g. quarantined).
 * The message stays open: store_message_end logs it; store_message_begin
 * right after simply continues it. */
int store_message_abort(struct store *st, GError **err);

/* Quarantined messages not yet requeued successfully. fn gets each; return
 * < 0 to stop.  id is the ingest log id, reason the latest attempt's.
 * Returns how many fn got, or -1.  fn may use st (each message is fetched
 * on its own).  A requeue that stores the message (or finds it stored, or
 * not a report) marks the entry requeued; one that quarantines it again
 * logs the attempt and leaves the entry pending, counting the attempt:
 * the bytes are never copied (sql/010_quarantine.sql). */
typedef int (*store_quarantine_fn)(void *user, int64_t id, const char *source,
    const char *reason, GBytes *raw);
int store_quarantine_each(struct store *st, int64_t only_id,
    store_quarantine_fn fn, void *user, GError **err);

/* `mailsift quarantine` (quarantine.c).  find: the pending entry holding
 * these bytes (0: none, -1 error), inside a batch too: ingest logs the
 * same bytes quarantined again as a duplicate of it (duplicate_of).
 * list: the pending entries (id, received, source, reason, size,
 * attempts, duplicates).  get: one entry's row (the list's columns and
 * message_id, sha256, requeued_at, requeued_by) and its bytes; 1, 0 when
 * there is no such entry, -1.  drop: delete one entry (the schema
 * owner's right only); 1, 0 none, -1.  Outside a batch. */
int64_t store_quarantine_find(struct store *st, const char *sha256,
    GError **err);
struct store_table *store_quarantine_list(struct store *st, GError **err);
int store_quarantine_get(struct store *st, int64_t id,
    struct store_table **meta, GBytes **raw, GError **err);
int store_quarantine_drop(struct store *st, int64_t id, GError **err);

/* Query results: column names and rows of strings (NULL for SQL null). */
struct store_table {
	GPtrArray *columns;	/* char * */
	GPtrArray *rows;	/* GPtrArray * of char * */
	GArray *numeric;	/* gboolean per column: a numeric SQL type */
};
void store_table_free(struct store_table *t);

/* The queries below run outside a batch, each in its own read-only
 * transaction.  since: trends count days from since's UTC day on; sources
 * and reports take reports whose date_end >= since. */
struct store_filter {
	int64_t since;		/* epoch seconds, 0 = no bound */
	const char *domain;	/* policy domain or NULL */
	const char *ip;		/* inet or cidr text or NULL */
};

/* Per day and source IP: its ptr (the first PTR name `mailsift enrich`
 * stored, or NULL), messages, dmarc_pass, dmarc_fail, pass_rate,
 * dkim_pass, spf_pass, quarantined, rejected, then bounces and
 * auth_bounces (authfailure) of mail from that IP, then failure_reports
 * (DMARC failure reports about mail from it); from dmarc_bounce_daily_v. */
struct store_table *store_trend_by_ip(struct store *st,
    const struct store_filter *f, GError **err);
/* Per day only (all IPs summed), same columns without source_ip. */
struct store_table *store_trend_by_day(struct store *st,
    const struct store_filter *f, GError **err);
/* Source IPs ranked by volume with DMARC pass rate, then what
 * enrichment knows of each (source_v): ptr, fcrdns, base_domain, asn,
 * as_org, country, service, service_kind. */
struct store_table *store_sources(struct store *st,
    const struct store_filter *f, GError **err);
/* Reports received: reporter, domain, range, records, messages. */
struct store_table *store_reports(struct store *st,
    const struct store_filter *f, GError **err);
/* The same four questions streamed: fn gets the rows in batches of up to
 * 1000 (the first, maybe empty, names the columns; the table is freed
 * after the call) and returns < 0 to stop; at most limit rows (<= 0: all).
 * The client holds one batch at a time (a cursor).  Returns 0, -1 on
 * error. */
enum store_question {
	STORE_Q_TREND_IP, STORE_Q_TREND_DAY, STORE_Q_SOURCES, STORE_Q_REPORTS,
};
typedef int (*store_rows_fn)(void *user, const struct store_table *batch);
int store_ask(struct store *st, enum store_question q,
    const struct store_filter *f, int64_t limit, store_rows_fn fn,
    void *user, GError **err);
/* `mailsift db rebuild-rollups`: recompute the daily rollups from the
 * records (sql/008_rollup.sql); returns the rollup rows, -1 on error. */
int64_t store_rebuild_rollups(struct store *st, GError **err);
/* `mailsift db prune`: delete the DMARC aggregate reports that began
 * before the UTC month of `before` (epoch seconds; whole months only),
 * dropping their month partitions of records, with their raw copies, and
 * unless keep_rollups the rollup rows of the days before it (kept, the
 * trends and dashboards still show those days).  What it did, a line per
 * step, is added to said (strings, freed by the caller's array).  Returns
 * the reports removed, -1 on error. */
int64_t store_prune(struct store *st, int64_t before, gboolean keep_rollups,
    GPtrArray *said, GError **err);
/* `mailsift explain`: what each source of f->domain is to it from the
 * since day on, and what to fix (source_diagnosis, sql/007_diagnosis.sql):
 * category, source_ip, service, service_kind, ptr, messages, dmarc_pass,
 * dmarc_fail, affected, forwarded, days, first_day, last_day, change_day,
 * header_from, dkim, spf, override_reasons, reporters, action; the
 * problems first, the most affected messages first; f->ip keeps the
 * sources in that network. */
struct store_table *store_explain(struct store *st,
    const struct store_filter *f, GError **err);
/* `mailsift report`: one part of the digest of the period from f->since's
 * UTC day to today, for f->domain or every policy domain (f->ip unused).
 * A column named attention (boolean) marks the rows that need a look.
 *   TOTALS     period (current, previous: the as many days before),
 *              messages, dmarc_pass, dmarc_fail, quarantined, rejected
 *   DAILY      policy_domain, day, dmarc_pass, dmarc_fail
 *   SOURCES    domain, source_ip, name, category, messages, dmarc_pass,
 *              dmarc_fail, pass_pct, action (source_diagnosis,
 *              the most affected first, at most 100)
 *   BOUNCES    reason, bounces, hard, soft, days, first_day, last_day
 *              (bounced recipients, as `mailsift bounces --by reason`;
 *              every domain: a bounce has no policy domain)
 *   COINCIDE   day, source_ip, ptr, dmarc_fail, auth_bounces: the days an
 *              IP both failed DMARC and was refused for authentication
 *   BOUNCE_DAILY  day, other, auth: bounced recipients per day, those
 *              refused for authentication (authfailure) and the others
 *   REPORTERS  reporter, reports, domains, messages, days, missing_days,
 *              first_day, last_day */
enum store_digest_part {
	STORE_DIGEST_TOTALS, STORE_DIGEST_DAILY, STORE_DIGEST_SOURCES,
	STORE_DIGEST_BOUNCES, STORE_DIGEST_COINCIDE, STORE_DIGEST_BOUNCE_DAILY,
	STORE_DIGEST_REPORTERS,
};
struct store_table *store_digest(struct store *st,
    const struct store_filter *f, enum store_digest_part part, GError **err);
/* `mailsift check`'s evidence for f->domain from the reports ending on
 * or after f->since: per source address source_ip, messages,
 * dkim_aligned, dmarc_fail, ptr, fcrdns (1, 0, -1 unknown), dns_status
 * (NULL: not enriched), the most messages first (at most 5000); and the
 * DKIM selectors of the domain's own signatures with their messages. */
struct store_table *store_check_sources(struct store *st,
    const struct store_filter *f, GError **err);
/* `mailsift check --all`: every policy domain (column domain, lower
 * case, names of letters, digits, '-', '_' only) of the reports ending
 * on or after f->since, at most 10000. */
struct store_table *store_check_domains(struct store *st,
    const struct store_filter *f, GError **err);
struct store_table *store_check_selectors(struct store *st,
    const struct store_filter *f, GError **err);

/* ---- `mailsift check`'s findings (finding.c, sql/009_check.sql) ----
 * store_check_save replaces the domain's stored run with these findings
 * (severity "error", "warning" or "info"; n may be 0: checked, nothing
 * to say).  store_check_findings: the latest run of every policy domain
 * of the reports ending on or after f->since (f->domain: that one),
 * columns domain, checked_at (text, UTC; NULL: never checked), severity,
 * code, evidence (for a domain without findings: "not checked: run
 * mailsift check D" or "nothing to say"), action, attention (errors).
 * store_check_unsubscribe: one row, originals, list_unsubscribe,
 * one_click: the bounced originals from f->domain from f->since's day
 * on, and how many had List-Unsubscribe and one-click unsubscribe. */
struct store_check_finding {
	const char *severity, *code, *evidence, *action;
};
int store_check_save(struct store *st, const char *domain,
    const struct store_check_finding *f, guint n, GError **err);
struct store_table *store_check_findings(struct store *st,
    const struct store_filter *f, GError **err);
struct store_table *store_check_unsubscribe(struct store *st,
    const struct store_filter *f, GError **err);
/* Run any read-only SQL (tests, the `sql` command). */
struct store_table *store_query(struct store *st, const char *sql,
    GError **err);

/* Bounces, auto-replies and complaints (store/bounce.c), as parse/bounce/bounce.h
 * reads them; declared here without pulling in GMime. */
struct bounce_report;
struct bounce_recipient;

/* Store a bounce inside the current message, like a report: the message
 * row and all its recipients in one statement (one round trip).  sha256 is
 * the message's content hash, its identity; each recipient has its own
 * (reporting MTA, queue id or original Message-ID, recipient, action,
 * status, time: sql/003_bounce.sql).  Returns 1 stored (*recipients: how
 * many were new), 0 duplicate (the same bytes, or every recipient already
 * stored: nothing is kept), -1 on error, with the message still usable
 * after STORE_ERROR_DATA (quarantine it). */
int store_bounce(struct store *st, const struct bounce_report *b,
    const char *sha256, int *recipients, GError **err);

/* Re-classify stored recipients whose rules_version is below version (or
 * all): fn gets each with its stated fields filled and its verdict (reason,
 * rule, hard_bounce, auth) empty, and fills the verdict; rows whose verdict
 * changed are updated, and every row seen gets rules_version = version.
 * One transaction per page of rows, outside a batch.  Returns the rows
 * changed, -1 on error; *seen counts the rows looked at. */
typedef void (*store_classify_fn)(void *user, struct bounce_recipient *r,
    const char *format);
int64_t store_bounce_reclassify(struct store *st, int version, gboolean all,
    store_classify_fn fn, void *user, int64_t *seen, GError **err);

/* `mailsift bounces`: the rows of bounce_v (failures and delays only,
 * unless all_kinds), or counts grouped by one of them. */
enum store_bounce_by {
	STORE_BOUNCE_LIST,	/* one row per bounced recipient */
	STORE_BOUNCE_BY_REASON,
	STORE_BOUNCE_BY_DOMAIN,	/* recipient domain */
	STORE_BOUNCE_BY_IP,	/* sending IP, then its ptr */
	STORE_BOUNCE_BY_DAY,
};
struct store_bounce_filter {
	int64_t since;		/* epoch seconds: from its UTC day on; 0 = all */
	const char *reason;	/* or NULL */
	const char *domain;	/* recipient domain, or NULL */
	const char *ip;		/* sending IP: inet or cidr text, or NULL */
	gboolean all_kinds;	/* also auto-replies, complaints, deliveries */
};
struct store_table *store_bounces(struct store *st,
    const struct store_bounce_filter *f, enum store_bounce_by by,
    GError **err);

/* SMTP TLS reports (store/tls.c) and ARF reports (store/arf.c), as
 * parse/tlsrpt/tlsrpt.h and parse/arf/arf.h read them; declared here
 * without pulling in their headers. */
struct tlsrpt_report;
struct arf_report;

/* Store a TLS report inside the current message: the report, its policies
 * and failure details, and the raw payload (kept compressed, like a DMARC
 * report's).  Identity: (organization_name, report_id, start, end, the
 * policy domains); a second copy stores nothing.  Returns 1 stored, 0
 * duplicate, -1 on error, the message still usable after STORE_ERROR_DATA
 * (quarantine it). */
int store_tls_report(struct store *st, const struct tlsrpt_report *r,
    const struct store_raw *raw, GError **err);

/* Store an ARF report (a DMARC failure report or a complaint) inside the
 * current message, every field of it and the returned message's headers.
 * sha256 is the message's content hash.  Identity: the report's content
 * (feedback type, source IP, arrival date, the original's Message-ID,
 * reported domains, reporter), so the same report delivered twice through
 * two paths is stored once.  Returns 1 stored, 0 duplicate, -1 on error
 * (after STORE_ERROR_DATA: quarantine). */
int store_arf_report(struct store *st, const struct arf_report *a,
    const char *sha256, GError **err);

/* `mailsift tls`: tls_daily_v summed by one dimension. */
enum store_tls_by {
	STORE_TLS_BY_DAY,
	STORE_TLS_BY_MX,	/* receiving MX host */
	STORE_TLS_BY_RESULT,	/* failure result type */
	STORE_TLS_BY_REPORTER,	/* organization-name */
	STORE_TLS_BY_DOMAIN,	/* policy domain */
};
struct store_table *store_tls(struct store *st, const struct store_filter *f,
    enum store_tls_by by, GError **err);

/* `mailsift failures`: DMARC failure reports (dmarc_failure_v), listed
 * one per row or counted by one dimension.  Filters: since (arrival day),
 * domain (the From domain or reported domain), ip (source IP in a net). */
enum store_failure_by {
	STORE_FAILURE_LIST,
	STORE_FAILURE_BY_DAY,
	STORE_FAILURE_BY_IP,
	STORE_FAILURE_BY_DOMAIN,
	STORE_FAILURE_BY_REPORTER,
};
struct store_table *store_failures(struct store *st,
    const struct store_filter *f, enum store_failure_by by, GError **err);

/* ---- source addresses and what enrichment knows of them (source.c,
 * sql/006_enrich.sql) ---- */
struct enrich_result;

/* The addresses to resolve: seen in a DMARC record, a bounce, a TLS
 * failure detail or an ARF report (source_seen_v), stored by a message
 * whose ingest log id is above after_ingest_id (-1: any), and either
 * without a source_info row or with an expired one (all: every one);
 * never asked first, then the longest expired; at most limit (0: all).
 * Host addresses as text (char *); retries (a set of char *, or NULL)
 * gets those whose last attempt failed.  Outside a batch. */
GPtrArray *store_source_pending(struct store *st, int64_t after_ingest_id,
    gboolean all, int64_t limit, GHashTable *retries, GError **err);
/* The highest ingest log id now (0: none), -1 on error: what a run that
 * follows stored is above it. */
int64_t store_last_ingest_id(struct store *st, GError **err);
/* Upsert n results into source_info in one transaction (one statement).
 * A failure (timeout, servfail, refused) after an answer keeps the
 * answer; ASN fields stay when the result did not look them up. */
int store_source_write(struct store *st, struct enrich_result *const *results,
    guint n, GError **err);
/* enrich_state: a value ("" when unset; NULL on error), and setting it. */
char *store_enrich_state(struct store *st, const char *key, GError **err);
int store_enrich_state_set(struct store *st, const char *key,
    const char *value, GError **err);
/* Map every stored row to a service again: fn gets the row's ip,
 * confirmed_name, asn and service fields, sets the service fields and
 * returns TRUE when they changed; those rows are updated.  One
 * transaction per page.  Returns the rows changed, -1 on error. */
typedef gboolean (*store_remap_fn)(void *user, struct enrich_result *r);
int64_t store_source_remap(struct store *st, store_remap_fn fn, void *user,
    GError **err);

#endif
