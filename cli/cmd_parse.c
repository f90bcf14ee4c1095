/* cmd_parse.c - `mailsift parse`: what ingest would store, as JSON lines.
 *
 *	mailsift parse [--format json] FILE...	   ("-" reads stdin)
 *
 * One JSON object per line, each with "kind" and "file":
 *   "dmarc_report"  one per report found (fields as in the report XML);
 *   "none"          the message holds nothing to store, with "reason";
 *   "error"         the message or a payload failed, with "error".
 * No database is touched.  Reports stream: a report's object is built while
 * it is parsed and written out in pieces once it grows large, so a
 * million-record report does not sit in memory.
 */
#include <string.h>

#include "cli.h"
#include "../ingest/ingest.h"
#include "../parse/dmarc.h"

#define PARSE_FLUSH_BYTES	(1 << 20)

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

static char *opt_format;

static const GOptionEntry parse_entries[] = {
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "output format: json (the only one so far)", "json" },
	G_OPTION_ENTRY_NULL
};

static void
json_field(GString *o, const char *key, const char *value)
{
	g_string_append_c(o, ',');
	cli_json_key(o, key);
	cli_json_str(o, value);
}

static void
json_strings(GString *o, const char *key, const GPtrArray *a)
{
	g_string_append_c(o, ',');
	cli_json_key(o, key);
	g_string_append_c(o, '[');
	for (guint i = 0; a && i < a->len; i++) {
		if (i)
			g_string_append_c(o, ',');
		cli_json_str(o, g_ptr_array_index(a, i));
	}
	g_string_append_c(o, ']');
}

static void
json_policy(GString *o, const struct dmarc_policy *p)
{
	g_string_append(o, ",\"policy_published\":{\"domain\":");
	cli_json_str(o, p->domain);
	json_field(o, "adkim", p->adkim);
	json_field(o, "aspf", p->aspf);
	json_field(o, "p", p->p);
	json_field(o, "sp", p->sp);
	json_field(o, "np", p->np);
	if (p->pct >= 0)
		g_string_append_printf(o, ",\"pct\":%d", p->pct);
	else
		g_string_append(o, ",\"pct\":null");
	json_field(o, "fo", p->fo);
	json_field(o, "testing", p->testing);
	json_field(o, "discovery_method", p->discovery_method);
	g_string_append_c(o, '}');
}

static int
on_begin(void *user, const struct dmarc_report *r)
{
	struct parse_state *ps = user;
	GString *o = ps->out;
	struct ingest_payload *p = ps->payload;

	g_string_assign(o, "{\"kind\":\"dmarc_report\"");
	json_field(o, "file", ps->file);
	json_field(o, "container", p->container);
	json_field(o, "part_name", p->part_name);
	json_field(o, "member", p->member);
	json_field(o, "version", r->version);
	json_field(o, "org_name", r->org_name);
	json_field(o, "email", r->email);
	json_field(o, "extra_contact_info", r->extra_contact_info);
	json_field(o, "report_id", r->report_id);
	g_string_append_printf(o, ",\"date_begin\":%" G_GINT64_FORMAT
	    ",\"date_end\":%" G_GINT64_FORMAT, r->date_begin, r->date_end);
	json_policy(o, &r->policy);
	json_strings(o, "errors", r->errors);
	json_field(o, "generator", r->generator);
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
	json_field(o, "disposition", rec->disposition);
	json_field(o, "policy_dkim", rec->policy_dkim);
	json_field(o, "policy_spf", rec->policy_spf);
	g_string_append(o, ",\"reasons\":[");
	for (guint i = 0; rec->reasons && i < rec->reasons->len; i++) {
		const struct dmarc_reason *x = g_ptr_array_index(rec->reasons, i);

		g_string_append(o, i ? ",{\"type\":" : "{\"type\":");
		cli_json_str(o, x->type);
		json_field(o, "comment", x->comment);
		g_string_append_c(o, '}');
	}
	g_string_append_c(o, ']');
	json_field(o, "header_from", rec->header_from);
	json_field(o, "envelope_from", rec->envelope_from);
	json_field(o, "envelope_to", rec->envelope_to);
	g_string_append(o, ",\"dkim\":[");
	for (guint i = 0; rec->dkim && i < rec->dkim->len; i++) {
		const struct dmarc_dkim *d = g_ptr_array_index(rec->dkim, i);

		g_string_append(o, i ? ",{\"domain\":" : "{\"domain\":");
		cli_json_str(o, d->domain);
		json_field(o, "selector", d->selector);
		json_field(o, "result", d->result);
		json_field(o, "human_result", d->human_result);
		g_string_append_c(o, '}');
	}
	g_string_append(o, "],\"spf\":[");
	for (guint i = 0; rec->spf && i < rec->spf->len; i++) {
		const struct dmarc_spf *s = g_ptr_array_index(rec->spf, i);

		g_string_append(o, i ? ",{\"domain\":" : "{\"domain\":");
		cli_json_str(o, s->domain);
		json_field(o, "scope", s->scope);
		json_field(o, "result", s->result);
		json_field(o, "human_result", s->human_result);
		g_string_append_c(o, '}');
	}
	g_string_append_c(o, ']');
	if (rec->fixups && rec->fixups->len)
		json_strings(o, "fixups", rec->fixups);
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
		fwrite(ps->out->str, 1, ps->out->len, stdout);
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
		json_field(o, "extensions", r->extensions->str);
	json_strings(o, "fixups", r->fixups);
	g_string_append(o, "}\n");
	fwrite(o->str, 1, o->len, stdout);
	g_string_truncate(o, 0);
	ps->reports++;
	return 0;
}

static const struct dmarc_callbacks json_callbacks = { on_begin, on_record, on_end };

static void
print_error(const char *file, const char *what, const char *message)
{
	GString *o = g_string_new("{\"kind\":\"error\"");

	json_field(o, "file", file);
	if (what)
		json_field(o, "part", what);
	json_field(o, "error", message);
	g_string_append(o, "}\n");
	fputs(o->str, stdout);
	g_string_free(o, TRUE);
}

static int
on_payload(void *user, struct ingest_payload *p)
{
	struct parse_state *ps = user;
	const char *label = p->member && *p->member ? p->member : p->part_name;
	GError *err = NULL;

	ps->payload = p;
	g_string_truncate(ps->out, 0);
	if (dmarc_parse(ingest_payload_read, p, label, &json_callbacks, ps,
	    &err) >= 0)
		return 0;
	if (ps->flushed) {
		/* Close the half-written object so every line stays JSON. */
		g_string_append(ps->out, "],\"truncated\":true}\n");
		fwrite(ps->out->str, 1, ps->out->len, stdout);
	}
	g_string_truncate(ps->out, 0);
	if (err->domain == DMARC_ERROR && err->code == DMARC_ERROR_NOT_REPORT) {
		if (ps->notes->len)
			g_string_append(ps->notes, "; ");
		g_string_append(ps->notes, err->message);
	} else {
		print_error(ps->file, label, err->message);
		ps->errors++;
	}
	g_error_free(err);
	return 0;
}

static int
parse_message(struct ingest_message *msg, const char *file,
    const struct ingest_limits *lim)
{
	struct parse_state ps = { .file = file };
	GError *err = NULL;
	int rc;

	ps.out = g_string_sized_new(4096);
	ps.notes = g_string_new(NULL);
	rc = ingest_walk(msg, lim, on_payload, &ps, &err);
	if (rc < 0) {
		print_error(file, NULL, err ? err->message : "walk failed");
		ps.errors++;
	} else if (ps.reports == 0 && ps.errors == 0) {
		GString *o = g_string_new("{\"kind\":\"none\"");

		json_field(o, "file", file);
		json_field(o, "reason", ps.notes->len ? ps.notes->str :
		    "no report found in the message");
		g_string_append(o, "}\n");
		fputs(o->str, stdout);
		g_string_free(o, TRUE);
	}
	g_clear_error(&err);
	g_string_free(ps.out, TRUE);
	g_string_free(ps.notes, TRUE);
	return ps.errors;
}

int
cli_cmd_parse(int argc, char **argv)
{
	struct ingest_limits lim;
	int failed = 0;

	if (!cli_options(&argc, &argv, "FILE...",
	    "Print the reports found in e-mails or report files, as JSON lines.\n"
	    "No database is used.  '-' reads one message from stdin.",
	    parse_entries))
		return EX_USAGE;
	if (opt_format && strcmp(opt_format, "json") != 0) {
		fprintf(stderr, "mailsift: parse: unknown format %s\n", opt_format);
		return EX_USAGE;
	}
	if (argc < 2) {
		fprintf(stderr, "mailsift: parse: no FILE given\n");
		return EX_USAGE;
	}
	ingest_limits_default(&lim);
	for (int i = 1; i < argc; i++) {
		struct ingest_source *src;
		struct ingest_message *msg;
		GError *err = NULL;
		char *one[] = { argv[i] };
		int r;

		src = strcmp(argv[i], "-") == 0 ? ingest_source_stdin(&lim, &err) :
		    ingest_source_files(one, 1, &lim, &err);
		if (src == NULL) {
			print_error(argv[i], NULL, err->message);
			g_clear_error(&err);
			failed++;
			continue;
		}
		while ((r = ingest_source_next(src, &msg, &err)) != 0) {
			if (r < 0) {
				print_error(argv[i], NULL, err->message);
				g_clear_error(&err);
				ingest_message_free(msg);
				failed++;
				continue;
			}
			failed += parse_message(msg, argv[i], &lim);
			ingest_message_free(msg);
		}
		ingest_source_free(src);
	}
	fflush(stdout);
	return failed ? EX_DATAERR : 0;
}
