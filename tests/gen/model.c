/* model.c - the world mailsift-gen reports on, and the drawing of reports.
 *
 * Three policy domains, each with a fixed pool of sending IPs (IPv4 from the
 * documentation ranges, IPv6 from 2001:db8::/32), and a handful of reporters
 * modelled on real ones.  A GRand with a fixed seed draws everything: which
 * reporter reports on which domain and day, how many records (most reports
 * are small, a few large), which sender each record is about, its count and
 * its results.  Nothing else in the generator draws random numbers, and
 * nothing reads the clock, so one seed gives the same reports in every
 * output format and byte-identical files across runs.
 *
 * Usage:
 *	struct gen g; gen_init(&g, &opts);
 *	while (gen_next_report(&g, &r))
 *		for (i = 0; i < r.nrec; i++) gen_record(&g, &r, &rec);
 *	gen_free(&g);
 *
 * The demo story (--demo): 198.51.100.25, example.com's busiest server,
 * passes DKIM until day DEMO_BREAK_DAY, then its DKIM alignment fails (a
 * rotated key) while SPF still passes for some of its mail; 203.0.113.66
 * forges example.com all month and always fails.  Two sources of the demo
 * only give `mailsift explain` every category: 192.0.2.70, a marketing
 * service sending for example.com with its own DKIM and Return-Path
 * (esp_unaligned), and 198.51.100.30, example.com's new application
 * server, in use from day DEMO_UNLISTED_DAY on and in neither its SPF
 * record nor signing (unauthorized, ours).  They draw from a GRand of
 * their own, so the rest of the month is the same with or without them.
 */
#include <arpa/inet.h>
#include <string.h>

#include "gen.h"

#define DEMO_BREAK_DAY	18
#define DEMO_IP		"198.51.100.25"
#define DEMO_SPOOF_IP	"203.0.113.66"
#define DEMO_UNLISTED_DAY 10

const struct domain gen_domains[] = {
	{ "example.com", "reject", "reject", "reject", "r", "r", "s2026a", 100 },
	{ "example.org", "quarantine", "quarantine", "reject", "r", "s",
	    "default", 100 },
	{ "example.net", "none", "none", "none", "r", "r", "k1", 100 },
};
const guint gen_ndomains = G_N_ELEMENTS(gen_domains);

const struct sender gen_senders[] = {
	/* example.com */
	{ 0, DEMO_IP, KIND_OWN, 30, NULL, NULL },
	{ 0, "198.51.100.26", KIND_OWN, 20, NULL, NULL },
	{ 0, "198.51.100.27", KIND_OWN, 10, NULL, NULL },
	{ 0, "2001:db8:25::25", KIND_OWN, 12, NULL, NULL },
	{ 0, "2001:db8:25::26", KIND_OWN, 6, NULL, NULL },
	{ 0, "192.0.2.10", KIND_ESP, 15, "sendgrid.net", "s1" },
	{ 0, "192.0.2.11", KIND_ESP, 10, "sendgrid.net", "s1" },
	{ 0, "2001:db8:5e:1::10", KIND_ESP, 8, "amazonses.com",
	    "ug7nbtf4gccmlpwj322ax3p6ow6yfsug" },
	{ 0, "192.0.2.40", KIND_FWD, 4, "lists.community.example", NULL },
	{ 0, "192.0.2.41", KIND_FWD, 3, "alumni.university.example", NULL },
	{ 0, "198.51.100.80", KIND_SPF, 4, "crm.vendor.example", "crm" },
	{ 0, DEMO_SPOOF_IP, KIND_SPOOF, 5, "bulk-mailer.example", NULL },
	{ 0, "203.0.113.67", KIND_SPOOF, 2, "promo-deals.example", NULL },
	{ 0, "2001:db8:bad::66", KIND_SPOOF, 1, "mx.bad.example", NULL },
	{ 0, "203.0.113.200", KIND_SPOOF, 1, "invoice-notice.example", NULL },
	/* example.org */
	{ 1, "198.51.100.40", KIND_OWN, 25, NULL, NULL },
	{ 1, "198.51.100.41", KIND_OWN, 15, NULL, NULL },
	{ 1, "2001:db8:40::1", KIND_OWN, 10, NULL, NULL },
	{ 1, "2001:db8:40::2", KIND_OWN, 5, NULL, NULL },
	{ 1, "192.0.2.20", KIND_ESP, 12, "mcsv.net", "k2" },
	{ 1, "192.0.2.21", KIND_ESP, 8, "mcsv.net", "k3" },
	{ 1, "2001:db8:5e:2::20", KIND_ESP, 5, "sparkpostmail.com",
	    "scph0123" },
	{ 1, "192.0.2.50", KIND_FWD, 4, "lists.example.net", NULL },
	{ 1, "2001:db8:f0::50", KIND_FWD, 2, "forward.mail.example", NULL },
	{ 1, "198.51.100.90", KIND_SPF, 4, "helpdesk.vendor.example", "hd" },
	{ 1, "203.0.113.10", KIND_SPOOF, 3, "secure-login.example", NULL },
	{ 1, "203.0.113.11", KIND_SPOOF, 2, "parcel-track.example", NULL },
	{ 1, "203.0.113.12", KIND_SPOOF, 1, "account-verify.example", NULL },
	{ 1, "2001:db8:bad::10", KIND_SPOOF, 1, "mx.bad.example", NULL },
	/* example.net */
	{ 2, "198.51.100.60", KIND_OWN, 20, NULL, NULL },
	{ 2, "198.51.100.61", KIND_OWN, 10, NULL, NULL },
	{ 2, "198.51.100.62", KIND_OWN, 8, NULL, NULL },
	{ 2, "2001:db8:60::1", KIND_OWN, 8, NULL, NULL },
	{ 2, "2001:db8:60::2", KIND_OWN, 4, NULL, NULL },
	{ 2, "2001:db8:60::3", KIND_OWN, 2, NULL, NULL },
	{ 2, "192.0.2.30", KIND_ESP, 12, "sendgrid.net", "s2" },
	{ 2, "192.0.2.31", KIND_ESP, 8, "mailgun.org", "mx" },
	{ 2, "2001:db8:5e:3::30", KIND_ESP, 6, "amazonses.com",
	    "224i4yxa5dv7c2xz3womw6peuasteono" },
	{ 2, "192.0.2.32", KIND_ESP, 4, "mailgun.org", "mx" },
	{ 2, "192.0.2.60", KIND_FWD, 4, "lists.community.example", NULL },
	{ 2, "192.0.2.61", KIND_FWD, 2, "forward.mail.example", NULL },
	{ 2, "198.51.100.99", KIND_SPF, 5, "billing.vendor.example", "bill" },
	{ 2, "198.51.100.98", KIND_SPF, 2, "survey.vendor.example", NULL },
	{ 2, "203.0.113.20", KIND_SPOOF, 3, "secure-login.example", NULL },
	{ 2, "203.0.113.21", KIND_SPOOF, 2, "promo-deals.example", NULL },
	{ 2, "203.0.113.22", KIND_SPOOF, 2, "parcel-track.example", NULL },
	{ 2, "2001:db8:bad::20", KIND_SPOOF, 1, "mx.bad.example", NULL },
	{ 2, "2001:db8:bad:1::21", KIND_SPOOF, 1, "mx.bad.example", NULL },
	/* the demo's only: example.com */
	{ 0, "192.0.2.70", KIND_ESP_OWN, 8, "mcsv.net", "k1" },
	{ 0, "198.51.100.30", KIND_UNLISTED, 6, NULL, NULL },
};
const guint gen_nsenders = G_N_ELEMENTS(gen_senders);

static const struct reporter reporters[] = {
	{ "google.com", "google.com", "noreply-dmarc-support@google.com",
	    NULL, "https://support.google.com/a/answer/2466580",
	    "google.com", "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>", "  ",
	    LAYOUT_ZIP, FLAVOR_7489, ID_DECIMAL, IDENT_HFROM,
	    1, 1, 0, -420, 40, 0 },
	{ "Yahoo", "yahoo.com", "dmarchelp@yahooinc.com", NULL, NULL,
	    "yahoo.com", "<?xml version=\"1.0\"?>", "  ",
	    LAYOUT_GZIP, FLAVOR_7489, ID_EPOCH_MICRO, IDENT_HFROM,
	    0, 0, 0, 0, 12, 0 },
	{ "AOL", "aol.com", "dmarchelp@yahooinc.com", NULL, NULL,
	    "aol.com", "<?xml version=\"1.0\"?>", "  ",
	    LAYOUT_GZIP, FLAVOR_7489, ID_EPOCH_MICRO, IDENT_HFROM,
	    0, 0, 0, 0, 3, 0 },
	{ "Outlook.com", "protection.outlook.com", "dmarcreport@microsoft.com",
	    "DMARC Aggregate Report", NULL, "microsoft.com",
	    "<?xml version=\"1.0\"?>", "  ",
	    LAYOUT_MS, FLAVOR_7489, ID_HEX32, IDENT_ETO,
	    1, 0, 1, 0, 25, 0 },
	{ "Mimecast", "mimecast.org", "dmarc-reports@mimecast.org", NULL,
	    "https://www.mimecast.com", "mimecast.org",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "\t",
	    LAYOUT_OCTET, FLAVOR_7489, ID_UUID, IDENT_EFROM,
	    1, 0, 0, 0, 8, 0 },
	{ "Example Hosting", "hosting.example", "dmarc@hosting.example",
	    "DMARC Reports", NULL, "hosting.example",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", NULL,
	    LAYOUT_MULTI_GZIP, FLAVOR_7489, ID_SERIAL, IDENT_EFROM,
	    0, 0, 0, 60, 4, 0 },
	{ "Fastmail Pty Ltd", "fastmail.com", "reports@fastmaildmarc.com",
	    NULL, "https://fastmail.com/", "fastmaildmarc.com",
	    "<?xml version=\"1.0\"?>", "\t",
	    LAYOUT_INLINE_PART, FLAVOR_7489, ID_SERIAL, IDENT_EFROM,
	    1, 0, 1, 0, 4, 10 },
	{ "mail.isp.example", "mail.isp.example", "noreply-dmarc@isp.example",
	    NULL, NULL, "isp.example",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "    ",
	    LAYOUT_INLINE_BODY, FLAVOR_7489, ID_DECIMAL, IDENT_HFROM,
	    0, 0, 0, 0, 3, 5 },
	{ "Receiver Mail", "mx.receiver.example", "dmarc-noreply@receiver.example",
	    "DMARC Reporter", "mailto:postmaster@receiver.example",
	    "receiver.example", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
	    "  ", LAYOUT_MULTI_GZIP, FLAVOR_9990, ID_UUID, IDENT_EFROM,
	    0, 0, 1, 0, 4, 0 },
};

/* The first day (0-based) a demo-only source sends, -1: not demo-only. */
static int
demo_only_from(const struct sender *s)
{
	switch (s->kind) {
	case KIND_ESP_OWN: return 0;
	case KIND_UNLISTED: return DEMO_UNLISTED_DAY;
	default: return -1;
	}
}

static gint32 *dom_senders[8];	/* per domain: sender indices, -1 ended */
static int dom_weight[8];
static int rep_weight;

/* SplitMix64: a bijection, so distinct inputs give distinct ids. */
static guint64
mix64(guint64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void
check_world(void)
{
	unsigned char bin[16];
	char back[INET6_ADDRSTRLEN];
	guint i;

	for (i = 0; i < gen_nsenders; i++) {
		const char *ip = gen_senders[i].ip;
		int af = strchr(ip, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(af, ip, bin) != 1 ||
		    inet_ntop(af, bin, back, sizeof(back)) == NULL ||
		    strcmp(back, ip) != 0)
			die("internal: %s is not in canonical form", ip);
	}
}

void
gen_init(struct gen *g, const struct gen_opts *o)
{
	guint d, i, n;

	memset(g, 0, sizeof(*g));
	g->o = *o;
	g->rand = g_rand_new_with_seed(o->seed);
	g->extra_rand = g_rand_new_with_seed(o->seed ^ 0x5eed);
	g->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	check_world();
	for (d = 0; d < gen_ndomains; d++) {
		dom_senders[d] = g_new(gint32, gen_nsenders + 1);
		dom_weight[d] = 0;
		for (i = n = 0; i < gen_nsenders; i++)
			if (gen_senders[i].domain == (int)d &&
			    demo_only_from(&gen_senders[i]) < 0) {
				dom_senders[d][n++] = i;
				dom_weight[d] += gen_senders[i].weight;
			}
		dom_senders[d][n] = -1;
	}
	rep_weight = 0;
	for (i = 0; i < G_N_ELEMENTS(reporters); i++)
		rep_weight += reporters[i].weight;
}

void
gen_free(struct gen *g)
{
	guint d;

	for (d = 0; d < gen_ndomains; d++)
		g_clear_pointer(&dom_senders[d], g_free);
	g_rand_free(g->rand);
	g_rand_free(g->extra_rand);
	g_hash_table_destroy(g->ids);
}

/* Log-skewed integer in [1, max]: a power of two 2^L with L = u^k times
 * log2(max), then uniform within [2^L, 2^(L+1)).  k = 4 gives a median of 1
 * and a long tail, like real reports.  No libm: plain arithmetic only. */
static int64_t
skewed(struct gen *g, int64_t max, int k)
{
	double u = g_rand_double(g->rand), w = u;
	int bits = 0, lvl, i;
	int64_t lo, hi;

	for (i = 1; i < k; i++)
		w *= u;
	while ((max >> bits) > 1)
		bits++;
	lvl = (int)(w * (bits + 1));
	if (lvl > bits)
		lvl = bits;
	lo = (int64_t)1 << lvl;
	hi = MIN(max, 2 * lo - 1);
	return lo + g_rand_int_range(g->rand, 0, (gint32)(hi - lo + 1));
}

static int
chance(struct gen *g, double p)
{
	return g_rand_double(g->rand) < p;
}

static const struct reporter *
pick_reporter(struct gen *g, guint taken)
{
	int w, left = rep_weight;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(reporters); i++)
		if (taken & (1u << i))
			left -= reporters[i].weight;
	w = g_rand_int_range(g->rand, 0, left);
	for (i = 0; i < G_N_ELEMENTS(reporters); i++) {
		if (taken & (1u << i))
			continue;
		if ((w -= reporters[i].weight) < 0)
			break;
	}
	return &reporters[i];
}

static void
make_id(struct gen *g, struct report *r)
{
	guint attempt;

	for (attempt = 0;; attempt++) {
		guint64 a = mix64(((guint64)g->o.seed << 32) ^
		    ((guint64)r->seq << 8) ^ attempt);
		guint64 b = mix64(a ^ 0x5bd1e995);

		switch (r->rp->idstyle) {
		case ID_DECIMAL:
			g_snprintf(r->id, sizeof(r->id), "%" G_GUINT64_FORMAT,
			    (guint64)(a | G_GUINT64_CONSTANT(1) << 63));
			break;
		case ID_EPOCH_MICRO:
			g_snprintf(r->id, sizeof(r->id), "%" G_GINT64_FORMAT
			    ".%06u", r->sent, (guint)(a % 1000000));
			break;
		case ID_HEX32:
			g_snprintf(r->id, sizeof(r->id), "%016" G_GINT64_MODIFIER
			    "x%016" G_GINT64_MODIFIER "x", (guint64)a, (guint64)b);
			break;
		case ID_UUID:
			g_snprintf(r->id, sizeof(r->id),
			    "%08x-%04x-4%03x-%04x-%012" G_GINT64_MODIFIER "x",
			    (guint)(a >> 32), (guint)(a >> 16) & 0xffff,
			    (guint)a & 0xfff, 0x8000 | ((guint)(b >> 48) & 0x3fff),
			    (guint64)(b & G_GUINT64_CONSTANT(0xffffffffffff)));
			break;
		case ID_SERIAL:
			g_snprintf(r->id, sizeof(r->id), "%u%03u",
			    (guint)(a % 900000000) + 100000000, attempt);
			break;
		}
		if (!g_hash_table_contains(g->ids, r->id))
			break;
	}
	g_hash_table_add(g->ids, g_strdup(r->id));
}

/* Demo: a report lists each of the domain's senders that the reporter saw
 * that day, once; the busy servers and the forger are (nearly) always seen,
 * so the trend of one IP is a steady line.  The demo-only sources come
 * last, drawn from extra_rand. */
static void
demo_visible(struct gen *g, struct report *r, int64_t max)
{
	static const double seen[KIND_COUNT] = { 0.9, 0.9, 0.5, 0.5, 0.35,
	    0.8, 0.8 };
	const gint32 *s;
	guint i;

	r->nrec = 0;
	for (s = dom_senders[r->domain]; *s >= 0; s++) {
		const struct sender *x = &gen_senders[*s];
		double p = x->weight >= 20 ? 1.0 : seen[x->kind];

		if (strcmp(x->ip, DEMO_SPOOF_IP) == 0)
			p = 0.8;
		if (chance(g, p) && r->nrec < MIN(max, 64))
			r->visible[r->nrec++] = (guint8)*s;
	}
	if (r->nrec == 0)
		r->visible[r->nrec++] = (guint8)dom_senders[r->domain][0];
	for (i = 0; i < gen_nsenders; i++) {
		const struct sender *x = &gen_senders[i];

		if (demo_only_from(x) < 0 || x->domain != r->domain ||
		    r->day < demo_only_from(x))
			continue;
		if (g_rand_double(g->extra_rand) < seen[x->kind] &&
		    r->nrec < MIN(max, 64))
			r->visible[r->nrec++] = (guint8)i;
	}
}

/* Demo counts: proportional to the sender's weight, +-50%. */
static int64_t
demo_count(struct gen *g, const struct sender *s)
{
	static const double per_weight[KIND_COUNT] = { 4.0, 4.0, 1.0, 1.0,
	    2.0, 4.0, 4.0 };
	double v = s->weight * per_weight[s->kind] *
	    (0.5 + g_rand_double(g->rand));

	return v < 1 ? 1 : (int64_t)v;
}

/* --scale (the benchmark's data, make bench-scale): the policy domain is
 * one of 100, the busy ones far more often (d00.example the most); a
 * quarter of the reports run from noon to noon, over two UTC days.  The
 * model's domain still picks the senders and the policy. */
#define SCALE_DOMAINS	100
#define SCALE_ADDRS	50000

static void
scale_report(struct gen *g, struct report *r)
{
	double u = g_rand_double(g->rand);

	g_snprintf(r->dom_name, sizeof(r->dom_name), "d%02d.example",
	    (int)(SCALE_DOMAINS * u * u));
	if (g_rand_double(g->rand) < 0.25) {
		r->begin += 43200;
		r->end += 43200;
		r->sent += 43200;
	}
}

/* --scale: one of 50k addresses of 198.18.0.0/15 (RFC 2544), skewed: the
 * first thousand send about two thirds of the records. */
static void
scale_record(struct gen *g, struct record *rec)
{
	double u = g_rand_double(g->rand);
	int k = (int)(SCALE_ADDRS * u * u * u);

	g_snprintf(rec->ip_buf, sizeof(rec->ip_buf), "198.18.%d.%d",
	    k >> 8, k & 255);
}

static void
fill_report(struct gen *g, struct report *r, const struct reporter *rp,
    int domain, int day)
{
	int64_t max = g->o.max_records;

	memset(r, 0, sizeof(*r));
	r->rp = rp;
	r->domain = domain;
	r->day = day;
	r->begin = g->o.start + (int64_t)day * 86400;
	r->end = r->begin + 86399;
	/* Reports leave a few hours after the day ends. */
	r->sent = r->end + 1 + g_rand_int_range(g->rand, 60, 8 * 3600);
	if (rp->max_records > 0 && max > rp->max_records)
		max = rp->max_records;
	if (g->o.demo)
		demo_visible(g, r, max);
	else
		r->nrec = (guint)skewed(g, max, 4);
	if (g->o.scale)
		scale_report(g, r);
	g->rec_i = 0;
	r->seq = g->nreports++;
	make_id(g, r);
}

/* Demo: every day, for every domain, two to four distinct reporters. */
static int
next_demo(struct gen *g, struct report *r)
{
	const struct reporter *rp;

	if (g->sched_left == 0) {
		if (g->nreports > 0 && ++g->sched_dom >= gen_ndomains) {
			g->sched_dom = 0;
			g->sched_day++;
		}
		if (g->sched_day >= g->o.days)
			return 0;
		g->sched_left = 2 + g_rand_int_range(g->rand, 0, 3);
		g->sched_taken = 0;
	}
	rp = pick_reporter(g, g->sched_taken);
	g->sched_taken |= 1u << (rp - reporters);
	g->sched_left--;
	fill_report(g, r, rp, g->sched_dom, g->sched_day);
	return 1;
}

int
gen_next_report(struct gen *g, struct report *r)
{
	guint i = g->nreports;

	if (g->o.demo)
		return next_demo(g, r);
	if (i >= g->o.messages)
		return 0;
	fill_report(g, r, pick_reporter(g, 0),
	    g_rand_int_range(g->rand, 0, gen_ndomains),
	    (int)((guint64)i * g->o.days / g->o.messages));
	return 1;
}

void
gen_big_report(struct gen *g, struct report *r)
{
	fill_report(g, r, &reporters[0], 0, 0);
	r->nrec = (guint)MIN(g->o.big_records, G_MAXUINT);
}

static int
pick_sender(struct gen *g, int domain)
{
	int w = g_rand_int_range(g->rand, 0, dom_weight[domain]);
	const gint32 *s;

	for (s = dom_senders[domain]; s[1] >= 0; s++)
		if ((w -= gen_senders[*s].weight) < 0)
			break;
	return *s;
}

static const char *
fail_word(struct gen *g, const char *a, const char *b, const char *c)
{
	int n = g_rand_int_range(g->rand, 0, 3);

	return n == 0 ? a : n == 1 ? b : c;
}

static void
add_dkim(struct record *rec, const char *domain, const char *selector,
    const char *result)
{
	struct auth_dkim *d = &rec->dkim_res[rec->ndkim++];

	d->domain = domain;
	d->selector = selector;
	d->result = result;
}

/* The domain's own servers; the demo IP loses DKIM alignment mid-month. */
static void
draw_own(struct gen *g, const struct report *r, struct record *rec)
{
	const struct domain *dom = &gen_domains[r->domain];
	const struct sender *s = &gen_senders[rec->sender];
	int broken = g->o.demo && r->day >= DEMO_BREAK_DAY &&
	    strcmp(s->ip, DEMO_IP) == 0;
	int dk = broken ? 0 : chance(g, 0.97);
	int sp = chance(g, broken ? 0.35 : 0.96);

	rec->envelope_from = report_domain(r);
	add_dkim(rec, report_domain(r), dom->selector, dk ? "pass" : "fail");
	rec->dkim = dk ? "pass" : "fail";
	rec->spf_domain = report_domain(r);
	rec->spf_result = sp ? "pass" : "softfail";
	rec->spf = sp ? "pass" : "fail";
}

static void
draw_esp(struct gen *g, const struct report *r, struct record *rec)
{
	const struct domain *dom = &gen_domains[r->domain];
	const struct sender *s = &gen_senders[rec->sender];
	int dk = chance(g, 0.95);

	g_snprintf(rec->spf_domain_buf, sizeof(rec->spf_domain_buf),
	    "bounces.%s", s->other);
	rec->envelope_from = rec->spf_domain_buf;
	add_dkim(rec, report_domain(r), dom->selector, dk ? "pass" : "fail");
	add_dkim(rec, s->other, s->selector, "pass");
	rec->dkim = dk ? "pass" : "fail";
	rec->spf_domain = rec->spf_domain_buf;
	rec->spf_result = "pass";
	rec->spf = "fail";	/* passes, but for the ESP's domain */
}

static void
draw_fwd(struct gen *g, const struct report *r, struct record *rec)
{
	const struct domain *dom = &gen_domains[r->domain];
	const struct sender *s = &gen_senders[rec->sender];
	int dk = chance(g, 0.7);

	rec->envelope_from = s->other;
	add_dkim(rec, report_domain(r), dom->selector, dk ? "pass" : "fail");
	rec->dkim = dk ? "pass" : "fail";
	rec->spf_domain = s->other;
	rec->spf_result = fail_word(g, "pass", "softfail", "none");
	rec->spf = "fail";
	if (!dk && chance(g, 0.5)) {
		rec->reason_type = chance(g, 0.5) ? "forwarded" :
		    "mailing_list";
		rec->reason_comment = NULL;
	}
}

static void
draw_spf_only(struct gen *g, const struct report *r, struct record *rec)
{
	const struct sender *s = &gen_senders[rec->sender];
	int sp = chance(g, 0.95);

	rec->envelope_from = report_domain(r);
	if (s->selector)
		add_dkim(rec, s->other, s->selector, "pass");
	rec->dkim = "fail";
	rec->spf_domain = report_domain(r);
	rec->spf_result = sp ? "pass" : "temperror";
	rec->spf = sp ? "pass" : "fail";
}

static void
draw_spoof(struct gen *g, const struct report *r, struct record *rec)
{
	const struct domain *dom = &gen_domains[r->domain];
	const struct sender *s = &gen_senders[rec->sender];

	rec->envelope_from = s->other;
	if (chance(g, 0.2))
		add_dkim(rec, report_domain(r), dom->selector, "fail");
	rec->dkim = "fail";
	rec->spf_domain = chance(g, 0.5) ? report_domain(r) : s->other;
	rec->spf_result = fail_word(g, "fail", "softfail", "none");
	rec->spf = "fail";
}

/* An ESP sending for the domain with its own DKIM and Return-Path: both
 * pass, neither aligns, DMARC fails. */
static void
draw_esp_own(struct gen *g, const struct report *r, struct record *rec)
{
	const struct sender *s = &gen_senders[rec->sender];

	(void)r;
	g_snprintf(rec->spf_domain_buf, sizeof(rec->spf_domain_buf),
	    "bounce.%s", s->other);
	rec->envelope_from = rec->spf_domain_buf;
	add_dkim(rec, s->other, s->selector, chance(g, 0.98) ? "pass" : "fail");
	rec->dkim = "fail";
	rec->spf_domain = rec->spf_domain_buf;
	rec->spf_result = "pass";
	rec->spf = "fail";
}

/* The domain's own server that nobody added to SPF and that does not
 * sign: SPF softfails for the domain, no DKIM signature. */
static void
draw_unlisted(struct gen *g, const struct report *r, struct record *rec)
{
	rec->envelope_from = report_domain(r);
	rec->dkim = "fail";
	rec->spf_domain = report_domain(r);
	rec->spf_result = chance(g, 0.5) ? "softfail" : "fail";
	rec->spf = "fail";
}

int
record_passes(const struct record *rec)
{
	return strcmp(rec->dkim, "pass") == 0 || strcmp(rec->spf, "pass") == 0;
}

void
gen_record(struct gen *g, const struct report *r, struct record *rec)
{
	const struct domain *dom = &gen_domains[r->domain];
	const struct sender *s;
	static const int64_t maxcount[KIND_COUNT] = { 3000, 3000, 200, 200,
	    30, 3000, 3000 };
	GRand *rand = g->rand;

	memset(rec, 0, sizeof(*rec));
	if (g->o.demo) {
		rec->sender = r->visible[g->rec_i++ % r->nrec];
		s = &gen_senders[rec->sender];
		/* A demo-only source draws from its own GRand, so that the
		 * other sources' records stay what they were without it. */
		if (demo_only_from(s) >= 0)
			g->rand = g->extra_rand;
		rec->count = demo_count(g, s);
	} else {
		rec->sender = pick_sender(g, r->domain);
		s = &gen_senders[rec->sender];
		rec->count = skewed(g, maxcount[s->kind], 2);
	}
	switch (s->kind) {
	case KIND_OWN:	draw_own(g, r, rec); break;
	case KIND_ESP:	draw_esp(g, r, rec); break;
	case KIND_FWD:	draw_fwd(g, r, rec); break;
	case KIND_SPF:	draw_spf_only(g, r, rec); break;
	case KIND_SPOOF: draw_spoof(g, r, rec); break;
	case KIND_ESP_OWN: draw_esp_own(g, r, rec); break;
	case KIND_UNLISTED: draw_unlisted(g, r, rec); break;
	case KIND_COUNT: break;
	}
	g->rand = rand;
	if (g->o.scale)
		scale_record(g, rec);
	rec->header_from = report_domain(r);
	if (r->rp->idents == IDENT_ETO)
		rec->envelope_to = "outlook.com";
	if (record_passes(rec))
		rec->disposition = "none";
	else if (rec->reason_type != NULL)
		rec->disposition = "none";	/* local override */
	else
		rec->disposition = dom->p;
}
