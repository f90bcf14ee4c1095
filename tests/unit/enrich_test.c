/* enrich_test.c - enrich/'s local parts on real and hostile data: the DNS
 * answer reader (messages built byte by byte: compression, CNAME chains,
 * loops, truncation, floods, names that are not host names), host names,
 * reverse names, networks, the public suffix list, the services table.
 * The resolver itself is tested against unbound in tests/t/enrich.sh.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"
#include "enrich/internal.h"

/* A DNS response under construction. */
struct msg {
	unsigned char b[70000];
	size_t n;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
put16(struct msg *m, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(m, b, 2);
}

static void
put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);
		unsigned char l = (unsigned char)len;

		put(m, &l, 1);
		put(m, name, len);
		name += len + (dot ? 1 : 0);
	}
	put(m, "", 1);
}

/* Header with rcode, 1 question (qname, qtype), an answers. */
static void
start(struct msg *m, int rcode, unsigned an, const char *qname, int qtype)
{
	unsigned char h[12] = { 0x12, 0x34, 0x81, (unsigned char)(0x80 | rcode),
	    0, 1, (unsigned char)(an >> 8), (unsigned char)an, 0, 0, 0, 0 };

	m->n = 0;
	put(m, h, 12);
	put_name(m, qname);
	put16(m, (unsigned)qtype);
	put16(m, 1);
}

/* A record: owner as a pointer to offset 12 (the question) or a name. */
static void
rr_head(struct msg *m, const char *owner, int type, size_t rdlen)
{
	if (owner == NULL)
		put16(m, 0xC00C);
	else
		put_name(m, owner);
	put16(m, (unsigned)type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 3600);
	put16(m, (unsigned)rdlen);
}

static void
rr_name(struct msg *m, const char *owner, int type, const char *target)
{
	struct msg t;

	t.n = 0;
	put_name(&t, target);
	rr_head(m, owner, type, t.n);
	put(m, t.b, t.n);
}

static const char *
item(const struct dns_answer *a, guint i)
{
	return i < a->n ? a->items[i] : "(none)";
}

/* MX (mailsift check): the exchange's name after the preference; the
 * null MX ".", a truncated record and a name running past the record are
 * dropped. */
static void
mx_rr(struct msg *m, unsigned pref, const char *host, size_t extra)
{
	struct msg t;

	t.n = 0;
	put16(&t, pref);
	put_name(&t, host);
	rr_head(m, NULL, DNS_T_MX, t.n - extra);
	put(m, t.b, t.n - extra);
}

static void
test_mx(struct msg *m)
{
	struct dns_answer a;

	start(m, 0, 2, "example.test", DNS_T_MX);
	mx_rr(m, 10, "MX1.Example.Test", 0);
	mx_rr(m, 20, "mx2.example.test", 0);
	TAP_OK(enrich_dns_parse(m->b, m->n, DNS_T_MX, &a) == 0 && a.n == 2,
	    "two MX records read");
	TAP_IS(item(&a, 0), "mx1.example.test", "MX: the exchange, lower case");
	enrich_dns_clear(&a);
	start(m, 0, 1, "example.test", DNS_T_MX);
	mx_rr(m, 0, "", 0);
	TAP_OK(enrich_dns_parse(m->b, m->n, DNS_T_MX, &a) == 0 && a.n == 0 &&
	    a.dropped == 1, "the null MX is no exchange");
	enrich_dns_clear(&a);
	start(m, 0, 1, "example.test", DNS_T_MX);
	mx_rr(m, 10, "mx.example.test", 3);
	TAP_OK(enrich_dns_parse(m->b, m->n, DNS_T_MX, &a) == 0 && a.n == 0 &&
	    a.dropped == 1, "an exchange name cut by its record is dropped");
	enrich_dns_clear(&a);
	start(m, 0, 1, "example.test", DNS_T_MX);
	rr_head(m, NULL, DNS_T_MX, 1);
	put16(m, 0);
	TAP_OK(enrich_dns_parse(m->b, m->n, DNS_T_MX, &a) == 0 && a.n == 0,
	    "a one-byte MX record is dropped");
	enrich_dns_clear(&a);
}

static void
test_dns(void)
{
	static struct msg m;
	struct dns_answer a;
	unsigned char v4[4] = { 192, 0, 2, 1 };
	const char *q = "1.2.0.192.in-addr.arpa";

	start(&m, 0, 2, q, DNS_T_PTR);
	rr_name(&m, NULL, DNS_T_PTR, "Mail.Example.TEST");
	rr_name(&m, NULL, DNS_T_PTR, "second.example.test");
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 && a.n == 2,
	    "two PTR records read");
	TAP_IS(item(&a, 0), "mail.example.test", "lower-cased, no final dot");
	TAP_IS(item(&a, 1), "second.example.test", "the second name");
	enrich_dns_clear(&a);

	/* A CNAME (RFC 2317) then the PTR under the target's name, and a
	 * PTR owned by a name not in the chain, which must be ignored. */
	start(&m, 0, 3, q, DNS_T_PTR);
	rr_name(&m, "other.in-addr.arpa", DNS_T_PTR, "intruder.example.test");
	rr_name(&m, NULL, DNS_T_CNAME, "1.0-63.2.0.192.in-addr.arpa");
	rr_name(&m, "1.0-63.2.0.192.in-addr.arpa", DNS_T_PTR,
	    "relay.example.net");
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 && a.n == 1,
	    "CNAME chain followed, %u name", a.n);
	TAP_IS(item(&a, 0), "relay.example.net",
	    "the PTR at the chain's end; a stranger's PTR ignored");
	enrich_dns_clear(&a);

	/* A compression pointer to itself, and one pointing forward. */
	start(&m, 0, 1, q, DNS_T_PTR);
	rr_head(&m, NULL, DNS_T_PTR, 2);
	put16(&m, 0xC000 | (unsigned)m.n);
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 && a.n == 0 &&
	    a.dropped == 1, "a pointer to itself: the record dropped, no loop");
	enrich_dns_clear(&a);
	start(&m, 0, 1, q, DNS_T_PTR);
	rr_head(&m, NULL, DNS_T_PTR, 2);
	put16(&m, 0xC000 | (unsigned)(m.n + 10));
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 && a.n == 0,
	    "a forward pointer: dropped");
	enrich_dns_clear(&a);

	/* Truncated in the middle of a record; rdlength beyond the end. */
	start(&m, 0, 1, q, DNS_T_PTR);
	rr_name(&m, NULL, DNS_T_PTR, "mail.example.test");
	TAP_OK(enrich_dns_parse(m.b, m.n - 5, DNS_T_PTR, &a) < 0 && a.n == 0,
	    "truncated: not read, nothing kept");
	enrich_dns_clear(&a);
	TAP_OK(enrich_dns_parse(m.b, 5, DNS_T_PTR, &a) < 0,
	    "shorter than a header");
	m.b[2] = 0x01;
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) < 0,
	    "a query, not a response");

	/* Not host names: a space, a label of 64, a name of 254. */
	start(&m, 0, 3, q, DNS_T_PTR);
	rr_name(&m, NULL, DNS_T_PTR, "bad name.example.test");
	rr_name(&m, NULL, DNS_T_PTR,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x");
	rr_name(&m, NULL, DNS_T_PTR, "-dash.example.test");
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 && a.n == 0 &&
	    a.dropped == 3, "three non-host names dropped (%u)", a.dropped);
	enrich_dns_clear(&a);

	/* A flood: 5,000 PTR records keep DNS_MAX_ITEMS. */
	start(&m, 0, 4000, q, DNS_T_PTR);
	for (int i = 0; i < 4000; i++) {
		rr_head(&m, NULL, DNS_T_PTR, 2);
		put16(&m, 0xC00C);	/* the question's name */
	}
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 &&
	    a.n == DNS_MAX_ITEMS && a.dropped == 4000 - DNS_MAX_ITEMS,
	    "4,000 compressed PTRs: %u kept", a.n);
	enrich_dns_clear(&a);
	start(&m, 0, 2000, q, DNS_T_PTR);
	for (int i = 0; i < 2000; i++)
		rr_name(&m, NULL, DNS_T_PTR, "h.example.test");
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 &&
	    a.n == DNS_MAX_ITEMS && a.dropped == 2000 - DNS_MAX_ITEMS,
	    "2,000 PTRs: %u kept, %u dropped", a.n, a.dropped);
	enrich_dns_clear(&a);

	/* A and AAAA: the address bytes; a wrong rdlength is dropped. */
	start(&m, 0, 2, "mail.example.test", DNS_T_A);
	rr_head(&m, NULL, DNS_T_A, 4);
	put(&m, v4, 4);
	rr_head(&m, NULL, DNS_T_A, 5);
	put(&m, "12345", 5);
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_A, &a) == 0 && a.n == 1 &&
	    a.lens[0] == 4 && memcmp(a.items[0], v4, 4) == 0 && a.dropped == 1,
	    "A: the 4 bytes; a 5-byte A dropped");
	enrich_dns_clear(&a);

	/* TXT: strings joined, bounded, made valid UTF-8. */
	start(&m, 0, 1, "1.2.0.192.origin.asn.cymru.com", DNS_T_TXT);
	rr_head(&m, NULL, DNS_T_TXT, 1 + 10 + 1 + 4);
	put(&m, "\x0a" "64500 | 19", 11);
	put(&m, "\x04" "2.0\xff", 5);
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_TXT, &a) == 0 && a.n == 1,
	    "TXT read");
	TAP_OK(a.n == 1 && g_utf8_validate(a.items[0], -1, NULL) &&
	    strncmp(a.items[0], "64500 | 192.0", 13) == 0,
	    "TXT strings joined, valid UTF-8: %s", item(&a, 0));
	enrich_dns_clear(&a);
	start(&m, 0, 1, "big.test", DNS_T_TXT);
	rr_head(&m, NULL, DNS_T_TXT, 256 * 40);
	for (int i = 0; i < 40; i++) {
		unsigned char l = 255;

		put(&m, &l, 1);
		memset(m.b + m.n, 'x', 255);
		m.n += 255;
	}
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_TXT, &a) == 0 && a.n == 1 &&
	    strlen(a.items[0]) == DNS_MAX_TXT, "a 10 kB TXT: %d bytes kept",
	    DNS_MAX_TXT);
	enrich_dns_clear(&a);

	/* NXDOMAIN and SERVFAIL: the rcode. */
	start(&m, DNS_RCODE_NXDOMAIN, 0, q, DNS_T_PTR);
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 &&
	    a.rcode == DNS_RCODE_NXDOMAIN && a.n == 0, "NXDOMAIN rcode");
	start(&m, DNS_RCODE_SERVFAIL, 0, q, DNS_T_PTR);
	TAP_OK(enrich_dns_parse(m.b, m.n, DNS_T_PTR, &a) == 0 &&
	    a.rcode == DNS_RCODE_SERVFAIL, "SERVFAIL rcode");
	test_mx(&m);
}

static void
test_names(void)
{
	unsigned char v4[4] = { 192, 0, 2, 1 }, v6[16];
	char *s;

	s = enrich_reverse_name(AF_INET, v4, "in-addr.arpa", "ip6.arpa");
	TAP_IS(s, "1.2.0.192.in-addr.arpa", "IPv4 reverse name");
	g_free(s);
	inet_pton(AF_INET6, "2001:db8::25", v6);
	s = enrich_reverse_name(AF_INET6, v6, "x", "origin6.asn.cymru.com");
	TAP_IS(s, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "origin6.asn.cymru.com", "IPv6 nibbles under Team Cymru's zone");
	g_free(s);
	s = enrich_network_text(AF_INET, v4, 25);
	TAP_IS(s, "192.0.2.0/25", "network text masks host bits");
	g_free(s);
	s = enrich_network_text(AF_INET6, v6, 32);
	TAP_IS(s, "2001:db8::/32", "IPv6 network text");
	g_free(s);
	TAP_OK(enrich_network_text(AF_INET, v4, 33) == NULL, "/33 refused");

	s = enrich_host_name("Mail.Example.COM.");
	TAP_IS(s, "mail.example.com", "host name made canonical");
	g_free(s);
	TAP_OK(enrich_host_name("192.0.2.1") == NULL, "an address is no name");
	TAP_OK(enrich_host_name("a..b") == NULL, "empty label");
	TAP_OK(enrich_host_name("a.-b.c") == NULL, "label starting with -");
	TAP_OK(enrich_host_name("caf\xc3\xa9.example") == NULL, "8-bit bytes");

	TAP_OK(enrich_psl_init() == NULL, "the public suffix list loads (%s)",
	    enrich_psl_init() ? enrich_psl_init() : "");
	s = enrich_base_domain("mail.example.co.uk");
	TAP_IS(s, "example.co.uk", "PSL: mail.example.co.uk -> example.co.uk");
	g_free(s);
	s = enrich_base_domain("mail-a1.outbound.protection.outlook.com");
	TAP_IS(s, "outlook.com", "PSL: deep name -> outlook.com");
	g_free(s);
	s = enrich_base_domain("o1.ptr2.example.com.au");
	TAP_IS(s, "example.com.au", "PSL: .com.au");
	g_free(s);
	TAP_OK(enrich_base_domain("co.uk") == NULL, "a public suffix has none");
}

static struct enrich_result *
result(const char *ip, const char *name, int64_t asn)
{
	struct enrich_result *r = g_new0(struct enrich_result, 1);

	r->ip = g_strdup(ip);
	r->confirmed_name = g_strdup(name);
	r->asn = asn;
	return r;
}

static const char *
matched(struct enrich_services *s, const char *ip, const char *name,
    int64_t asn)
{
	static char buf[256];
	struct enrich_result *r = result(ip, name, asn);

	enrich_services_match(s, r);
	snprintf(buf, sizeof(buf), "%s|%s|%s", r->service ? r->service : "-",
	    r->service_kind ? r->service_kind : "-",
	    r->service_basis ? r->service_basis : "-");
	enrich_result_free(r);
	return buf;
}

static void
test_services(void)
{
	static const char table[] =
	    "# comment\n"
	    "ptr\tsendgrid.net\tSendGrid\tesp\tPTR\n"
	    "ptr\tmail.sendgrid.net\tSendGrid mail\tesp\tlonger\n"
	    "asn\t11377\tSendGrid AS\tesp\tAS\n"
	    "net\t192.0.2.0/24\tNet24\tesp\tnet\n"
	    "net\t192.0.2.0/28\tNet28\tesp\tnet\n"
	    "net\t2001:db8::/32\tV6\thosting\tnet\n";
	static const char site[] =
	    "ptr\tsendgrid.net\tOurs via SendGrid\n";
	struct enrich_services *s = enrich_services_new();
	GError *err = NULL;

	TAP_OK(enrich_services_parse(s, table, sizeof(table) - 1, "t", FALSE,
	    &err), "a table parses");
	TAP_IS(matched(s, "198.51.100.1", "o1.sendgrid.net", 0),
	    "SendGrid|esp|ptr sendgrid.net", "a confirmed name under a domain");
	TAP_IS(matched(s, "198.51.100.1", "x.mail.sendgrid.net", 0),
	    "SendGrid mail|esp|ptr mail.sendgrid.net", "the longest domain");
	TAP_IS(matched(s, "198.51.100.1", "notsendgrid.net", 0), "-|-|-",
	    "a suffix that is not at a label boundary does not match");
	TAP_IS(matched(s, "198.51.100.1", NULL, 11377),
	    "SendGrid AS|esp|asn 11377", "no confirmed name: the ASN");
	TAP_IS(matched(s, "192.0.2.5", "o1.sendgrid.net", 11377),
	    "Net28|esp|net 192.0.2.0/28", "a network first, the longest");
	TAP_IS(matched(s, "192.0.2.200", NULL, 0), "Net24|esp|net 192.0.2.0/24",
	    "the /24 outside the /28");
	TAP_IS(matched(s, "2001:db8::1", NULL, 0), "V6|hosting|net 2001:db8::/32",
	    "IPv6 network");
	TAP_OK(enrich_services_parse(s, site, sizeof(site) - 1, "site", TRUE,
	    &err), "a site file parses");
	TAP_IS(matched(s, "192.0.2.5", "o1.sendgrid.net", 0),
	    "Ours via SendGrid|ours|local ptr sendgrid.net",
	    "a site row wins over the table's network, kind ours by default");

	TAP_OK(!enrich_services_parse(s, "net\t192.0.2.1/33\tX\tesp\n", 22,
	    "bad", FALSE, &err) && err && strstr(err->message, "bad, line 1"),
	    "a bad network is refused, naming file and line");
	g_clear_error(&err);
	TAP_OK(!enrich_services_parse(s, "ptr\tx.test\tX\tEsp!\n", 17, "bad",
	    FALSE, &err), "a kind that is not a lower-case word is refused");
	g_clear_error(&err);
	enrich_services_free(s);

	s = enrich_services_load(NULL, "", &err);
	TAP_OK(s != NULL, "the built-in table loads (%s)",
	    s ? enrich_services_where(s) : err->message);
	if (s) {
		TAP_IS(matched(s, "198.51.100.1", "mail-oi1-f54.google.com", 0),
		    "Google|mailbox_provider|ptr google.com",
		    "built in: a confirmed Gmail name");
		TAP_IS(matched(s, "209.85.220.41", NULL, 0),
		    "Google|mailbox_provider|net 209.85.128.0/17",
		    "built in: Google's SPF network");
		TAP_IS(matched(s, "198.51.100.1", NULL, 16509),
		    "Amazon Web Services|hosting|asn 16509",
		    "built in: a cloud's ASN is hosting");
	}
	enrich_services_free(s);
	g_clear_error(&err);
}

int
main(void)
{
	test_dns();
	test_names();
	test_services();
	return tap_done();
}
