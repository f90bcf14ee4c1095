/* cmd_explain.c - mailsift explain: what each source of a domain is, and
 * what to fix.
 *
 *	mailsift explain --domain D [--since 30d] [--ip CIDR]
 *	    [--format table|csv|json]
 *
 * The rows come from source_diagnosis() (sql/007_diagnosis.sql, through
 * store_explain): one per source IP that sent as D in the period, with its
 * category (unauthorized, esp_unaligned, partial, forwarded, compliant),
 * the evidence and one sentence saying what to do.  The problems come
 * first, the category with the most messages failing DMARC first.  The
 * table groups the sources under their category, a block per source; csv
 * and json give one row or object per source with every column.
 * The table ends with the findings of the domain's latest `mailsift
 * check` (store_check_findings), or a line saying to run it.
 * Arguments are checked before any query: a bad value is a usage error
 * that says what is expected, never an SQL message.
 */
#include <string.h>

#include "cli.h"

#define WRAP_COLUMN 78

static char *opt_since, *opt_domain, *opt_ip, *opt_format;

static const GOptionEntry explain_entries[] = {
	{ "domain", 0, 0, G_OPTION_ARG_STRING, &opt_domain,
	    "the policy domain to explain (required)", "DOMAIN" },
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "report days from this span on: 30d (default), 12h, 2w, or a "
	    "date 2026-10-01", "SPAN" },
	{ "ip", 0, 0, G_OPTION_ARG_STRING, &opt_ip,
	    "only these sources: an address or a CIDR block", "CIDR" },
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default), csv or json (one object per source)", "FMT" },
	G_OPTION_ENTRY_NULL
};

/* A domain name as DNS writes it: dot-separated labels of letters,
 * digits, hyphens and underscores (DKIM and SPF use them), 1 to 63 bytes
 * each, 253 in all, one trailing dot allowed.  IDNs come as xn-- A-labels,
 * as reporters write them. */
static gboolean
valid_domain(const char *s)
{
	size_t len, label = 0;
	const char *p;

	if (s == NULL)
		return FALSE;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return FALSE;
	for (p = s; p < s + len; p++) {
		if (*p == '.') {
			if (label == 0)
				return FALSE;
			label = 0;
		} else if (g_ascii_isalnum(*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return FALSE;
		} else {
			return FALSE;
		}
	}
	return label > 0;
}

/* The column of that name; the query has them all (store.h). */
static guint
col(const struct store_table *t, const char *name)
{
	guint c;

	for (c = 0; c < t->columns->len; c++)
		if (strcmp(g_ptr_array_index(t->columns, c), name) == 0)
			return c;
	g_error("explain: no column %s", name);
}

static const char *
val(const struct store_table *t, GPtrArray *row, const char *name)
{
	return g_ptr_array_index(row, col(t, name));
}

static gint64
num(const struct store_table *t, GPtrArray *row, const char *name)
{
	const char *v = val(t, row, name);

	return v ? g_ascii_strtoll(v, NULL, 10) : 0;
}

/* "label: text", the text wrapped at WRAP_COLUMN, continuation lines
 * indented under its start.  Words longer than a line stay whole. */
static void
print_wrapped(FILE *fp, const char *indent, const char *label,
    const char *text)
{
	char **words = g_strsplit(text, " ", -1);
	size_t start = strlen(indent) + strlen(label), at = start;
	gboolean first = TRUE;

	fprintf(fp, "%s%s", indent, label);
	for (char **w = words; *w; w++) {
		size_t n = strlen(*w);

		if (n == 0)
			continue;
		if (!first && at + 1 + n > WRAP_COLUMN) {
			fprintf(fp, "\n%*s", (int)start, "");
			at = start;
			first = TRUE;
		}
		fprintf(fp, "%s%s", first ? "" : " ", *w);
		at += n + (first ? 0 : 1);
		first = FALSE;
	}
	fputc('\n', fp);
	g_strfreev(words);
}

/* One source: its name, the counts, days and reporters, the DKIM and SPF
 * results, the override reasons, the action. */
static void
print_source(FILE *fp, const struct store_table *t, GPtrArray *row)
{
	const char *service = val(t, row, "service");
	const char *kind = val(t, row, "service_kind");
	const char *ptr = val(t, row, "ptr");
	const char *change = val(t, row, "change_day");
	const char *v;
	GString *s = g_string_new(NULL);

	g_string_printf(s, "  %s", val(t, row, "source_ip"));
	if (service || ptr)
		g_string_append_printf(s, "  %s%s%s", service ? service : "",
		    service && ptr ? ", " : "", ptr ? ptr : "");
	if (kind)
		g_string_append_printf(s, "%s(%s)", service || ptr ? " " : "  ",
		    kind);
	fprintf(fp, "%s\n", s->str);
	g_string_printf(s, "%" G_GINT64_FORMAT " messages, %" G_GINT64_FORMAT
	    " pass DMARC; %s to %s, %s day%s", num(t, row, "messages"),
	    num(t, row, "dmarc_pass"), val(t, row, "first_day"),
	    val(t, row, "last_day"), val(t, row, "days"),
	    num(t, row, "days") == 1 ? "" : "s");
	if (change)
		g_string_append_printf(s, "; changed %s", change);
	print_wrapped(fp, "      ", "", s->str);
	if ((v = val(t, row, "header_from")) != NULL)
		print_wrapped(fp, "      ", "from:      ", v);
	print_wrapped(fp, "      ", "dkim:      ",
	    (v = val(t, row, "dkim")) ? v : "no signature");
	print_wrapped(fp, "      ", "spf:       ",
	    (v = val(t, row, "spf")) ? v : "no result");
	if ((v = val(t, row, "override_reasons")) != NULL)
		print_wrapped(fp, "      ", "overrides: ", v);
	if ((v = val(t, row, "reporters")) != NULL)
		print_wrapped(fp, "      ", "reporters: ", v);
	print_wrapped(fp, "      ", "action:    ", val(t, row, "action"));
	g_string_free(s, TRUE);
}

/* The sources under their category; the rows come grouped (store.h). */
static void
print_grouped(FILE *fp, const struct store_table *t, const char *domain,
    const char *since)
{
	gint64 messages = 0, pass = 0;
	guint r, i;

	for (r = 0; r < t->rows->len; r++) {
		messages += num(t, g_ptr_array_index(t->rows, r), "messages");
		pass += num(t, g_ptr_array_index(t->rows, r), "dmarc_pass");
	}
	fprintf(fp, "%s since %s: %u source%s, %" G_GINT64_FORMAT
	    " messages, %" G_GINT64_FORMAT " pass DMARC\n", domain, since,
	    t->rows->len, t->rows->len == 1 ? "" : "s", messages, pass);
	if (t->rows->len == 0)
		fprintf(fp, "(no reports for this domain in the period)\n");
	for (r = 0; r < t->rows->len; r = i) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);
		const char *cat = val(t, row, "category");
		gint64 failing = 0;

		for (i = r; i < t->rows->len; i++) {
			GPtrArray *o = g_ptr_array_index(t->rows, i);

			if (strcmp(val(t, o, "category"), cat) != 0)
				break;
			failing += num(t, o, "dmarc_fail");
		}
		fprintf(fp, "\n%s: %u source%s, %" G_GINT64_FORMAT
		    " message%s failing DMARC\n", cat, i - r,
		    i - r == 1 ? "" : "s", failing, failing == 1 ? "" : "s");
		for (guint k = r; k < i; k++)
			print_source(fp, t, g_ptr_array_index(t->rows, k));
	}
}

/* The stored findings of `mailsift check` for the domain (the rows of
 * store_check_findings: domain, checked_at, severity, code, evidence,
 * action). */
static void
print_checks(FILE *fp, const struct store_table *t)
{
	const char *at = t->rows->len ? val(t, g_ptr_array_index(t->rows, 0),
	    "checked_at") : NULL;

	if (at == NULL) {
		GPtrArray *row = t->rows->len ? g_ptr_array_index(t->rows, 0) :
		    NULL;

		fprintf(fp, "\nchecks: %s\n", row ? val(t, row, "evidence") :
		    "not checked: run mailsift check");
		return;
	}
	fprintf(fp, "\nchecks (mailsift check, %s): ", at);
	if (val(t, g_ptr_array_index(t->rows, 0), "code") == NULL) {
		fprintf(fp, "nothing to say\n");
		return;
	}
	fprintf(fp, "%u finding%s\n", t->rows->len, t->rows->len == 1 ? "" :
	    "s");
	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);
		char *head = g_strdup_printf("  %-7s %-24s ", val(t, row,
		    "severity"), val(t, row, "code"));

		print_wrapped(fp, "", head, val(t, row, "evidence"));
		print_wrapped(fp, "      ", "action:    ", val(t, row,
		    "action"));
		g_free(head);
	}
}

/* The since day as YYYY-MM-DD (UTC), as the query takes it. */
static char *
since_day(int64_t since)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(since);
	char *s;

	if (dt == NULL)
		return g_strdup("the start");
	s = g_date_time_format(dt, "%F");
	g_date_time_unref(dt);
	return s;
}

int
cli_cmd_explain(int argc, char **argv)
{
	struct store_filter f = { 0 };
	enum cli_format fmt;
	struct store_table *t;
	struct store *st;
	GError *err = NULL;
	int status = 0;

	if (!cli_options(&argc, &argv, "",
	    "What each source IP that sends as DOMAIN is to it, and what to fix:\n"
	    "unauthorized, esp_unaligned, partial, forwarded or compliant, with\n"
	    "the evidence (messages, DMARC passes, DKIM d= and selectors, SPF\n"
	    "domains, days, reporters) and one sentence saying what to do.  The\n"
	    "biggest problem first.  From source_diagnosis() (source_diagnosis_v).",
	    explain_entries))
		return EX_USAGE;
	if (argc > 1) {
		fprintf(stderr, "mailsift: explain: unexpected argument %s\n",
		    argv[1]);
		return EX_USAGE;
	}
	if (opt_domain == NULL) {
		fprintf(stderr, "mailsift: explain: --domain DOMAIN is "
		    "required\n");
		return EX_USAGE;
	}
	if (!valid_domain(opt_domain)) {
		fprintf(stderr, "mailsift: explain: bad --domain '%s' (a domain "
		    "name such as example.com)\n", opt_domain);
		return EX_USAGE;
	}
	if (!cli_parse_format(opt_format, &fmt)) {
		fprintf(stderr, "mailsift: explain: unknown format '%s' (table, "
		    "csv, json)\n", opt_format);
		return EX_USAGE;
	}
	if (!cli_parse_since(opt_since ? opt_since : "30d", &f.since)) {
		fprintf(stderr, "mailsift: explain: bad --since '%s' (30d, 12h, "
		    "2w, YYYY-MM-DD)\n", opt_since);
		return EX_USAGE;
	}
	if (!cli_check_ip("explain", opt_ip))
		return EX_USAGE;
	f.domain = opt_domain;
	f.ip = opt_ip;
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	if ((t = store_explain(st, &f, &err)) == NULL) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
	} else {
		if (fmt == CLI_FORMAT_TABLE) {
			char *day = since_day(f.since);
			struct store_table *c;

			print_grouped(stdout, t, opt_domain, day);
			g_free(day);
			if ((c = store_check_findings(st, &f, &err)) == NULL) {
				fprintf(stderr, "mailsift: %s\n", err->message);
				status = cli_store_status(err);
				g_error_free(err);
			} else {
				print_checks(stdout, c);
				store_table_free(c);
			}
		} else {
			cli_print_table(stdout, t, fmt);
		}
		store_table_free(t);
	}
	store_close(st);
	return status;
}
