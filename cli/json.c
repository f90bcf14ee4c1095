/* json.c - the members of the JSON objects that `mailsift parse` writes.
 *
 *	g_string_assign(o, "{\"kind\":\"tls_report\"");
 *	cli_json_field(o, "report_id", r->report_id);	   ,"report_id":"..."
 *	cli_json_strings(o, "mx_host", p->mx_host);	   ,"mx_host":["..."]
 *	cli_json_count(o, "failed_session_count", n);	   a number, or null
 *	g_string_append_c(o, '}');
 *
 * Values go through cli_json_str (common.c), which never writes invalid
 * UTF-8; keys are the callers' ASCII constants.
 */
#include <inttypes.h>

#include "cli.h"

void
cli_json_member(GString *o, const char *key)
{
	g_string_append_len(o, ",\"", 2);
	g_string_append(o, key);
	g_string_append_len(o, "\":", 2);
}

void
cli_json_field(GString *o, const char *key, const char *value)
{
	cli_json_member(o, key);
	cli_json_str(o, value);
}

void
cli_json_strings(GString *o, const char *key, const GPtrArray *a)
{
	cli_json_member(o, key);
	g_string_append_c(o, '[');
	for (guint i = 0; a && i < a->len; i++) {
		if (i)
			g_string_append_c(o, ',');
		cli_json_str(o, g_ptr_array_index(a, i));
	}
	g_string_append_c(o, ']');
}

void
cli_json_int(GString *o, const char *key, int64_t v)
{
	cli_json_member(o, key);
	g_string_append_printf(o, "%" PRId64, v);
}

void
cli_json_int_or_null(GString *o, const char *key, int64_t v)
{
	if (v != 0)
		cli_json_int(o, key, v);
	else
		cli_json_field(o, key, NULL);
}

void
cli_json_count(GString *o, const char *key, int64_t v)
{
	if (v >= 0)
		cli_json_int(o, key, v);
	else
		cli_json_field(o, key, NULL);
}
