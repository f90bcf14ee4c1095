/* tlsrpt_error.c - the errors of the TLS report parser: its quark and
 * the one function that words them ("name: TLS report: ...").
 *
 * Usage: tlsrpt_fail(err, name, TLSRPT_ERROR_LIMIT, "more than %d ...", n)
 * from any file of parse/tlsrpt/; callers test err->domain == TLSRPT_ERROR.
 * A file of its own so that the scan and the walk both use it without
 * needing each other.
 */
#include <stdarg.h>

#include "tlsrpt_internal.h"

G_DEFINE_QUARK(tlsrpt-error-quark, tlsrpt_error)

/* The first failure wins: later ones are consequences. */
void
tlsrpt_fail(GError **err, const char *name, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (err == NULL || *err != NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (name != NULL)
		g_set_error(err, TLSRPT_ERROR, code, "%s: TLS report: %s",
		    name, msg);
	else
		g_set_error(err, TLSRPT_ERROR, code, "TLS report: %s", msg);
	g_free(msg);
}
