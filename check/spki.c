/* spki.c - the size of an RSA public key in DER, read minimally.
 *
 *	bits = check_spki_rsa_bits(der, len);
 *
 * SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID, ... }, BIT STRING
 * { 0 unused bits, RSAPublicKey } }, RSAPublicKey: SEQUENCE { INTEGER n,
 * INTEGER e }; a bare RSAPublicKey (some DKIM records have one) is read
 * too.  Every length is checked against what is left; nothing is kept.
 */
#include <string.h>

#include "internal.h"

/* The rsaEncryption OID's body: 1.2.840.113549.1.1.1 */
static const unsigned char rsa_oid[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7,
	0x0D, 0x01, 0x01, 0x01 };

struct der {
	const unsigned char *p;
	gsize len;
};

/* The element at d of type tag: its content in *in, d moved past it. */
static gboolean
take(struct der *d, unsigned char tag, struct der *in)
{
	gsize n, i = 2;

	if (d->len < 2 || d->p[0] != tag)
		return FALSE;
	n = d->p[1];
	if (n & 0x80) {
		unsigned k = n & 0x7F;

		if (k == 0 || k > 3 || d->len < 2 + (gsize)k)
			return FALSE;
		n = 0;
		for (unsigned j = 0; j < k; j++)
			n = n << 8 | d->p[2 + j];
		i += k;
	}
	if (n > d->len - i)
		return FALSE;
	in->p = d->p + i;
	in->len = n;
	d->p += i + n;
	d->len -= i + n;
	return TRUE;
}

static int
rsa_key_bits(struct der d)
{
	struct der seq, n;
	int bits;

	if (!take(&d, 0x30, &seq) || !take(&seq, 0x02, &n) || n.len == 0)
		return -1;
	while (n.len > 0 && n.p[0] == 0) {
		n.p++;
		n.len--;
	}
	if (n.len == 0 || n.len > 2048)
		return -1;
	bits = (int)n.len * 8;
	for (unsigned char top = n.p[0]; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

int
check_spki_rsa_bits(const unsigned char *der, gsize len)
{
	struct der d = { der, len }, spki, alg, oid, key;

	if (len > 0 && der[0] == 0x30 && len > 2) {
		struct der probe = d, s;

		if (take(&probe, 0x30, &s) && s.len > 0 && s.p[0] == 0x02)
			return rsa_key_bits(d);	/* bare RSAPublicKey */
	}
	if (!take(&d, 0x30, &spki) || !take(&spki, 0x30, &alg) ||
	    !take(&alg, 0x06, &oid) || !take(&spki, 0x03, &key) ||
	    key.len < 1 || key.p[0] != 0)
		return -1;
	if (oid.len != sizeof(rsa_oid) ||
	    memcmp(oid.p, rsa_oid, sizeof(rsa_oid)) != 0)
		return 0;
	key.p++;
	key.len--;
	return rsa_key_bits(key);
}
