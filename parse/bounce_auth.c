/* bounce_auth.c - the receiver's SPF / DKIM / DMARC verdicts, typed.
 * (stub: being written)
 */
#include "bounce.h"

void
bounce_auth_extract(struct bounce_recipient *r)
{
	(void)r;
}
