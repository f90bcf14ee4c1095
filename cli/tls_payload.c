/* tls_payload.c - a JSON payload read as an SMTP TLS report, the same way
 * for ingest and parse.
 *
 *	r = cli_tls_payload(payload, "name.json.gz", &err);
 *	r != NULL		   a report (tlsrpt_report_free it)
 *	err == NULL		   JSON of another kind: not a report
 *	err->domain == TLSRPT_ERROR && code == TLSRPT_ERROR_NOT_REPORT: same
 *	else			   unreadable, or a bound hit: quarantine
 *
 * The payload is read whole (json-c parses a document, not a stream),
 * bounded by TLSRPT_MAX_SIZE.  JSON that does not even look like a TLS
 * report (no RFC 8460 member near its start: an Amazon SES notification
 * in a text part, say) is no report whether or not it parses, so that the
 * bounce reader still gets its message.
 */
#include "cli.h"
#include "parse_json.h"
#include "../ingest/ingest.h"
#include "../parse/tlsrpt/tlsrpt.h"

struct tlsrpt_report *
cli_tls_payload(struct ingest_payload *p, const char *label, GError **err)
{
	struct tlsrpt_report *r;
	GBytes *json;

	if (label == NULL)
		label = "payload";
	json = ingest_payload_slurp(p, TLSRPT_MAX_SIZE, "TLSRPT_MAX_SIZE",
	    err);
	if (json == NULL) {
		g_prefix_error(err, "%s: TLS report: ", label);
		return NULL;
	}
	if (!tlsrpt_sniff(g_bytes_get_data(json, NULL),
	    g_bytes_get_size(json))) {
		g_bytes_unref(json);
		return NULL;
	}
	r = tlsrpt_parse(g_bytes_get_data(json, NULL), g_bytes_get_size(json),
	    label, err);
	g_bytes_unref(json);
	return r;
}
