/* check_test.c - check/'s local parts on real and hostile input: the RSA
 * key size reader (DER built byte by byte: truncated, lying lengths,
 * other algorithms), the tag list reader, the MTA-STS policy reader and
 * its mx patterns (RFC 8461 §3.2, §4.1).  The checks themselves run
 * against unbound and an HTTPS server in tests/t/check.sh.
 */
#include <string.h>

#include "tap.h"
#include "check/internal.h"

static int
bits_of_file(const char *name)
{
	char *path = g_strdup_printf("tests/data/check/%s", name), *text;
	guchar *der;
	gsize len;
	int bits = -2;

	if (g_file_get_contents(path, &text, NULL, NULL)) {
		der = g_base64_decode(g_strstrip(text), &len);
		bits = check_spki_rsa_bits(der, len);
		g_free(der);
		g_free(text);
	}
	g_free(path);
	return bits;
}

static void
test_spki(void)
{
	/* SEQUENCE { SEQUENCE { OID ed25519 }, BIT STRING { 0, 32 bytes } } */
	static const unsigned char ed[] = { 0x30, 0x2A, 0x30, 0x05, 0x06, 0x03,
		0x2B, 0x65, 0x70, 0x03, 0x21, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9,
		10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
		26, 27, 28, 29, 30, 31, 32 };
	/* RSAPublicKey { INTEGER 0x00 0x81 (8 bits + sign byte), INTEGER 3 } */
	static const unsigned char tiny[] = { 0x30, 0x07, 0x02, 0x02, 0x00,
		0x81, 0x02, 0x01, 0x03 };
	static const unsigned char liar[] = { 0x30, 0x84, 0xFF, 0xFF, 0xFF,
		0xFF, 0x02 };
	static const unsigned char deep[] = { 0x30, 0x82, 0xFF, 0xF0, 0x02 };
	unsigned char big[600];

	TAP_OK(bits_of_file("rsa512.b64") == 512, "a 512-bit SPKI key");
	TAP_OK(bits_of_file("rsa1024.b64") == 1024, "a 1024-bit SPKI key");
	TAP_OK(bits_of_file("rsa2048.b64") == 2048, "a 2048-bit SPKI key");
	TAP_OK(bits_of_file("pkcs1_2048.b64") == 2048,
	    "a bare PKCS#1 RSAPublicKey of 2048 bits");
	TAP_OK(check_spki_rsa_bits(ed, sizeof(ed)) == 0,
	    "ed25519: not RSA, not measured");
	TAP_OK(check_spki_rsa_bits(tiny, sizeof(tiny)) == 8,
	    "the sign byte is not counted");
	TAP_OK(check_spki_rsa_bits(liar, sizeof(liar)) == -1,
	    "a length of 4 bytes is refused");
	TAP_OK(check_spki_rsa_bits(deep, sizeof(deep)) == -1,
	    "a length past the end is refused");
	TAP_OK(check_spki_rsa_bits(NULL, 0) == -1, "nothing is no key");
	for (size_t cut = 0; cut < sizeof(ed); cut++)
		if (check_spki_rsa_bits(ed, cut) != -1) {
			TAP_OK(0, "a key cut at %zu bytes is refused", cut);
			return;
		}
	TAP_OK(1, "every truncation of a key is refused");
	memset(big, 0xFF, sizeof(big));
	TAP_OK(check_spki_rsa_bits(big, sizeof(big)) == -1,
	    "0xFF bytes are no key");
}

static void
test_tags(void)
{
	char *bad = NULL;
	GHashTable *t = check_tags(" v=DMARC1 ; P = reject;rua=mailto:a@b;",
	    &bad);

	TAP_OK(t && bad == NULL, "a tag list with spaces and a final ';'");
	TAP_IS(t ? g_hash_table_lookup(t, "p") : NULL, "reject",
	    "names lower case, values trimmed");
	if (t)
		g_hash_table_unref(t);
	t = check_tags("v=DMARC1; p=none; p=reject", &bad);
	TAP_OK(t == NULL && bad && strcmp(bad, "p=reject") == 0,
	    "a repeated tag is a syntax error, named");
	g_free(bad);
	t = check_tags("v=DMARC1; what", &bad);
	TAP_OK(t == NULL && bad && strcmp(bad, "what") == 0,
	    "a part without '=' is a syntax error");
	g_free(bad);
	TAP_OK(check_under("mail.example.com", "example.com") &&
	    check_under("EXAMPLE.com", "example.com") &&
	    !check_under("badexample.com", "example.com"),
	    "check_under: the domain and below, on label boundaries");
}

/* 1 when body parses, else 0; *why gets p.bad (freed by the caller). */
static int
sts(const char *body, char **why, struct check_sts_policy *out)
{
	struct check_sts_policy p;
	int ok = check_sts_parse(body, strlen(body), &p);

	*why = g_strdup(p.bad->str);
	if (out)
		*out = p;
	else
		check_sts_policy_clear(&p);
	return ok;
}

static void
test_sts(void)
{
	struct check_sts_policy p;
	char *why, *big;
	GString *g;

	TAP_OK(sts("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com"
	    "\r\nmx: *.example.net\r\nmax_age: 604800\r\n", &why, &p) &&
	    strcmp(p.mode, "enforce") == 0 && p.max_age == 604800 &&
	    p.mx->len == 2 && strcmp(g_ptr_array_index(p.mx, 1),
	    "*.example.net") == 0, "a policy with CRLF lines: %s", why);
	check_sts_policy_clear(&p);
	g_free(why);
	TAP_OK(sts("version:STSv1\nmode:\ttesting \nmx: MX.Example.COM\n"
	    "max_age: 0\nx_vendor: anything-1\n\n\n", &why, &p) &&
	    strcmp(p.mode, "testing") == 0 && p.max_age == 0 &&
	    strcmp(g_ptr_array_index(p.mx, 0), "mx.example.com") == 0,
	    "LF lines, blanks around values, an extension field, trailing "
	    "blank lines: %s", why);
	check_sts_policy_clear(&p);
	g_free(why);
	TAP_OK(sts("version: STSv1\nmode: none\nmax_age: 86400\n", &why,
	    NULL), "mode none needs no mx: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmax_age: 86400\n", &why,
	    NULL) && strstr(why, "no mx"), "enforce without mx: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n",
	    &why, NULL) && strstr(why, "STSv1"), "version STSv2: %s", why);
	g_free(why);
	TAP_OK(!sts("mode: enforce\nmx: a.b\nmax_age: 1\n", &why, NULL) &&
	    strstr(why, "no version"), "no version: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmode: testing\nmx: a.b\n"
	    "max_age: 1\n", &why, NULL) && strstr(why, "mode twice"),
	    "mode twice: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmx: a.b\n"
	    "max_age: 31557601\n", &why, NULL) && strstr(why, "max_age"),
	    "max_age over a year: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmx: a.b\n"
	    "max_age: 99999999999\n", &why, NULL),
	    "max_age of 11 digits: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmx: a.b\n"
	    "max_age: -1\n", &why, NULL), "max_age -1: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmx: a..b\nmx: *.*.c\n"
	    "mx: a b\nmax_age: 1\n", &why, NULL) && strstr(why, "a..b") &&
	    strstr(why, "*.*.c") && strstr(why, "a blank inside"),
	    "bad mx patterns, each named: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\n\nmode: enforce\nmx: a.b\nmax_age: 1\n",
	    &why, NULL) && strstr(why, "blank line"),
	    "a blank line inside: %s", why);
	g_free(why);
	TAP_OK(!sts("version : STSv1\nmode: enforce\nmx: a.b\nmax_age: 1\n",
	    &why, NULL), "a blank before ':': %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 1\n"
	    "<html>\n", &why, NULL) && strstr(why, "without ':'"),
	    "an HTML page is not a policy: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enf\x01orce\nmx: a.b\n"
	    "max_age: 1\n", &why, NULL) && strstr(why, "control"),
	    "a control byte: %s", why);
	g_free(why);
	TAP_OK(!sts("version: STSv1\nmode: enforce\nmx: \xc3\xa9.b\n"
	    "max_age: 1\n", &why, NULL) && strstr(why, "ASCII"),
	    "a byte outside ASCII: %s", why);
	g_free(why);
	TAP_OK(!check_sts_parse("version: STSv1\0", 15, &p) &&
	    strstr(p.bad->str, "NUL"), "a NUL byte");
	check_sts_policy_clear(&p);
	/* many bad lines: the reason stays short */
	g = g_string_new("version: STSv1\nmode: enforce\nmax_age: 1\n");
	for (int i = 0; i < 5000; i++)
		g_string_append(g, "mx: -bad-\xff\nnonsense\n");
	big = g_string_free(g, FALSE);
	TAP_OK(!sts(big, &why, NULL) && strlen(why) < 500,
	    "5000 bad lines: a reason of %zu bytes", strlen(why));
	g_free(why);
	g_free(big);
	g = g_string_new("version: STSv1\nmode: enforce\nmax_age: 1\n");
	for (int i = 0; i < 1000; i++)
		g_string_append_printf(g, "mx: mx%d.example.com\n", i);
	TAP_OK(check_sts_parse(g->str, g->len, &p) &&
	    p.mx->len == CHECK_STS_MAX_MX, "1000 mx lines: %u kept",
	    p.mx->len);
	check_sts_policy_clear(&p);
	g_string_free(g, TRUE);
	big = g_malloc0(CHECK_STS_MAX_BYTES + 2);
	memset(big, 'a', CHECK_STS_MAX_BYTES + 1);
	TAP_OK(!sts(big, &why, NULL) && strstr(why, "64 KiB"),
	    "a body over 64 KiB: %s", why);
	g_free(why);
	g_free(big);

	TAP_OK(check_sts_mx_match("mx.example.com", "MX.example.com.") &&
	    check_sts_mx_match("*.example.com", "mx1.example.com") &&
	    check_sts_mx_match("*.example.com", "mx1.example.com."),
	    "mx: names and *. patterns match, case and final dot ignored");
	TAP_OK(!check_sts_mx_match("*.example.com", "example.com") &&
	    !check_sts_mx_match("*.example.com", "a.b.example.com") &&
	    !check_sts_mx_match("*.example.com", ".example.com") &&
	    !check_sts_mx_match("*.example.com", "mxexample.com") &&
	    !check_sts_mx_match("mx.example.com", "mx.example.com.evil"),
	    "*. covers one label, the leftmost, and only one (RFC 8461 §4.1)");
}

int
main(void)
{
	test_spki();
	test_tags();
	test_sts();
	return tap_done();
}
