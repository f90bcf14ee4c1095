/* json_arf.c - the members of an ARF report (RFC 5965 feedback, RFC 6591
 * and RFC 9991 failure reports) in a "feedback" object of `mailsift
 * parse`.
 *
 *	cli_json_arf_members(o, arf, FALSE);
 *
 *	cli_json_arf_original(o, arf, list_id, feedback_id, sending_ip);
 *
 * Every field under its RFC name, '-' written '_'; fields that may repeat
 * are arrays; unknown fields in "other_fields" as {name, value}.
 * feedback_type, reporting_mta and arrival_date are written by the caller,
 * which has them for every feedback object (arrival_date: as written).
 * The returned message's headers go under "original" {message_id, from,
 * to, subject, date (as written), authentication_results, dkim_domain,
 * dkim_selector, received}, next to what the bounce reader found (list_id,
 * feedback_id, sending_ip); its body only when the parser kept it.
 */
#include "cli.h"
#include "parse_json.h"
#include "../parse/arf/arf.h"

static void
json_other_fields(GString *o, const GPtrArray *a)
{
	cli_json_member(o, "other_fields");
	g_string_append_c(o, '[');
	for (guint i = 0; a && i < a->len; i++) {
		const struct arf_field *f = g_ptr_array_index(a, i);

		g_string_append(o, i ? ",{\"name\":" : "{\"name\":");
		cli_json_str(o, f->name);
		cli_json_field(o, "value", f->value);
		g_string_append_c(o, '}');
	}
	g_string_append_c(o, ']');
}

void
cli_json_arf_members(GString *o, const struct arf_report *a)
{
	cli_json_field(o, "arf_format", a->format);
	cli_json_field(o, "user_agent", a->user_agent);
	cli_json_field(o, "version", a->version);
	cli_json_field(o, "original_envelope_id", a->original_envelope_id);
	cli_json_field(o, "original_mail_from", a->original_mail_from);
	cli_json_strings(o, "original_rcpt_to", a->original_rcpt_to);
	cli_json_field(o, "source_ip", a->source_ip);
	cli_json_count(o, "incidents", a->incidents);
	cli_json_strings(o, "authentication_results",
	    a->authentication_results);
	cli_json_strings(o, "reported_domain", a->reported_domain);
	cli_json_strings(o, "reported_uri", a->reported_uri);
	cli_json_field(o, "delivery_result", a->delivery_result);
	cli_json_field(o, "auth_failure", a->auth_failure);
	cli_json_field(o, "dkim_domain", a->dkim_domain);
	cli_json_field(o, "dkim_identity", a->dkim_identity);
	cli_json_field(o, "dkim_selector", a->dkim_selector);
	cli_json_field(o, "dkim_canonicalized_header",
	    a->dkim_canonicalized_header);
	cli_json_field(o, "dkim_canonicalized_body",
	    a->dkim_canonicalized_body);
	cli_json_field(o, "spf_dns", a->spf_dns);
	cli_json_field(o, "identity_alignment", a->identity_alignment);
	json_other_fields(o, a->other_fields);
	if (a->fields_dropped)
		cli_json_int(o, "fields_dropped", a->fields_dropped);
}

void
cli_json_arf_original(GString *o, const struct arf_report *a,
    const char *list_id, const char *feedback_id, const char *sending_ip)
{
	const struct arf_original *orig = &a->original;

	cli_json_member(o, "original");
	g_string_append(o, "{\"message_id\":");
	cli_json_str(o, orig->message_id);
	cli_json_field(o, "from", orig->from);
	cli_json_field(o, "to", orig->to);
	cli_json_field(o, "subject", orig->subject);
	cli_json_field(o, "date", orig->date);
	cli_json_field(o, "list_id", list_id);
	cli_json_field(o, "feedback_id", feedback_id);
	cli_json_field(o, "sending_ip", sending_ip);
	cli_json_strings(o, "authentication_results",
	    orig->authentication_results);
	cli_json_field(o, "dkim_domain", orig->dkim_domain);
	cli_json_field(o, "dkim_selector", orig->dkim_selector);
	cli_json_strings(o, "received", orig->received);
	if (orig->body != NULL)
		cli_json_field(o, "body", orig->body);
	g_string_append_c(o, '}');
}
