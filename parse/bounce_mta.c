/* bounce_mta.c - the generic readers, tried after every MTA- and
 * provider-specific row: ARF, RFC 3464 / RFC 6533, RFC 3834 auto-replies,
 * plain-text fallback.  (stub: being written)
 */
#include "bounce_internal.h"

const struct bounce_mta bounce_mtas_generic[] = {
	{ NULL, NULL, NULL },
};
