/* cmd_query.c - the reading commands: trend, sources, reports, db.
 *
 *	mailsift trend [--by ip|day] [--since 30d] [--domain D] [--ip CIDR]
 *	    [--format table|csv|json]
 *	mailsift sources [--since 7d] [--domain D] [--ip CIDR] [--format ...]
 *	mailsift reports [--since 7d] [--domain D] [--format ...]
 *	mailsift db migrate | db version | db roles
 *
 * The numbers come from the public views (dmarc_daily_v and friends; the
 * trend from dmarc_bounce_daily_v, DMARC results next to bounces), so what
 * the CLI prints is what a dashboard charts.  The bounce commands are in
 * cmd_bounces.c.
 */
#include <string.h>

#include "cli.h"

static char *opt_since, *opt_domain, *opt_ip, *opt_format, *opt_by;

static const GOptionEntry filter_entries[] = {
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "only data from this span: 30d, 12h, 2w, or a date 2026-10-01", "SPAN" },
	{ "domain", 0, 0, G_OPTION_ARG_STRING, &opt_domain,
	    "only reports for this policy domain", "DOMAIN" },
	{ "ip", 0, 0, G_OPTION_ARG_STRING, &opt_ip,
	    "only these source IPs: an address or a CIDR block", "CIDR" },
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default), csv or json (one object per line)", "FMT" },
	{ "by", 0, 0, G_OPTION_ARG_STRING, &opt_by,
	    "trend only: ip (default) or day", "ip|day" },
	G_OPTION_ENTRY_NULL
};

typedef struct store_table *(*query_fn)(struct store *,
    const struct store_filter *, GError **);

static int
run_query(int argc, char **argv, const char *summary, const char *default_since,
    query_fn fn_ip, query_fn fn_day)
{
	struct store_filter f = { 0 };
	enum cli_format fmt;
	struct store_table *t;
	struct store *st;
	GError *err = NULL;
	int status = 0;

	if (!cli_options(&argc, &argv, "", summary, filter_entries))
		return EX_USAGE;
	if (argc > 1) {
		fprintf(stderr, "mailsift: unexpected argument %s\n", argv[1]);
		return EX_USAGE;
	}
	if (!cli_parse_format(opt_format, &fmt)) {
		fprintf(stderr, "mailsift: unknown format '%s' (table, csv, json)\n",
		    opt_format);
		return EX_USAGE;
	}
	if (!cli_parse_since(opt_since ? opt_since : default_since, &f.since)) {
		fprintf(stderr, "mailsift: bad --since '%s' (30d, 12h, 2w, "
		    "YYYY-MM-DD)\n", opt_since);
		return EX_USAGE;
	}
	if (opt_by && strcmp(opt_by, "ip") != 0 &&
	    !(strcmp(opt_by, "day") == 0 && fn_day)) {
		fprintf(stderr, "mailsift: bad --by '%s'\n", opt_by);
		return EX_USAGE;
	}
	f.domain = opt_domain;
	f.ip = opt_ip;
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	t = (opt_by && strcmp(opt_by, "day") == 0 ? fn_day : fn_ip)(st, &f, &err);
	if (t == NULL) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		status = err->domain == STORE_ERROR && err->code == STORE_ERROR_DATA ?
		    EX_USAGE : cli_store_status(err);
		g_error_free(err);
	} else {
		cli_print_table(stdout, t, fmt);
		store_table_free(t);
	}
	store_close(st);
	return status;
}

int
cli_cmd_trend(int argc, char **argv)
{
	return run_query(argc, argv,
	    "DMARC pass/fail per day and source IP (--by ip), or per day, and\n"
	    "the bounces of mail from that IP: all (bounces) and those refused\n"
	    "for authentication (auth_bounces).",
	    "30d", store_trend_by_ip, store_trend_by_day);
}

int
cli_cmd_sources(int argc, char **argv)
{
	return run_query(argc, argv,
	    "Source IPs ranked by message volume, with their DMARC pass rate.",
	    "7d", store_sources, NULL);
}

int
cli_cmd_reports(int argc, char **argv)
{
	return run_query(argc, argv, "Reports received, newest first.",
	    "7d", store_reports, NULL);
}

int
cli_cmd_db(int argc, char **argv)
{
	struct store *st;
	GError *err = NULL;
	int status = 0, n, latest;

	if (!cli_options(&argc, &argv, "migrate|version|roles",
	    "migrate: create or upgrade the schema (idempotent).\n"
	    "version: print the schema version of the database and of this build.\n"
	    "roles:   create the roles mailsift_ingest and mailsift_reader and grant\n"
	    "         them the least they need (needs CREATEROLE; run after migrate).",
	    NULL))
		return EX_USAGE;
	if (argc != 2 || (strcmp(argv[1], "migrate") != 0 &&
	    strcmp(argv[1], "version") != 0 && strcmp(argv[1], "roles") != 0)) {
		fprintf(stderr, "mailsift: usage: mailsift db migrate|version|roles\n");
		return EX_USAGE;
	}
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	if (strcmp(argv[1], "migrate") == 0) {
		n = store_migrate(st, &err);
		if (n >= 0)
			printf("mailsift: %d migration%s applied\n", n,
			    n == 1 ? "" : "s");
	} else if (strcmp(argv[1], "roles") == 0) {
		n = store_roles(st, &err);
		if (n >= 0)
			printf("mailsift: roles mailsift_ingest and mailsift_reader "
			    "granted\n");
	} else {
		n = store_schema_version(st, &latest, &err);
		if (n >= 0)
			printf("database schema %d, this build %d\n", n, latest);
	}
	if (n < 0) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
	}
	store_close(st);
	return status;
}
