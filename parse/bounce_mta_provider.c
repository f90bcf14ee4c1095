/* bounce_mta_provider.c - recognizers for the bounces of mail providers:
 * Gmail, Office 365 / Outlook.com, Yahoo, Amazon SES, Japanese carriers...
 * One static match/scan pair per provider, one row each in the table.
 */
#include "bounce_internal.h"

const struct bounce_mta bounce_mtas_provider[] = {
	{ NULL, NULL, NULL },
};
