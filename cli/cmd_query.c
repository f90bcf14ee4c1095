/* cmd_query.c - the reading commands: trend, sources, reports, db.
 *
 *	mailsift trend [--by ip|day] [--since 30d] [--domain D] [--ip CIDR]
 *	    [--limit N] [--format table|csv|json]
 *	mailsift sources [--since 7d] [--domain D] [--ip CIDR] [--top N]
 *	    [--format ...]
 *	mailsift reports [--since 7d] [--domain D] [--ip CIDR] [--limit N]
 *	    [--format ...]
 *	mailsift db migrate | version | roles | rebuild-rollups
 *	mailsift db prune --older-than 13m [--keep-rollups]
 *
 * The numbers come from the public views (dmarc_daily_v and friends; the
 * trend from dmarc_bounce_daily_v, DMARC results next to bounces), so what
 * the CLI prints is what a dashboard charts.  Rows are printed as they
 * come (store_ask: a cursor, 1000 rows a batch), so a month of every
 * address runs in flat memory.  Every argument is checked before the
 * database is asked: a bad one is a usage error that says what is
 * expected, never SQL.  The bounce commands are in cmd_bounces.c.
 */
#include <string.h>

#include "cli.h"

static char *opt_since, *opt_domain, *opt_ip, *opt_format, *opt_by,
    *opt_limit;

#define ENTRY_SINCE { "since", 0, 0, G_OPTION_ARG_STRING, &opt_since, \
	"only data from this span: 30d, 12h, 2w (a bare number counts days), " \
	"or a date 2026-10-01", "SPAN" }
#define ENTRY_DOMAIN { "domain", 0, 0, G_OPTION_ARG_STRING, &opt_domain, \
	"only reports for this policy domain", "DOMAIN" }
#define ENTRY_IP { "ip", 0, 0, G_OPTION_ARG_STRING, &opt_ip, \
	"only these source IPs: an address or a CIDR block", "CIDR" }
#define ENTRY_FORMAT { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, \
	"table (default; column widths from the first 1000 rows), csv or " \
	"json (one object per line)", "FMT" }

static const GOptionEntry trend_entries[] = {
	ENTRY_SINCE, ENTRY_DOMAIN, ENTRY_IP, ENTRY_FORMAT,
	{ "by", 0, 0, G_OPTION_ARG_STRING, &opt_by,
	    "ip (default): per day and source IP; day: per day", "ip|day" },
	{ "limit", 0, 0, G_OPTION_ARG_STRING, &opt_limit,
	    "print at most N rows (the earliest days first)", "N" },
	G_OPTION_ENTRY_NULL
};

static const GOptionEntry sources_entries[] = {
	ENTRY_SINCE, ENTRY_DOMAIN, ENTRY_IP, ENTRY_FORMAT,
	{ "top", 0, 0, G_OPTION_ARG_STRING, &opt_limit,
	    "only the N sources with the most messages", "N" },
	G_OPTION_ENTRY_NULL
};

static const GOptionEntry reports_entries[] = {
	ENTRY_SINCE, ENTRY_DOMAIN, ENTRY_IP, ENTRY_FORMAT,
	{ "limit", 0, 0, G_OPTION_ARG_STRING, &opt_limit,
	    "print at most N reports (the newest first)", "N" },
	G_OPTION_ENTRY_NULL
};

/* A row count: a positive whole number. */
static gboolean
parse_count(const char *cmd, const char *opt, const char *text, int64_t *n)
{
	guint64 v;

	if (text == NULL) {
		*n = 0;
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT64, &v, NULL)) {
		fprintf(stderr, "mailsift: %s: bad --%s '%s' (a whole number "
		    "of rows, 1 or more)\n", cmd, opt, text);
		return FALSE;
	}
	*n = (int64_t)v;
	return TRUE;
}

static int
run_query(int argc, char **argv, const char *cmd, const char *summary,
    const GOptionEntry *entries, const char *default_since,
    enum store_question q)
{
	struct store_filter f = { 0 };
	struct cli_stream out = { stdout, CLI_FORMAT_TABLE, FALSE, 0, NULL };
	struct store *st;
	GError *err = NULL;
	int64_t limit;
	int status = 0;

	if (!cli_options(&argc, &argv, "", summary, entries))
		return EX_USAGE;
	if (argc > 1) {
		fprintf(stderr, "mailsift: %s: unexpected argument %s\n", cmd,
		    argv[1]);
		return EX_USAGE;
	}
	if (!cli_parse_format(opt_format, &out.fmt)) {
		fprintf(stderr, "mailsift: %s: unknown format '%s' (table, csv, "
		    "json)\n", cmd, opt_format);
		return EX_USAGE;
	}
	if (!cli_parse_since(opt_since ? opt_since : default_since, &f.since)) {
		fprintf(stderr, "mailsift: %s: bad --since '%s' (a span: 30d, "
		    "12h, 2w, a bare number counting days; or a date "
		    "YYYY-MM-DD)\n", cmd, opt_since ? opt_since : "");
		return EX_USAGE;
	}
	if (q == STORE_Q_TREND_IP && opt_by != NULL) {
		if (strcmp(opt_by, "day") == 0) {
			q = STORE_Q_TREND_DAY;
		} else if (strcmp(opt_by, "ip") != 0) {
			fprintf(stderr, "mailsift: %s: bad --by '%s' (ip or "
			    "day)\n", cmd, opt_by);
			return EX_USAGE;
		}
	}
	if (!cli_check_ip(cmd, opt_ip))
		return EX_USAGE;
	if (!parse_count(cmd, q == STORE_Q_SOURCES ? "top" : "limit",
	    opt_limit, &limit))
		return EX_USAGE;
	f.domain = opt_domain;
	f.ip = opt_ip;
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	if (store_ask(st, q, &f, limit, cli_stream_batch, &out, &err) < 0) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		status = err->domain == STORE_ERROR && err->code == STORE_ERROR_DATA ?
		    EX_USAGE : cli_store_status(err);
		g_error_free(err);
	}
	cli_stream_end(&out);
	store_close(st);
	return status;
}

int
cli_cmd_trend(int argc, char **argv)
{
	return run_query(argc, argv, "trend",
	    "DMARC pass/fail per day and source IP (--by ip), or per day, and\n"
	    "the bounces of mail from that IP: all (bounces) and those refused\n"
	    "for authentication (auth_bounces).",
	    trend_entries, "30d", STORE_Q_TREND_IP);
}

int
cli_cmd_sources(int argc, char **argv)
{
	return run_query(argc, argv, "sources",
	    "Source IPs ranked by message volume, with their DMARC pass rate.",
	    sources_entries, "7d", STORE_Q_SOURCES);
}

int
cli_cmd_reports(int argc, char **argv)
{
	return run_query(argc, argv, "reports",
	    "Reports received, newest first.",
	    reports_entries, "7d", STORE_Q_REPORTS);
}

/* --older-than: months (m) or days (d); the cut is the start of that
 * UTC month or day. */
static gboolean
parse_older_than(const char *text, int64_t *before)
{
	char *end;
	gint64 n;
	GDateTime *now, *cut, *start;

	if (text == NULL || !g_ascii_isdigit(*text))
		return FALSE;
	n = g_ascii_strtoll(text, &end, 10);
	if (n < 1 || n > 1200 || end[0] == '\0' || end[1] != '\0')
		return FALSE;
	now = g_date_time_new_now_utc();
	if (*end == 'm') {
		start = g_date_time_new_utc(g_date_time_get_year(now),
		    g_date_time_get_month(now), 1, 0, 0, 0);
		cut = g_date_time_add_months(start, -(gint)n);
	} else if (*end == 'd') {
		start = g_date_time_new_utc(g_date_time_get_year(now),
		    g_date_time_get_month(now), g_date_time_get_day_of_month(now),
		    0, 0, 0);
		cut = g_date_time_add_days(start, -(gint)n);
	} else {
		g_date_time_unref(now);
		return FALSE;
	}
	*before = g_date_time_to_unix(cut);
	g_date_time_unref(cut);
	g_date_time_unref(start);
	g_date_time_unref(now);
	return TRUE;
}

static char *opt_older_than;
static gboolean opt_keep_rollups;

static const GOptionEntry db_entries[] = {
	{ "older-than", 0, 0, G_OPTION_ARG_STRING, &opt_older_than,
	    "prune: the reports that began before the start of the UTC month "
	    "N months ago (13m) or of the day N days ago (400d), moved back "
	    "to the start of its month", "AGE" },
	{ "keep-rollups", 0, 0, G_OPTION_ARG_NONE, &opt_keep_rollups,
	    "prune: keep the daily rollups of those days (trends and "
	    "dashboards still show them)", NULL },
	G_OPTION_ENTRY_NULL
};

#define DB_USAGE "migrate|version|roles|rebuild-rollups|prune"

int
cli_cmd_db(int argc, char **argv)
{
	struct store *st;
	GError *err = NULL;
	int status = 0, latest;
	int64_t n = 0, before = 0;
	const char *what;

	if (!cli_options(&argc, &argv, DB_USAGE,
	    "migrate: create or upgrade the schema (idempotent).\n"
	    "version: print the schema version of the database and of this build.\n"
	    "roles:   create the roles mailsift_ingest and mailsift_reader and grant\n"
	    "         them the least they need (needs CREATEROLE; run after migrate).\n"
	    "rebuild-rollups: recompute the daily rollups (dmarc_daily_v,\n"
	    "         bounce_daily_v) from the records; ingest waits meanwhile.\n"
	    "prune --older-than 13m [--keep-rollups]: delete the DMARC aggregate\n"
	    "         reports (records, raw copies) that began before then: whole\n"
	    "         months, by dropping their partitions of the records.",
	    db_entries))
		return EX_USAGE;
	what = argc == 2 ? argv[1] : "";
	if (strcmp(what, "migrate") != 0 && strcmp(what, "version") != 0 &&
	    strcmp(what, "roles") != 0 && strcmp(what, "rebuild-rollups") != 0 &&
	    strcmp(what, "prune") != 0) {
		fprintf(stderr, "mailsift: usage: mailsift db " DB_USAGE "\n");
		return EX_USAGE;
	}
	if (strcmp(what, "prune") == 0 &&
	    !parse_older_than(opt_older_than, &before)) {
		fprintf(stderr, "mailsift: db prune: %s --older-than '%s' (months "
		    "like 13m, or days like 400d)\n", opt_older_than ? "bad" :
		    "needs", opt_older_than ? opt_older_than : "");
		return EX_USAGE;
	}
	if (strcmp(what, "prune") != 0 && (opt_older_than || opt_keep_rollups)) {
		fprintf(stderr, "mailsift: db %s: --older-than and --keep-rollups "
		    "are for db prune\n", what);
		return EX_USAGE;
	}
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	if (strcmp(what, "migrate") == 0) {
		n = store_migrate(st, &err);
		if (n >= 0)
			printf("mailsift: %d migration%s applied\n", (int)n,
			    n == 1 ? "" : "s");
	} else if (strcmp(what, "roles") == 0) {
		n = store_roles(st, &err);
		if (n >= 0)
			printf("mailsift: roles mailsift_ingest and mailsift_reader "
			    "granted\n");
	} else if (strcmp(what, "rebuild-rollups") == 0) {
		n = store_rebuild_rollups(st, &err);
		if (n >= 0)
			printf("mailsift: rollups rebuilt, %lld rows\n",
			    (long long)n);
	} else if (strcmp(what, "prune") == 0) {
		GPtrArray *said = g_ptr_array_new_with_free_func(g_free);
		guint i;

		n = store_prune(st, before, opt_keep_rollups, said, &err);
		for (i = 0; n >= 0 && i < said->len; i++)
			printf("mailsift: %s\n",
			    (char *)g_ptr_array_index(said, i));
		g_ptr_array_free(said, TRUE);
		if (n >= 0)
			printf("mailsift: %lld report%s pruned%s\n", (long long)n,
			    n == 1 ? "" : "s", opt_keep_rollups ?
			    ", rollups kept" : "");
	} else {
		n = store_schema_version(st, &latest, &err);
		if (n >= 0)
			printf("database schema %d, this build %d\n", (int)n,
			    latest);
	}
	if (n < 0) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
	}
	store_close(st);
	return status;
}
