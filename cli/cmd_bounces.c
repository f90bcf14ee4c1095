/* cmd_bounces.c - the bounce commands: bounces, reclassify.
 *
 *	mailsift bounces [--since 7d] [--reason R] [--domain D] [--ip CIDR]
 *	    [--by reason|domain|ip|day] [--all-kinds] [--format table|csv|json]
 *	mailsift reclassify [--all]
 *
 * bounces lists the bounced recipients of bounce_v (failures and delays;
 * --all-kinds adds auto-replies, complaints and success notices), or counts
 * them per reason, recipient domain, sending IP or day.  reclassify runs
 * the classifier of this build over stored recipients that older rules
 * classified (all of them with --all), so a rule change reaches old
 * bounces without ingesting them again.
 */
#include <string.h>

#include "cli.h"
#include "../parse/bounce/bounce.h"

static char *opt_since, *opt_reason, *opt_domain, *opt_ip, *opt_by,
    *opt_format;
static gboolean opt_all_kinds, opt_all;

static const GOptionEntry bounces_entries[] = {
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "only bounces from this span: 7d (default), 12h, 2w, or a date "
	    "2026-10-01", "SPAN" },
	{ "reason", 0, 0, G_OPTION_ARG_STRING, &opt_reason,
	    "only this reason: authfailure, userunknown, mailboxfull, ...",
	    "REASON" },
	{ "domain", 0, 0, G_OPTION_ARG_STRING, &opt_domain,
	    "only recipients in this domain", "DOMAIN" },
	{ "ip", 0, 0, G_OPTION_ARG_STRING, &opt_ip,
	    "only mail sent from these IPs: an address or a CIDR block", "CIDR" },
	{ "by", 0, 0, G_OPTION_ARG_STRING, &opt_by,
	    "counts per reason, recipient domain, sending IP or day instead of "
	    "a list", "reason|domain|ip|day" },
	{ "all-kinds", 0, 0, G_OPTION_ARG_NONE, &opt_all_kinds,
	    "also auto-replies, complaints and delivery notices", NULL },
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default), csv or json (one object per line)", "FMT" },
	G_OPTION_ENTRY_NULL
};

static gboolean
parse_by(const char *s, enum store_bounce_by *by)
{
	static const struct { const char *name; enum store_bounce_by by; }
	    words[] = {
		{ "reason", STORE_BOUNCE_BY_REASON },
		{ "domain", STORE_BOUNCE_BY_DOMAIN },
		{ "ip", STORE_BOUNCE_BY_IP },
		{ "day", STORE_BOUNCE_BY_DAY },
	};

	*by = STORE_BOUNCE_LIST;
	if (s == NULL)
		return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(words); i++)
		if (strcmp(s, words[i].name) == 0) {
			*by = words[i].by;
			return TRUE;
		}
	return FALSE;
}

static gboolean
known_reason(const char *s)
{
	for (const char *const *r = bounce_reasons; *r; r++)
		if (strcmp(s, *r) == 0)
			return TRUE;
	return FALSE;
}

int
cli_cmd_bounces(int argc, char **argv)
{
	struct store_bounce_filter f = { 0 };
	enum store_bounce_by by;
	enum cli_format fmt;
	struct store_table *t;
	struct store *st;
	GError *err = NULL;
	int status = 0;

	if (!cli_options(&argc, &argv, "",
	    "Bounced recipients: a list, or counts per reason, recipient domain,\n"
	    "sending IP or day (--by).  From the view bounce_v.", bounces_entries))
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
	if (!cli_parse_since(opt_since ? opt_since : "7d", &f.since)) {
		fprintf(stderr, "mailsift: bad --since '%s' (7d, 12h, 2w, "
		    "YYYY-MM-DD)\n", opt_since);
		return EX_USAGE;
	}
	if (!parse_by(opt_by, &by)) {
		fprintf(stderr, "mailsift: bad --by '%s' (reason, domain, ip, "
		    "day)\n", opt_by);
		return EX_USAGE;
	}
	if (opt_reason && !known_reason(opt_reason)) {
		fprintf(stderr, "mailsift: unknown reason '%s'; one of:",
		    opt_reason);
		for (const char *const *r = bounce_reasons; *r; r++)
			fprintf(stderr, " %s", *r);
		fputc('\n', stderr);
		return EX_USAGE;
	}
	f.reason = opt_reason;
	f.domain = opt_domain;
	if (!cli_check_ip("bounces", opt_ip))
		return EX_USAGE;
	f.ip = opt_ip;
	f.all_kinds = opt_all_kinds;
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	if ((t = store_bounces(st, &f, by, &err)) == NULL) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		/* A refused value is a bad --ip. */
		status = err->domain == STORE_ERROR &&
		    err->code == STORE_ERROR_DATA ? EX_USAGE :
		    cli_store_status(err);
		g_error_free(err);
	} else {
		cli_print_table(stdout, t, fmt);
		store_table_free(t);
	}
	store_close(st);
	return status;
}

/* What ingest does to a new recipient, done again. */
static void
classify(void *user, struct bounce_recipient *r, const char *format)
{
	(void)user;
	bounce_classify(r, format);
	bounce_auth_extract(r);
}

static const GOptionEntry reclassify_entries[] = {
	{ "all", 0, 0, G_OPTION_ARG_NONE, &opt_all,
	    "every stored recipient, not only those classified by older rules",
	    NULL },
	G_OPTION_ENTRY_NULL
};

int
cli_cmd_reclassify(int argc, char **argv)
{
	struct store *st;
	GError *err = NULL;
	int64_t changed, seen;
	int status = 0;

	if (!cli_options(&argc, &argv, "",
	    "Classify stored bounces again with this build's rules (reason,\n"
	    "rule, hard/soft, authentication verdicts): those classified by\n"
	    "older rules, or --all.  Prints how many changed.",
	    reclassify_entries))
		return EX_USAGE;
	if (argc > 1) {
		fprintf(stderr, "mailsift: unexpected argument %s\n", argv[1]);
		return EX_USAGE;
	}
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	changed = store_bounce_reclassify(st, BOUNCE_RULES_VERSION, opt_all,
	    classify, NULL, &seen, &err);
	if (changed < 0) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
	} else
		printf("mailsift: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
		    " recipients changed (rules version %d)\n", changed, seen,
		    BOUNCE_RULES_VERSION);
	store_close(st);
	return status;
}
