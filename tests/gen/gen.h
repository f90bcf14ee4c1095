/* gen.h - shared declarations of mailsift-gen, the test-data generator.
 *
 * mailsift-gen writes synthetic but realistic DMARC aggregate reports: as
 * report e-mails in a Maildir, as bare XML files, as tab-separated rows for
 * a `psql \copy` baseline, or as one huge gzip report.  Every output of one
 * seed describes the same reports, and a manifest (NAME.expected.tsv) holds
 * the truth that ingest results are checked against.  It also writes
 * bounce e-mails (the demo month's, or a Maildir of them in the layouts of
 * several MTAs), with their own manifest (NAME.bounces.tsv).
 *
 * The parts:
 *	model.c	  the world (domains, sending IPs, reporters) and the GRand
 *		  driven drawing of reports and records: the only user of
 *		  randomness, so every output format sees the same data
 *	xml.c	  the XML of a report in each reporter's dialect
 *	pack.c	  gzip (one-shot and streamed), zip, base64
 *	mail.c	  the MIME message around a report, per reporter layout
 *	sink.c	  the manifest and the \copy rows
 *	bounce.c  bounce e-mails: the demo's and the benchmark's, drawn;
 *		  bounce_render.c writes each in its MTA's layout
 *	main.c	  command line and the output modes
 */
#ifndef MAILSIFT_GEN_H
#define MAILSIFT_GEN_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

/* How a reporter packs its report into a message. */
enum layout {
	LAYOUT_ZIP,		/* Google: multipart/mixed, application/zip */
	LAYOUT_GZIP,		/* Yahoo/AOL: one application/gzip part */
	LAYOUT_MS,		/* Microsoft: text/html body + gzip, RFC 2231 name */
	LAYOUT_OCTET,		/* Mimecast and others: octet-stream .xml.gz */
	LAYOUT_MULTI_GZIP,	/* multipart/mixed, text + application/gzip */
	LAYOUT_INLINE_PART,	/* text + text/xml part, no compression */
	LAYOUT_INLINE_BODY,	/* the message body is the text/xml */
};

enum flavor { FLAVOR_7489, FLAVOR_9990 };

enum idstyle { ID_DECIMAL, ID_EPOCH_MICRO, ID_HEX32, ID_UUID, ID_SERIAL };

/* Which <identifiers> a reporter writes. */
enum idents { IDENT_HFROM, IDENT_EFROM, IDENT_ETO };

struct reporter {
	const char *org_name;	/* <org_name> */
	const char *file_org;	/* first field of the attachment name */
	const char *email;	/* <email> and From: address */
	const char *from_name;	/* From: display name, or NULL */
	const char *extra;	/* <extra_contact_info>, or NULL */
	const char *mail_domain; /* Message-ID and Received host */
	const char *xml_decl;	/* first line of the XML */
	const char *indent;	/* one level; NULL: everything on one line */
	enum layout layout;
	enum flavor flavor;
	enum idstyle idstyle;
	enum idents idents;
	int with_version;	/* writes <version>1.0</version> */
	int with_np;		/* writes <np> (7489 dialect) */
	int with_fo;		/* writes <fo> */
	int utc_offset;		/* Date: header offset in minutes */
	int weight;		/* how often it reports */
	int max_records;	/* cap for small reporters, 0: none */
};

struct domain {
	const char *name, *p, *sp, *np, *adkim, *aspf, *selector;
	int pct;
};

enum kind {
	KIND_OWN,	/* the domain's own servers: DKIM and SPF aligned */
	KIND_ESP,	/* a mail service: DKIM aligned, SPF for its own domain */
	KIND_FWD,	/* a forwarder or list: SPF fails, DKIM mostly survives */
	KIND_SPF,	/* SPF aligned, DKIM not set up */
	KIND_SPOOF,	/* nothing passes */
	/* Kinds of the demo only (--demo), drawn from their own GRand: */
	KIND_ESP_OWN,	/* an ESP with its own DKIM d= and Return-Path only */
	KIND_UNLISTED,	/* the domain's own server, in neither SPF nor DKIM */
	KIND_COUNT
};

struct sender {
	int domain;		/* index into the domains */
	const char *ip;		/* canonical text form */
	enum kind kind;
	int weight;
	const char *other;	/* ESP, forwarder or forged domain */
	const char *selector;	/* the ESP's own DKIM selector */
};

struct auth_dkim {
	const char *domain, *selector, *result;
};

struct record {
	int sender;		/* index into the senders */
	int64_t count;
	const char *disposition, *dkim, *spf;	/* policy_evaluated */
	const char *reason_type, *reason_comment;	/* NULL: none */
	const char *envelope_to, *envelope_from, *header_from;
	int ndkim;
	struct auth_dkim dkim_res[2];
	const char *spf_domain, *spf_result;
	char spf_domain_buf[64];
	char ip_buf[48];	/* --scale: the source address, else "" */
};

struct report {
	const struct reporter *rp;
	int domain;
	int day;		/* 0 .. days-1 */
	int64_t begin, end, sent;
	guint seq;		/* 0-based number of the report */
	guint nrec;
	char id[64];
	guint8 visible[64];	/* demo: the senders the report lists */
	char dom_name[32];	/* --scale: the policy domain, else "" */
};

struct gen_opts {
	guint messages, days, max_records, seed;
	int64_t start;
	int demo;
	int scale;		/* --scale: 100 domains, 50k addresses, spans */
	guint64 big_records;	/* > 0: the one big report */
};

struct gen {
	struct gen_opts o;
	GRand *rand;
	GRand *extra_rand;	/* demo: draws of the demo-only sources */
	GHashTable *ids;	/* report ids handed out */
	guint nreports;
	/* demo schedule state */
	guint sched_day, sched_dom, sched_left, sched_taken;
	guint rec_i;		/* records drawn for the current report */
};

/* model.c */
extern const struct domain gen_domains[];
extern const guint gen_ndomains;
extern const struct sender gen_senders[];
extern const guint gen_nsenders;
/* The policy domain of a report and the address of a record: the model's,
 * or with --scale the drawn ones. */
static inline const char *
report_domain(const struct report *r)
{
	return r->dom_name[0] ? r->dom_name : gen_domains[r->domain].name;
}
static inline const char *
record_ip(const struct record *rec)
{
	return rec->ip_buf[0] ? rec->ip_buf : gen_senders[rec->sender].ip;
}
void gen_init(struct gen *g, const struct gen_opts *o);
void gen_free(struct gen *g);
/* The next report of the schedule; 0 when there are no more. */
int gen_next_report(struct gen *g, struct report *r);
/* The one big report of big_records records. */
void gen_big_report(struct gen *g, struct report *r);
void gen_record(struct gen *g, const struct report *r, struct record *rec);
int record_passes(const struct record *rec);

/* xml.c */
void xml_head(GString *s, const struct report *r);
void xml_record(GString *s, const struct report *r, const struct record *rec);
void xml_tail(GString *s, const struct report *r);
void report_file_name(char *buf, gsize len, const struct report *r,
    const char *suffix);

/* pack.c */
void pack_gzip(GString *out, const char *data, gsize len, int level,
    const char *name, int64_t mtime);
void pack_zip(GString *out, const char *name, const char *data, gsize len,
    int64_t mtime);
void pack_base64(GString *out, const char *data, gsize len, guint width);
struct gzw;
struct gzw *gzw_open(const char *path, int level);
void gzw_write(struct gzw *w, const char *data, gsize len);
void gzw_close(struct gzw *w);

/* mail.c */
void mail_render(GString *out, const struct report *r, const GString *xml);
void mail_maildir_name(char *buf, gsize len, const struct report *r);

/* sink.c */
struct totals {
	guint64 reports, records, count, pass, fail;
};
struct manifest;
struct manifest *manifest_new(guint days, int64_t start);
void manifest_add(struct manifest *m, const struct report *r,
    const struct record *rec);
void manifest_write(struct manifest *m, const char *path);
const struct totals *manifest_totals(const struct manifest *m);
void manifest_free(struct manifest *m);
void copy_row(GString *s, const struct report *r, const struct record *rec);

/* bounce.c: bounce e-mails into a Maildir, with a manifest. */
struct bgen {
	GRand *rand;
	guint seed, seq;
	const char *dir;	/* the Maildir */
	FILE *man;		/* NAME.bounces.tsv */
	char *man_path;
	GString *buf;
	guint64 messages, recipients;
};
void bounce_gen_init(struct bgen *b, const char *maildir,
    const char *manifest, guint seed);
/* The demo month's bounces: the failing source, and a background. */
void bounce_gen_demo(struct bgen *b, int64_t start, guint days);
/* n bounces in a mix of layouts over days from start. */
void bounce_gen_mix(struct bgen *b, int64_t start, guint days, guint n);
void bounce_gen_free(struct bgen *b);

/* main.c */
void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;
FILE *xfopen(const char *path, const char *mode);
void xfwrite(FILE *fp, const char *data, gsize len, const char *path);
void xfclose(FILE *fp, const char *path);

#endif
