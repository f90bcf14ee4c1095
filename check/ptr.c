/* ptr.c - the names of the addresses that sent as the domain, from the
 * enrichment (source_v, `mailsift enrich`): no PTR name, or one that
 * does not confirm forward.  Addresses not enriched yet are left out.
 */
#include <string.h>

#include "internal.h"

#define MAX_NAMED	20

void
check_ptr(struct check_ctx *x)
{
	guint named = 0;

	for (guint i = 0; i < x->ev->n_sources && named < MAX_NAMED; i++) {
		const struct check_source *s = &x->ev->sources[i];

		if (s->dns_status == NULL)
			continue;
		if (strcmp(s->dns_status, "nxdomain") == 0 ||
		    strcmp(s->dns_status, "nodata") == 0) {
			named++;
			check_add(x, "ptr.missing", CHECK_WARNING,
			    "Ask whoever runs the address for a PTR name "
			    "whose A/AAAA points back at it: large receivers "
			    "refuse mail from addresses without one.",
			    "%s (%" G_GINT64_FORMAT " messages) has no PTR "
			    "name", s->ip, s->messages);
		} else if (strcmp(s->dns_status, "ok") == 0 &&
		    s->fcrdns == 0) {
			named++;
			check_add(x, "ptr.not_confirmed", CHECK_WARNING,
			    "Make the PTR name's A/AAAA record hold the "
			    "address (forward-confirmed reverse DNS).",
			    "%s (%" G_GINT64_FORMAT " messages) has PTR %s, "
			    "which does not resolve back to it", s->ip,
			    s->messages, s->ptr ? s->ptr : "?");
		}
	}
}
