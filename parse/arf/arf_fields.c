/* arf_fields.c - the fields of a message/feedback-report part (RFC 5965
 * section 3.5, RFC 6591 section 3.1, RFC 6692, RFC 7489 and RFC 9991's
 * Identity-Alignment) into the report.
 *
 * Usage:
 *	arf_fields_read(a, decoded_part, len);
 *	arf_field_add(a, "Source-IP", "192.0.2.1");   one field, as written
 *	if (arf_is_failure_report(a)) ...	   what the fields say
 *
 * Names are matched ignoring case.  A field that may appear once keeps
 * its first value (reporters repeating one are rare and the first is what
 * RFC 5965 readers take); a list field keeps up to ARF_MAX_LIST values.
 * Received-Date is the older name of Arrival-Date (drafts of ARF, AOL and
 * Yahoo still write it): Arrival-Date wins when both are present.  Every
 * field read is also kept, in order, in a->fields; unknown ones in
 * a->other_fields.
 */
#include <stddef.h>
#include <string.h>

#include "arf_internal.h"

enum field_kind {
	FIELD_ONE,		/* char *, first value kept */
	FIELD_LIST,		/* GPtrArray * of char * */
	FIELD_TYPE,		/* Feedback-Type: first word, lower-cased */
	FIELD_IP,		/* Source-IP: canonical address */
	FIELD_INCIDENTS,
	FIELD_PORT,
	FIELD_ARRIVAL,		/* Arrival-Date */
	FIELD_RECEIVED,		/* Received-Date */
};

static const struct known_field {
	const char *name;
	enum field_kind kind;
	size_t offset;
} known[] = {
#define ONE(n, m) { n, FIELD_ONE, offsetof(struct arf_report, m) }
#define LIST(n, m) { n, FIELD_LIST, offsetof(struct arf_report, m) }
	{ "Feedback-Type", FIELD_TYPE, 0 },
	ONE("User-Agent", user_agent),
	ONE("Version", version),
	ONE("Original-Envelope-Id", original_envelope_id),
	ONE("Original-Mail-From", original_mail_from),
	LIST("Original-Rcpt-To", original_rcpt_to),
	{ "Arrival-Date", FIELD_ARRIVAL, 0 },
	{ "Received-Date", FIELD_RECEIVED, 0 },
	ONE("Reporting-MTA", reporting_mta),
	{ "Source-IP", FIELD_IP, 0 },
	{ "Source-Port", FIELD_PORT, 0 },
	{ "Incidents", FIELD_INCIDENTS, 0 },
	LIST("Authentication-Results", authentication_results),
	LIST("Reported-Domain", reported_domain),
	LIST("Reported-URI", reported_uri),
	ONE("Delivery-Result", delivery_result),
	ONE("Auth-Failure", auth_failure),
	ONE("DKIM-Domain", dkim_domain),
	ONE("DKIM-Identity", dkim_identity),
	ONE("DKIM-Selector", dkim_selector),
	ONE("DKIM-Canonicalized-Header", dkim_canonicalized_header),
	ONE("DKIM-Canonicalized-Body", dkim_canonicalized_body),
	ONE("DKIM-ADSP-DNS", dkim_adsp_dns),
	ONE("DKIM-Selector-DNS", dkim_selector_dns),
	ONE("SPF-DNS", spf_dns),
	ONE("Identity-Alignment", identity_alignment),
#undef ONE
#undef LIST
};

static const struct known_field *
lookup(const char *name)
{
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(known); i++)
		if (g_ascii_strcasecmp(name, known[i].name) == 0)
			return &known[i];
	return NULL;
}

gboolean
arf_field_known(const char *name)
{
	return lookup(name) != NULL;
}

/* The number a value starts with, or -1: "3 (this week)" gives 3. */
static int64_t
leading_number(const char *v, int64_t max)
{
	gint64 n = 0;

	while (g_ascii_isspace(*v))
		v++;
	if (!g_ascii_isdigit(*v))
		return -1;
	for (; g_ascii_isdigit(*v); v++) {
		n = n * 10 + (*v - '0');
		if (n > max)
			return -1;
	}
	return n;
}

/* Was an Arrival-Date read before the last field? */
static gboolean
had_arrival_date(const struct arf_report *a)
{
	guint i;

	for (i = 0; i + 1 < a->fields->len; i++) {
		const struct arf_field *f = g_ptr_array_index(a->fields, i);

		if (g_ascii_strcasecmp(f->name, "Arrival-Date") == 0)
			return TRUE;
	}
	return FALSE;
}

static void
set_arrival(struct arf_report *a, const char *v)
{
	g_free(a->arrival_date);
	a->arrival_date = g_strdup(v);
	a->arrival_time = arf_date(v);
}

static void
set_known(struct arf_report *a, const struct known_field *k, const char *v)
{
	char **one = (char **)((char *)a + k->offset);
	GPtrArray **list = (GPtrArray **)((char *)a + k->offset);

	switch (k->kind) {
	case FIELD_ONE:
		if (*one == NULL)
			*one = g_strdup(v);
		break;
	case FIELD_LIST:
		arf_list_add(*list, g_strdup(v), &a->fields_dropped);
		break;
	case FIELD_TYPE:
		if (a->feedback_type == NULL)
			a->feedback_type = arf_first_word_lower(v);
		break;
	case FIELD_IP:
		if (a->source_ip == NULL &&
		    (a->source_ip = arf_canonical_ip(v)) == NULL)
			a->source_ip = g_strdup(v);
		break;
	case FIELD_INCIDENTS:
		if (a->incidents < 0)
			a->incidents = leading_number(v, G_MAXINT64 / 10);
		break;
	case FIELD_PORT:
		if (a->source_port < 0)
			a->source_port = (int)leading_number(v, 65535);
		break;
	case FIELD_ARRIVAL:
		if (a->arrival_date == NULL || !had_arrival_date(a))
			set_arrival(a, v);
		break;
	case FIELD_RECEIVED:
		if (a->arrival_date == NULL)
			set_arrival(a, v);
		break;
	}
}

struct arf_field *
arf_field_new(const char *name, const char *value)
{
	struct arf_field *f = g_new(struct arf_field, 1);

	f->name = g_strdup(name);
	f->value = g_strdup(value);
	return f;
}

/* One field, its value as written (raw bytes, unfolded). */
void
arf_field_add(struct arf_report *a, const char *name, const char *raw)
{
	const struct known_field *k;
	char *n, *v;

	if (a->fields->len >= ARF_MAX_FIELDS) {
		a->fields_dropped++;
		return;
	}
	n = arf_value(name);
	v = arf_value(raw);
	g_ptr_array_add(a->fields, arf_field_new(n, v));
	if ((k = lookup(n)) != NULL)
		set_known(a, k, v);
	else if (a->other_fields->len < ARF_MAX_LIST)
		g_ptr_array_add(a->other_fields, arf_field_new(n, v));
	else
		a->fields_dropped++;
	g_free(n);
	g_free(v);
}

void
arf_fields_read(struct arf_report *a, const char *p, gsize n)
{
	struct arf_hreader r;
	struct arf_hline h;

	arf_hreader_init(&r, p, n);
	while (arf_hreader_next(&r, &h)) {
		arf_field_add(a, h.name, h.raw);
		arf_hline_clear(&h);
	}
}

/* An authentication failure report, from its type or, when a reporter
 * left the type out, from the RFC 6591 field only such reports carry. */
gboolean
arf_is_failure_report(const struct arf_report *a)
{
	if (a == NULL)
		return FALSE;
	if (a->feedback_type != NULL)
		return strcmp(a->feedback_type, "auth-failure") == 0;
	return a->auth_failure != NULL;
}
