/* bounce_auth_table.c - the phrases bounce_auth.c reads verdicts, the
 * sender's IP and the checked domain by, and their compilation.
 *
 * Usage: br_init() calls br_auth_compile() once; bounce_auth.c then
 * matches these phrases in the scanned text (br_has, br_find).
 */
#include "bounce_auth_table.h"

#define V(mech, verdict, text)	{ mech, verdict, { text, 0 } }

/* In order: the first rule that holds for a mechanism decides it. */
struct verdict_rule br_auth_verdicts[] = {
	V(SPF, "fail", "spf * = did not pass"),
	V(SPF, "fail", "spf check for * did not pass"),
	V(SPF, "fail", "spf = did not pass"),
	V(SPF, "fail", "fails to pass spf checks"),
	V(SPF, "fail", "has an spf record with a hard fail policy"),
	V(SPF, "fail", "spf authentication didn't pass"),
	V(SPF, "fail", "spf check failed"),
	V(SPF, "fail", "spf validation failed"),
	V(SPF, "fail", "sender policy framework violation"),
	V(SPF, "fail", "sender policy framework (spf) fail"),
	V(SPF, "fail", "spf (sender policy framework) domain authentication fail"),
	V(SPF, "fail", "spf sender invalid"),
	V(SPF, "fail", "failing both spf and dkim"),
	V(SPF, "fail", "spf: * is not allowed to send mail"),
	V(SPF, "fail", "per it's spf record"),
	V(SPF, "fail", "not authorized by the spf"),
	V(SPF, "fail", "does not designate * as permitted sender"),
	V(SPF, "fail", "failed spf"),
	V(SPF, "softfail", "spf softfail"),
	V(SPF, "fail", "spf hardfail"),
	V(SPF, "fail", "spf fail"),
	V(DKIM, "fail", "dkim * = did not pass"),
	V(DKIM, "fail", "dkim checks did not pass"),
	V(DKIM, "fail", "dkim = did not pass"),
	V(DKIM, "fail", "dkim authentication didn't pass"),
	V(DKIM, "fail", "dkim does not pass"),
	V(DKIM, "fail", "dkim signature * fail"),
	V(DKIM, "fail", "dkim verification fail"),
	V(DKIM, "fail", "dkim check fail"),
	V(DKIM, "fail", "dkim sender invalid"),
	V(DKIM, "fail", "failing both spf and dkim"),
	V(DKIM, "fail", "no passing dkim signature"),
	V(DKIM, "fail", "failed dkim"),
	V(DKIM, "none", "this message is not signed"),
	V(DKIM, "none", "no dkim signature"),
	V(DMARC, "temperror", "temporary dns failures prevent authentication"),
	V(DMARC, "none", "doesn't have a dmarc record"),
	V(DMARC, "none", "does not have a dmarc record"),
	V(DMARC, "fail", "does not pass dmarc"),
	V(DMARC, "fail", "dmarc check failed"),
	V(DMARC, "fail", "dmarc verification fail"),
	V(DMARC, "fail", "verification dmarc en echec"),
	V(DMARC, "fail", "dmarc sender invalid"),
	V(DMARC, "fail", "dmarc domain authentication fail"),
	V(DMARC, "fail", "violates the dmarc policy"),
	V(DMARC, "fail", "failed dmarc"),
	V(DMARC, "fail", "dmarc policy"),
	{ NMECH, NULL, { NULL, 0 } }
};

/* Where the text names the sender's IP (after these words) ... */
struct br_phrase br_auth_ip_after[] = {
	{ "with ip: ", 0 }, { "with the ip: ", 0 }, { "with ip ", 0 },
	{ "sending this message ", 0 },
	{ "mail server [", 0 }, { "sending ip [", 0 }, { "sending ip ", 0 },
	{ "sending ip address ", 0 }, { "sending ipv6 address [", 0 },
	{ "sent over ipv6 [", 0 }, { "client host [", 0 },
	{ "client [", 0 }, { "messages from ", 0 },
	{ "will not be accepted from ", 0 },
	{ "connections not accepted from ", 0 }, { "from ip address ", 0 },
	{ "from ip ", 0 }, { "your ip address ", 0 }, { "your ip ", 0 },
	{ "ip address ", 0 }, { "blocked ip ", 0 }, { "sender ip ", 0 },
	{ "source ip ", 0 }, { "fix reverse dns for ", 0 },
	{ "hostname, [", 0 }, { "said: [", 0 }, { "?ip=", 0 }, { "&ip=", 0 },
	{ " ip=", 0 }, { "i=ip&v=", 0 }, { " ip ", 0 }, { NULL, 0 }
};

/* ... or before these. */
struct br_phrase br_auth_ip_before[] = {
	{ " has sent to too many recipients", 0 },
	{ " comcast requires", 0 }, { " is listed", 0 },
	{ " is in a black list", 0 }, { " listed at ", 0 },
	{ " found on one or more dnsbls", 0 }, { " >_is_blocked", 0 },
	{ NULL, 0 }
};

/* Where the text names the domain that was checked. */
struct br_phrase br_auth_domain_after[] = {
	{ "unauthenticated email from ", 0 }, { "sending domain [", 0 },
	{ "sending domain ", 0 }, { "the mail from domain [", 0 },
	{ "due to domain (", 0 }, { "dmarc policy for ", 0 },
	{ "dmarc policy of ", 0 }, { "spf check for [", 0 },
	{ "spf check failed for ", 0 }, { "spf: ", 0 }, { "spf [", 0 },
	{ "dkim [", 0 },
	{ NULL, 0 }
};
struct br_phrase br_auth_domain_before[] = {
	{ "'s dmarc policy", 0 }, { NULL, 0 }
};

void
br_auth_compile(void)
{
	struct verdict_rule *v;

	for (v = br_auth_verdicts; v->verdict != NULL; v++)
		br_compile_phrase(&v->phrase);
	br_compile_list(br_auth_ip_after);
	br_compile_list(br_auth_ip_before);
	br_compile_list(br_auth_domain_after);
	br_compile_list(br_auth_domain_before);
}
