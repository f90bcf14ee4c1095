/* cmd_check.c - mailsift check: a sending domain's DNS against what the
 * reports show.
 *
 *	mailsift check DOMAIN... [--since 30d] [--format table|json]
 *	    [--resolver ADDR[:PORT]] [--timeout MS] [--no-reports]
 *	    [--dnsbl ZONE]... [--no-dnsbl] [--ca-file FILE]
 *	mailsift check --all [options]	every policy domain of the period
 *
 * For each domain the evidence of the period (the sources that sent as
 * it, the DKIM selectors it signed with, with store/'s enrichment) is
 * fetched through store/ and handed to check/, which asks the DNS and
 * judges.  Each finding: domain, severity, code, evidence, action; json
 * gives one object per finding per line; the table ends each domain
 * that sent mail with the bulk-sender summary (check_bulk), every
 * requirement with pass, fail or unknown.  The findings of each domain
 * are stored (store_check_save), replacing its previous run, for
 * `report` and `explain`; not when the DNS failed.  --no-reports: the
 * DNS only, no database, nothing stored.  MAILSIFT_MTA_STS_PORT (tests
 * only) fetches MTA-STS policies from another port than 443.
 * Exit: 0 no error finding; 1 at least one; 75 the DNS did not answer
 * (or the database is unavailable); 64 usage; 69 c-ares missing; 78 a
 * bad resolver or database configuration.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../check/check.h"
#include "../enrich/enrich.h"

static char *opt_since, *opt_format, *opt_resolver, **opt_dnsbl, *opt_ca;
static int opt_timeout;
static gboolean opt_no_reports, opt_no_dnsbl, opt_all;

static const GOptionEntry check_entries[] = {
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "reports ending from this span on: 30d (default), 12h, 2w, or a "
	    "date 2026-10-01", "SPAN" },
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default) or json (one object per finding)", "FMT" },
	{ "resolver", 0, 0, G_OPTION_ARG_STRING, &opt_resolver,
	    "DNS resolver to ask (else $MAILSIFT_RESOLVER, else resolv.conf)",
	    "ADDR[:PORT]" },
	{ "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout,
	    "milliseconds per DNS try (2000)", "MS" },
	{ "dnsbl", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_dnsbl,
	    "look the sending addresses up in this DNS blocklist (repeat "
	    "it; default zen.spamhaus.org, bl.spamcop.net, "
	    "b.barracudacentral.org)", "ZONE" },
	{ "no-dnsbl", 0, 0, G_OPTION_ARG_NONE, &opt_no_dnsbl,
	    "no blocklist lookups", NULL },
	{ "all", 0, 0, G_OPTION_ARG_NONE, &opt_all,
	    "every policy domain seen in the reports of the period", NULL },
	{ "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca,
	    "MTA-STS: trust the CAs of this PEM file instead of the system's",
	    "FILE" },
	{ "no-reports", 0, 0, G_OPTION_ARG_NONE, &opt_no_reports,
	    "the DNS only: no database, no report evidence, nothing stored",
	    NULL },
	G_OPTION_ENTRY_NULL
};

/* The evidence of one domain, owning the tables it points into. */
struct evidence {
	struct check_evidence ev;
	struct store_table *sources, *selectors, *unsub;
	GArray *src, *sel;
};

static gboolean
valid_domain(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253 || s[len - 1] == '.')
		return FALSE;
	for (const char *p = s; *p; p++) {
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

static const char *
cell(const struct store_table *t, guint row, guint col)
{
	GPtrArray *r = g_ptr_array_index(t->rows, row);

	return col < r->len ? g_ptr_array_index(r, col) : NULL;
}

static int64_t
num(const char *s)
{
	return s ? g_ascii_strtoll(s, NULL, 10) : 0;
}

static void
evidence_free(struct evidence *e)
{
	if (e->sources)
		store_table_free(e->sources);
	if (e->selectors)
		store_table_free(e->selectors);
	if (e->unsub)
		store_table_free(e->unsub);
	if (e->src)
		g_array_unref(e->src);
	if (e->sel)
		g_array_unref(e->sel);
	memset(e, 0, sizeof(*e));
}

/* Fetch the evidence; 0, or the exit status. */
static int
evidence_load(struct store *st, const char *domain, int64_t since,
    struct evidence *e)
{
	struct store_filter f = { since, domain, NULL };
	GError *err = NULL;
	int status;

	memset(e, 0, sizeof(*e));
	if ((e->sources = store_check_sources(st, &f, &err)) == NULL ||
	    (e->selectors = store_check_selectors(st, &f, &err)) == NULL ||
	    (e->unsub = store_check_unsubscribe(st, &f, &err)) == NULL) {
		fprintf(stderr, "mailsift: check: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
		evidence_free(e);
		return status;
	}
	e->src = g_array_new(FALSE, TRUE, sizeof(struct check_source));
	e->sel = g_array_new(FALSE, TRUE, sizeof(struct check_selector));
	for (guint i = 0; i < e->sources->rows->len; i++) {
		struct check_source s = {
			cell(e->sources, i, 0), num(cell(e->sources, i, 1)),
			num(cell(e->sources, i, 2)),
			num(cell(e->sources, i, 3)), cell(e->sources, i, 4),
			cell(e->sources, i, 6), (int)num(cell(e->sources, i, 5))
		};

		g_array_append_val(e->src, s);
		e->ev.messages += s.messages;
		e->ev.dmarc_fail += s.dmarc_fail;
	}
	for (guint i = 0; i < e->selectors->rows->len; i++) {
		struct check_selector s = { cell(e->selectors, i, 0),
			num(cell(e->selectors, i, 1)) };

		g_array_append_val(e->sel, s);
	}
	if (e->unsub->rows->len > 0) {
		e->ev.originals = num(cell(e->unsub, 0, 0));
		e->ev.list_unsubscribe = num(cell(e->unsub, 0, 1));
		e->ev.one_click = num(cell(e->unsub, 0, 2));
	}
	e->ev.have = TRUE;
	e->ev.sources = (const struct check_source *)(void *)e->src->data;
	e->ev.n_sources = e->src->len;
	e->ev.selectors = (const struct check_selector *)(void *)e->sel->data;
	e->ev.n_selectors = e->sel->len;
	return 0;
}

static void
print_finding(GString *o, const struct check_finding *f, gboolean json)
{
	if (json) {
		g_string_append(o, "{\"domain\":");
		cli_json_str(o, f->domain);
		cli_json_field(o, "code", f->code);
		cli_json_field(o, "severity", check_severity_name(f->severity));
		cli_json_field(o, "evidence", f->evidence);
		cli_json_field(o, "action", f->action);
		g_string_append(o, "}\n");
		return;
	}
	g_string_append_printf(o, "%-7s %-24s %s\n%33s%s\n",
	    check_severity_name(f->severity), f->code, f->evidence, "",
	    f->action);
}

/* The bulk-sender summary under a domain's findings (table only). */
static void
print_bulk(GString *o, const char *domain, const struct check_evidence *ev,
    const GPtrArray *out)
{
	GPtrArray *rows = check_bulk(domain, ev, out);

	if (rows == NULL)
		return;
	g_string_append_printf(o, "%s: bulk senders (Gmail, Yahoo)\n",
	    domain);
	for (guint i = 0; i < rows->len; i++) {
		const struct check_bulk_row *r = g_ptr_array_index(rows, i);

		g_string_append_printf(o, "%-7s %-24s %s: %s\n", r->status,
		    r->code, r->rule, r->evidence);
	}
	g_ptr_array_unref(rows);
}

/* Replace the domain's stored findings; 0 or an exit status. */
static int
save(struct store *st, const char *domain, const GPtrArray *out)
{
	struct store_check_finding *f = g_new0(struct store_check_finding,
	    out->len + 1);
	GError *err = NULL;
	int status = 0;

	for (guint i = 0; i < out->len; i++) {
		const struct check_finding *cf = g_ptr_array_index(out, i);

		f[i].severity = check_severity_name(cf->severity);
		f[i].code = cf->code;
		f[i].evidence = cf->evidence;
		f[i].action = cf->action;
	}
	if (store_check_save(st, domain, f, out->len, &err) < 0) {
		fprintf(stderr, "mailsift: check: storing the findings of %s: "
		    "%s\n", domain, err->message);
		status = cli_store_status(err);
		g_error_free(err);
	}
	g_free(f);
	return status;
}

/* One domain: its findings printed; 0, 1 (an error finding), 75 or
 * another exit status. */
static int
check_one(struct check *c, struct store *st, const char *domain,
    int64_t since, gboolean json)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(check_finding_free);
	struct evidence e;
	GString *o = g_string_new(NULL);
	int status = 0, rc;

	memset(&e, 0, sizeof(e));
	if (st && (status = evidence_load(st, domain, since, &e)) != 0)
		goto done;
	rc = check_domain(c, domain, st ? &e.ev : NULL, out);
	if (!json)
		g_string_append_printf(o, "%s: %u finding%s%s\n", domain,
		    out->len, out->len == 1 ? "" : "s", e.ev.have ?
		    "" : " (DNS only, no reports)");
	for (guint i = 0; i < out->len; i++) {
		const struct check_finding *f = g_ptr_array_index(out, i);

		print_finding(o, f, json);
		if (f->severity == CHECK_ERROR)
			status = 1;
	}
	if (!json && rc == 0)
		print_bulk(o, domain, &e.ev, out);
	fputs(o->str, stdout);
	if (rc < 0)
		status = EX_TEMPFAIL;
	else if (st && (rc = save(st, domain, out)) != 0)
		status = rc;
done:
	evidence_free(&e);
	g_string_free(o, TRUE);
	g_ptr_array_unref(out);
	return status;
}

/* The status of a run from the one so far and a domain's: a failure
 * other than the DNS's wins, then the DNS's, then an error finding. */
static int
merge(int status, int s)
{
	if (status != 0 && status != 1 && status != EX_TEMPFAIL)
		return status;
	if (s != 0 && s != 1)
		return s == EX_TEMPFAIL && status != 0 && status != 1 ?
		    status : s;
	return status == 0 ? s : status;
}

/* --all: every policy domain of the period. */
static int
check_all(struct check *c, struct store *st, int64_t since, gboolean json)
{
	struct store_filter f = { since, NULL, NULL };
	struct store_table *t;
	GError *err = NULL;
	int status = 0;

	if ((t = store_check_domains(st, &f, &err)) == NULL) {
		fprintf(stderr, "mailsift: check: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
		return status;
	}
	for (guint i = 0; i < t->rows->len; i++) {
		const char *d = cell(t, i, 0);

		if (d == NULL || !valid_domain(d))
			continue;
		status = merge(status, check_one(c, st, d, since, json));
		if (status != 0 && status != 1 && status != EX_TEMPFAIL)
			break;
	}
	store_table_free(t);
	return status;
}

int
cli_cmd_check(int argc, char **argv)
{
	static const char *const none[] = { NULL };
	struct check_config cfg = { 0 };
	struct store *st = NULL;
	struct check *c;
	GError *err = NULL;
	int64_t since;
	int status = 0;
	gboolean json;

	if (!cli_options(&argc, &argv, "DOMAIN...",
	    "The DNS posture of each sending DOMAIN (SPF, DMARC, DKIM, MX,\n"
	    "TLS-RPT, MTA-STS, the sending addresses' names) judged against\n"
	    "what the reports of the period show.  Each finding has a code, a\n"
	    "severity (error, warning, info), the evidence and what to do.\n"
	    "Exit 0: no error; 1: an error finding; 75: the DNS did not answer.",
	    check_entries))
		return EX_USAGE;
	if ((argc < 2) == !opt_all) {
		fprintf(stderr, "mailsift: check: %s\n", opt_all ?
		    "--all takes no DOMAIN" : "a DOMAIN (or --all) is "
		    "required");
		return EX_USAGE;
	}
	if (opt_all && opt_no_reports) {
		fprintf(stderr, "mailsift: check: --all needs the reports\n");
		return EX_USAGE;
	}
	for (int i = 1; i < argc; i++)
		if (!valid_domain(argv[i])) {
			fprintf(stderr, "mailsift: check: bad domain '%s' (a "
			    "domain name such as example.com)\n", argv[i]);
			return EX_USAGE;
		}
	if (opt_format && strcmp(opt_format, "table") != 0 &&
	    strcmp(opt_format, "json") != 0) {
		fprintf(stderr, "mailsift: check: unknown format '%s' (table, "
		    "json)\n", opt_format);
		return EX_USAGE;
	}
	json = opt_format && strcmp(opt_format, "json") == 0;
	if (!cli_parse_since(opt_since ? opt_since : "30d", &since)) {
		fprintf(stderr, "mailsift: check: bad --since '%s' (30d, 12h, "
		    "2w, YYYY-MM-DD)\n", opt_since);
		return EX_USAGE;
	}
	if (opt_timeout < 0) {
		fprintf(stderr, "mailsift: check: bad --timeout\n");
		return EX_USAGE;
	}
	for (guint i = 0; opt_dnsbl && opt_dnsbl[i]; i++)
		if (!valid_domain(opt_dnsbl[i])) {
			fprintf(stderr, "mailsift: check: bad --dnsbl '%s' (a "
			    "zone such as zen.spamhaus.org)\n", opt_dnsbl[i]);
			return EX_USAGE;
		}
	cfg.dnsbl = opt_no_dnsbl ? none : (const char *const *)opt_dnsbl;
	cfg.resolver = opt_resolver ? opt_resolver :
	    g_getenv("MAILSIFT_RESOLVER");
	cfg.timeout_ms = opt_timeout;
	cfg.ca_file = opt_ca;
	if (g_getenv("MAILSIFT_MTA_STS_PORT")) {
		const char *p = g_getenv("MAILSIFT_MTA_STS_PORT");
		char *end;
		long port = strtol(p, &end, 10);

		if (*p == '\0' || *end != '\0' || port < 1 || port > 65535) {
			fprintf(stderr, "mailsift: check: bad "
			    "MAILSIFT_MTA_STS_PORT '%s' (1 to 65535)\n", p);
			return EX_USAGE;
		}
		cfg.sts_port = (int)port;
	}
	if (opt_ca && !g_file_test(opt_ca, G_FILE_TEST_IS_REGULAR)) {
		fprintf(stderr, "mailsift: check: --ca-file %s: not a readable "
		    "file\n", opt_ca);
		return EX_USAGE;
	}
	if ((c = check_open(&cfg, &err)) == NULL) {
		fprintf(stderr, "mailsift: check: %s\n", err->message);
		status = g_error_matches(err, ENRICH_ERROR,
		    ENRICH_ERROR_LIBRARY) ?
		    EX_UNAVAILABLE : EX_CONFIG;
		g_error_free(err);
		return status;
	}
	if (!opt_no_reports && (st = cli_store_open(&status)) == NULL) {
		check_close(c);
		return status;
	}
	if (opt_all)
		status = check_all(c, st, since, json);
	else
		for (int i = 1; i < argc; i++) {
			char *d = g_ascii_strdown(argv[i], -1);

			status = merge(status, check_one(c, st, d, since, json));
			g_free(d);
			if (status != 0 && status != 1 && status != EX_TEMPFAIL)
				break;
		}
	fflush(stdout);
	if (st)
		store_close(st);
	check_close(c);
	return status;
}
