/* check_test.c - check/'s local parts on real and hostile input: the RSA
 * key size reader (DER built byte by byte: truncated, lying lengths,
 * other algorithms) and the tag list reader.  The checks themselves run
 * against unbound in tests/t/check.sh.
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

int
main(void)
{
	test_spki();
	test_tags();
	return tap_done();
}
