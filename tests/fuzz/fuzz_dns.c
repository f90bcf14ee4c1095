/* fuzz_dns.c - libFuzzer harness for enrich/dns.c, the reader of DNS
 * answers (the one part of enrichment that reads bytes from the network),
 * and for enrich/name.c's host-name check on what it returns.
 *
 * The input is a DNS response; it is read as the answer to a PTR, an A,
 * an AAAA and a TXT query in turn.  Every item kept must be within the
 * bounds dns.c promises, and every PTR item a host name that the check
 * accepts again unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "enrich/internal.h"

static void
check(const struct dns_answer *a, int qtype)
{
	if (a->n > DNS_MAX_ITEMS)
		abort();
	for (guint i = 0; i < a->n; i++) {
		char *again;

		switch (qtype) {
		case DNS_T_A:
			if (a->lens[i] != 4)
				abort();
			break;
		case DNS_T_AAAA:
			if (a->lens[i] != 16)
				abort();
			break;
		case DNS_T_TXT:
			if (strlen(a->items[i]) > DNS_MAX_TXT ||
			    !g_utf8_validate(a->items[i], -1, NULL))
				abort();
			break;
		case DNS_T_PTR:
			again = enrich_host_name(a->items[i]);
			if (again == NULL || strcmp(again, a->items[i]) != 0 ||
			    strlen(again) > DNS_MAX_NAME)
				abort();
			g_free(again);
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const int types[] = { DNS_T_PTR, DNS_T_A, DNS_T_AAAA,
	    DNS_T_TXT };
	struct dns_answer a;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		if (enrich_dns_parse(data, size, types[t], &a) == 0)
			check(&a, types[t]);
		else if (a.n != 0)
			abort();	/* a refused message keeps nothing */
		enrich_dns_clear(&a);
	}
	return 0;
}
