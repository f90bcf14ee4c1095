/* main.c - the mailsift command: global options and command dispatch.
 *
 *	mailsift [--db CONNINFO] [--config FILE] [-v] COMMAND [OPTIONS] [ARGS]
 *
 * Global options may come before the command; --db is also accepted after
 * it.  Every command answers --help.  Exit statuses follow sysexits(3):
 * 0 done, 64 usage, 75 try again later (database), 78 configuration.
 */
#include <string.h>
#include <stdlib.h>
#include <locale.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ "ingest", cli_cmd_ingest, "store report e-mails (stdin, Maildir, mbox, files)" },
	{ "parse", cli_cmd_parse, "print what ingest would store, without a database" },
	{ "trend", cli_cmd_trend, "DMARC pass/fail and bounces per day, per source IP" },
	{ "sources", cli_cmd_sources, "source IPs ranked by volume, with DMARC pass rate" },
	{ "explain", cli_cmd_explain, "what each source of a domain is, and what to fix" },
	{ "reports", cli_cmd_reports, "reports received" },
	{ "bounces", cli_cmd_bounces, "bounced recipients, or counts per reason, domain, IP, day" },
	{ "tls", cli_cmd_tls, "SMTP TLS reports: sessions and failures per day, MX, result" },
	{ "failures", cli_cmd_failures, "DMARC failure reports, or counts per day, IP, domain" },
	{ "report", cli_cmd_report, "the period on one HTML page, or as a digest mail" },
	{ "check", cli_cmd_check, "a sending domain's DNS (SPF, DMARC, DKIM, MX, MTA-STS) against the reports" },
	{ "enrich", cli_cmd_enrich, "who each source IP is: PTR, FCrDNS, ASN, country, service" },
	{ "reclassify", cli_cmd_reclassify, "classify stored bounces again with this build's rules" },
	{ "requeue", cli_cmd_requeue, "re-ingest quarantined messages" },
	{ "quarantine", cli_cmd_quarantine, "list, show, write out or drop quarantined messages" },
	{ "config", cli_cmd_config, "the effective settings and where each comes from" },
	{ "db", cli_cmd_db, "db migrate | version | roles | rebuild-rollups | prune: schema, roles, upkeep" },
	{ NULL, NULL, NULL },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: mailsift [--db CONNINFO] [--config FILE] COMMAND "
	    "[OPTIONS] [ARGS]\n\n"
	    "Commands:\n");
	for (const struct cli_command *c = commands; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
	fprintf(fp, "\nThe database is --db CONNINFO, else $MAILSIFT_DB, else libpq's\n"
	    "defaults (PGHOST, PGDATABASE, ...).  Every option can also be set in\n"
	    "/etc/mailsift/mailsift.conf ('mailsift config' shows them).\n"
	    "'mailsift COMMAND --help' for more.\n");
}

int
main(int argc, char **argv)
{
	int i;

	/* UTF-8 characters whatever the caller's locale, for GLib's and
	 * GMime's conversions; the other categories stay "C" (numbers and
	 * times in JSON and SQL never take a locale's form).  LC_ALL would
	 * open two dozen files at every exec for nothing. */
	setlocale(LC_CTYPE, "C.UTF-8");
	cli_config_init(commands);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("mailsift %s\n", MAILSIFT_VERSION);
			return 0;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			cli_global.verbose = TRUE;
		} else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
			cli_global.db = argv[++i];
		} else if (strncmp(a, "--db=", 5) == 0) {
			cli_global.db = (char *)a + 5;
		} else if (strcmp(a, "--config") == 0 && i + 1 < argc) {
			cli_global.config = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			cli_global.config = (char *)a + 9;
		} else {
			fprintf(stderr, "mailsift: unknown option %s\n", a);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (const struct cli_command *c = commands; c->name; c++)
		if (strcmp(argv[i], c->name) == 0)
			return c->run(argc - i, argv + i);
	fprintf(stderr, "mailsift: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return EX_USAGE;
}
