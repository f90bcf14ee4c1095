/* bounce.c - bounce e-mails: the demo's story and the benchmark's mix.
 *
 *	struct bgen b; bounce_gen_init(&b, maildir, manifest, seed);
 *	bounce_gen_demo(&b, start, days);	   the --demo month's bounces
 *	bounce_gen_mix(&b, start, days, n);	   n bounces, every layout
 *	bounce_gen_free(&b);			   closes the manifest
 *
 * A bounce is drawn as: who sent the original (one of our domains and the
 * IP it left from), which receiver refused it (a provider and its MX), and
 * for each of one to three recipients a case, the receiver's refusal as
 * that receiver words it (Gmail, Outlook.com, Yahoo, corporate Postfix,
 * ...) with the reason and status a careful reader should find.  Then it
 * is rendered in the layout of the MTA that returned it (bounce_render.c:
 * postfix, gmail, office365, exim, qmail).
 *
 * The demo (--demo): 198.51.100.25 fails DKIM alignment from day 18 (see
 * model.c), and Gmail rejects its unauthenticated mail with 5.7.26, whose
 * diagnostic names the IP; every day also brings a background of unknown
 * users, full mailboxes, unknown domains, blocks and the like from all of
 * our servers.  The mix (mode bounces) draws layouts 40/20/20/10/10.
 *
 * Randomness comes from a GRand of its own (seeded from the seed), so the
 * reports of a seed stay byte-identical whether bounces are written or
 * not.  The manifest, NAME.bounces.tsv, has one line per recipient:
 *
 *	file  format  rcpt  recipient  day  sending_ip  action  status  reason
 *
 * sending_ip is the IP the receiver's text names ("-" when it names none),
 * status "-" when the bounce states none (plain text without a code),
 * reason the sisimai v5 word.  Lines end in LF, as in a Maildir.
 */
#include <string.h>
#include <time.h>

#include "bounce.h"

static const char *const bfmt_name[] = {
	"postfix", "gmail", "office365", "exim", "qmail",
};

/* Receivers.  An empty domain: one drawn from corp_domains. */
struct provider {
	const char *domain, *mx, *mx_ip;
};
enum { P_GMAIL, P_OUTLOOK, P_YAHOO, P_CORP, P_TYPO };
static const struct provider providers[] = {
	{ "gmail.com", "gmail-smtp-in.l.google.com", "142.250.153.27" },
	{ "outlook.com", "outlook-com.olc.protection.outlook.com",
	    "52.101.68.14" },
	{ "yahoo.com", "mta6.am0.yahoodns.net", "67.195.204.72" },
	{ "", NULL, "203.0.113.25" },
	{ "", NULL, NULL },
};
static const char *const corp_domains[] = {
	"partner.example", "supplier.example", "university.example",
	"bigcorp.example", "clinic.example", "lawfirm.example",
};
static const char *const typo_domains[] = {
	"gmial.com", "hotmial.com", "yahooo.com", "outlok.com",
};

#define C_AUTH_GMAIL	3	/* indices used by the demo story */
#define C_AUTH_GMAIL2	4

static const struct bcase cases[] = {
	{ "userunknown", "5.1.1", 550, 0, P_GMAIL, 0, 30,
	    "550-5.1.1 The email account that you tried to reach does not "
	    "exist. Please try 550-5.1.1 double-checking the recipient's email "
	    "address for typos or 550-5.1.1 unnecessary spaces. For more "
	    "information, go to 550 5.1.1 "
	    "https://support.google.com/mail/?p=NoSuchUser {id} - gsmtp" },
	{ "mailboxfull", "5.2.2", 552, 0, P_GMAIL, 0, 12,
	    "552-5.2.2 The recipient's inbox is out of storage space and "
	    "inactive. Please 552-5.2.2 direct the recipient to 552 5.2.2 "
	    "https://support.google.com/mail/?p=OverQuotaPerm {id} - gsmtp" },
	{ "suspend", "5.2.1", 550, 0, P_GMAIL, 0, 6,
	    "550-5.2.1 The email account that you tried to reach is inactive. "
	    "For more 550-5.2.1 information, go to 550 5.2.1 "
	    "https://support.google.com/mail/?p=DisabledUser {id} - gsmtp" },
	{ "authfailure", "5.7.26", 550, 1, P_GMAIL, 0, 4,
	    "550-5.7.26 Your email has been blocked because the sender is "
	    "unauthenticated. 550-5.7.26 Gmail requires all senders to "
	    "authenticate with either SPF or DKIM. 550-5.7.26  550-5.7.26 "
	    "Authentication results: 550-5.7.26  DKIM = did not pass "
	    "550-5.7.26  SPF [{dom_from}] with ip: [{ip}] = did not pass "
	    "550-5.7.26  550-5.7.26  For instructions on setting up "
	    "authentication, go to 550 5.7.26 "
	    "https://support.google.com/mail/answer/81126#authentication "
	    "{id} - gsmtp" },
	{ "authfailure", "5.7.26", 550, 1, P_GMAIL, 0, 2,
	    "550-5.7.26 This mail is unauthenticated, which poses a security "
	    "risk to the 550-5.7.26 sender and Gmail users, and has been "
	    "blocked. The sender must 550-5.7.26 authenticate with at least "
	    "one of SPF or DKIM. For this message, 550-5.7.26 DKIM checks did "
	    "not pass and SPF check for [{dom_from}] did not 550-5.7.26 pass "
	    "with ip: [{ip}]. The sender should visit 550-5.7.26 "
	    "https://support.google.com/mail/answer/81126#authentication for "
	    "550 5.7.26 instructions on setting up authentication. "
	    "{id} - gsmtp" },
	{ "ratelimited", "4.7.28", 421, 1, P_GMAIL, 1, 3,
	    "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail "
	    "originating 421-4.7.28 from your IP address [{ip}]. To protect "
	    "our users from spam, mail sent 421-4.7.28 from your IP address "
	    "has been temporarily rate limited. For more 421 4.7.28 "
	    "information, go to "
	    "https://support.google.com/mail/?p=UnsolicitedRateLimitError "
	    "{id} - gsmtp" },
	{ "spamdetected", "5.7.1", 550, 1, P_GMAIL, 0, 3,
	    "550-5.7.1 [{ip}] Gmail has detected that this message is likely "
	    "550-5.7.1 unsolicited mail. To reduce the amount of spam sent to "
	    "Gmail, 550-5.7.1 this message has been blocked. For more "
	    "information, go to 550 5.7.1 "
	    "https://support.google.com/mail/?p=UnsolicitedMessageError "
	    "{id} - gsmtp" },
	{ "userunknown", "5.5.0", 550, 0, P_OUTLOOK, 0, 14,
	    "550 5.5.0 Requested action not taken: mailbox unavailable "
	    "(S2017062302). [{id}.eurprd04.prod.outlook.com]" },
	{ "blocked", "5.7.1", 550, 0, P_OUTLOOK, 0, 5,
	    "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. "
	    "Please contact your Internet service provider since part of their "
	    "network is on our block list (S3150). You can also refer your "
	    "provider to http://mail.live.com/mail/troubleshooting.aspx#errors. "
	    "[{id}.eurprd04.prod.outlook.com]" },
	{ "authfailure", "5.7.509", 550, 1, P_OUTLOOK, 0, 1,
	    "550 5.7.509 Access denied, sending domain {DOM} does not pass "
	    "DMARC verification and has a DMARC policy of reject. "
	    "[{id}.eurprd04.prod.outlook.com]" },
	{ "userunknown", "5.0.0", 554, 0, P_YAHOO, 0, 8,
	    "554 delivery error: dd This user doesn't have a yahoo.com account "
	    "({rcpt}) [0] - mta4471.mail.bf1.yahoo.com" },
	{ "authfailure", "5.7.9", 550, 1, P_YAHOO, 0, 1,
	    "550 5.7.9 This mail has been blocked because the sender is "
	    "unauthenticated. Yahoo requires all senders to authenticate with "
	    "either SPF or DKIM." },
	{ "userunknown", "5.1.1", 550, 0, P_CORP, 0, 25,
	    "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in "
	    "virtual mailbox table" },
	{ "mailboxfull", "5.2.2", 552, 0, P_CORP, 0, 8,
	    "552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded" },
	{ "blocked", "5.7.1", 554, 0, P_CORP, 0, 4,
	    "554 5.7.1 Service unavailable; Client host [{ip}] blocked using "
	    "zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}" },
	{ "norelaying", "5.7.1", 554, 0, P_CORP, 0, 2,
	    "554 5.7.1 <{rcpt}>: Relay access denied" },
	{ "emailtoolarge", "5.3.4", 552, 1, P_CORP, 0, 2,
	    "552 5.3.4 Message size exceeds fixed limit" },
	{ "hostunknown", "5.4.4", 0, 0, P_TYPO, 0, 6,
	    "Host or domain name not found. Name service error for name={dom} "
	    "type=A: Host not found" },
	{ "expired", "4.4.1", 0, 0, P_CORP, 0, 3,
	    "connect to mx.{dom}[{mxip}]:25: Connection timed out" },
};

static const struct origin origins[] = {
	{ "example.com", "mail.example.com", "198.51.100.25", BF_POSTFIX, 30 },
	{ "example.com", "mail2.example.com", "198.51.100.26", BF_POSTFIX, 20 },
	{ "example.com", "mail3.example.com", "198.51.100.27", BF_POSTFIX, 10 },
	{ "example.org", "smtp.example.org", "198.51.100.40", BF_POSTFIX, 25 },
	{ "example.org", "smtp2.example.org", "198.51.100.41", BF_POSTFIX, 15 },
	{ "example.net", "mx1.example.net", "198.51.100.60", BF_EXIM, 20 },
	{ "example.net", "mx2.example.net", "198.51.100.61", BF_QMAIL, 10 },
};
#define DEMO_ORIGIN	0	/* 198.51.100.25, see model.c */
#define DEMO_BREAK	18

static const char *const people[] = {
	"ana.lima", "j.okafor", "lars.berg", "m.rossi", "p.souza", "chen.wei",
	"f.dubois", "k.tanaka", "s.nowak", "a.haddad", "r.garcia",
	"e.schmidt", "olga.ivanova", "d.murphy", "n.khan", "t.nguyen",
};
static const char *const senders[] = { "news", "billing", "support",
	"noreply", "team" };
static const char *const subjects[] = { "Your October newsletter",
	"Invoice 2026-1042", "Your support ticket #88213",
	"Confirm your e-mail address", "Meeting notes" };

static const char b62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int
pick_weighted(GRand *r, const int *w, int n)
{
	int total = 0, x, i;

	for (i = 0; i < n; i++)
		total += w[i];
	x = g_rand_int_range(r, 0, total);
	for (i = 0; i < n - 1 && x >= w[i]; i++)
		x -= w[i];
	return i;
}

static void
noise(struct bgen *b, struct bmsg *m)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 d[32];
	gsize len = sizeof(d);
	int i;

	g_checksum_update(ck, (const guchar *)&b->seed, sizeof(b->seed));
	g_checksum_update(ck, (const guchar *)&b->seq, sizeof(b->seq));
	g_checksum_get_digest(ck, d, &len);
	g_checksum_free(ck);
	for (i = 0; i < 32; i++)
		g_snprintf(m->hex + 2 * i, 3, "%02x", d[i]);
	/* Postfix long queue ids: base 62, 15 characters. */
	for (i = 0; i < 15; i++)
		m->qid[i] = b62[d[i] % 62];
	m->qid[15] = '\0';
}

/* ---- drawing ---- */

static const struct bcase *
draw_case(struct bgen *b, int provider, int allow_local, int allow_delay,
    int allow_auth)
{
	int w[G_N_ELEMENTS(cases)], i, any = 0;

	for (i = 0; i < (int)G_N_ELEMENTS(cases); i++) {
		const struct bcase *c = &cases[i];

		w[i] = c->weight;
		if (provider >= 0 && c->provider != provider)
			w[i] = 0;
		if (!allow_local && c->code == 0)
			w[i] = 0;
		if (!allow_delay && c->delayed)
			w[i] = 0;
		if (!allow_auth && strcmp(c->reason, "authfailure") == 0)
			w[i] = 0;
		any |= w[i];
	}
	if (!any)
		return &cases[0];
	return &cases[pick_weighted(b->rand, w, G_N_ELEMENTS(cases))];
}

static void
set_receiver(struct bgen *b, struct bmsg *m, int provider)
{
	const struct provider *p = &providers[provider];

	if (provider == P_CORP) {
		m->rdom = corp_domains[g_rand_int_range(b->rand, 0,
		    G_N_ELEMENTS(corp_domains))];
		g_snprintf(m->mxbuf, sizeof(m->mxbuf), "mx.%s", m->rdom);
		m->mx = m->mxbuf;
		m->mx_ip = p->mx_ip;
	} else if (provider == P_TYPO) {
		m->rdom = typo_domains[g_rand_int_range(b->rand, 0,
		    G_N_ELEMENTS(typo_domains))];
		m->mx = NULL;
		m->mx_ip = NULL;
	} else {
		m->rdom = p->domain;
		m->mx = p->mx;
		m->mx_ip = p->mx_ip;
	}
}

/* A recipient not yet in m: a DSN lists each once. */
static void
add_rcpt(struct bgen *b, struct bmsg *m, const struct bcase *c)
{
	struct brcpt *r = &m->r[m->nrcpt];
	int i, dup;

	do {
		const char *who = people[g_rand_int_range(b->rand, 0,
		    G_N_ELEMENTS(people))];

		if (g_rand_boolean(b->rand))
			g_snprintf(r->addr, sizeof(r->addr), "%s@%s", who,
			    m->rdom);
		else
			g_snprintf(r->addr, sizeof(r->addr), "%s%d@%s", who,
			    g_rand_int_range(b->rand, 1, 99), m->rdom);
		for (i = dup = 0; i < m->nrcpt; i++)
			dup |= strcmp(m->r[i].addr, r->addr) == 0;
	} while (dup);
	r->c = c;
	m->nrcpt++;
}

/* A bounce from our origin o to provider's recipients, n of them, each
 * with a case drawn for the provider (or all the given case; only NULL and
 * auth FALSE: no authentication failures, which are the demo story's). */
static void
draw(struct bgen *b, struct bmsg *m, const struct origin *o, enum bfmt fmt,
    int64_t when, int day, int provider, const struct bcase *only, int n,
    int auth)
{
	int i, local = fmt == BF_POSTFIX;

	memset(m, 0, sizeof(*m));
	m->fmt = fmt;
	m->o = o;
	m->when = when;
	m->day = day;
	/* Mail through Google or Microsoft leaves from their servers. */
	m->ip = fmt == BF_GMAIL ? "209.85.220.41" :
	    fmt == BF_O365 ? "40.107.22.95" : o->ip;
	m->from_local = senders[g_rand_int_range(b->rand, 0,
	    G_N_ELEMENTS(senders))];
	m->subject = subjects[g_rand_int_range(b->rand, 0,
	    G_N_ELEMENTS(subjects))];
	set_receiver(b, m, provider);
	for (i = 0; i < n; i++)
		add_rcpt(b, m, only ? only : draw_case(b, provider, local,
		    local, auth));
	/* A DSN reports one kind of event: delays come alone. */
	if (m->r[0].c->delayed)
		m->nrcpt = 1;
	for (i = 1; i < m->nrcpt; i++)
		if (m->r[i].c->delayed)
			m->r[i].c = m->r[0].c;
	noise(b, m);
	g_snprintf(m->mid, sizeof(m->mid), "%.16s.%u@%s", m->hex, b->seq,
	    o->domain);
}

/* ---- output ---- */

static void
write_bounce(struct bgen *b, const struct bmsg *m)
{
	char name[160], day[16], *path;
	time_t t = (time_t)m->when;
	struct tm tm;
	FILE *fp;
	int i;

	g_string_truncate(b->buf, 0);
	bounce_render(b->buf, m);
	g_snprintf(name, sizeof(name), "%" G_GINT64_FORMAT ".M%06uP%uB%u.%s",
	    m->when + 2, (b->seq * 7907u) % 1000000u, 9000u + b->seq % 50000u,
	    b->seq + 1, m->o->host);
	path = g_strdup_printf("%s/new/%s", b->dir, name);
	fp = xfopen(path, "wb");
	xfwrite(fp, b->buf->str, b->buf->len, path);
	xfclose(fp, path);
	g_free(path);

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	for (i = 0; i < m->nrcpt; i++) {
		const struct bcase *c = m->r[i].c;

		/* Plain-text layouts state a status only in the text. */
		fprintf(b->man, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", name,
		    bfmt_name[m->fmt], i + 1, m->r[i].addr, day,
		    strstr(c->text, "{ip}") ? m->ip : "-",
		    c->delayed ? "delayed" : "failed",
		    m->fmt == BF_EXIM || m->fmt == BF_QMAIL ?
		    (strstr(c->text, c->status) ? c->status : "-") : c->status,
		    c->reason);
	}
	b->messages++;
	b->recipients += m->nrcpt;
	b->seq++;
}

void
bounce_gen_init(struct bgen *b, const char *maildir, const char *manifest,
    guint seed)
{
	memset(b, 0, sizeof(*b));
	b->seed = seed;
	/* Not the reports' stream: a seed's reports stay what they were. */
	b->rand = g_rand_new_with_seed(seed ^ 0x9b0c7e55u);
	b->dir = maildir;
	b->man_path = g_strdup(manifest);
	b->man = xfopen(manifest, "wb");
	fputs("file\tformat\trcpt\trecipient\tday\tsending_ip\taction\t"
	    "status\treason\n", b->man);
	b->buf = g_string_sized_new(16384);
}

void
bounce_gen_free(struct bgen *b)
{
	xfclose(b->man, b->man_path);
	g_free(b->man_path);
	g_string_free(b->buf, TRUE);
	g_rand_free(b->rand);
}

static const struct origin *
draw_origin(struct bgen *b)
{
	int w[G_N_ELEMENTS(origins)];
	guint i;

	for (i = 0; i < G_N_ELEMENTS(origins); i++)
		w[i] = origins[i].weight;
	return &origins[pick_weighted(b->rand, w, G_N_ELEMENTS(origins))];
}

static int
draw_provider(struct bgen *b, int not)
{
	static const int w[] = { 40, 20, 12, 22, 6 };
	int p;

	do
		p = pick_weighted(b->rand, w, G_N_ELEMENTS(w));
	while (p == not);
	return p;
}

static int
draw_nrcpt(struct bgen *b)
{
	int x = g_rand_int_range(b->rand, 0, 100);

	return x < 80 ? 1 : x < 95 ? 2 : 3;
}

void
bounce_gen_demo(struct bgen *b, int64_t start, guint days)
{
	struct bmsg m;
	guint d;
	int k, n;

	for (d = 0; d < days; d++) {
		int64_t day0 = start + (int64_t)d * 86400;

		/* The background: any of our servers, any receiver. */
		n = g_rand_int_range(b->rand, 2, 6);
		for (k = 0; k < n; k++) {
			const struct origin *o = draw_origin(b);
			int p = draw_provider(b, -1);
			int64_t t = day0 + g_rand_int_range(b->rand, 600, 86000);

			if (o->fmt != BF_POSTFIX && p == P_TYPO)
				p = P_CORP;	/* their local failures differ */
			draw(b, &m, o, o->fmt, t, d, p, NULL, draw_nrcpt(b), 0);
			write_bounce(b, &m);
		}
		if (d < DEMO_BREAK)
			continue;
		/* The story: Gmail refuses 198.51.100.25's unsigned mail. */
		n = g_rand_int_range(b->rand, 4, 9);
		for (k = 0; k < n; k++) {
			int64_t t = day0 + g_rand_int_range(b->rand, 600, 86000);
			const struct bcase *c = &cases[g_rand_int_range(b->rand,
			    0, 4) ? C_AUTH_GMAIL : C_AUTH_GMAIL2];

			draw(b, &m, &origins[DEMO_ORIGIN], BF_POSTFIX, t, d,
			    P_GMAIL, c, draw_nrcpt(b), 1);
			write_bounce(b, &m);
		}
	}
}

void
bounce_gen_mix(struct bgen *b, int64_t start, guint days, guint n)
{
	static const int fw[] = { 40, 20, 20, 10, 10 };
	struct bmsg m;
	guint i;

	for (i = 0; i < n; i++) {
		enum bfmt f = pick_weighted(b->rand, fw, G_N_ELEMENTS(fw));
		const struct origin *o = draw_origin(b);
		int p, day = (int)((guint64)i * days / n);
		int64_t t = start + (int64_t)day * 86400 +
		    g_rand_int_range(b->rand, 0, 86400);

		/* Google and Microsoft do not bounce their own users this
		 * way, and only Postfix reports its local failures here. */
		p = draw_provider(b, f == BF_GMAIL ? P_GMAIL : f == BF_O365 ?
		    P_OUTLOOK : -1);
		if (f != BF_POSTFIX && p == P_TYPO)
			p = P_CORP;
		draw(b, &m, o, f, t, day, p, NULL, draw_nrcpt(b), 1);
		write_bounce(b, &m);
	}
}
