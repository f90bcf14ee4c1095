/* tlsrpt_internal.h - what the files of parse/tlsrpt/ share; not for
 * callers outside it (they use tlsrpt.h).
 *
 *	tlsrpt_fail(err, name, TLSRPT_ERROR_LIMIT, "more than %d ...", n);
 *	tlsrpt_skip_bom_space(&buf, &len);
 *	if (tlsrpt_scan(buf, len, name, err) < 0) ...	   bounds before json-c
 *	rc = tlsrpt_time_parse("2016-04-01T00:00:00Z", &t, rules);
 */
#ifndef MAILSIFT_TLSRPT_INTERNAL_H
#define MAILSIFT_TLSRPT_INTERNAL_H

#include <glib.h>
#include <stdint.h>

#include "tlsrpt.h"

/* Sets *err (when err and *err allow) to "name: TLS report: message". */
void tlsrpt_fail(GError **err, const char *name, int code, const char *fmt,
    ...) G_GNUC_PRINTF(4, 5);

/* Moves *buf past a UTF-8 byte order mark and JSON white space. */
void tlsrpt_skip_bom_space(const char **buf, gsize *len);

/* One pass over the bytes, before json-c sees them: UTF-8, nesting depth,
 * string lengths, JSON values, policies, failure-details and list entries
 * (by the key an array is the value of), lone UTF-16 surrogate escapes.
 * 0, or -1 with *err set (TLSRPT_ERROR_JSON or TLSRPT_ERROR_LIMIT).  The
 * grammar itself is left to json-c: the scan only has to stay in bounds
 * on any bytes. */
int tlsrpt_scan(const char *buf, gsize len, const char *name, GError **err);

/* RFC 3339 date-time to epoch seconds.  0: canonical
 * "YYYY-MM-DDTHH:MM:SSZ"; 1: read, and what was normalized is appended to
 * rules ("fraction dropped, offset applied"); -1: not a date-time. */
int tlsrpt_time_parse(const char *s, int64_t *t, GString *rules);

#endif
