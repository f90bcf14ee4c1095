/* fuzz_dmarc.c - libFuzzer harness for the DMARC XML parser.
 *
 * Feeds arbitrary bytes to dmarc_parse through a read callback that hands
 * them out in small, input-chosen pieces, so buffer boundaries get fuzzed
 * too.  Built and run by `make fuzz`.
 */
#include <stdint.h>
#include <string.h>

#include "parse/dmarc/dmarc.h"

struct chunks {
	const uint8_t *p;
	size_t left;
	size_t step;
};

static gssize
read_chunk(void *ctx, char *buf, gsize len, GError **err)
{
	struct chunks *c = ctx;
	size_t n = c->left < c->step ? c->left : c->step;

	if (n > len)
		n = len;
	memcpy(buf, c->p, n);
	c->p += n;
	c->left -= n;
	return (gssize)n;
}

static int
on_begin(void *u, const struct dmarc_report *r)
{
	return 0;
}

static int
on_record(void *u, const struct dmarc_report *r, const struct dmarc_record *rec)
{
	/* Touch every string so ASan sees bad pointers. */
	size_t *sum = u;

	*sum += rec->source_ip ? strlen(rec->source_ip) : 0;
	for (guint i = 0; rec->dkim && i < rec->dkim->len; i++) {
		const struct dmarc_dkim *d = g_ptr_array_index(rec->dkim, i);
		*sum += d->domain ? strlen(d->domain) : 0;
	}
	return 0;
}

static int
on_end(void *u, const struct dmarc_report *r)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dmarc_callbacks cb = { on_begin, on_record, on_end };
	struct chunks c = { data, size, 1 + (size ? data[0] % 64 : 0) * 67 };
	GError *err = NULL;
	size_t sum = 0;

	dmarc_parse(read_chunk, &c, "fuzz", &cb, &sum, &err);
	g_clear_error(&err);
	return 0;
}
