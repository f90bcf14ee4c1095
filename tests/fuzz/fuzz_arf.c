/* fuzz_arf.c - libFuzzer harness for the ARF reader: bytes go the way
 * ingest takes them, ingest_walk (GMime parses once, message/rfc822 a
 * leaf), then arf_parse_full on the kept tree, body kept, so that the
 * feedback fields, the returned message and every text layout are read.
 * Every string of the report is checked to be valid UTF-8 within its
 * bound (ARF_MAX_VALUE, ARF_MAX_HEADERS, ARF_MAX_BODY) and every list
 * within ARF_MAX_LIST or ARF_MAX_FIELDS; a refusal must be
 * ARF_ERROR_LIMIT or ARF_ERROR_FORMAT.  Built and run by `make fuzz`,
 * seeded from tests/data/arf.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "gmime_warmup.h"
#include "parse/arf/arf.h"

static int
no_payload(void *user, struct ingest_payload *p)
{
	return 0;
}

static void
check(const char *s, size_t max)
{
	if (s != NULL && (!g_utf8_validate(s, -1, NULL) || strlen(s) > max))
		abort();
}

static void
check_list(const GPtrArray *l)
{
	guint i;

	if (l == NULL || l->len > ARF_MAX_LIST)
		abort();
	for (i = 0; i < l->len; i++)
		check(g_ptr_array_index(l, i), ARF_MAX_VALUE);
}

static void
check_fields(const GPtrArray *l, guint max)
{
	guint i;

	if (l == NULL || l->len > max)
		abort();
	for (i = 0; i < l->len; i++) {
		const struct arf_field *f = g_ptr_array_index(l, i);

		if (f->name == NULL || f->value == NULL)
			abort();
		check(f->name, ARF_MAX_VALUE);
		check(f->value, ARF_MAX_VALUE);
	}
}

static void
check_report(const struct arf_report *a)
{
	const struct arf_original *o = &a->original;
	const char *one[] = {
		a->feedback_type, a->user_agent, a->version,
		a->original_envelope_id, a->original_mail_from,
		a->arrival_date, a->reporting_mta, a->source_ip,
		a->delivery_result, a->auth_failure, a->dkim_domain,
		a->dkim_identity, a->dkim_selector,
		a->dkim_canonicalized_header, a->dkim_canonicalized_body,
		a->dkim_adsp_dns, a->dkim_selector_dns, a->spf_dns,
		a->identity_alignment, a->from, a->subject, a->message_id,
		o->from, o->to, o->subject, o->message_id, o->date,
		o->dkim_domain, o->dkim_selector,
	};
	size_t i;

	if (a->format == NULL)
		abort();
	for (i = 0; i < G_N_ELEMENTS(one); i++)
		check(one[i], ARF_MAX_VALUE);
	check_list(a->original_rcpt_to);
	check_list(a->authentication_results);
	check_list(a->reported_domain);
	check_list(a->reported_uri);
	check_list(o->authentication_results);
	check_list(o->received);
	check_fields(a->other_fields, ARF_MAX_LIST);
	check_fields(a->fields, ARF_MAX_FIELDS);
	check(o->headers, ARF_MAX_HEADERS);
	check(o->body, ARF_MAX_BODY);
	(void)arf_is_failure_report(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_limits lim;
	struct ingest_message *msg;
	struct arf_report *a;
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
		a = arf_parse_full((GMimeMessage *)ingest_message_mime(msg),
		    TRUE, &err);
		if (a != NULL)
			check_report(a);
		else if (err != NULL && (err->domain != ARF_ERROR ||
		    (err->code != ARF_ERROR_LIMIT &&
		    err->code != ARF_ERROR_FORMAT)))
			abort();
		arf_report_free(a);
		g_clear_error(&err);
	}
	ingest_message_free(msg);
	return 0;
}
