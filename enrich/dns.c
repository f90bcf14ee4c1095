/* dns.c - read the answer to one DNS query, trusting nothing in it.
 *
 *	struct dns_answer a;
 *	if (enrich_dns_parse(buf, len, DNS_T_PTR, &a) == 0)	(or A,
 *	    AAAA, TXT, MX: the exchanges' names)
 *		... a.rcode, a.items[0 .. a.n) ...
 *	enrich_dns_clear(&a);
 *
 * Our own reader rather than c-ares's ares_parse_*_reply: we need the
 * records of one type at the end of the CNAME chain of the question's
 * name only (an answer section may carry anything), host names checked
 * and made canonical, and fixed bounds on everything kept: at most
 * DNS_MAX_ITEMS records, names of DNS_MAX_NAME, TXT of DNS_MAX_TXT.
 * Compression pointers may only point backwards, which also rules out
 * loops.  Records of the asked type not owned by the chain's name are
 * ignored, as are the authority and additional sections.
 */
#include <string.h>

#include "internal.h"

#define DNS_HEADER	12
#define MAX_CNAMES	8

struct reader {
	const unsigned char *buf;
	size_t len;
};

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The name at *pos in presentation form, lower case, without the final
 * dot, into out (DNS_MAX_NAME + 1 bytes); bytes outside letters, digits,
 * '-' and '_' are kept as '?', so such a name never matches a host name.
 * *pos moves past the name as written at *pos.  0 or -1. */
static int
read_name(const struct reader *r, size_t *pos, char *out)
{
	size_t p = *pos, o = 0, end = 0;
	int jumped = 0;

	for (;;) {
		unsigned c;

		if (p >= r->len)
			return -1;
		c = r->buf[p];
		if ((c & 0xC0) == 0xC0) {
			size_t target;

			if (p + 1 >= r->len)
				return -1;
			target = (size_t)(c & 0x3F) << 8 | r->buf[p + 1];
			if (target >= p)	/* forward or self: no loops */
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			p = target;
			continue;
		}
		if (c & 0xC0)
			return -1;	/* extended label types */
		if (c == 0) {
			p++;
			break;
		}
		if (p + 1 + c > r->len || o + c + 1 > DNS_MAX_NAME + 1)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (unsigned i = 1; i <= c; i++) {
			unsigned char ch = r->buf[p + i];

			if (ch >= 'A' && ch <= 'Z')
				ch = (unsigned char)(ch - 'A' + 'a');
			else if (!((ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
				ch = '?';
			out[o++] = (char)ch;
		}
		p += 1 + c;
	}
	if (o > DNS_MAX_NAME)
		return -1;
	out[o] = '\0';
	*pos = jumped ? end : p;
	return 0;
}

/* A TXT record's character-strings joined, bounded, made valid UTF-8. */
static char *
read_txt(const unsigned char *p, size_t len)
{
	GString *s = g_string_new(NULL);
	size_t i = 0;
	char *v;

	while (i < len) {
		size_t n = p[i++];

		if (n > len - i)
			n = len - i;
		if (s->len + n > DNS_MAX_TXT)
			n = DNS_MAX_TXT - s->len;
		g_string_append_len(s, (const char *)p + i, (gssize)n);
		i += n;
		if (s->len >= DNS_MAX_TXT)
			break;
	}
	v = g_utf8_make_valid(s->str, (gssize)s->len);
	g_string_free(s, TRUE);
	return v;
}

static void
add_item(struct dns_answer *out, char *item, guint len)
{
	if (out->n >= DNS_MAX_ITEMS) {
		out->dropped++;
		g_free(item);
		return;
	}
	out->items[out->n] = item;
	out->lens[out->n++] = len;
}

/* One record's data of the asked type, kept in out. */
static void
take_rdata(const struct reader *r, size_t rdata, size_t rdlen, int qtype,
    struct dns_answer *out)
{
	char name[DNS_MAX_NAME + 1], *host;
	size_t p = rdata;

	switch (qtype) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (rdlen != (qtype == DNS_T_A ? 4u : 16u)) {
			out->dropped++;
			return;
		}
		add_item(out, g_memdup2(r->buf + rdata, rdlen), (guint)rdlen);
		return;
	case DNS_T_PTR:
		if (read_name(r, &p, name) < 0 || p != rdata + rdlen ||
		    (host = enrich_host_name(name)) == NULL) {
			out->dropped++;
			return;
		}
		add_item(out, host, (guint)strlen(host));
		return;
	case DNS_T_MX:	/* preference, then the exchange's name */
		p = rdata + 2;
		if (rdlen < 3 || read_name(r, &p, name) < 0 ||
		    p != rdata + rdlen ||
		    (host = enrich_host_name(name)) == NULL) {
			out->dropped++;
			return;
		}
		add_item(out, host, (guint)strlen(host));
		return;
	case DNS_T_TXT:
		host = read_txt(r->buf + rdata, rdlen);
		add_item(out, host, (guint)strlen(host));
		return;
	}
}

/* Walk the answer section once per CNAME hop: the records owned by the
 * current name are taken, a CNAME owned by it moves the name on. */
static int
read_answers(const struct reader *r, size_t start, unsigned ancount,
    const char *qname, int qtype, struct dns_answer *out)
{
	char owner[DNS_MAX_NAME + 1], want[DNS_MAX_NAME + 1];
	int hops;

	g_strlcpy(want, qname, sizeof(want));
	for (hops = 0; hops <= MAX_CNAMES; hops++) {
		char next[DNS_MAX_NAME + 1] = "";
		size_t p = start;

		for (unsigned i = 0; i < ancount; i++) {
			unsigned type, rdlen;
			size_t rdata;

			if (read_name(r, &p, owner) < 0 || p + 10 > r->len)
				return -1;
			type = get16(r->buf + p);
			rdlen = get16(r->buf + p + 8);
			rdata = p + 10;
			if (rdata + rdlen > r->len)
				return -1;
			p = rdata + rdlen;
			if (get16(r->buf + rdata - 8) != 1 ||
			    strcmp(owner, want) != 0)
				continue;	/* not class IN, not ours */
			if ((int)type == qtype) {
				take_rdata(r, rdata, rdlen, qtype, out);
			} else if (type == DNS_T_CNAME && next[0] == '\0') {
				size_t q = rdata;

				if (read_name(r, &q, next) < 0)
					next[0] = '\0';
			}
		}
		if (out->n > 0 || next[0] == '\0')
			return 0;
		g_strlcpy(want, next, sizeof(want));
	}
	return 0;
}

int
enrich_dns_parse(const unsigned char *buf, size_t len, int qtype,
    struct dns_answer *out)
{
	struct reader r = { buf, len };
	char qname[DNS_MAX_NAME + 1];
	size_t p = DNS_HEADER;
	unsigned qdcount, ancount;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < DNS_HEADER || !(buf[2] & 0x80))
		return -1;	/* too short, or a query, not a response */
	out->rcode = buf[3] & 0x0F;
	qdcount = get16(buf + 4);
	ancount = get16(buf + 6);
	if (qdcount != 1)
		return out->rcode != DNS_RCODE_NOERROR && qdcount == 0 ? 0 : -1;
	if (read_name(&r, &p, qname) < 0 || p + 4 > len)
		return -1;
	p += 4;
	if (read_answers(&r, p, ancount, qname, qtype, out) < 0) {
		int rcode = out->rcode;

		enrich_dns_clear(out);
		out->rcode = rcode;
		return -1;
	}
	return 0;
}

void
enrich_dns_clear(struct dns_answer *a)
{
	for (guint i = 0; i < a->n; i++)
		g_free(a->items[i]);
	memset(a, 0, sizeof(*a));
}
