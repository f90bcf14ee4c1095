/* bounce_reason.c - classify a bounced recipient: reason, rule, hard/soft.
 * (stub: being written)
 */
#include "bounce.h"

const char *const bounce_reasons[] = { "undefined", NULL };

void
bounce_classify(struct bounce_recipient *r, const char *format)
{
	(void)format;
	r->reason = "undefined";
	r->hard_bounce = FALSE;
}
