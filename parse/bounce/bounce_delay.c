/* bounce_delay.c - is this notice a delay warning (family 8 of issue 14)?
 *
 * MTAs that keep retrying tell the sender so in words, often without a
 * delivery-status part (Exim, old Sendmail, Exchange's plain text); a
 * recognizer that read the text then leaves the action unset, and the
 * recipient would be taken for a failure.  A warning is "delayed": never
 * a failure, and its status (4.x.x) is kept as stated.
 *
 * Layouts and phrases covered (lower-cased, matched anywhere):
 *   Exim      "has not yet been delivered", "no action is required on
 *             your part"; Subject "Warning: message ... delayed"
 *   Postfix   "this is a warning only", Subject "Delayed Mail (still
 *             being retried)"
 *   Sendmail  "this is a warning message only", "warning: message still
 *             undelivered after", Subject "Warning: could not send
 *             message for past N hours"
 *   Exchange / Office 365 / Gmail  "delivery has been delayed",
 *             "delivery to the following recipients has been delayed",
 *             "will retry for", Subject "Delivery Status Notification
 *             (Delay)", "Delivery delayed"; Exchange 2010+ text "Delivery
 *             is delayed to these recipients or groups", "hasn't been
 *             delivered yet"
 *   Courier   "delayed delivery", Domino "delivery delayed"
 * A notice that also says delivery failed permanently is no warning.
 */
#include <string.h>

#include "bounce_core.h"

static const char *const delay_subjects[] = {
	"delayed mail",				/* Postfix */
	"warning: could not send message for past",	/* Sendmail */
	"delivery status notification (delay)",	/* Exchange, Gmail */
	"delivery delayed",			/* Exchange, Domino */
	"delayed delivery",			/* Courier */
	"delivery incomplete",			/* Gmail */
	NULL
};

static const char *const delay_text[] = {
	"has not yet been delivered",		/* Exim */
	"no action is required on your part",	/* Exim */
	"this is a warning only",		/* Postfix */
	"this is a warning message only",	/* Sendmail, Exchange */
	"warning: message still undelivered after",	/* Sendmail */
	"delivery to the following recipients has been delayed",
	"delivery to the following recipient has been delayed",
	"delivery has been delayed",		/* Exchange / Office 365 */
	"will retry for",			/* Gmail "will retry for N more hours" */
	"will keep trying until",		/* Sendmail */
	"this is just a warning",		/* MessageSwitch */
	"delivery attempts will continue to be made",	/* Symantec gateway */
	"has been postponed",			/* Exchange "advisory-only" */
	"has not been delivered yet",
	"delivery is delayed to these recipients",	/* Exchange 2010+ text */
	"hasn't been delivered yet",		/* Exchange 2010+ text */
	NULL
};

/* Words of a final failure: a notice saying them is no warning, whatever
 * else it says about earlier delays. */
static const char *const final_text[] = {
	"failed permanently",
	"permanent error",
	"permanent fatal errors",
	"could not be delivered to one or more",
	"this is a permanent error",
	"giving up",
	NULL
};

static gboolean
has_any(const char *hay, gsize n, const char *const *list)
{
	int i;

	for (i = 0; list[i] != NULL; i++)
		if (bounce_strcasestr(hay, n, list[i]) != NULL)
			return TRUE;
	return FALSE;
}

/* Subject "Warning: message X delayed N hours" (Exim) or any of
 * delay_subjects. */
static gboolean
subject_says_delay(const char *s)
{
	gsize n = strlen(s);

	if (has_any(s, n, delay_subjects))
		return TRUE;
	return g_ascii_strncasecmp(s, "warning: message ", 17) == 0 &&
	    bounce_strcasestr(s, n, " delayed") != NULL;
}

/* A warning says so near its top: the words are looked for in its first
 * DELAY_HEAD bytes, so that the cost does not grow with the text. */
#define DELAY_HEAD	2048

gboolean
bounce_is_delay_warning(const struct bounce_input *in)
{
	gsize n = MIN(in->text_len, DELAY_HEAD);

	if (!subject_says_delay(in->subject) &&
	    !has_any(in->text, n, delay_text))
		return FALSE;
	return !has_any(in->text, in->text_len, final_text);
}
