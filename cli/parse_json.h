/* parse_json.h - the JSON objects `mailsift parse` writes for the reports
 * of parse/tlsrpt and parse/arf (json_tls.c, json_arf.c).
 *
 *	cli_json_tls_report(o, file, payload, report);	   a whole line
 *	cli_json_arf_members(o, arf);	   ARF members of a "feedback" object
 *	cli_json_arf_original(o, arf, list_id, feedback_id, sending_ip);
 *
 * Member names are the RFCs' field names with '-' written '_'.
 */
#ifndef MAILSIFT_CLI_PARSE_JSON_H
#define MAILSIFT_CLI_PARSE_JSON_H

#include <glib.h>

struct ingest_payload;
struct tlsrpt_report;
struct arf_report;

/* {"kind":"tls_report",...}\n */
void cli_json_tls_report(GString *o, const char *file,
    const struct ingest_payload *p, const struct tlsrpt_report *r);

/* ,"user_agent":...: every ARF field (RFC 5965, RFC 6591, RFC 9991) but
 * feedback_type, reporting_mta and arrival_date, which the caller writes. */
void cli_json_arf_members(GString *o, const struct arf_report *a);
/* ,"original":{...}: the returned message's headers, with what the bounce
 * reader found about it (NULL when it found nothing). */
void cli_json_arf_original(GString *o, const struct arf_report *a,
    const char *list_id, const char *feedback_id, const char *sending_ip);

#endif
