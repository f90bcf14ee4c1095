/* fuzz_walk.c - libFuzzer harness for the message walk: MIME, base64/QP,
 * gzip and zip unpacking, and the DMARC parser behind them.
 *
 * Every payload the walker finds is read to the end (as ingest does), with
 * small limits so the fuzzer explores the limit paths quickly.
 */
#include <stdint.h>
#include <string.h>

#include "ingest/ingest.h"
#include "gmime_warmup.h"
#include "parse/dmarc/dmarc.h"

static int
on_payload(void *user, struct ingest_payload *p)
{
	char buf[4096];
	GError *err = NULL;
	gssize n;

	while ((n = ingest_payload_read(p, buf, sizeof buf, &err)) > 0)
		;
	g_clear_error(&err);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_limits lim;
	struct ingest_message *msg;
	GError *err = NULL;

	ingest_limits_default(&lim);
	lim.max_inflated = 8 << 20;
	lim.max_parts = 200;
	GBytes *raw = g_bytes_new(data, size);

	msg = ingest_message_new(raw, "fuzz");
	g_bytes_unref(raw);
	ingest_walk(msg, &lim, on_payload, NULL, &err);
	g_clear_error(&err);
	ingest_message_free(msg);
	return 0;
}
