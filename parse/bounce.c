/* bounce.c - bounce_parse: build the input once, try the recognizers.
 * (stub: being written)
 */
#include "bounce_internal.h"

G_DEFINE_QUARK(mailsift-bounce-error-quark, bounce_error)

struct bounce_report *
bounce_parse(GMimeMessage *msg, GError **err)
{
	struct bounce_report *b = g_new0(struct bounce_report, 1);

	(void)msg;
	(void)err;
	b->kind = BOUNCE_KIND_NONE;
	b->recipients = g_ptr_array_new();
	return b;
}

void
bounce_report_free(struct bounce_report *b)
{
	if (b == NULL)
		return;
	g_ptr_array_free(b->recipients, TRUE);
	g_free(b);
}
