/* cmd_tls_failures.c - the commands over SMTP TLS reports and DMARC
 * failure reports: tls, failures.
 *
 *	mailsift tls [--since 30d] [--domain D] [--by day|mx|result|reporter|domain]
 *	    [--format table|csv|json]
 *	mailsift failures [--since 30d] [--domain D] [--ip CIDR]
 *	    [--by day|ip|domain|reporter] [--format table|csv|json]
 *
 * tls sums tls_daily_v: successful and failed TLS sessions per day (the
 * default), receiving MX, failure result type, reporter or policy domain.
 * failures lists the DMARC failure reports of dmarc_failure_v, one per
 * line, or counts them per day, source IP, From domain or reporter.
 * Arguments are checked before any query: a bad value is a usage error
 * that says what is expected, never an SQL message.
 */
#include <string.h>

#include "cli.h"

static char *opt_since, *opt_domain, *opt_ip, *opt_by, *opt_format;

struct by_word {
	const char *name;
	int by;
};

static const struct by_word tls_by[] = {
	{ "day", STORE_TLS_BY_DAY }, { "mx", STORE_TLS_BY_MX },
	{ "result", STORE_TLS_BY_RESULT },
	{ "reporter", STORE_TLS_BY_REPORTER },
	{ "domain", STORE_TLS_BY_DOMAIN }, { NULL, 0 },
};

static const struct by_word failure_by[] = {
	{ "day", STORE_FAILURE_BY_DAY }, { "ip", STORE_FAILURE_BY_IP },
	{ "domain", STORE_FAILURE_BY_DOMAIN },
	{ "reporter", STORE_FAILURE_BY_REPORTER }, { NULL, 0 },
};

/* *by from the word; FALSE (after saying which words there are) when it
 * is none of them. */
static gboolean
parse_by(const char *cmd, const struct by_word *words, const char *s,
    int *by)
{
	const struct by_word *w;

	for (w = words; s != NULL && w->name != NULL; w++)
		if (strcmp(s, w->name) == 0) {
			*by = w->by;
			return TRUE;
		}
	if (s == NULL)
		return TRUE;
	fprintf(stderr, "mailsift: %s: bad --by '%s'; one of:", cmd, s);
	for (w = words; w->name != NULL; w++)
		fprintf(stderr, " %s", w->name);
	fputc('\n', stderr);
	return FALSE;
}

/* What both commands check before they query; an exit status or -1. */
static int
common_args(const char *cmd, int argc, char **argv, enum cli_format *fmt,
    struct store_filter *f)
{
	if (argc > 1) {
		fprintf(stderr, "mailsift: %s: unexpected argument %s\n", cmd,
		    argv[1]);
		return EX_USAGE;
	}
	if (!cli_parse_format(opt_format, fmt)) {
		fprintf(stderr, "mailsift: %s: unknown format '%s' (table, "
		    "csv, json)\n", cmd, opt_format);
		return EX_USAGE;
	}
	if (!cli_parse_since(opt_since ? opt_since : "30d", &f->since)) {
		fprintf(stderr, "mailsift: %s: bad --since '%s' (30d, 12h, "
		    "2w, YYYY-MM-DD)\n", cmd, opt_since);
		return EX_USAGE;
	}
	if (!cli_check_ip(cmd, opt_ip))
		return EX_USAGE;
	f->domain = opt_domain;
	f->ip = opt_ip;
	return -1;
}

/* Run the query and print its table: an exit status. */
static int
print_query(struct store_table *(*query)(struct store *,
    const struct store_filter *, int, GError **),
    const struct store_filter *f, int by, enum cli_format fmt)
{
	struct store_table *t;
	struct store *st;
	GError *err = NULL;
	int status = 0;

	if ((st = cli_store_open(&status)) == NULL)
		return status;
	if ((t = query(st, f, by, &err)) == NULL) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
	} else {
		cli_print_table(stdout, t, fmt);
		store_table_free(t);
	}
	store_close(st);
	return status;
}

static struct store_table *
query_tls(struct store *st, const struct store_filter *f, int by,
    GError **err)
{
	return store_tls(st, f, (enum store_tls_by)by, err);
}

static struct store_table *
query_failures(struct store *st, const struct store_filter *f, int by,
    GError **err)
{
	return store_failures(st, f, (enum store_failure_by)by, err);
}

static const GOptionEntry tls_entries[] = {
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "only report days from this span: 30d (default), 12h, 2w, or a "
	    "date 2026-10-01", "SPAN" },
	{ "domain", 0, 0, G_OPTION_ARG_STRING, &opt_domain,
	    "only this policy domain", "DOMAIN" },
	{ "by", 0, 0, G_OPTION_ARG_STRING, &opt_by,
	    "sessions per day (default), receiving MX, failure result type, "
	    "reporter or policy domain", "day|mx|result|reporter|domain" },
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default), csv or json (one object per line)", "FMT" },
	G_OPTION_ENTRY_NULL
};

int
cli_cmd_tls(int argc, char **argv)
{
	struct store_filter f = { 0 };
	enum cli_format fmt;
	int by = STORE_TLS_BY_DAY, status;

	if (!cli_options(&argc, &argv, "",
	    "SMTP TLS reports (RFC 8460): successful and failed sessions, and\n"
	    "the failure rate, per day, receiving MX, result type, reporter or\n"
	    "policy domain (--by).  From the view tls_daily_v.", tls_entries))
		return EX_USAGE;
	if ((status = common_args("tls", argc, argv, &fmt, &f)) >= 0)
		return status;
	if (!parse_by("tls", tls_by, opt_by, &by))
		return EX_USAGE;
	return print_query(query_tls, &f, by, fmt);
}

static const GOptionEntry failures_entries[] = {
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "only reports that arrived in this span: 30d (default), 12h, 2w, "
	    "or a date 2026-10-01", "SPAN" },
	{ "domain", 0, 0, G_OPTION_ARG_STRING, &opt_domain,
	    "only failures of mail from this domain", "DOMAIN" },
	{ "ip", 0, 0, G_OPTION_ARG_STRING, &opt_ip,
	    "only failures of mail from these IPs: an address or a CIDR block",
	    "CIDR" },
	{ "by", 0, 0, G_OPTION_ARG_STRING, &opt_by,
	    "counts per day, source IP, From domain or reporter instead of a "
	    "list", "day|ip|domain|reporter" },
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default), csv or json (one object per line)", "FMT" },
	G_OPTION_ENTRY_NULL
};

int
cli_cmd_failures(int argc, char **argv)
{
	struct store_filter f = { 0 };
	enum cli_format fmt;
	int by = STORE_FAILURE_LIST, status;

	if (!cli_options(&argc, &argv, "",
	    "DMARC failure reports (RFC 6591, RFC 9991): one line per report,\n"
	    "or counts per day, source IP, From domain or reporter (--by).\n"
	    "From the view dmarc_failure_v.", failures_entries))
		return EX_USAGE;
	if ((status = common_args("failures", argc, argv, &fmt, &f)) >= 0)
		return status;
	if (!parse_by("failures", failure_by, opt_by, &by))
		return EX_USAGE;
	return print_query(query_failures, &f, by, fmt);
}
