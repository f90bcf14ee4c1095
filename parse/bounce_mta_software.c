/* bounce_mta_software.c - recognizers for MTA software layouts that are not
 * (or not only) RFC 3464: Sendmail, Exim, qmail, Courier, Notes/Domino, ...
 * One static match/scan pair per MTA, one row each in the table.
 */
#include "bounce_internal.h"

const struct bounce_mta bounce_mtas_software[] = {
	{ NULL, NULL, NULL },
};
