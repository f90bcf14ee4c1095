/* fuzz_bounce.c - libFuzzer harness for the bounce reader: bytes go the
 * way ingest takes them, ingest_walk (GMime parses once), then
 * bounce_parse on the kept tree, every recognizer table, the classifier
 * and the original message.  Every string of the report is checked to be
 * valid UTF-8 and within BOUNCE_MAX_FIELD, the bound every recognizer
 * promises.  Built and run by `make fuzz`, seeded from tests/data/bounces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "gmime_warmup.h"
#include "parse/bounce/bounce.h"

static int
no_payload(void *user, struct ingest_payload *p)
{
	return 0;
}

static void
check(const char *s)
{
	if (s != NULL && (!g_utf8_validate(s, -1, NULL) ||
	    strlen(s) > BOUNCE_MAX_FIELD))
		abort();
}

static void
check_report(const struct bounce_report *b)
{
	guint i;

	check(b->reporting_mta);
	check(b->queue_id);
	check(b->orig.message_id);
	check(b->orig.from);
	check(b->orig.to);
	check(b->orig.subject);
	check(b->orig.list_id);
	check(b->orig.feedback_id);
	check(b->orig.sending_ip);
	if (b->recipients->len > BOUNCE_MAX_RECIPIENTS)
		abort();
	for (i = 0; i < b->recipients->len; i++) {
		const struct bounce_recipient *r =
		    g_ptr_array_index(b->recipients, i);

		check(r->recipient);
		check(r->original_recipient);
		check(r->action);
		check(r->status);
		check(r->remote_mta);
		check(r->diagnostic_type);
		check(r->diagnostic_code);
		check(r->smtp_command);
		check(r->feedback_type);
		check(r->auth.sending_ip);
		check(r->auth.domain);
		if (b->kind != BOUNCE_KIND_NONE && r->reason == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_limits lim;
	struct ingest_message *msg;
	struct bounce_report *b;
	GError *err = NULL;
	GBytes *raw;

	ingest_limits_default(&lim);
	lim.max_inflated = 8 << 20;
	lim.max_parts = 200;
	raw = g_bytes_new(data, size);
	msg = ingest_message_new(raw, "fuzz");
	g_bytes_unref(raw);
	ingest_walk(msg, &lim, no_payload, NULL, &err);
	g_clear_error(&err);
	if (ingest_message_mime(msg) != NULL) {
		b = bounce_parse((GMimeMessage *)ingest_message_mime(msg), &err);
		if (b != NULL)
			check_report(b);
		bounce_report_free(b);
		g_clear_error(&err);
	}
	ingest_message_free(msg);
	return 0;
}
