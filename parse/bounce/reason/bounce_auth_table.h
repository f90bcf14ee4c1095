/* bounce_auth_table.h - the phrase tables of bounce_auth.c, shared with
 * the classifier's one-time compilation (br_init in bounce_reason.c
 * compiles every table into one scanner before the first scan).
 *
 * Kept apart from bounce_auth.c so that the classifier depends on the
 * tables and bounce_auth.c on the classifier, never both ways.
 */
#ifndef MAILSIFT_BOUNCE_AUTH_TABLE_H
#define MAILSIFT_BOUNCE_AUTH_TABLE_H

#include "bounce_reason_internal.h"

enum mech { SPF, DKIM, DMARC, NMECH };

struct verdict_rule {
	enum mech mech;
	const char *verdict;
	struct br_phrase phrase;
};

extern struct verdict_rule br_auth_verdicts[];
extern struct br_phrase br_auth_ip_after[], br_auth_ip_before[];
extern struct br_phrase br_auth_domain_after[], br_auth_domain_before[];

#endif
