/* json_tls.c - an SMTP TLS report (RFC 8460) as one JSON line.
 *
 *	cli_json_tls_report(o, "file.eml", payload, report);
 *
 * Members keep RFC 8460's names, '-' written '_'; times are RFC 3339 in
 * UTC; a count the report did not give is null.  Values are as the
 * reporter wrote them; what the parser had to normalize is listed in
 * "fixups".
 */
#include "cli.h"
#include "parse_json.h"
#include "../ingest/ingest.h"
#include "../parse/tlsrpt/tlsrpt.h"

static void
json_failure(GString *o, const struct tlsrpt_failure *f)
{
	g_string_append(o, "{\"result_type\":");
	cli_json_str(o, f->result_type);
	cli_json_field(o, "sending_mta_ip", f->sending_mta_ip);
	cli_json_field(o, "receiving_mx_hostname", f->receiving_mx_hostname);
	cli_json_field(o, "receiving_mx_helo", f->receiving_mx_helo);
	cli_json_field(o, "receiving_ip", f->receiving_ip);
	cli_json_count(o, "failed_session_count", f->failed_session_count);
	cli_json_field(o, "additional_information",
	    f->additional_information);
	cli_json_field(o, "failure_reason_code", f->failure_reason_code);
	g_string_append_c(o, '}');
}

static void
json_policy(GString *o, const struct tlsrpt_policy *p)
{
	g_string_append(o, "{\"policy_type\":");
	cli_json_str(o, p->policy_type);
	cli_json_field(o, "policy_domain", p->policy_domain);
	cli_json_strings(o, "policy_string", p->policy_string);
	cli_json_strings(o, "mx_host", p->mx_host);
	cli_json_count(o, "total_successful_session_count",
	    p->total_successful_session_count);
	cli_json_count(o, "total_failure_session_count",
	    p->total_failure_session_count);
	g_string_append(o, ",\"failure_details\":[");
	for (guint i = 0; p->failure_details && i < p->failure_details->len;
	    i++) {
		if (i)
			g_string_append_c(o, ',');
		json_failure(o, g_ptr_array_index(p->failure_details, i));
	}
	g_string_append(o, "]}");
}

void
cli_json_tls_report(GString *o, const char *file,
    const struct ingest_payload *p, const struct tlsrpt_report *r)
{
	char t[32];

	g_string_append(o, "{\"kind\":\"tls_report\"");
	cli_json_field(o, "file", file);
	cli_json_field(o, "container", p->container);
	cli_json_field(o, "part_name", p->part_name);
	cli_json_field(o, "member", p->member);
	cli_json_field(o, "organization_name", r->organization_name);
	cli_json_field(o, "report_id", r->report_id);
	cli_json_field(o, "contact_info", r->contact_info);
	cli_json_field(o, "start_datetime",
	    tlsrpt_format_time(r->start_datetime, t));
	cli_json_field(o, "end_datetime",
	    tlsrpt_format_time(r->end_datetime, t));
	g_string_append(o, ",\"policies\":[");
	for (guint i = 0; r->policies && i < r->policies->len; i++) {
		if (i)
			g_string_append_c(o, ',');
		json_policy(o, g_ptr_array_index(r->policies, i));
	}
	g_string_append_c(o, ']');
	cli_json_strings(o, "fixups", r->fixups);
	g_string_append(o, "}\n");
}
