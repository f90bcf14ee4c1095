/* internal.h - what the files of store/ share; nothing outside store/ uses it.
 *
 * Statements go to the server through a small queue built on libpq's
 * pipeline mode (pipe.c): q_fixed() queues a parameterless statement
 * (BEGIN, SAVEPOINT ...) without sending it, q_send() sends a statement
 * with parameters, q_sync() ends the round trip and checks every result.
 * So a call like store_report_end costs one round trip however many
 * statements it needs, and SAVEPOINTs ride along with the next statement.
 *
 * The server-side state (transaction open, savepoints m and r) is tracked
 * from results only: a flag is set when the statement that changes it is
 * known to have succeeded, so after an error the abort functions know what
 * is left to undo.  Statements may stay in flight between calls (a report's
 * end rides with the message's end); whatever needs a result or a clean
 * connection syncs first.
 *
 * A pipelined batch (st->fast, see txn.c) goes further: no savepoints, and
 * a report's and a message's statements wait (q_defer) for whichever round
 * trip comes next, often many messages later.  A refusal there cannot be
 * pinned on one message any more: it fails the batch as TRANSIENT and the
 * retry runs safely (conn.c).
 */
#ifndef MAILSIFT_STORE_INTERNAL_H
#define MAILSIFT_STORE_INTERNAL_H

#include <libpq-fe.h>
#include "store.h"

/* What a statement changes on the server, applied when it succeeds. */
enum q_effect {
	EFF_NONE,
	EFF_BEGIN,		/* BEGIN */
	EFF_END,		/* COMMIT, ROLLBACK */
	EFF_SP_M,		/* SAVEPOINT m: the message */
	EFF_REL_M,		/* RELEASE SAVEPOINT m */
	EFF_UNDO_M,		/* ROLLBACK TO SAVEPOINT m (m stays) */
	EFF_SP_R,		/* SAVEPOINT r: the report, inside m */
	EFF_REL_R,		/* RELEASE SAVEPOINT r */
	EFF_PREPARE,		/* a named statement was prepared */
};

/* Values buffered per record: rec_no, 8 fields, 4 array literals. */
#define REC_COLS 13

/* A statement sent by name, prepared on first use per connection. */
struct q_stmt {
	const char *name;	/* NULL: unnamed, parsed every time */
	const char *sql;
};

/* Rows for one table, kept packed until they are sent: per value a 0 byte
 * for NULL, or a 1 byte, the text and its NUL. */
struct rowbuf {
	GString *data;
	guint ncols;
	guint nvals;
};

struct store {
	PGconn *conn;
	gboolean broken;	/* libpq state unknown: only rollback helps */

	/* Server state, from results (see above). */
	gboolean tx, sp_m, sp_r;
	/* Caller state, from the calls made. */
	gboolean in_batch, in_message, msg_undone, in_report;
	gboolean have_id;	/* this message drew its ingest log id */
	gboolean msg_sent;	/* this message sent a statement (fast) */

	/* Pipelined batches (store_set_pipelined): wanted, this batch is one,
	 * and after a refusal in one, the next batch may not be. */
	gboolean pipelined, fast, safe_next;
	/* Until the first duplicate, a fast batch's reports are taken for
	 * new without asking (report.c). */
	gboolean dup_seen;

	GArray *pending;	/* struct q_pending: queued, not yet sent */
	GArray *items;		/* struct q_item: sent, awaiting q_sync */
	GPtrArray *results;	/* PGresult * per item of the last q_sync */
	GHashTable *prepared;	/* statement names known to the server */

	/* The open report.  In a fast batch a report of few records is sent
	 * whole by store_report_end; report_pk stays 0 until a chunk of a
	 * big one forces its row out first (report.c). */
	int64_t report_pk;
	struct part_months *parts;	/* partition.c */
	int rec_no;
	int64_t messages;
	struct rowbuf rec;	/* records not sent yet, REC_COLS each */
	GString *lit;		/* scratch for a record's array literals */
	struct daily *daily;	/* the open report's rollup rows (daily.c) */
	GArray *bounce_ids;	/* int64_t: bounces of this batch (bounce_daily.c) */

	/* A COPY's rows and end are sent, its result not read yet (copy.c). */
	gboolean copy_busy;
	const char *copy_what;
};

/* conn.c */
void store_set_error(GError **err, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void store_set_result_error(struct store *st, const PGresult *res,
    const char *what, GError **err);
void store_set_conn_error(struct store *st, const char *what, GError **err);
void store_set_retry_error(struct store *st, GError **err, const char *fmt,
    ...) G_GNUC_PRINTF(3, 4);
int store_check_usable(struct store *st, GError **err);

/* pq.c: why libpq could not be loaded, or NULL */
const char *store_pq_error(void);

/* pipe.c */
void q_init(struct store *st);
void q_free(struct store *st);
void q_fixed(struct store *st, const char *sql, enum q_effect eff);
void q_fixed_stmt(struct store *st, const struct q_stmt *s, enum q_effect eff);
gboolean q_pending_has(struct store *st, enum q_effect eff);
void q_pending_drop(struct store *st, enum q_effect eff);
int q_send(struct store *st, const struct q_stmt *s, int n,
    const char *const *values, const int *lengths, const int *formats,
    int result_format, GError **err);
void q_expect_row(struct store *st, int idx);
gboolean q_expecting(struct store *st);
int q_defer(struct store *st, GError **err);
int q_sync(struct store *st, GError **err);
PGresult *q_result(struct store *st, int idx);
void q_reset(struct store *st);

/* rowbuf.c */
void rowbuf_init(struct rowbuf *rb, guint ncols);
void rowbuf_clear(struct rowbuf *rb);
void rowbuf_free(struct rowbuf *rb);
void rowbuf_add(struct rowbuf *rb, const char *value);
void rowbuf_add_int(struct rowbuf *rb, int64_t value);
guint rowbuf_rows(const struct rowbuf *rb);
gsize rowbuf_copy_text(const struct rowbuf *rb, gsize off, const char *prefix,
    GString *out, gsize limit);
GString **rowbuf_arrays(const struct rowbuf *rb);
GString **rowbuf_arrays_bin(const struct rowbuf *rb, const char *elem);
void pg_bin_begin(GString *out, char elem, guint32 n);
#define PG_BIN_HEAD 20		/* bytes of a header of n > 0 elements */
void pg_bin_head(char *p, char elem, guint32 n);
void pg_bin_int4(GString *out, int32_t v);
void pg_bin_int8(GString *out, int64_t v);
void pg_bin_text(GString *out, const char *s);
void pg_array_elem(GString *out, const char *s);
char *pg_array_literal(const GPtrArray *strv);
void pg_composite_elem(GString *out, const char *const *fields, guint n);

/* partition.c: the month partitions of dmarc_record */
void part_note(struct store *st, int64_t date_begin);
void part_make(struct store *st);
void part_free(struct store *st);

/* daily.c: the open report's rows of the daily rollup */
int daily_add(struct store *st, const struct dmarc_report *r,
    const struct dmarc_record *rec);
int daily_send(struct store *st, const struct dmarc_report *r, GError **err);
int daily_defer(struct store *st, const struct dmarc_report *r,
    GError **err);
int daily_flush(struct store *st, GError **err);
void daily_batch_clear(struct store *st);
void daily_clear(struct store *st);
void daily_free(struct store *st);

/* bounce_daily.c: the batch's rows of the bounce rollup */
/* The rollup key of recipient x (an alias of bounce_recipient's columns)
 * of message m, as bounce_v computes it (sql/014_bounce_status.sql), in
 * bounce_daily's column order up to recipients: store_bounce's rows
 * (bounce_daily.c) and reclassify's deltas (bounce.c) both use it. */
#define BOUNCE_DAILY_KEY(x) \
	" lower(coalesce(substring(m.orig_from FROM '@([A-Za-z0-9._-]+)'),"\
	" " x ".auth_domain)) AS sender_domain,"\
	" (" x ".event_at AT TIME ZONE 'UTC')::date AS day,"\
	" coalesce(" x ".auth_sending_ip, m.orig_sending_ip) AS sending_ip,"\
	" m.kind, (m.kind = 'bounce'"\
	" AND " x ".action IS DISTINCT FROM 'delivered'"\
	" AND " x ".action IS DISTINCT FROM 'relayed'"\
	" AND " x ".action IS DISTINCT FROM 'expanded'"\
	" AND " x ".reason IS DISTINCT FROM 'delivered') AS bounced,"\
	" " x ".reason, " x ".recipient_domain, " x ".hard_bounce"
void bounce_daily_note(struct store *st, int64_t id);
int bounce_daily_send(struct store *st, GError **err);
void bounce_daily_free(struct store *st);

/* copy.c */
int store_copy_rows(struct store *st, const char *what, const char *copy_sql,
    const struct rowbuf *rb, const char *prefix, GError **err);
int store_copy_wait(struct store *st, GError **err);

/* gzip.c */
GBytes *store_compress(GBytes *raw, const char **format, GError **err);

/* report.c */
void store_report_reset(struct store *st);

/* table.c: a result as a table of text */
struct store_table *store_table_from_result(const PGresult *res);

/* txn.c: give up a call's own transaction after an error; refuse such a
 * call inside a batch (0 or -1 with err set). */
void store_tx_abandon(struct store *st);
int store_outside_batch(struct store *st, const char *what, GError **err);

/* stream.c: a read-only query's rows in batches of 1000 */
int store_stream_sql(struct store *st, const char *sql, int n,
    const char *const *values, store_rows_fn fn, void *user, GError **err);

/* single.c: a report stored by one statement (tls.c, arf.c) */
int store_single(struct store *st, const struct q_stmt *s, int n,
    const char *const *values, const int *lengths, const int *formats,
    GError **err);

/* values.c: text made valid, addresses, hosts, times, identity hashes */
const char *val_utf8(const char *s, GPtrArray *keep);
char *val_inet(const char *s);
char *val_host(const char *s, gboolean mx);
char *val_mail_domain(const char *s);
const char *val_epoch(int64_t t, char *buf, gsize len);
gboolean val_epoch_ok(int64_t t);
char *val_text_array(const GPtrArray *strv);
void val_ident_add(GChecksum *ck, const char *s);
void val_ident_add_int(GChecksum *ck, int64_t n);
void val_ident_add_list(GChecksum *ck, const GPtrArray *strv);

#endif
