/* main.c - mailsift-gen: deterministic DMARC aggregate report test data.
 *
 *   mailsift-gen maildir DIR [options]	report e-mails in DIR/new
 *   mailsift-gen xml DIR [options]	the same reports as bare .xml files
 *   mailsift-gen copy FILE [options]	their records as \copy rows (sink.c)
 *   mailsift-gen big FILE.xml.gz [--records N] [--seed S]
 *					one report of N records, gzip, streamed
 *   mailsift-gen bounces DIR [--messages N] [--seed S] [--days D]
 *					N bounce e-mails in DIR/new (bounce.c)
 *
 * Options: --messages N (1000)  --seed S (1)  --days D (30)
 *   --start EPOCH (1790812800 = 2026-10-01 00:00:00 UTC; rounded down to
 *   midnight UTC, so every report spans one UTC day, 00:00:00-23:59:59)
 *   --max-records R (1000; 40 with --demo)  --demo  --expected FILE
 *   --scale (the benchmark's data: 100 policy domains d00..d99.example,
 *   skewed; 50k source addresses in 198.18.0.0/15, skewed; a quarter of
 *   the reports from noon to noon, spanning two UTC days; the manifest
 *   then counts by the model's senders, not by address)
 *   --records N (big: 1000000)  --big N (xml, copy: the big report instead)
 *
 * Every mode also writes the manifest PATH.expected.tsv (or --expected FILE;
 * format in sink.c) and prints one summary line on stdout:
 *   messages=N reports=N records=N count=N dmarc_pass=N dmarc_fail=N
 *   bounces=N bounce_recipients=N
 * messages counts the e-mails written, reports and bounces alike.  The
 * bounces mode, and maildir --demo (the month's bounces beside its
 * reports), also write PATH.bounces.tsv, one line per bounced recipient
 * (format in bounce.c).
 * The same options give the same reports in every mode, byte-identical
 * across runs: everything random comes from one GRand with the seed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "gen.h"

#define DEFAULT_START	1790812800	/* 2026-10-01 00:00:00 UTC */
#define FLUSH_AT	(1 << 20)

enum mode { MODE_MAILDIR, MODE_XML, MODE_COPY, MODE_BIG, MODE_BOUNCES };

struct out {
	enum mode mode;
	const char *path;
	GString *xml;		/* the report being written */
	GString *buf;		/* mail text or \copy rows */
	FILE *fp;		/* copy file, or the xml file being written */
	char *fp_path;
	struct gzw *gz;		/* big */
	struct manifest *man;
};

void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("mailsift-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

FILE *
xfopen(const char *path, const char *mode)
{
	FILE *fp = fopen(path, mode);

	if (fp == NULL)
		die("%s: %s", path, g_strerror(errno));
	return fp;
}

void
xfwrite(FILE *fp, const char *data, gsize len, const char *path)
{
	if (len > 0 && fwrite(data, 1, len, fp) != len)
		die("%s: write: %s", path, g_strerror(errno));
}

void
xfclose(FILE *fp, const char *path)
{
	if (fclose(fp) != 0)
		die("%s: close: %s", path, g_strerror(errno));
}

static void G_GNUC_NORETURN
usage(FILE *fp, int status)
{
	fputs("usage: mailsift-gen maildir|xml|copy PATH [--messages N] "
	    "[--seed S] [--days D]\n"
	    "           [--start EPOCH] [--max-records R] [--demo] [--scale] "
	    "[--big N] [--expected FILE]\n"
	    "       mailsift-gen big FILE.xml.gz [--records N] [--seed S] "
	    "[--expected FILE]\n"
	    "       mailsift-gen bounces DIR [--messages N] [--seed S] "
	    "[--days D] [--start EPOCH]\n"
	    "\n"
	    "maildir   DMARC report e-mails in DIR/new (layouts of Google, "
	    "Yahoo, Microsoft, ...);\n"
	    "          with --demo, the month's story, its bounces included\n"
	    "xml       the same reports as bare .xml files\n"
	    "copy      their records as psql \\copy rows\n"
	    "big       one report of N records, gzip\n"
	    "bounces   N bounce e-mails (default 1000) in DIR/new, a mix of "
	    "layouts: Postfix\n"
	    "          RFC 3464 40%, Gmail 20%, Office 365 20%, Exim 10%, "
	    "qmail 10%;\n"
	    "          reasons userunknown, mailboxfull, authfailure, "
	    "blocked, ...\n"
	    "\n"
	    "Writes PATH.expected.tsv (reports) and, for bounces and maildir "
	    "--demo,\n"
	    "PATH.bounces.tsv (one line per bounced recipient: the truth to "
	    "check against).\n"
	    "The same options give byte-identical output.\n", fp);
	exit(status);
}

static guint64
number(const char *opt, const char *v, guint64 min, guint64 max)
{
	char *end;
	guint64 n;

	errno = 0;
	n = g_ascii_strtoull(v, &end, 10);
	if (errno || *v == '\0' || *end != '\0' || n < min || n > max)
		die("%s: bad value '%s' (%" G_GUINT64_FORMAT "..%"
		    G_GUINT64_FORMAT ")", opt, v, min, max);
	return n;
}

static void
mkdir_p(const char *path)
{
	if (g_mkdir_with_parents(path, 0755) != 0)
		die("%s: %s", path, g_strerror(errno));
}

/* A fresh output directory: refuse to mix with an earlier run. */
static void
fresh_dir(const char *path)
{
	GDir *d;

	mkdir_p(path);
	if ((d = g_dir_open(path, 0, NULL)) == NULL)
		die("%s: cannot read", path);
	if (g_dir_read_name(d) != NULL)
		die("%s: exists and is not empty", path);
	g_dir_close(d);
}

static void
emit(struct out *o, const char *data, gsize len)
{
	if (o->gz)
		gzw_write(o->gz, data, len);
	else
		xfwrite(o->fp, data, len, o->fp_path);
}

static void
write_file(const char *path, const GString *s)
{
	FILE *fp = xfopen(path, "wb");

	xfwrite(fp, s->str, s->len, path);
	xfclose(fp, path);
}

static void
report_begin(struct out *o, const struct report *r)
{
	char name[256];

	g_string_truncate(o->xml, 0);
	if (o->mode == MODE_XML) {
		report_file_name(name, sizeof(name), r, ".xml");
		g_free(o->fp_path);
		o->fp_path = g_strdup_printf("%s/%06u_%s", o->path, r->seq,
		    name);
		o->fp = xfopen(o->fp_path, "wb");
	}
	if (o->mode != MODE_COPY)
		xml_head(o->xml, r);
}

static void
report_record(struct out *o, const struct report *r,
    const struct record *rec)
{
	manifest_add(o->man, r, rec);
	if (o->mode == MODE_COPY) {
		copy_row(o->buf, r, rec);
		if (o->buf->len >= FLUSH_AT) {
			emit(o, o->buf->str, o->buf->len);
			g_string_truncate(o->buf, 0);
		}
		return;
	}
	xml_record(o->xml, r, rec);
	if (o->mode != MODE_MAILDIR && o->xml->len >= FLUSH_AT) {
		emit(o, o->xml->str, o->xml->len);
		g_string_truncate(o->xml, 0);
	}
}

static void
report_end(struct out *o, const struct report *r)
{
	char name[256], *path;

	if (o->mode == MODE_COPY)
		return;
	xml_tail(o->xml, r);
	if (o->mode != MODE_MAILDIR) {
		emit(o, o->xml->str, o->xml->len);
		if (o->mode == MODE_XML) {
			xfclose(o->fp, o->fp_path);
			o->fp = NULL;
		}
		return;
	}
	g_string_truncate(o->buf, 0);
	mail_render(o->buf, r, o->xml);
	mail_maildir_name(name, sizeof(name), r);
	path = g_strdup_printf("%s/new/%s", o->path, name);
	write_file(path, o->buf);
	g_free(path);
}

static void
run_report(struct gen *g, struct out *o, const struct report *r)
{
	struct record rec;
	guint i;

	report_begin(o, r);
	for (i = 0; i < r->nrec; i++) {
		gen_record(g, r, &rec);
		report_record(o, r, &rec);
	}
	report_end(o, r);
}

static void
open_output(struct out *o)
{
	char *sub;

	switch (o->mode) {
	case MODE_MAILDIR:
	case MODE_BOUNCES:
		mkdir_p(o->path);
		sub = g_strdup_printf("%s/new", o->path);
		fresh_dir(sub);
		g_free(sub);
		sub = g_strdup_printf("%s/cur", o->path);
		mkdir_p(sub);
		g_free(sub);
		sub = g_strdup_printf("%s/tmp", o->path);
		mkdir_p(sub);
		g_free(sub);
		break;
	case MODE_XML:
		fresh_dir(o->path);
		break;
	case MODE_COPY:
		o->fp = xfopen(o->path, "wb");
		o->fp_path = g_strdup(o->path);
		break;
	case MODE_BIG:
		o->gz = gzw_open(o->path, Z_BEST_SPEED);
		break;
	}
}

static void
close_output(struct out *o)
{
	if (o->mode == MODE_COPY) {
		emit(o, o->buf->str, o->buf->len);
		xfclose(o->fp, o->path);
	}
	if (o->gz)
		gzw_close(o->gz);
	g_free(o->fp_path);
}

/* PATH.expected.tsv; DIR/ and DIR name the same manifest. */
static char *
manifest_path(const char *path)
{
	char *p = g_strdup(path), *m;
	gsize n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	m = g_strconcat(p, ".expected.tsv", NULL);
	g_free(p);
	return m;
}

static enum mode
parse_mode(const char *s)
{
	if (strcmp(s, "maildir") == 0)
		return MODE_MAILDIR;
	if (strcmp(s, "xml") == 0)
		return MODE_XML;
	if (strcmp(s, "copy") == 0)
		return MODE_COPY;
	if (strcmp(s, "big") == 0)
		return MODE_BIG;
	if (strcmp(s, "bounces") == 0)
		return MODE_BOUNCES;
	usage(stderr, 64);
}

static void
parse_opts(int argc, char **argv, struct gen_opts *go, const char **expected)
{
	int i, max_set = 0;

	for (i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--demo") == 0) {
			go->demo = 1;
			continue;
		}
		if (strcmp(a, "--scale") == 0) {
			go->scale = 1;
			continue;
		}
		if (v == NULL)
			usage(stderr, 64);
		i++;
		if (strcmp(a, "--messages") == 0)
			go->messages = (guint)number(a, v, 1, 10000000);
		else if (strcmp(a, "--seed") == 0)
			go->seed = (guint)number(a, v, 0, G_MAXUINT32);
		else if (strcmp(a, "--days") == 0)
			go->days = (guint)number(a, v, 1, 3660);
		else if (strcmp(a, "--start") == 0)
			go->start = (int64_t)number(a, v, 0, 253402300799ULL);
		else if (strcmp(a, "--max-records") == 0) {
			go->max_records = (guint)number(a, v, 1, 10000000);
			max_set = 1;
		} else if (strcmp(a, "--records") == 0 ||
		    strcmp(a, "--big") == 0)
			go->big_records = number(a, v, 1, G_MAXUINT32);
		else if (strcmp(a, "--expected") == 0)
			*expected = v;
		else
			usage(stderr, 64);
	}
	if (go->demo && !max_set)
		go->max_records = 40;
}

/* PATH.bounces.tsv, beside PATH.expected.tsv. */
static char *
bounce_manifest_path(const char *path)
{
	char *m = manifest_path(path), *b;

	m[strlen(m) - strlen(".expected.tsv")] = '\0';
	b = g_strconcat(m, ".bounces.tsv", NULL);
	g_free(m);
	return b;
}

int
main(int argc, char **argv)
{
	struct gen_opts go = { 1000, 30, 1000, 1, DEFAULT_START, 0, 0, 0 };
	struct out o;
	struct gen g;
	struct report r;
	struct bgen bg;
	const char *expected = NULL;
	const struct totals *t;
	char *man_path;
	int bounces;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))
		usage(stdout, 0);
	if (argc < 3)
		usage(stderr, 64);
	memset(&o, 0, sizeof(o));
	memset(&bg, 0, sizeof(bg));
	o.mode = parse_mode(argv[1]);
	o.path = argv[2];
	parse_opts(argc, argv, &go, &expected);
	go.start -= go.start % 86400;
	if (o.mode == MODE_BIG && go.big_records == 0)
		go.big_records = 1000000;
	if (go.demo && go.big_records)
		die("--demo and --big/--records exclude each other");
	if (go.big_records && (o.mode == MODE_MAILDIR ||
	    o.mode == MODE_BOUNCES))
		die("maildir has no big report; use: mailsift-gen big FILE");
	if (go.demo && o.mode == MODE_BOUNCES)
		die("bounces has no --demo; use: mailsift-gen maildir DIR --demo");
	bounces = o.mode == MODE_BOUNCES || (o.mode == MODE_MAILDIR && go.demo);
	gen_init(&g, &go);
	o.xml = g_string_sized_new(FLUSH_AT + 65536);
	o.buf = g_string_sized_new(FLUSH_AT + 65536);
	o.man = manifest_new(go.big_records ? 1 : go.days, go.start);
	open_output(&o);
	if (bounces) {
		char *bpath = bounce_manifest_path(o.path);

		bounce_gen_init(&bg, o.path, bpath, go.seed);
		g_free(bpath);
	}
	if (o.mode == MODE_BOUNCES) {
		bounce_gen_mix(&bg, go.start, go.days, go.messages);
	} else if (go.big_records) {
		gen_big_report(&g, &r);
		run_report(&g, &o, &r);
	} else {
		while (gen_next_report(&g, &r))
			run_report(&g, &o, &r);
		if (bounces)
			bounce_gen_demo(&bg, go.start, go.days);
	}
	close_output(&o);
	if (o.mode != MODE_BOUNCES) {
		man_path = expected ? g_strdup(expected) :
		    manifest_path(o.path);
		manifest_write(o.man, man_path);
		g_free(man_path);
	}
	t = manifest_totals(o.man);
	printf("messages=%" G_GUINT64_FORMAT " reports=%" G_GUINT64_FORMAT
	    " records=%" G_GUINT64_FORMAT " count=%" G_GUINT64_FORMAT
	    " dmarc_pass=%" G_GUINT64_FORMAT " dmarc_fail=%" G_GUINT64_FORMAT
	    " bounces=%" G_GUINT64_FORMAT " bounce_recipients=%"
	    G_GUINT64_FORMAT "\n", (guint64)g.nreports + bg.messages,
	    t->reports, t->records, t->count, t->pass, t->fail, bg.messages,
	    bg.recipients);
	if (bounces)
		bounce_gen_free(&bg);
	manifest_free(o.man);
	g_string_free(o.xml, TRUE);
	g_string_free(o.buf, TRUE);
	gen_free(&g);
	return 0;
}
