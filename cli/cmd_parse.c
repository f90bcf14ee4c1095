/* cmd_parse.c - `mailsift parse`: what ingest would store, as JSON lines.
 *
 *	mailsift parse [--format json] FILE...	   ("-" reads stdin)
 *	mailsift parse --maildir DIR		   every file in new/ and cur/
 *	mailsift parse --jobs N ...		   N processes (cli_jobs_run)
 *
 * One JSON object per line, each with "kind" and "file":
 *   "dmarc_report"  one per report found (fields as in the report XML);
 *   "tls_report"    one per SMTP TLS report (RFC 8460 names, json_tls.c);
 *   "bounce"        one per recipient of a delivery status notification
 *                   or MTA bounce, in the bounce's order ("rcpt_index");
 *   "feedback"      one per recipient of an ARF report (complaint or DMARC
 *                   failure report), every ARF field with it (json_arf.c);
 *   "autoreply"     an RFC 3834 auto-reply (vacation);
 *   "none"          the message holds nothing to store, with "reason";
 *   "error"         the message or a payload failed, with "error".
 * Exit status: 0; 65 when a message or payload could not be read as what
 * it claims; 74 when an input could not be read at all (a missing file),
 * as ingest says it.
 * A message with no DMARC report is read as a bounce from the tree the walk
 * already parsed (ingest_message_mime), not parsed again.
 * No database is touched.  Reports stream: a report's object is built while
 * it is parsed and written out in pieces once it grows large, so a
 * million-record report does not sit in memory.
 *
 * Output is gathered in one buffer and written with write(2) at message
 * ends, in pieces of about OUT_FLUSH bytes.  --jobs N (default: one per
 * CPU for a Maildir, at most 8; one for files, which keeps their order)
 * shares the messages among N processes, each taking every N-th one;
 * jobs.c merges their lines.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../ingest/ingest.h"
#include "../parse/dmarc/dmarc.h"
#include "../parse/bounce/bounce.h"
#include "../parse/tlsrpt/tlsrpt.h"
#include "../parse/arf/arf.h"
#include "parse_json.h"

#define PARSE_FLUSH_BYTES	(1 << 20)
/* Bigger pieces are fewer writes, and with --jobs fewer wake-ups of the
 * process that merges them (jobs.c sizes its pipes for them). */
#define OUT_FLUSH		(128 * 1024)

struct parse_state {
	const char *file;
	struct ingest_payload *payload;
	GString *out;		/* the current report's JSON, not yet written */
	gboolean flushed;	/* part of it was already written */
	guint64 nrecords;
	int reports;
	GString *notes;
	int errors;
};

static char *opt_format, *opt_maildir;
static gint64 opt_jobs;

static gboolean
set_jobs(const char *option, const char *value, gpointer data, GError **error)
{
	return cli_parse_count(option, "jobs", value, 1, 64, &opt_jobs, error);
}

static const GOptionEntry parse_entries[] = {
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "output format: json (the only one so far)", "json" },
	{ "maildir", 0, 0, G_OPTION_ARG_FILENAME, &opt_maildir,
	    "read every message in DIR's new/ and cur/ (nothing is moved)",
	    "DIR" },
	{ "jobs", 'j', 0, G_OPTION_ARG_CALLBACK, set_jobs,
	    "processes sharing the messages (default: one per CPU for "
	    "--maildir, at most 8; one for files)", "N" },
	G_OPTION_ENTRY_NULL
};

static GString *outbuf;		/* what is not yet written */
static gboolean in_unreadable;	/* some input could not be read */
static gboolean out_failed;	/* stdout refused a write */

/* Write out what is gathered, at least min bytes of it (0: all). */
static void
out_flush(gsize min)
{
	gsize done = 0;
	ssize_t w;

	if (outbuf == NULL || outbuf->len == 0 || outbuf->len < min)
		return;
	while (done < outbuf->len && !out_failed) {
		w = write(STDOUT_FILENO, outbuf->str + done, outbuf->len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			out_failed = TRUE;
		else
			done += (gsize)w;
	}
	g_string_truncate(outbuf, 0);
}

/* The output buffer, for lines built in place. */
static GString *
out_buf(void)
{
	if (outbuf == NULL)
		outbuf = g_string_sized_new(OUT_FLUSH * 2);
	return outbuf;
}

static void
out_add(const GString *s)
{
	g_string_append_len(out_buf(), s->str, (gssize)s->len);
}

/* A buffer kept from message to message (a fresh one of a few KiB per
 * message makes malloc sweep its free lists each time), emptied. */
static GString *
scratch(GString **keep)
{
	if (*keep == NULL)
		*keep = g_string_sized_new(4096);
	g_string_truncate(*keep, 0);
	return *keep;
}

static void
json_policy(GString *o, const struct dmarc_policy *p)
{
	g_string_append(o, ",\"policy_published\":{\"domain\":");
	cli_json_str(o, p->domain);
	cli_json_field(o, "adkim", p->adkim);
	cli_json_field(o, "aspf", p->aspf);
	cli_json_field(o, "p", p->p);
	cli_json_field(o, "sp", p->sp);
	cli_json_field(o, "np", p->np);
	if (p->pct >= 0)
		g_string_append_printf(o, ",\"pct\":%d", p->pct);
	else
		g_string_append(o, ",\"pct\":null");
	cli_json_field(o, "fo", p->fo);
	cli_json_field(o, "testing", p->testing);
	cli_json_field(o, "discovery_method", p->discovery_method);
	g_string_append_c(o, '}');
}

static int
on_begin(void *user, const struct dmarc_report *r)
{
	struct parse_state *ps = user;
	GString *o = ps->out;
	struct ingest_payload *p = ps->payload;

	g_string_assign(o, "{\"kind\":\"dmarc_report\"");
	cli_json_field(o, "file", ps->file);
	cli_json_field(o, "container", p->container);
	cli_json_field(o, "part_name", p->part_name);
	cli_json_field(o, "member", p->member);
	cli_json_field(o, "version", r->version);
	cli_json_field(o, "org_name", r->org_name);
	cli_json_field(o, "email", r->email);
	cli_json_field(o, "extra_contact_info", r->extra_contact_info);
	cli_json_field(o, "report_id", r->report_id);
	g_string_append_printf(o, ",\"date_begin\":%" G_GINT64_FORMAT
	    ",\"date_end\":%" G_GINT64_FORMAT, r->date_begin, r->date_end);
	json_policy(o, &r->policy);
	cli_json_strings(o, "errors", r->errors);
	cli_json_field(o, "generator", r->generator);
	g_string_append(o, ",\"records\":[");
	ps->flushed = FALSE;
	ps->nrecords = 0;
	return 0;
}

static void
json_record(GString *o, const struct dmarc_record *rec)
{
	g_string_append(o, "{\"source_ip\":");
	cli_json_str(o, rec->source_ip);
	g_string_append_printf(o, ",\"count\":%" G_GINT64_FORMAT, rec->count);
	cli_json_field(o, "disposition", rec->disposition);
	cli_json_field(o, "policy_dkim", rec->policy_dkim);
	cli_json_field(o, "policy_spf", rec->policy_spf);
	g_string_append(o, ",\"reasons\":[");
	for (guint i = 0; rec->reasons && i < rec->reasons->len; i++) {
		const struct dmarc_reason *x = g_ptr_array_index(rec->reasons, i);

		g_string_append(o, i ? ",{\"type\":" : "{\"type\":");
		cli_json_str(o, x->type);
		cli_json_field(o, "comment", x->comment);
		g_string_append_c(o, '}');
	}
	g_string_append_c(o, ']');
	cli_json_field(o, "header_from", rec->header_from);
	cli_json_field(o, "envelope_from", rec->envelope_from);
	cli_json_field(o, "envelope_to", rec->envelope_to);
	g_string_append(o, ",\"dkim\":[");
	for (guint i = 0; rec->dkim && i < rec->dkim->len; i++) {
		const struct dmarc_dkim *d = g_ptr_array_index(rec->dkim, i);

		g_string_append(o, i ? ",{\"domain\":" : "{\"domain\":");
		cli_json_str(o, d->domain);
		cli_json_field(o, "selector", d->selector);
		cli_json_field(o, "result", d->result);
		cli_json_field(o, "human_result", d->human_result);
		g_string_append_c(o, '}');
	}
	g_string_append(o, "],\"spf\":[");
	for (guint i = 0; rec->spf && i < rec->spf->len; i++) {
		const struct dmarc_spf *s = g_ptr_array_index(rec->spf, i);

		g_string_append(o, i ? ",{\"domain\":" : "{\"domain\":");
		cli_json_str(o, s->domain);
		cli_json_field(o, "scope", s->scope);
		cli_json_field(o, "result", s->result);
		cli_json_field(o, "human_result", s->human_result);
		g_string_append_c(o, '}');
	}
	g_string_append_c(o, ']');
	if (rec->fixups && rec->fixups->len)
		cli_json_strings(o, "fixups", rec->fixups);
	g_string_append_c(o, '}');
}

static int
on_record(void *user, const struct dmarc_report *r,
    const struct dmarc_record *rec)
{
	struct parse_state *ps = user;

	if (ps->nrecords++)
		g_string_append_c(ps->out, ',');
	json_record(ps->out, rec);
	if (ps->out->len > PARSE_FLUSH_BYTES) {
		out_add(ps->out);
		out_flush(0);
		g_string_truncate(ps->out, 0);
		ps->flushed = TRUE;
	}
	return 0;
}

static int
on_end(void *user, const struct dmarc_report *r)
{
	struct parse_state *ps = user;
	GString *o = ps->out;

	g_string_append_c(o, ']');
	g_string_append_printf(o, ",\"record_count\":%" G_GINT64_FORMAT
	    ",\"message_count\":%" G_GINT64_FORMAT, r->record_count,
	    r->message_count);
	if (r->extensions)
		cli_json_field(o, "extensions", r->extensions->str);
	cli_json_strings(o, "fixups", r->fixups);
	g_string_append(o, "}\n");
	out_add(o);
	g_string_truncate(o, 0);
	ps->reports++;
	return 0;
}

static const struct dmarc_callbacks json_callbacks = { on_begin, on_record, on_end };

static void
print_error(const char *file, const char *what, const char *message)
{
	GString *o = g_string_new("{\"kind\":\"error\"");

	cli_json_field(o, "file", file);
	if (what)
		cli_json_field(o, "part", what);
	cli_json_field(o, "error", message);
	g_string_append(o, "}\n");
	out_add(o);
	g_string_free(o, TRUE);
}

static void
add_note(struct parse_state *ps, const char *note)
{
	if (ps->notes->len)
		g_string_append(ps->notes, "; ");
	g_string_append(ps->notes, note);
}

/* A JSON payload: an SMTP TLS report, or JSON that is none (a note). */
static void
parse_tls(struct parse_state *ps, struct ingest_payload *p, const char *label)
{
	struct tlsrpt_report *r;
	GError *err = NULL;

	if ((r = cli_tls_payload(p, label, &err)) != NULL) {
		cli_json_tls_report(out_buf(), ps->file, p, r);
		ps->reports++;
		tlsrpt_report_free(r);
	} else if (err == NULL) {
		add_note(ps, "JSON that is not a TLS report");
	} else if (g_error_matches(err, TLSRPT_ERROR,
	    TLSRPT_ERROR_NOT_REPORT)) {
		add_note(ps, err->message);
	} else {
		print_error(ps->file, label, err->message);
		ps->errors++;
	}
	g_clear_error(&err);
}

static int
on_payload(void *user, struct ingest_payload *p)
{
	struct parse_state *ps = user;
	const char *label = p->member && *p->member ? p->member : p->part_name;
	GError *err = NULL;

	ps->payload = p;
	if (g_strcmp0(p->format, "json") == 0) {
		parse_tls(ps, p, label);
		return 0;
	}
	g_string_truncate(ps->out, 0);
	if (dmarc_parse(ingest_payload_read, p, label, &json_callbacks, ps,
	    &err) >= 0)
		return 0;
	if (ps->flushed) {
		/* Close the half-written object so every line stays JSON. */
		g_string_append(ps->out, "],\"truncated\":true}\n");
		out_add(ps->out);
	}
	g_string_truncate(ps->out, 0);
	if (err->domain == DMARC_ERROR && err->code == DMARC_ERROR_NOT_REPORT) {
		add_note(ps, err->message);
	} else {
		print_error(ps->file, label, err->message);
		ps->errors++;
	}
	g_error_free(err);
	return 0;
}

static void
json_original(GString *o, const struct bounce_original *orig)
{
	g_string_append(o, ",\"original\":{\"message_id\":");
	cli_json_str(o, orig->message_id);
	cli_json_field(o, "from", orig->from);
	cli_json_field(o, "to", orig->to);
	cli_json_field(o, "subject", orig->subject);
	cli_json_int_or_null(o, "date", orig->date);
	cli_json_field(o, "list_id", orig->list_id);
	cli_json_field(o, "feedback_id", orig->feedback_id);
	cli_json_field(o, "list_unsubscribe", orig->list_unsubscribe);
	cli_json_field(o, "list_unsubscribe_post", orig->list_unsubscribe_post);
	cli_json_field(o, "sending_ip", orig->sending_ip);
	g_string_append_c(o, '}');
}

/* An ARF report's own word on feedback_type and reporting_mta wins over
 * what the bounce reader made of the same fields. */
static void
json_recipient(GString *o, const struct bounce_report *b,
    const struct bounce_recipient *r, const struct arf_report *arf)
{
	cli_json_field(o, "recipient", r->recipient);
	cli_json_field(o, "original_recipient", r->original_recipient);
	cli_json_field(o, "action", r->action);
	cli_json_field(o, "status", r->status);
	cli_json_field(o, "status_source", r->status_source);
	cli_json_int_or_null(o, "reply_code", r->reply_code);
	cli_json_field(o, "reason", r->reason);
	cli_json_field(o, "rule", r->rule);
	g_string_append_printf(o, ",\"hard_bounce\":%s",
	    r->hard_bounce ? "true" : "false");
	cli_json_field(o, "remote_mta", r->remote_mta);
	cli_json_field(o, "reporting_mta", arf && arf->reporting_mta ?
	    arf->reporting_mta : b->reporting_mta);
	cli_json_field(o, "smtp_command", r->smtp_command);
	cli_json_field(o, "diagnostic_type", r->diagnostic_type);
	cli_json_field(o, "diagnostic_code", r->diagnostic_code);
	cli_json_int_or_null(o, "last_attempt", r->last_attempt);
	cli_json_field(o, "feedback_type", arf && arf->feedback_type ?
	    arf->feedback_type : r->feedback_type);
	cli_json_field(o, "sending_ip", r->auth.sending_ip != NULL ?
	    r->auth.sending_ip : b->orig.sending_ip);
	g_string_append(o, ",\"auth\":{\"sending_ip\":");
	cli_json_str(o, r->auth.sending_ip);
	cli_json_field(o, "domain", r->auth.domain);
	cli_json_field(o, "spf", r->auth.spf);
	cli_json_field(o, "dkim", r->auth.dkim);
	cli_json_field(o, "dmarc", r->auth.dmarc);
	g_string_append_c(o, '}');
}

static const char *const kind_names[] = {
	[BOUNCE_KIND_NONE] = "none",
	[BOUNCE_KIND_BOUNCE] = "bounce",
	[BOUNCE_KIND_AUTOREPLY] = "autoreply",
	[BOUNCE_KIND_FEEDBACK] = "feedback",
};

/* The members after the recipient's: the bounce's own, then the ARF
 * report's when there is one. */
static void
json_bounce_tail(GString *o, const struct bounce_report *b,
    const struct arf_report *arf)
{
	cli_json_field(o, "format", b->format ? b->format :
	    arf ? arf->format : NULL);
	cli_json_field(o, "from", b->from ? b->from : arf ? arf->from : NULL);
	cli_json_field(o, "subject", b->subject ? b->subject :
	    arf ? arf->subject : NULL);
	cli_json_field(o, "queue_id", b->queue_id);
	if (arf != NULL)
		cli_json_field(o, "arrival_date", arf->arrival_date);
	else
		cli_json_int_or_null(o, "arrival_date", b->arrival_date);
	if (b->recipients_dropped)
		g_string_append_printf(o, ",\"recipients_dropped\":%u",
		    b->recipients_dropped);
	if (arf == NULL) {
		json_original(o, &b->orig);
		return;
	}
	cli_json_arf_members(o, arf);
	cli_json_arf_original(o, arf, b->orig.list_id, b->orig.feedback_id,
	    b->orig.sending_ip);
}

/* A complaint or failure report read by the ARF reader (arf_parse); a
 * bound it hit is the message's error.  *arf NULL: none. */
static gboolean
read_arf(struct _GMimeMessage *mime, const char *file,
    struct arf_report **arf)
{
	GError *err = NULL;

	*arf = arf_parse((GMimeMessage *)mime, &err);
	if (*arf == NULL && err != NULL) {
		print_error(file, "feedback", err->message);
		g_error_free(err);
		return FALSE;
	}
	return TRUE;
}

/* One line per recipient; an auto-reply, or an ARF report without
 * recipients (a failure report in plain text), is one line with or
 * without one.  FALSE when the message is none of these. */
static gboolean
print_bounce(struct ingest_message *msg, const char *file)
{
	struct _GMimeMessage *mime = ingest_message_mime(msg);
	struct bounce_report *b;
	struct arf_report *arf = NULL;
	GError *err = NULL;
	GString *o;
	guint i, n;

	if (mime == NULL)
		return FALSE;
	b = bounce_parse((GMimeMessage *)mime, &err);
	if (b == NULL) {
		print_error(file, "bounce", err ? err->message : "unreadable");
		g_clear_error(&err);
		return TRUE;
	}
	if ((b->kind == BOUNCE_KIND_FEEDBACK || b->kind == BOUNCE_KIND_NONE) &&
	    !read_arf(mime, file, &arf)) {
		bounce_report_free(b);
		return TRUE;
	}
	if (b->kind == BOUNCE_KIND_NONE && arf == NULL) {
		bounce_report_free(b);
		return FALSE;
	}
	o = out_buf();		/* whole lines: built where they go */
	n = b->recipients->len;
	for (i = 0; i < n || (i == 0 && (b->kind == BOUNCE_KIND_AUTOREPLY ||
	    arf != NULL)); i++) {
		g_string_append(o, "{\"kind\":");
		cli_json_str(o, arf ? "feedback" : kind_names[b->kind]);
		cli_json_field(o, "file", file);
		g_string_append_printf(o, ",\"rcpt_index\":%u", i + 1);
		if (i < n) {
			json_recipient(o, b, g_ptr_array_index(b->recipients,
			    i), arf);
		} else if (arf != NULL) {
			cli_json_field(o, "reporting_mta", arf->reporting_mta);
			cli_json_field(o, "feedback_type", arf->feedback_type);
		}
		json_bounce_tail(o, b, arf);
		g_string_append(o, "}\n");
	}
	arf_report_free(arf);
	bounce_report_free(b);
	return TRUE;
}

static int
parse_message(struct ingest_message *msg, const char *file,
    const struct ingest_limits *lim)
{
	static GString *out, *notes;
	struct parse_state ps = { .file = file };
	GError *err = NULL;
	int rc;

	ps.out = scratch(&out);
	ps.notes = scratch(&notes);
	rc = ingest_walk(msg, lim, on_payload, &ps, &err);
	if (rc < 0) {
		print_error(file, NULL, err ? err->message : "walk failed");
		ps.errors++;
	} else if (ps.reports == 0 && ps.errors == 0 &&
	    !print_bounce(msg, file)) {
		GString *o = g_string_new("{\"kind\":\"none\"");

		cli_json_field(o, "file", file);
		cli_json_field(o, "reason", ps.notes->len ? ps.notes->str :
		    "no report found in the message");
		g_string_append(o, "}\n");
		out_add(o);
		g_string_free(o, TRUE);
	}
	out_flush(OUT_FLUSH);
	g_clear_error(&err);
	return ps.errors;
}

/* Every message of src; file names the input in each line (a Maildir's
 * messages by their own paths).  Returns the messages that failed. */
static int
parse_source(struct ingest_source *src, const char *file,
    const struct ingest_limits *lim)
{
	struct ingest_message *msg;
	GError *err = NULL;
	int r, failed = 0;

	while ((r = ingest_source_next(src, &msg, &err)) != 0) {
		const char *name = file != NULL ? file :
		    msg != NULL && msg->path != NULL ? msg->path : "-";

		if (r < 0) {
			print_error(name, NULL, err->message);
			g_clear_error(&err);
			/* No message: the input could not be read (74, as
			 * ingest says); else one over a limit (65). */
			if (msg == NULL)
				in_unreadable = TRUE;
			else
				failed++;
			ingest_message_free(msg);
			continue;
		}
		failed += parse_message(msg, name, lim);
		ingest_message_free(msg);
	}
	return failed;
}

/* What every job needs: the command line, and the Maildir listed once
 * before the fork. */
struct parse_args {
	int argc;
	char **argv;
	struct ingest_limits lim;
	struct ingest_source *maildir;
};

/* One process's share: every nshards-th message of the Maildir, or
 * every nshards-th file.  An exit status. */
static int
parse_job(void *user, guint shard, guint nshards)
{
	struct parse_args *a = user;
	struct ingest_source *src;
	GError *err = NULL;
	int failed = 0;

	if (a->maildir != NULL) {
		if (nshards > 1)
			ingest_source_shard(a->maildir, shard, nshards);
		failed += parse_source(a->maildir, NULL, &a->lim);
	}
	for (int i = 1; a->maildir == NULL && i < a->argc; i++) {
		char *one[] = { a->argv[i] };

		if ((guint)(i - 1) % nshards != shard)
			continue;
		src = strcmp(a->argv[i], "-") == 0 ?
		    ingest_source_stdin(&a->lim, &err) :
		    ingest_source_files(one, 1, &a->lim, &err);
		if (src == NULL) {
			print_error(a->argv[i], NULL, err->message);
			g_clear_error(&err);
			in_unreadable = TRUE;
			continue;
		}
		failed += parse_source(src, a->argv[i], &a->lim);
		ingest_source_free(src);
	}
	out_flush(0);
	if (out_failed || in_unreadable)
		return EX_IOERR;
	return failed ? EX_DATAERR : 0;
}

int
cli_cmd_parse(int argc, char **argv)
{
	struct parse_args a = { argc, argv, { 0 }, NULL };
	GError *err = NULL;
	guint jobs;
	int status;

	if (!cli_options_nodb(&argc, &argv, "FILE...",
	    "Print what ingest would store, as JSON lines: DMARC reports\n"
	    "(\"dmarc_report\"), bounces (\"bounce\", one line per recipient),\n"
	    "ARF complaints (\"feedback\"), auto-replies (\"autoreply\"), or\n"
	    "\"none\" with the reason.  No database is used.  '-' reads one\n"
	    "message from stdin; --maildir DIR reads every message in new/ and\n"
	    "cur/ and moves nothing.",
	    parse_entries))
		return EX_USAGE;
	a.argc = argc;
	a.argv = argv;
	if (opt_format && strcmp(opt_format, "json") != 0) {
		fprintf(stderr, "mailsift: parse: unknown format '%s' (json)\n", opt_format);
		return EX_USAGE;
	}
	if ((opt_maildir != NULL) == (argc >= 2)) {
		fprintf(stderr, "mailsift: parse: give FILE... or --maildir DIR\n");
		return EX_USAGE;
	}
	ingest_limits_default(&a.lim);
	if (opt_maildir != NULL) {
		a.maildir = ingest_source_maildir(opt_maildir, &a.lim, &err);
		if (a.maildir == NULL) {
			print_error(opt_maildir, NULL, err->message);
			g_clear_error(&err);
			out_flush(0);
			return EX_DATAERR;
		}
	}
	jobs = opt_jobs > 0 ? (guint)opt_jobs : opt_maildir != NULL ?
	    g_get_num_processors() : 1;
	/* stdin cannot be shared. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			jobs = 1;
	jobs = CLAMP(jobs, 1, 8);
	if (jobs > 1)
		status = cli_jobs_run(jobs, parse_job, &a);
	else
		status = parse_job(&a, 0, 1);
	ingest_source_free(a.maildir);
	return status;
}
