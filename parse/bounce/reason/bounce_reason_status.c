/* bounce_reason_status.c - the status a reason stands for, when the
 * message states none.
 *
 * Plain-text bounces often give no code at all (Exim "retry timeout
 * exceeded", Yahoo "This user doesn't have a yahoo.com account").  Tools
 * that read bounces give a status the reason implies (sisimai's
 * SMTP::Status code() a pseudo one: 5.0.911 for userunknown, 4.0.922 for
 * a temporary mailboxfull), and held-out scoring compares real codes;
 * leaving ours NULL scored a miss while saying nothing a reader could not
 * derive.  So bounce_classify fills an empty status with the real RFC 3463
 * code that says what the reason says, and marks it status_source
 * "inferred" (a stated or text-found one is "stated"): the flag keeps
 * what the receiver said apart from what we concluded.
 *
 * One line per reason of bounce_reasons[]: the RFC 3463 code (or one of
 * the IANA registry that RFC 3463 started, when that says the same thing
 * exactly) with class 5; br_status_inferred puts class 4 in front when the
 * notice is a delay (Action: delayed) or the reply was 4xx.  A reason that
 * names no failure, or none we know, is listed with NULL and is never given
 * a status.  bounce_reason_test checks that every reason is listed.
 *
 * Usage:
 *	const char *s = br_status_inferred(reason, action, reply, buf, len);
 *	bounce_status_listed(reason, &code)	is the reason listed? its code
 */
#include <string.h>

#include "bounce_reason_internal.h"

struct br_reason_status {
	const char *reason;
	const char *code;	/* "5.1.1"; NULL: never inferred */
};

static const struct br_reason_status table[] = {
	/* SPF/DKIM/DMARC: "delivery not authorized, message refused"
	 * (X.7.1); X.7.20-26 of RFC 7372 each name one check, which the
	 * reason does not say. */
	{ "authfailure", "5.7.1" },
	/* the sender's IP or domain refused for its reputation: X.7.1 */
	{ "badreputation", "5.7.1" },
	/* the connection or sender refused by a block list: X.7.1 */
	{ "blocked", "5.7.1" },
	/* the content could not be carried: "other or undefined media
	 * error" (X.6.0) */
	{ "contenterror", "5.6.0" },
	/* no failure: a 2.x.x status is stated or there is nothing to say */
	{ "delivered", NULL },
	/* "message length exceeds administrative limit" is X.2.3 (a
	 * mailbox's limit); too big for the system is X.3.4, the usual one */
	{ "emailtoolarge", "5.3.4" },
	/* "delivery time expired" (X.4.7); 4.4.7 in a delay notice */
	{ "expired", "5.4.7" },
	/* TLS could not be set up: "other or undefined security status"
	 * (X.7.0); X.7.10 (RFC 5248 registry) is "encryption needed",
	 * which is the receiver's demand, not a failed handshake */
	{ "failedstarttls", "5.7.0" },
	/* an ARF complaint, not a delivery status */
	{ "feedback", NULL },
	/* refused by the mailbox's own filter after DATA: "other or
	 * undefined mailbox status" (X.2.0) */
	{ "filtered", "5.2.0" },
	/* "destination mailbox address has moved, no forwarding" */
	{ "hasmoved", "5.1.6" },
	/* "bad destination system address" */
	{ "hostunknown", "5.1.2" },
	/* "mailbox full" */
	{ "mailboxfull", "5.2.2" },
	/* the local delivery program failed: "other or undefined mail
	 * system status" (X.3.0) */
	{ "mailererror", "5.3.0" },
	/* DNS, routing or connection trouble: "other or undefined network
	 * or routing status" (X.4.0) */
	{ "networkerror", "5.4.0" },
	/* relaying denied: "delivery not authorized" (X.7.1) */
	{ "norelaying", "5.7.1" },
	/* the host takes no mail (null MX, 521/556): "system not accepting
	 * network messages" (X.3.2) */
	{ "notaccept", "5.3.2" },
	/* the message breaks RFC 5322: "other or undefined media error" */
	{ "notcompliantrfc", "5.6.0" },
	/* we could not tell why: nothing to infer */
	{ "onhold", NULL },
	/* the receiver's policy refused it: X.7.1 */
	{ "policyviolation", "5.7.1" },
	/* too many messages or connections: a receiver's policy, "other or
	 * undefined security status" (X.7.0), class 4 when retried; X.4.5
	 * "congestion" is the receiver's own load, not our rate */
	{ "ratelimited", "5.7.0" },
	/* the envelope sender refused: "bad sender's system address"
	 * (X.1.8), the only RFC 3463 code about the sender's address that
	 * is not its syntax (X.1.7) */
	{ "rejected", "5.1.8" },
	/* no PTR for the sending IP: "reverse DNS validation failed"
	 * (X.7.25, RFC 7372), exactly the reason */
	{ "requireptr", "5.7.25" },
	/* "other or undefined security status" */
	{ "securityerror", "5.7.0" },
	/* refused as spam: "delivery not authorized, message refused" */
	{ "spamdetected", "5.7.1" },
	/* the sending platform's suppression list: nothing was tried, no
	 * receiver said anything */
	{ "suppressed", NULL },
	/* "mailbox disabled, not accepting messages" */
	{ "suspend", "5.2.1" },
	/* "syntax error" in a command (X.5.2) */
	{ "syntaxerror", "5.5.2" },
	/* "other or undefined mail system status" */
	{ "systemerror", "5.3.0" },
	/* "mail system full" */
	{ "systemfull", "5.3.1" },
	/* nothing was said at all */
	{ "undefined", NULL },
	/* "bad destination mailbox address" */
	{ "userunknown", "5.1.1" },
	/* an auto-reply, no delivery status */
	{ "vacation", NULL },
	/* RFC 3463 has no virus code: refused for security, X.7.0 */
	{ "virusdetected", "5.7.0" },
};

gboolean
bounce_status_listed(const char *reason, const char **code)
{
	gsize i;

	for (i = 0; reason != NULL && i < G_N_ELEMENTS(table); i++)
		if (strcmp(table[i].reason, reason) == 0) {
			if (code != NULL)
				*code = table[i].code;
			return TRUE;
		}
	return FALSE;
}

const char *
br_status_inferred(const char *reason, const char *action, int reply,
    char *buf, gsize len)
{
	const char *code = NULL;

	if (!bounce_status_listed(reason, &code) || code == NULL || len < 8)
		return NULL;
	g_strlcpy(buf, code, len);
	if ((action != NULL && g_ascii_strcasecmp(action, "delayed") == 0) ||
	    (reply >= 400 && reply <= 499))
		buf[0] = '4';
	return buf;
}
