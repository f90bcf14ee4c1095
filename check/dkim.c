/* dkim.c - the DKIM key of every selector the reports show for the
 * domain, at SELECTOR._domainkey.DOMAIN.
 *
 * The key record is read as a tag list; p= decoded (bounded by the
 * TXT reader's 1024 bytes) and an RSA key measured by spki.c.
 */
#include <string.h>

#include "internal.h"


static void
check_key(struct check_ctx *x, const struct check_selector *sel,
    const char *name, const char *rec)
{
	char *bad = NULL;
	GHashTable *t = check_tags(rec, &bad);
	const char *p, *k, *v, *flags;

	if (t == NULL || (p = g_hash_table_lookup(t, "p")) == NULL ||
	    ((v = g_hash_table_lookup(t, "v")) && strcmp(v, "DKIM1") != 0)) {
		check_add(x, "dkim.syntax", CHECK_ERROR,
		    "Publish the key again as the signer gives it: "
		    "\"v=DKIM1; k=rsa; p=BASE64\".",
		    "%s: \"%.200s\"%s%s", name, rec, bad ? ": bad tag " : "",
		    bad ? bad : "");
		goto out;
	}
	if (*p == '\0') {
		check_add(x, "dkim.key_revoked", CHECK_ERROR,
		    "Stop signing with this selector, or publish its key "
		    "again: its signatures fail.", "%s has an empty p= (revoked) "
		    "but %" G_GINT64_FORMAT " messages were signed with it",
		    name, sel->messages);
		goto out;
	}
	if ((flags = g_hash_table_lookup(t, "t")) && strchr(flags, 'y'))
		check_add(x, "dkim.testing", CHECK_WARNING,
		    "Remove t=y once signing works: some receivers treat "
		    "the signatures as absent.", "%s has t=%s", name, flags);
	k = g_hash_table_lookup(t, "k");
	if (k == NULL || g_ascii_strcasecmp(k, "rsa") == 0) {
		char *b64 = g_strdup(p);
		gsize len = 0;
		guchar *der;
		int bits;

		/* folded records: remove the blanks inside p= */
		g_strdelimit(b64, " \t", ' ');
		for (char *r = b64, *w = b64;; r++)
			if (*r != ' ' && (*w++ = *r) == '\0')
				break;
		der = g_base64_decode(b64, &len);
		bits = check_spki_rsa_bits(der, len);
		if (bits <= 0)
			check_add(x, "dkim.syntax", CHECK_ERROR,
			    "Publish the key again as the signer gives it: "
			    "p= must be a base64 RSA public key.",
			    "%s: p= is not a readable RSA key", name);
		else if (bits < 1024)
			check_add(x, "dkim.key_weak", CHECK_ERROR,
			    "Generate a 2048-bit key under a new selector and "
			    "sign with it: receivers reject keys under 1024 "
			    "bits.", "%s is a %d-bit RSA key", name, bits);
		else if (bits < 2048)
			check_add(x, "dkim.key_weak", CHECK_WARNING,
			    "Move to a 2048-bit key under a new selector.",
			    "%s is a %d-bit RSA key", name, bits);
		g_free(der);
		g_free(b64);
	}
out:
	if (t)
		g_hash_table_unref(t);
	g_free(bad);
}

void
check_dkim(struct check_ctx *x)
{
	for (guint i = 0; i < x->ev->n_selectors &&
	    i < CHECK_DKIM_MAX_SELECTORS; i++) {
		const struct check_selector *sel = &x->ev->selectors[i];
		char *name = g_strdup_printf("%s._domainkey.%s", sel->selector,
		    x->domain);
		GPtrArray *items;
		enum enrich_status s = check_query(x, name, ENRICH_RR_TXT,
		    &items);

		if (s == ENRICH_NXDOMAIN || s == ENRICH_NODATA)
			check_add(x, "dkim.key_missing", CHECK_ERROR,
			    "Publish the selector's key (from the signer) at "
			    "this name, or stop signing with it.",
			    "no key at %s; %" G_GINT64_FORMAT " messages were "
			    "signed with selector %s", name, sel->messages,
			    sel->selector);
		else if (s == ENRICH_OK && items->len > 1)
			check_add(x, "dkim.syntax", CHECK_ERROR,
			    "Keep one key record per selector.",
			    "%s has %u TXT records", name, items->len);
		else if (s == ENRICH_OK)
			check_key(x, sel, name, g_ptr_array_index(items, 0));
		if (items)
			g_ptr_array_unref(items);
		g_free(name);
	}
}
