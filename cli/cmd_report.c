/* cmd_report.c - mailsift report: the period on one HTML page, or as a
 * digest mail.
 *
 *	mailsift report [--since 30d] [--domain D] [--output FILE]
 *	mailsift report --mail --to ADDR [--from ADDR] [--since 7d] ... |
 *	    sendmail -t
 *
 * The figures are fetched through store/ (store_digest, store_tls,
 * store_failures: the documented views; store_check_findings: what
 * `mailsift check` stored) and handed to report/, which
 * lays them out without seeing the database.  --mail writes a whole MIME
 * message (multipart/alternative: the text in words, then the HTML) with
 * GMime to standard output.  Exit 0, 64 usage, 73 the output file cannot
 * be written, 75/78 the database (as the other commands).
 */
#include <string.h>
#include <time.h>
#include <gmime/gmime.h>

#include "cli.h"
#include "../report/report.h"

static char *opt_since, *opt_domain, *opt_output, *opt_to, *opt_from;
static gboolean opt_mail;

static const GOptionEntry report_entries[] = {
	{ "since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
	    "the period: from this span ago to today (30d, 2w, 2026-10-01)",
	    "SPAN" },
	{ "domain", 0, 0, G_OPTION_ARG_STRING, &opt_domain,
	    "only this policy domain (default: every domain)", "DOMAIN" },
	{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
	    "write the page to FILE (default: standard output)", "FILE" },
	{ "mail", 0, 0, G_OPTION_ARG_NONE, &opt_mail,
	    "write a MIME message (text and HTML) for sendmail -t", NULL },
	{ "to", 0, 0, G_OPTION_ARG_STRING, &opt_to,
	    "--mail: the recipient(s)", "ADDR" },
	{ "from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
	    "--mail: the sender (default: left to sendmail)", "ADDR" },
	G_OPTION_ENTRY_NULL
};

/* What the page holds, fetched tables included (freed together). */
struct fetched {
	struct report r;
	GPtrArray *tables;	/* struct store_table *, owned */
	char since[16], until[16], generated[32];
};

static int64_t
num(GPtrArray *row, guint c)
{
	const char *v = c < row->len ? g_ptr_array_index(row, c) : NULL;

	return v ? g_ascii_strtoll(v, NULL, 10) : 0;
}

static void
set_totals(struct fetched *fx, const struct store_table *t)
{
	guint i;

	for (i = 0; i < t->rows->len; i++) {
		GPtrArray *row = g_ptr_array_index(t->rows, i);
		struct report_figures *fg = g_strcmp0(g_ptr_array_index(row, 0),
		    "current") == 0 ? &fx->r.cur : &fx->r.prev;

		fg->known = TRUE;
		fg->messages = num(row, 1);
		fg->dmarc_pass = num(row, 2);
		fg->dmarc_fail = num(row, 3);
		fg->quarantined = num(row, 4);
		fg->rejected = num(row, 5);
	}
}

static void
set_days(struct fetched *fx, const struct store_table *t)
{
	guint i;

	for (i = 0; i < t->rows->len; i++) {
		GPtrArray *row = g_ptr_array_index(t->rows, i);

		report_add_day(&fx->r, g_ptr_array_index(row, 0),
		    g_ptr_array_index(row, 1), num(row, 2), num(row, 3));
	}
}

static void
set_bounce_days(struct fetched *fx, const struct store_table *t)
{
	guint i;

	for (i = 0; i < t->rows->len; i++) {
		GPtrArray *row = g_ptr_array_index(t->rows, i);

		report_add_bounce_day(&fx->r, g_ptr_array_index(row, 0),
		    num(row, 1), num(row, 2));
	}
}

static void
lend(struct fetched *fx, struct store_table *t, const char *id,
    const char *title, const char *note, const char *empty)
{
	struct report_table rt = { id, title, note, empty, t->columns, t->rows,
	    t->numeric };

	g_ptr_array_add(fx->tables, t);
	report_add_table(&fx->r, &rt);
}

/* The sections after the headline and the charts, in the page's order. */
static const struct section {
	int kind;		/* 0 digest, 1 TLS, 2 failure reports, 3 checks */
	int part;
	const char *id, *title, *note, *empty;
} sections[] = {
	{ 0, STORE_DIGEST_SOURCES, "sources", "Sources",
	  "Each source of the period with what the diagnosis makes of it "
	  "(mailsift explain), the most affected first; names from mailsift "
	  "enrich.", "No sources in this period." },
	{ 3, 0, "checks", "DNS checks",
	  "The findings of the latest mailsift check of each domain, errors "
	  "first (marked), with when it ran.", "No domain in this period." },
	{ 0, STORE_DIGEST_BOUNCES, "bounces", "Bounces by reason",
	  "Bounced recipients of every domain; authfailure (5.7.26 and kin: "
	  "refused for authentication) is marked.", "No bounces." },
	{ 0, STORE_DIGEST_COINCIDE, "coincide",
	  "DMARC failures and authentication bounces on the same day",
	  "Days on which an IP failed DMARC in the reports and its mail was "
	  "refused for authentication.", "None: no such day." },
	{ 1, STORE_TLS_BY_DOMAIN, "tls", "SMTP TLS reports per policy domain",
	  NULL, "No TLS reports in this period." },
	{ 1, STORE_TLS_BY_RESULT, "tls_results", "SMTP TLS failures by result",
	  NULL, "No TLS reports in this period." },
	{ 2, STORE_FAILURE_BY_IP, "failures",
	  "DMARC failure reports per source IP", NULL,
	  "No DMARC failure reports in this period." },
	{ 0, STORE_DIGEST_REPORTERS, "reporters", "Reporters",
	  "Who sent aggregate reports and how many; missing_days: days since "
	  "its first report of the period without one (marked).",
	  "No reports in this period." },
};

static struct store_table *
fetch_one(struct store *st, const struct store_filter *f,
    const struct section *s, GError **err)
{
	switch (s->kind) {
	case 1:
		return store_tls(st, f, s->part, err);
	case 2:
		return store_failures(st, f, s->part, err);
	case 3:
		return store_check_findings(st, f, err);
	default:
		return store_digest(st, f, s->part, err);
	}
}

static gboolean
fetch(struct store *st, const struct store_filter *f, struct fetched *fx,
    GError **err)
{
	struct store_table *t;
	guint i;

	if ((t = store_digest(st, f, STORE_DIGEST_TOTALS, err)) == NULL)
		return FALSE;
	set_totals(fx, t);
	store_table_free(t);
	if ((t = store_digest(st, f, STORE_DIGEST_DAILY, err)) == NULL)
		return FALSE;
	set_days(fx, t);
	store_table_free(t);
	if ((t = store_digest(st, f, STORE_DIGEST_BOUNCE_DAILY, err)) == NULL)
		return FALSE;
	set_bounce_days(fx, t);
	store_table_free(t);
	for (i = 0; i < G_N_ELEMENTS(sections); i++) {
		const struct section *s = &sections[i];

		if ((t = fetch_one(st, f, s, err)) == NULL)
			return FALSE;
		lend(fx, t, s->id, s->title, s->note, s->empty);
	}
	return TRUE;
}

static void
day_text(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
}

static GMimePart *
text_part(const char *subtype, const char *text)
{
	GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(p, text);
	g_mime_text_part_set_charset(p, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(p),
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_PART(p);
}

/* Every address of the list is a mailbox with a domain. */
static gboolean
all_mailboxes(InternetAddressList *l)
{
	int i, n = internet_address_list_length(l);

	for (i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (!INTERNET_ADDRESS_IS_MAILBOX(a) ||
		    strchr(internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a)), '@') == NULL)
			return FALSE;
	}
	return n > 0;
}

/* An address list of mailboxes (local@domain), else NULL. */
static InternetAddressList *
addresses(const char *what, const char *s)
{
	InternetAddressList *l;

	if (s == NULL || strpbrk(s, "\r\n") != NULL ||
	    (l = internet_address_list_parse(NULL, s)) == NULL)
		goto bad;
	if (all_mailboxes(l))
		return l;
	g_object_unref(l);
bad:
	fprintf(stderr, "mailsift: report: bad %s '%s' (an address such as "
	    "postmaster@example.com)\n", what, s ? s : "");
	return NULL;
}

static gboolean
write_all(const GByteArray *b)
{
	return fwrite(b->data, 1, b->len, stdout) == b->len &&
	    fflush(stdout) == 0;
}

static int
write_mail(const struct report *r, InternetAddressList *to,
    InternetAddressList *from)
{
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
	GString *text = report_text(r), *html = report_html(r);
	GMimePart *tp = text_part("plain", text->str);
	GMimePart *hp = text_part("html", html->str);
	/* In memory first: a file stream on a pipe (sendmail -t) cannot
	 * tell its position, and GMime's writes fail there. */
	GMimeStream *out = g_mime_stream_mem_new();
	GDateTime *now = g_date_time_new_now_utc();
	char *subject = g_strdup_printf("DMARC report: %s, %s to %s",
	    r->title, r->since, r->until);
	char *id = g_mime_utils_generate_message_id(g_get_host_name());
	int status = 0;

	internet_address_list_append(g_mime_message_get_to(m), to);
	if (from)
		internet_address_list_append(g_mime_message_get_from(m), from);
	g_mime_message_set_subject(m, subject, "utf-8");
	g_mime_message_set_date(m, now);
	g_mime_message_set_message_id(m, id);
	g_mime_multipart_add(alt, GMIME_OBJECT(tp));
	g_mime_multipart_add(alt, GMIME_OBJECT(hp));
	g_mime_message_set_mime_part(m, GMIME_OBJECT(alt));
	if (g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, out) < 0 ||
	    !write_all(g_mime_stream_mem_get_byte_array(
	    GMIME_STREAM_MEM(out)))) {
		fprintf(stderr, "mailsift: report: cannot write the message\n");
		status = EX_IOERR;
	}
	g_object_unref(out);
	g_object_unref(tp);
	g_object_unref(hp);
	g_object_unref(alt);
	g_object_unref(m);
	g_date_time_unref(now);
	g_string_free(text, TRUE);
	g_string_free(html, TRUE);
	g_free(subject);
	g_free(id);
	return status;
}

static int
write_page(const struct report *r)
{
	GString *html = report_html(r);
	GError *err = NULL;
	int status = 0;

	if (opt_output && strcmp(opt_output, "-") != 0) {
		if (!g_file_set_contents(opt_output, html->str,
		    (gssize)html->len, &err)) {
			fprintf(stderr, "mailsift: report: %s\n", err->message);
			g_error_free(err);
			status = EX_CANTCREAT;
		}
	} else if (fwrite(html->str, 1, html->len, stdout) != html->len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "mailsift: report: cannot write the page\n");
		status = EX_IOERR;
	}
	g_string_free(html, TRUE);
	return status;
}

static gboolean
check_args(int argc, char **argv, struct store_filter *f)
{
	if (argc > 1) {
		fprintf(stderr, "mailsift: unexpected argument %s\n", argv[1]);
		return FALSE;
	}
	if (!cli_parse_since(opt_since ? opt_since : "30d", &f->since) ||
	    f->since <= 0) {
		fprintf(stderr, "mailsift: report: bad --since '%s' (30d, 12h, "
		    "2w, YYYY-MM-DD)\n", opt_since);
		return FALSE;
	}
	if (opt_mail != (opt_to != NULL) || (opt_from && !opt_mail)) {
		fprintf(stderr, "mailsift: report: --mail goes with --to ADDR "
		    "(and --from only with --mail)\n");
		return FALSE;
	}
	if (opt_mail && opt_output) {
		fprintf(stderr, "mailsift: report: --mail writes to standard "
		    "output, not --output\n");
		return FALSE;
	}
	f->domain = opt_domain;
	return TRUE;
}

static int
report_out(struct fetched *fx)
{
	InternetAddressList *to = NULL, *from = NULL;
	int status;

	if (!opt_mail)
		return write_page(&fx->r);
	g_mime_init();
	if ((to = addresses("--to", opt_to)) == NULL ||
	    (opt_from && (from = addresses("--from", opt_from)) == NULL))
		status = EX_USAGE;
	else
		status = write_mail(&fx->r, to, from);
	if (to)
		g_object_unref(to);
	if (from)
		g_object_unref(from);
	g_mime_shutdown();
	return status;
}

int
cli_cmd_report(int argc, char **argv)
{
	struct store_filter f = { 0 };
	struct fetched fx = { 0 };
	struct store *st;
	GError *err = NULL;
	int status = 0;

	if (!cli_options(&argc, &argv, "",
	    "One HTML page for the period: the headline against the period\n"
	    "before, a daily pass/fail chart per domain, the sources and what\n"
	    "to fix, bounces, TLS and failure reports, the reporters.  Inline\n"
	    "CSS and SVG: nothing to install, nothing fetched.  With --mail, a\n"
	    "MIME message (text and HTML) for sendmail -t.", report_entries) ||
	    !check_args(argc, argv, &f))
		return EX_USAGE;
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	fx.tables = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)store_table_free);
	day_text(fx.since, sizeof(fx.since), f.since);
	day_text(fx.until, sizeof(fx.until), (int64_t)time(NULL));
	day_text(fx.generated, sizeof(fx.generated), (int64_t)time(NULL));
	fx.r = (struct report){ .title = opt_domain ? opt_domain :
	    "all domains", .since = fx.since, .until = fx.until,
	    .generated = fx.generated };
	if (!fetch(st, &f, &fx, &err)) {
		fprintf(stderr, "mailsift: report: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
	} else {
		status = report_out(&fx);
	}
	store_close(st);
	report_free(&fx.r);
	g_ptr_array_unref(fx.tables);
	return status;
}
