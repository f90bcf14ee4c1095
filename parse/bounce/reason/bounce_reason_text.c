/* bounce_reason_text.c - what receivers say, per reason: the classifier's
 * data, no logic.
 *
 * Every phrase is lower-case; '*' separates fragments that must appear in
 * that order ("user * does not exist").  Lists are ours, written from the
 * texts real MTAs and providers send (Postfix, Exim, Sendmail, qmail,
 * Exchange/Office 365, Gmail, Yahoo, iCloud, Orange, ...), the RFC 3463
 * registry, and the vocabulary sisimai's reason classes document.  Adding
 * a phrase is adding a line; keep each list sorted and specific: a phrase
 * that could be read two ways belongs to no list.
 *
 * Which list is tried first is decided in bounce_reason.c (its class
 * orders), not here.
 */
#include <stddef.h>

#include "bounce_reason_internal.h"

/* ---- reasons: phrases ---------------------------------------------- */

static struct br_phrase authfailure[] = {
	{ " is not allowed to send mail.*_401", 0 },	/* Orange / La Poste */
	{ "//spf.pobox.com", 0 },
	{ "authentication checks failed", 0 },
	{ "bad spf records for", 0 },
	{ "blocked for failing both spf and dkim", 0 },
	{ "dkim * did not pass", 0 },
	{ "dkim sender invalid", 0 },
	{ "dkim signature * fail", 0 },
	{ "dkim verification fail", 0 },
	{ "dmarc check failed", 0 },
	{ "dmarc policy", 0 },
	{ "dmarc sender invalid", 0 },
	{ "dmarc verification fail", 0 },
	{ "does not pass dmarc", 0 },
	{ "doesn't meet the required authentication level", 0 },
	{ "fails to pass spf checks", 0 },
	{ "failed dmarc", 0 },
	{ "failed spf", 0 },
	{ "has an spf record with a hard fail policy", 0 },
	{ "is not allowed to send from <* per it's spf record", 0 },
	{ "message does not have authentication information or fails to pass authentication checks", 0 },
	{ "must pass either spf or dkim validation", 0 },
	{ "not authorized by the spf", 0 },
	{ "please inspect your spf settings", 0 },
	{ "required to pass dmarc", 0 },
	{ "sender policy framework (spf) fail", 0 },
	{ "sender policy framework violation", 0 },
	{ "senders to authenticate", 0 },
	{ "spf (sender policy framework) domain authentication fail", 0 },
	{ "spf * = did not pass", 0 },
	{ "spf check*fail", 0 },
	{ "spf check: fail", 0 },
	{ "spf fail", 0 },
	{ "spf sender invalid", 0 },
	{ "spf validation fail", 0 },
	{ "spf/dns de votre nom de domaine", 0 },
	{ "the 5322.from address doesn't meet the authentication requirements", 0 },
	{ "this mail is unauthenticated", 0 },
	{ "unauthenticated email from * is not accepted due to", 0 },
	{ "verification dmarc en echec", 0 },
	{ "violates the dmarc policy", 0 },
	{ NULL, 0 }
};

static struct br_phrase badreputation[] = {
	{ "a poor email reputation score", 0 },
	{ "bad reputation", 0 },
	{ "due to ip reputation", 0 },
	{ "ip/domain reputation problems", 0 },
	{ "low reputation of the sending", 0 },
	{ "none/bad reputation", 0 },			/* t-online.de */
	{ "poor reputation", 0 },
	{ "reputation of the sending ip", 0 },
	{ "sender ip reputation", 0 },
	{ "the sending mta's poor reputation", 0 },
	{ "very low reputation", 0 },
	{ NULL, 0 }
};

static struct br_phrase blocked[] = {
	{ " said: 550 blocked", 0 },
	{ "(*@*:blocked)", 0 },
	{ "//www.spamcop.net/bl.", 0 },
	{ "access from ip address * blocked", 0 },
	{ "b.barracudacentral.org", 0 },	/* family 10: a DNSBL */
	{ "bad sender ip address", 0 },
	{ "banned sending ip", 0 },			/* Office 365 */
	{ "bl.mailspike.net", 0 },	/* family 10: a DNSBL */
	{ "bl.spamcop.net", 0 },	/* family 10: a DNSBL */
	{ "bl.spameatingmonkey.net", 0 },	/* family 10: a DNSBL */
	{ "blacklisted by", 0 },
	{ "blocked - see http", 0 },
	{ "blocked using ", 0 },
	{ "but my name was rejected", 0 },
	{ "cbl.abuseat.org", 0 },	/* family 10: a DNSBL */
	{ "client host * blocked using", 0 },
	{ "client host rejected: abus detecte", 0 },	/* SFR */
	{ "client host rejected: may not be mail exchanger", 0 },
	{ "client host rejected: was not authenticated", 0 },
	{ "confirm this mail server", 0 },
	{ "connection dropped", 0 },
	{ "connection refused by", 0 },
	{ "connection reset by peer", 0 },
	{ "connection was dropped by remote host", 0 },
	{ "connections not accepted from ip addresses on spamhaus", 0 },
	{ "connections will not be accepted from * because the ip is in spamhaus", 0 },
	{ "currently sending spam see: ", 0 },
	{ "dnsbl.invaluement.com", 0 },	/* family 10: a DNSBL */
	{ "dnsbl.sorbs.net", 0 },	/* family 10: a DNSBL */
	{ "dnsbl:attrbl", 0 },
	{ "dnsbl:rbl *>_is_blocked", 0 },
	{ "domain does not exist:", 0 },
	{ "dynamic/zombied/spam ips blocked", 0 },
	{ "email blocked by *.barracudacentral.org", 0 },
	{ "email blocked by *spamhaus", 0 },
	{ "error: no valid recipients from ", 0 },
	{ "esmtp not accepting connections", 0 },		/* iCloud */
	{ "extreme bad ip profile", 0 },
	{ "go away", 0 },
	{ "helo command rejected:", 0 },
	{ "host * refused to talk to me: * blocked", 0 },
	{ "host network not allowed", 0 },
	{ "hosts with dynamic ip", 0 },
	{ "invalid ip for sending mail of domain", 0 },
	{ "ip * is blocked by earthlink", 0 },
	{ "is in a black list", 0 },
	{ "is in an *rbl on ", 0 },
	{ "is listed on * block list", 0 },
	{ "is not allowed to send mail from", 0 },
	{ "ix.dnsbl.manitu.net", 0 },	/* family 10: a DNSBL */
	{ "listed at spamhaus", 0 },
	{ "listed in spamhaus", 0 },
	{ "mail from * refused, see *orbs", 0 },
	{ "mail from * refused:", 0 },
	{ "mail server at * is blocked", 0 },
	{ "mailfrom domain is listed in spamhaus", 0 },
	{ "message from * rejected based on blacklist", 0 },
	{ "messages from * temporarily deferred due to user complaints", 0 },
	{ "no access from mail server", 0 },
	{ "no matches to nameserver query", 0 },
	{ "not currently accepting mail from your ip", 0 },	/* Microsoft */
	{ "part of their network is on our block list", 0 },
	{ "pbl.spamhaus.org", 0 },	/* family 10: a DNSBL */
	{ "please use the smtp server of your isp", 0 },
	{ "psbl.surriel.com", 0 },	/* family 10: a DNSBL */
	{ "refused - see http", 0 },
	{ "rejected - multi-blacklist", 0 },
	{ "rejected because the sending mta or the sender has not passed validation", 0 },
	{ "rejecting open proxy", 0 },
	{ "sbl-xbl.spamhaus.org", 0 },	/* family 10: a DNSBL */
	{ "sbl.spamhaus.org", 0 },	/* family 10: a DNSBL */
	{ "sender ip address rejected", 0 },
	{ "server access forbidden by your ip ", 0 },
	{ "server ip * listed as abusive", 0 },
	{ "service not available, closing transmission channel", 0 },
	{ "smtp error from remote mail server after initial connection:", 0 },
	{ "sorry! your ip address* is blocked by rbl", 0 },
	{ "sorry, that domain isn't in my list of allowed rcpthosts", 0 },
	{ "sorry, your remotehost looks suspiciously like spammer", 0 },
	{ "the domain * is blacklisted", 0 },
	{ "the email * is blacklisted", 0 },
	{ "the ip* is blacklisted", 0 },
	{ "to submit messages to this e-mail system has been rejected", 0 },
	{ "too many spams from your ip", 0 },		/* free.fr */
	{ "too many unwanted messages have been sent from the following ip address", 0 },
	{ "truncate.gbudb.net", 0 },	/* family 10: a DNSBL */
	{ "uceprotect.net", 0 },	/* family 10: a DNSBL */
	{ "veuillez essayer plus tard. service refused, please try later. *103", 0 },
	{ "veuillez essayer plus tard. service refused, please try later. *510", 0 },
	{ "was blocked by ", 0 },
	{ "we do not accept mail from dynamic ips", 0 },	/* mail.ru */
	{ "xbl.spamhaus.org", 0 },	/* family 10: a DNSBL */
	{ "you are not allowed to connect", 0 },
	{ "you are sending spam", 0 },
	{ "your access ip* has been rejected", 0 },
	{ "your ip address is listed in the rbl", 0 },
	{ "your network is temporary blacklisted", 0 },
	{ "your sender's ip address is listed at *.abuseat.org", 0 },
	{ "your server requires confirmation", 0 },
	{ "zen.spamhaus.org", 0 },	/* family 10: a DNSBL */
	{ NULL, 0 }
};

/* A local "Deferred: Connection refused by [127.0.0.1]" is a queue that
 * waits, not a receiver that refuses us. */
static struct br_phrase blocked_unless[] = {
	{ "deferred: connection refused by", 0 },
	{ NULL, 0 }
};

static struct br_phrase contenterror[] = {
	{ " - bad header:", 0 },
	{ "header size exceeds maximum permitted", 0 },
	{ "improper use of 8-bit data in message header", 0 },
	{ "message header size, or recipient list, exceeds policy limit", 0 },
	{ "message mime complexity exceeds the policy maximum", 0 },
	{ "routing loop detected -- too many received: headers", 0 },
	{ "this message contain improperly-formatted binary content", 0 },
	{ "this message contain invalid mime headers", 0 },
	{ "this message contain text that uses unnecessary base64 encoding", 0 },
	{ "too many \"received\" headers", 0 },
	{ NULL, 0 }
};

static struct br_phrase emailtoolarge[] = {
	{ " - message size exceeds recipient", 0 },
	{ "exceeded maximum inbound message size", 0 },
	{ "exceeded the maximum incoming message size", 0 },
	{ "exceeds the size limit", 0 },
	{ "line limit exceeded", 0 },
	{ "max message size exceeded", 0 },
	{ "maximum email size exceeded", 0 },
	{ "message file too big", 0 },
	{ "message header size exceeds limit", 0 },
	{ "message is too large", 0 },
	{ "message length exceeds administrative limit", 0 },
	{ "message size exceeds fixed limit", 0 },
	{ "message size exceeds fixed maximum message size", 0 },
	{ "message size exceeds maximum value", 0 },
	{ "message size limit", 0 },
	{ "message too big", 0 },
	{ "message too large", 0 },
	{ "message was too large", 0 },
	{ "size limit", 0 },
	{ "taille limite du message atteinte", 0 },
	{ NULL, 0 }
};

static struct br_phrase expired[] = {
	{ "connection timed out", 0 },
	{ "could not be delivered for* days", 0 },
	{ "could not find a gateway for", 0 },
	{ "delivery attempts will continue to be", 0 },
	{ "delivery expired", 0 },
	{ "delivery time expired", 0 },
	{ "envelope expired", 0 },
	{ "failed to deliver to domain ", 0 },
	{ "giving up on", 0 },
	{ "has been delayed", 0 },
	{ "have been failing for a long time", 0 },
	{ "host did not respond", 0 },	/* round 3: list managers' "aborted after N days" notices */
	{ "it has not been collected after", 0 },
	{ "message expired after sitting in queue for", 0 },
	{ "message expired, cannot connect to remote server", 0 },
	{ "message expired, connection refulsed", 0 },
	{ "message timed out", 0 },
	{ "retry time not reached for any host after a long failure period", 0 },
	{ "retry timeout exceeded", 0 },
	{ "server did not respond", 0 },
	{ "this message has been in the queue too long", 0 },
	{ "unable to deliver message after multiple retries", 0 },
	/* round 3: Microsoft SMTPSVC (IIS, Exchange 2000+) sends this sentence
	 * when the message expired in its queue (its DSN says 4.4.7) */
	{ "unable to connect successfully to the destination mail server", 0 },
	{ "was not reachable within the allowed queue period", 0 },
	{ "recipients was aborted after ", 0 },	/* round 3: "Delivery to the following recipients was aborted after N day(s)" */
	{ "your message could not be delivered for more than", 0 },
	{ NULL, 0 }
};

static struct br_phrase failedstarttls[] = {
	{ "must issue a starttls command first", 0 },
	{ "starttls is required to send mail", 0 },
	{ "tls required but not supported", 0 },
	{ "tls required for rcpt domain", 0 },
	{ "this route requires encryption (tls)", 0 },
	{ "tls not available", 0 },
	{ NULL, 0 }
};

static struct br_phrase filtered[] = {
	{ "account is protected by", 0 },
	{ "bounced address", 0 },		/* SendGrid: bounced before */
	{ "cannot route mail to user", 0 },
	{ "has restricted sms e-mail", 0 },	/* AT&T */
	{ "is not accepting any mail", 0 },
	{ "message filtered", 0 },
	{ "message rejected due to user rules", 0 },
	{ "not found recipient account", 0 },
	{ "recipient id refuse to receive mail", 0 },	/* Willcom */
	{ "recipient is only accepting mail from specific email addresses", 0 },
	{ "refused due to recipient preferences", 0 },	/* Facebook */
	{ "user not found", 0 },
	{ "user refuses to receive this mail", 0 },
	{ "user reject", 0 },
	{ "you have been blocked by the recipient", 0 },
	{ NULL, 0 }
};

static struct br_phrase hasmoved[] = {
	{ " has been replaced by ", 0 },
	{ "recipient no longer on server", 0 },
	{ NULL, 0 }
};

/* Issue 14, family 12: a name server that did not answer is no answer
 * that the domain does not exist (Postfix's "Host or domain name not
 * found. ... Host not found, try again", qmail's "couldn't find any host
 * by that name (#4.1.2)" are temporary DNS failures: networkerror). */
static struct br_phrase hostunknown_unless[] = {
	{ "couldn't find any host by that name", 0 },	/* qmail, #4.1.2 */
	{ "host not found, try again", 0 },
	{ "temporary failure in name resolution", 0 },
	{ NULL, 0 }
};

static struct br_phrase hostunknown[] = {
	{ "553 * does not exist", 0 },
	{ "all host address lookups failed permanently", 0 },
	{ "all relevant mx records point to non-existent hosts", 0 },
	{ "as the remote domain doesnt exist", 0 },
	{ "dns domain * does not exist", 0 },	/* issue 14 family 9 */
	{ "dns error: domain name not found", 0 },	/* issue 14 family 9 */
	{ "domain * doesn't exist", 0 },	/* issue 14 family 9 */
	{ "domain could not be found", 0 },	/* issue 14 family 9 */
	{ "domain couldn't be found", 0 },	/* issue 14 family 9 */
	{ "(domain not found)", 0 },	/* round 3: "a@b (Domain not found)" lists */
	{ "because the domain * couldn't be found", 0 },	/* round 3: Gmail "** Address not found **" */
	{ "domain does not exist", 0 },
	{ "domain doesn't exist", 0 },	/* issue 14 family 9 */
	{ "domain is not reachable", 0 },
	{ "domain must exist", 0 },
	{ "domain name not found", 0 },	/* issue 14 family 9 */
	{ "host or domain name not found", 0 },
	{ "host unknown", 0 },
	{ "host unreachable", 0 },
	{ "illegal host/domain name found", 0 },
	{ "mail domain mentioned in email address is unknown", 0 },
	{ "name or service not known", 0 },
	{ "no such domain", 0 },
	{ "recipient address rejected: unknown domain name", 0 },
	{ "recipient domain must exist", 0 },
	{ "sorry, i couldn't find any host ", 0 },
	{ "the account or domain may not exist", 0 },
	{ "unknown host", 0 },
	{ "unroutable address", 0 },
	{ "unrouteable address", 0 },
	{ NULL, 0 }
};

static struct br_phrase mailboxfull[] = {
	{ "452 insufficient disk space", 0 },
	{ "\xd1\x8f\xd1\x89\xd0\xb8\xd0\xba \xd0\xbf\xd0\xb5\xd1\x80\xd0\xb5\xd0\xbf\xd0\xbe\xd0\xbb\xd0\xbd\xd0\xb5\xd0\xbd", 0 },	/* family 2 */
	{ "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x83\x9c\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9\xe3\x81\x8c\xe3\x81\x84\xe3\x81\xa3\xe3\x81\xb1\xe3\x81\x84", 0 },	/* family 2: ja "メールボックスがいっぱい" */
	{ "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x83\x9c\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9\xe3\x81\x8c\xe4\xb8\x80\xe6\x9d\xaf", 0 },	/* family 2: ja "メールボックスが一杯" */
	{ "\xe9\x82\xae\xe7\xae\xb1\xe5\xb7\xb2\xe6\xbb\xa1", 0 },	/* family 2: zh "邮箱已满" */
	{ "\xe9\x82\xae\xe7\xae\xb1\xe7\xa9\xba\xe9\x97\xb4\xe4\xb8\x8d\xe8\xb6\xb3", 0 },	/* family 2: zh "邮箱空间不足" */
	{ "account disabled temporarly for exceeding receiving limits", 0 },
	{ "account is * quota", 0 },
	{ "bo\xc3\xae" "te aux lettres pleine", 0 },	/* family 2 */
	{ "boite du destinataire pleine", 0 },
	{ "buz\xc3\xb3n del destinatario est\xc3\xa1 lleno", 0 },	/* family 2 */
	{ "buz\xc3\xb3n lleno", 0 },	/* family 2 */
	{ "caixa de correio cheia", 0 },	/* family 2 */
	{ "caixa postal cheia", 0 },	/* family 2 */
	{ "casella piena", 0 },	/* family 2 */
	{ "disk*quota", 0 },
	{ "does not have enough space", 0 },
	{ "enough * space", 0 },
	{ "error: quota exceed", 0 },
	{ "exceeded storage allocation", 0 },
	{ "full mailbox", 0 },
	{ "inbox is out of storage space", 0 },
	{ "mail file size exceeds the maximum size allowed for mail delivery", 0 },
	{ "mailbox *exceeded* limit", 0 },
	{ "mailbox *full", 0 },
	{ "mailbox *quota", 0 },
	{ "mailbox exceeds allowed size", 0 },
	{ "mailbox size limit exceeded", 0 },
	{ "mailbox would exceed maximum allowed storage", 0 },
	{ "maildir *quota", 0 },
	{ "mailfolder is full", 0 },
	{ "no space left on device", 0 },
	{ "not sufficient disk space", 0 },
	{ "over *quota", 0 },
	{ "overquota", 0 },
	{ "postfach ist voll", 0 },	/* family 2 */
	{ "postfach voll", 0 },	/* family 2 */
	{ "casella piena", 0 },	/* round 3: it */
	{ "casella di posta piena", 0 },	/* round 3: it */
	{ "mailbox is vol", 0 },	/* round 3: nl */
	{ "quota *exceeded", 0 },
	{ "quota violation for", 0 },
	{ "recipient overquota", 0 },
	{ "storage quota exceeded", 0 },
	{ "the number of messages in recipient's mailbox exceeded", 0 },
	{ "too much mail data", 0 },			/* docomo */
	{ "user has exceeded quota, bouncing mail", 0 },
	{ "user has too many messages on the server", 0 },
	{ "user's space has been used up", 0 },
	{ NULL, 0 }
};

static struct br_phrase mailererror[] = {
	{ " || exit ", 0 },
	{ "bin/maidrop", 0 },
	{ "bin/procmail", 0 },
	{ "command died with status ", 0 },
	{ "command failed: ", 0 },
	{ "command output:", 0 },
	{ "mailer error", 0 },
	{ "operating system error", 0 },
	{ "pipe to |/", 0 },
	{ "procmail: ", 0 },
	{ "x-unix; ", 0 },
	{ NULL, 0 }
};

static struct br_phrase networkerror[] = {
	{ "although i'm listed as a best-preference mx or a for that host", 0 },
	{ "bad dns lookup error code", 0 },
	{ "could not connect and send the mail to", 0 },
	{ "dns lookup failed.", 0 },
	{ "dns records for the destination computer could not be found", 0 },
	{ "hop count exceeded - possible mail loop", 0 },
	{ "host is unreachable", 0 },
	{ "host name lookup failure", 0 },
	{ "host not found, try again", 0 },
	{ "mail forwarding loop for ", 0 },
	{ "malformed name server reply", 0 },
	{ "malformed or unexpected name server reply", 0 },
	{ "maximum forwarding loop count exceeded", 0 },
	{ "message has exceeded maximum hop count", 0 },
	{ "message is looping", 0 },		/* qmail-local, ezmlm */
	{ "message looping", 0 },
	{ "message probably in a routing loop", 0 },
	{ "network error", 0 },
	{ "no route to host", 0 },
	{ "too many hops", 0 },
	{ "unable to resolve route ", 0 },
	{ "unrouteable mail domain", 0 },
	{ "wasn't able to establish an smtp connection", 0 },
	{ NULL, 0 }
};

static struct br_phrase norelaying[] = {
	{ "as a relay", 0 },
	{ "due to the following smtp relay error", 0 },
	{ "insecure mail relay", 0 },
	{ "is not permitted to relay through this server without authentication", 0 },
	{ "mail server requires authentication when attempting to send to a non-local e-mail address", 0 },
	{ "no relaying", 0 },
	{ "not a gateway", 0 },
	{ "not allowed to relay through this machine", 0 },
	{ "not an open relay, so get lost", 0 },
	{ "not local host", 0 },
	{ "open relay not allowed", 0 },
	{ "relay access denied", 0 },
	{ "relay denied", 0 },
	{ "relay not permitted", 0 },
	{ "relaying denied", 0 },
	{ "relaying mail to ", 0 },
	{ "specified domain is not allowed", 0 },
	{ "that domain isn't in my list of allowed rcpthost", 0 },
	{ "this system is not configured to relay mail", 0 },
	{ "unable to relay ", 0 },
	{ "we don't handle mail for", 0 },
	{ NULL, 0 }
};

static struct br_phrase notaccept[] = {
	{ "an mx or srv record indicated no smtp service", 0 },
	{ "destination seem to reject all mails", 0 },
	{ "does not accept mail (nullmx)", 0 },
	{ "doesn't receive email according to the administrator", 0 },
	{ "host does not accept mail", 0 },		/* Sendmail */
	{ "host/domain does not accept mail", 0 },	/* iCloud */
	{ "mail receiving disabled", 0 },
	{ "name server: .: host not found", 0 },		/* Sendmail */
	{ "no host found for existing smtp connection", 0 },
	{ "no mx found for domain", 0 },
	{ "no mx record found for domain=", 0 },
	{ "no route for current request", 0 },
	{ "null mx", 0 },
	{ "smtp protocol returned a permanent error", 0 },
	{ "sorry, i couldn't find a mail exchanger or ip address", 0 },	/* family 12: notqmail, no MX/A or Null MX */
	{ NULL, 0 }
};

static struct br_phrase notcompliantrfc[] = {
	{ " multiple * header", 0 },
	{ "duplicate header", 0 },
	{ "headers are not rfc compliant", 0 },
	{ "is not rfc 5322 compliant", 0 },
	{ "message must be rfc 5322 section 3.6.2 compliant", 0 },
	{ "missing a valid address in the from: header", 0 },
	{ "missing a valid message-id", 0 },
	{ "rfcmessagenoncompliant", 0 },
	{ "this message is not rfc 5322 compliant", 0 },
	{ NULL, 0 }
};

static struct br_phrase policyviolation[] = {
	{ "an illegal attachment on your message", 0 },
	{ "because the recipient is not accepting mail with ", 0 },
	{ "by non-member to a members-only list", 0 },
	{ "closed mailing list", 0 },
	{ "denied by policy", 0 },
	{ "email not accepted for policy reasons", 0 },
	{ "email rejected due to security policies", 0 },
	{ "header are not accepted", 0 },
	{ "header error", 0 },
	{ "local policy violation", 0 },
	{ "message bounced due to organizational settings", 0 },
	{ "message given low priority", 0 },
	{ "message not accepted for policy reasons", 0 },
	{ "message rejected due to local policy", 0 },
	{ "messages with multiple addresses", 0 },
	{ "protocol violation", 0 },
	{ "rejected for policy reasons", 0 },
	{ "the email address used to send your message is not subscribed to this group", 0 },
	{ "the message was rejected by organization policy", 0 },
	{ "this message was blocked because its content presents a potential", 0 },
	{ "we do not accept messages containing images or other attachments", 0 },
	{ "you have exceeded the*allowable number of posts without solving a captcha", 0 },
	{ "you're using a mass mailer", 0 },
	{ NULL, 0 }
};

static struct br_phrase ratelimited[] = {
	{ "all available ips are at maximum connection limit", 0 },
	{ "connection *limit", 0 },
	{ "connection rate limit exceeded", 0 },
	{ "daily sending quota exceeded", 0 },
	{ "due to excessive volume", 0 },
	{ "exceeded the maximum number of connections", 0 },
	{ "exceeds per-domain connection limit for", 0 },
	{ "frequency limited", 0 },
	{ "has exceeded the max emails per hour ", 0 },
	{ "is receiving mail too quickly", 0 },
	{ "max message per connection reached", 0 },
	{ "please try again slower", 0 },
	{ "rate limited", 0 },
	{ "rate limit exceeded", 0 },
	{ "receiving mail at a rate that prevents additional messages from being delivered", 0 },
	{ "sending limit exceeded", 0 },
	{ "throttled *postmaster.comcast.net", 0 },
	{ "throttling failure: ", 0 },
	{ "too many connections", 0 },
	{ "too many con*s", 0 },
	{ "too many errors from your ip", 0 },		/* free.fr */
	{ "too many messages", 0 },
	{ "too many *recipients", 0 },
	{ "too many *session", 0 },
	{ "trop de connexions, ", 0 },
	{ "we have already made numerous attempts to deliver this message", 0 },
	{ NULL, 0 }
};

static struct br_phrase rejected[] = {
	{ "access denied (in reply to mail from command)", 0 },
	{ "access denied (sender blacklisted)", 0 },
	{ "address rejected", 0 },
	{ "administrative prohibition", 0 },
	{ "backscatter protection detected an invalid or expired email address", 0 },
	{ "batv failed to verify", 0 },
	{ "batv validation failure", 0 },
	{ "because the sender isn't on the recipient's list of senders to accept mail from", 0 },
	{ "bogus mail from", 0 },
	{ "can't determine purported responsible address", 0 },
	{ "connections not accepted from servers without a valid sender domain", 0 },
	{ "delivery not authorized, message refused", 0 },
	{ "denied [bouncedeny]", 0 },
	{ "denied by secumail valid-address-filter", 0 },
	{ "does not exist e2110", 0 },
	{ "domain of sender address ", 0 },
	{ "email address is on senderfilterconfig list", 0 },
	{ "emetteur invalide", 0 },
	{ "empty envelope senders not allowed", 0 },
	{ "envelope blocked - ", 0 },
	{ "envelope blocked \xe2\x80\x93 ", 0 },	/* an en dash */
	{ "error: no third-party dsns", 0 },
	{ "from: domain is invalid. please provide a valid from:", 0 },
	{ "fully qualified email address required", 0 },
	{ "invalid domain, see <url:", 0 },
	{ "invalid sender", 0 },
	{ "is not a registered gateway user", 0 },
	{ "mail from not owned by user", 0 },
	{ "may not have permission to post messages to the group", 0 },
	{ "message rejected: email address is not verified", 0 },
	{ "mx records for ", 0 },
	{ "null sender is not allowed", 0 },
	{ "not accepting mail from ", 0 },	/* round 3: "... because they are not accepting mail from <sender>" */
	{ "recipient addresses rejected : access denied", 0 },
	{ "recipient not accepted. (batv: no tag", 0 },
	{ "returned mail not accepted here", 0 },
	{ "rfc 1035 violation: recursive cname records for", 0 },
	{ "rule imposed mailbox access for", 0 },
	{ "sender address has been blacklisted", 0 },
	{ "sender domain is empty", 0 },
	{ "sender email address rejected", 0 },
	{ "sender is in my black list", 0 },
	{ "sender is spammer", 0 },
	{ "sender not pre-approved", 0 },
	{ "sender rejected", 0 },
	{ "sender verify failed", 0 },
	{ "sender was rejected", 0 },
	{ "sending this from a different address or alias using the ", 0 },
	{ "spam reporting address", 0 },
	{ "syntax error: empty email address", 0 },
	{ "the message has been rejected by batv defense", 0 },
	{ "this server does not accept mail from", 0 },
	{ "transaction failed unsigned dsn for", 0 },
	{ "unroutable sender address", 0 },
	{ "you are not allowed to post to this mailing list", 0 },
	{ "you are sending to/from an address that has been blacklisted", 0 },
	{ "your access to submit messages to this e-mail system has been rejected", 0 },
	{ "your email address has been blacklisted", 0 },
	{ NULL, 0 }
};

static struct br_phrase rejected_unless[] = {
	{ "5.1.0 address rejected", 0 },
	{ "recipient address rejected", 0 },
	{ "sender ip address rejected", 0 },
	{ NULL, 0 }
};

static struct br_phrase requireptr[] = {
	{ "access denied. ip name lookup failed", 0 },
	{ "all mail servers must have a ptr record", 0 },
	{ "bad dns ptr resource record", 0 },
	{ "cannot find your hostname", 0 },
	{ "cannot find your reverse hostname", 0 },
	{ "cannot resolve your address.", 0 },
	{ "dns lookup failure: * try again later", 0 },
	{ "does not have a ptr record", 0 },
	{ "domain * mismatches client ip", 0 },
	{ "fix reverse dns for ", 0 },
	{ "have a ptr record, or the ptr record", 0 },
	{ "ips with missing ptr records", 0 },
	{ "must have a reverse dns record", 0 },
	{ "no ptr record", 0 },
	{ "please get a custom reverse dns name from your isp for your host", 0 },
	{ "ptr record setup", 0 },
	{ "rejected - no rdns", 0 },
	{ "reverse dns failed", 0 },
	{ "reverse dns lookup for host * failed permanently", 0 },
	{ "reverse dns required", 0 },
	{ "reverse dns validation failed", 0 },
	{ "sender ip reverse lookup rejected", 0 },
	{ "server access * forbidden by invalid rdns record of your mail server", 0 },
	{ "service permits * unverifyable sending ips", 0 },
	{ "the corresponding forward dns entry does not point to the sending ip", 0 },
	{ "this system will not accept messages from servers/devices with no reverse dns", 0 },
	{ "unresolvable relay host name", 0 },
	{ "we do not accept mail from hosts with dynamic ip or generic dns ptr-records", 0 },
	{ NULL, 0 }
};

static struct br_phrase securityerror[] = {
	{ "account not subscribed to ses", 0 },
	{ "authentication credentials invalid", 0 },
	{ "authentication failed; server * said: ", 0 },
	{ "authentication failure", 0 },
	{ "authentication required", 0 },
	{ "authentication turned on in your email client", 0 },
	{ "authentification invalide*305", 0 },
	{ "authentification requise*402", 0 },
	{ "could not retrieve credentials", 0 },
	{ "domain * is a dead domain", 0 },
	{ "executable files are not allowed in compressed files", 0 },
	{ "insecure mail relay", 0 },
	{ "recipient address rejected: access denied", 0 },
	{ "sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts", 0 },
	{ "unauthenticated senders not allowed", 0 },
	{ "user * is not authorized to perform ses:sendrawemail on resource", 0 },
	{ "verification failure", 0 },
	{ "you are not authorized to send mail, authentication is required", 0 },
	{ NULL, 0 }
};

static struct br_phrase spamdetected[] = {
	{ " - spam", 0 },
	{ "//dsbl.org/help/help_spam_16.htm", 0 },
	{ "//mail.163.com/help/help_spam_16.htm", 0 },
	{ "//www.spamhaus.org/help/help_spam_16.htm", 0 },
	{ "554 5.7.0 reject, id=", 0 },
	{ "appears to be unsolicited", 0 },
	{ "content appears to be spam", 0 },	/* round 3: gateway rejections (Proofpoint-style) */
	{ "blacklisted url in message", 0 },
	{ "block for spam", 0 },
	{ "blocked by policy: no spam please", 0 },
	{ "blocked by spamassassin", 0 },
	{ "blocked for abuse. see http://att.net/blocks", 0 },
	{ "cannot be forwarded because it was detected as spam", 0 },
	{ "classified as spam", 0 },	/* family 10 */
	{ "considered as spam", 0 },	/* family 10 */
	{ "considered spam", 0 },	/* family 10 */
	{ "considered unsolicited bulk e-mail (spam) by our mail filters", 0 },
	{ "content filter rejection", 0 },
	{ "cyberoam anti spam engine has identified this email as a bulk email", 0 },
	{ "denied due to spam list", 0 },
	{ "flagged as spam", 0 },	/* family 10 */
	{ "greylisted* please try again in", 0 },
	{ "high probability of spam", 0 },
	{ "identified as spam", 0 },	/* family 10 */
	{ "is classified as spam and is rejected", 0 },
	{ "likely unsolicited mail", 0 },
	{ "listed in work.drbl.imedia.ru", 0 },
	{ "mail appears to be unsolicited", 0 },
	{ "mail content denied", 0 },
	{ "mail rejete. mail rejected. *506", 0 },
	{ "mail score (* over ", 0 },
	{ "marked as spam", 0 },	/* family 10 */
	{ "may consider spam", 0 },
	{ "message considered as spam or virus", 0 },
	{ "message contains spam or virus", 0 },
	{ "message content rejected", 0 },
	{ "message detected as spam", 0 },
	{ "message filtered. please see the faqs section on spam", 0 },
	{ "message filtered. refer to the troubleshooting page at ", 0 },
	{ "message is being rejected as it seems to be a spam", 0 },
	{ "message looks like spam", 0 },
	{ "message refused by mailmarshal spamprofiler", 0 },
	{ "message refused by trustwave seg spamprofiler", 0 },
	{ "message rejected as spam", 0 },
	{ "message rejected because of unacceptable content", 0 },
	{ "message rejected due to suspected spam content", 0 },
	{ "message rejected for policy reasons", 0 },
	{ "message was rejected for possible spam/virus content", 0 },
	{ "our email server thinks this email is spam", 0 },
	{ "our filters rate at and above * percent probability of being spam", 0 },
	{ "our system has detected that this message is ", 0 },
	{ "probable spam", 0 },
	{ "reject bulk.advertising", 0 },
	{ "rejected - bulk email", 0 },
	{ "rejected as spam", 0 },	/* family 10 */
	{ "rejected by * (spam)", 0 },
	{ "rejected by our spam filter", 0 },	/* family 10 */
	{ "rejected by spam filter", 0 },	/* family 10 */
	{ "rejected by the spam filter", 0 },	/* family 10 */
	{ "rejected due to spam *classification", 0 },
	{ "rejected due to spam *content", 0 },
	{ "rejected: spamassassin score ", 0 },
	{ "rejecting banned content", 0 },
	{ "rejecting mail content", 0 },
	{ "related to content with spam-like characteristics", 0 },
	{ "rule imposed as * is blacklisted on", 0 },
	{ "sender domain listed at ", 0 },
	{ "sending address not accepted due to spam filter", 0 },
	{ "spam * exceeded", 0 },
	{ "spam blocked", 0 },
	{ "spam check", 0 },
	{ "spam content matched", 0 },
	{ "spam detected", 0 },
	{ "spam email", 0 },
	{ "spam message rejected.", 0 },			/* mail.ru */
	{ "spam not accepted", 0 },
	{ "spam refused", 0 },
	{ "spam rejection", 0 },
	{ "spam score ", 0 },
	{ "spam-like content", 0 },	/* family 10 */
	{ "spambouncer identified spam", 0 },
	{ "spamming not allowed", 0 },
	{ "the content of this message looked like spam", 0 },
	{ "the email message was detected as spam", 0 },
	{ "the message has been rejected by spam filtering engine", 0 },
	{ "the message was rejected due to classification as bulk mail", 0 },
	{ "this message appears to be spam", 0 },
	{ "this message has been identified as spam", 0 },
	{ "this message has been scored as spam with a probability", 0 },
	{ "this message scored * spam points", 0 },
	{ "this message was classified as spam", 0 },
	{ "this message was rejected by recurrent pattern detection system", 0 },
	{ "too many spam complaints", 0 },
	{ "too much spam.", 0 },				/* EarthLink */
	{ "transaction failed spam message not queued", 0 },
	{ "was detected as spam", 0 },	/* family 10 */
	{ "we dont accept spam", 0 },
	{ "your email appears similar to spam we have received before", 0 },
	{ "your email breaches local uribl policy", 0 },
	{ "your email had spam-like ", 0 },
	{ "your email is considered spam", 0 },
	{ "your email is probably spam", 0 },
	{ "your email was detected as spam", 0 },
	{ "your message as spam and has prevented delivery", 0 },
	{ "your message failed several antispam checks", 0 },
	{ "your message has been rejected because it appears to be spam", 0 },
	{ "your message has been temporarily blocked by our filter", 0 },
	{ "your message has triggered a spam block", 0 },
	{ "your message may contain the spam contents", 0 },
	{ NULL, 0 }
};

/* Not even tried: the sending service keeps a list of addresses that
 * bounced or complained before (Amazon SES, SendGrid, Mailgun, ...). */
static struct br_phrase suppressed[] = {
	{ "is on the suppression list", 0 },
	{ "on the account-level suppression list", 0 },
	{ "suppressed due to previous bounces", 0 },
	{ NULL, 0 }
};

static struct br_phrase suspend[] = {
	{ " is currently suspended", 0 },
	{ " temporary locked", 0 },
	{ "account disabled", 0 },
	{ "account is disabled", 0 },
	{ "account has been disabled", 0 },
	{ "archived recipient", 0 },
	{ "boite du destinataire archivee", 0 },
	{ "email account that you tried to reach is disabled", 0 },
	{ "email account that you tried to reach is inactive", 0 },
	{ "has been suspended", 0 },
	{ "inactive account", 0 },
	{ "invalid/inactive user", 0 },
	{ "is a deactivated mailbox", 0 },
	{ "is unavailable: user is terminated", 0 },
	{ "le compte du destinataire est bloque", 0 },
	{ "mailbox currently suspended", 0 },
	{ "mailbox disabled", 0 },
	{ "mailbox is disabled", 0 },
	{ "mailbox is frozen", 0 },
	{ "mailbox unavailable or access denied", 0 },
	{ "recipient account is blocked", 0 },
	{ "recipient rejected: temporarily inactive", 0 },
	{ "recipient suspend the service", 0 },
	{ "the user(s) account is disabled", 0 },
	{ "this account has been disabled or discontinued", 0 },
	{ "this account has been temporarily suspended", 0 },
	{ "this address no longer accepts mail", 0 },
	{ "this mailbox is disabled", 0 },
	{ "user or domain is disabled", 0 },
	{ "user suspended", 0 },
	{ "vdelivermail: account is locked email bounced", 0 },
	{ NULL, 0 }
};

static struct br_phrase syntaxerror[] = {
	{ "angle-brackets nested too deep", 0 },
	{ "domain missing in source-routed address", 0 },
	{ "expected word or \"<\"", 0 },
	{ "malformed address:", 0 },
	{ NULL, 0 }
};

static struct br_phrase systemerror[] = {
	{ "aliasing/forwarding loop broken", 0 },
	{ "bad interpreter: no such file or directory", 0 },
	{ "can't create user output file", 0 },
	{ "could not load drd for domain", 0 },
	{ "delivery to file forbidden", 0 },
	{ "delivery to pipe forbidden", 0 },
	{ "duplicated message-id", 0 },
	{ "internal error reading data", 0 },
	{ "internal server error: operation now in progress", 0 },
	{ "interrupted system call", 0 },
	{ "it encountered an error while being processed", 0 },
	{ "it would create a mail loop", 0 },
	{ "local configuration error", 0 },
	{ "local delivery failed", 0 },
	{ "local error in processing", 0 },
	{ "loop was found in the mail exchanger", 0 },
	{ "loops back to myself", 0 },
	{ "mail system configuration error", 0 },
	{ "queue file write error", 0 },
	{ "recipient deferred because there is no mdb", 0 },
	{ "remote server is misconfigured", 0 },
	{ "server configuration error", 0 },
	{ "service currently unavailable", 0 },
	{ "several matches found in domino directory", 0 },
	{ "system config error", 0 },
	{ "temporary local problem", 0 },
	{ "this domain's dns violates rfc 1035", 0 },
	{ "timeout waiting for input", 0 },
	{ "transaction failed ", 0 },
	{ "unable to connect *daemon", 0 },
	{ "unable to contact ldap server", 0 },
	{ NULL, 0 }
};

static struct br_phrase systemfull[] = {
	{ "mail system full", 0 },
	{ "requested mail action aborted: exceeded storage allocation", 0 },
	{ NULL, 0 }
};

static struct br_phrase userunknown[] = {
	{ "#5.1.1 bad address", 0 },
	{ "5.1.0 address rejected.", 0 },
	{ "550 address invalid", 0 },
	{ "<*> not found", 0 },
	{ "<*>... blocked by ", 0 },
	{ "account * does not exist at the organization", 0 },
	{ "address does not exist", 0 },
	{ "address not present in directory", 0 },
	{ "address unknown", 0 },
	{ "adresse d au moins un destinataire invalide. invalid recipient. * 416", 0 },
	{ "adresse d au moins un destinataire invalide. invalid recipient. * 418", 0 },
	{ "bad recipient", 0 },
	{ "bad-recipient", 0 },
	{ "bad_recipient", 0 },
	{ "can't accept user", 0 },
	{ "destination addresses were unknown", 0 },
	{ "destination server rejected recipients", 0 },
	{ "does not exist.", 0 },
	{ "email address could not be found", 0 },
	{ "email address does not exist", 0 },
	{ "invalid address", 0 },
	{ "invalid final delivery userid", 0 },
	{ "invalid mailbox", 0 },
	{ "invalid recipient", 0 },
	{ "is not a known user", 0 },
	{ "is not a valid mailbox", 0 },
	{ "is not an active address at this host", 0 },
	{ "mailbox *does not exist", 0 },
	{ "mailbox *unavailable or access denied", 0 },
	{ "mailbox does not exist", 0 },
	{ "mailbox invalid", 0 },
	{ "mailbox is inactive", 0 },
	{ "mailbox is unavailable", 0 },
	{ "mailbox not found", 0 },
	{ "mailbox not present", 0 },
	{ "mailbox unavaiable", 0 },
	{ "nessun utente simile in questo indirizzo", 0 },
	{ "no * in name directory", 0 },
	{ "no account by that name here", 0 },
	{ "no existe dicha persona", 0 },
	{ "no existe ese usuario ", 0 },
	{ "no mail box available for this user", 0 },
	{ "no mailbox by that name is currently available", 0 },
	{ "no mailbox found", 0 },
	{ "no mailbox here by that name", 0 },
	{ "no such address here", 0 },
	{ "no such mailbox", 0 },
	{ "no such person at this address", 0 },
	{ "no such recipient", 0 },
	{ "no such user", 0 },
	{ "no thank you rejected: account unavailable", 0 },
	{ "no valid recipients, bye", 0 },
	{ "non existent user", 0 },
	{ "non-existent user", 0 },
	{ "nonexistent user", 0 },
	{ "not a local address", 0 },
	{ "not a valid recipient", 0 },
	{ "not a valid user here", 0 },
	{ "mailbox unknown", 0 },	/* round 3: Yale-style "Message not delivered to the following" list */
	{ "not email addresses", 0 },
	{ "not listed in domino directory", 0 },
	{ "not listed in public name & address book", 0 },
	{ "rcpt (* t exist ", 0 },
	{ "rcpt <* does not exist", 0 },
	{ "recipient * was not found in", 0 },
	{ "recipient address rejected. (in reply to rcpt to command)", 0 },
	{ "recipient address rejected: access denied", 0 },
	{ "recipient address rejected: invalid user", 0 },
	{ "recipient address rejected: invalid-recipient", 0 },
	{ "recipient address rejected: unknown user", 0 },
	{ "recipient address rejected: user * does not exist", 0 },
	{ "recipient address rejected: user unknown in * table", 0 },
	{ "recipient address rejected: userunknown", 0 },
	{ "recipient does not exist", 0 },
	{ "recipient is not accepted", 0 },
	{ "recipient is not local", 0 },
	{ "recipient not exist", 0 },
	{ "recipient not found", 0 },
	{ "recipient not ok", 0 },
	{ "recipient refuses to accept your mail", 0 },
	{ "recipient unknown", 0 },
	{ "recipnotfound", 0 },
	{ "requested action not taken: mailbox unavailable", 0 },
	{ "resolver.adr.recipient notfound", 0 },
	{ "said: 550*5.1.1 * user unknown ", 0 },
	{ "sorry, badrcptto", 0 },
	{ "sorry, no mailbox here by that name", 0 },
	{ "sorry, user unknown", 0 },
	{ "sorry, your envelope recipient has been denied", 0 },
	{ "that domain or user isn't in my list of allowed rcpthosts", 0 },
	{ "the email account that you tried to reach does not exist", 0 },
	{ "the following recipients was undeliverable", 0 },
	{ "the user's email name is not found", 0 },
	{ "there is no one at this address", 0 },
	{ "this address no longer accepts mail", 0 },
	{ "this email address is wrong or no longer valid", 0 },
	{ "this recipient is in my badrecipientto list", 0 },
	{ "this recipient is not in my validrcptto list", 0 },
	{ "this spectator does not exist", 0 },
	{ "this user doesn't have a * account", 0 },
	{ "unknown e-mail address", 0 },
	{ "unknown email address", 0 },
	{ "unknown local part", 0 },
	{ "unknown local-part", 0 },
	{ "unknown mailbox", 0 },
	{ "unknown recipient", 0 },
	{ "unknown user", 0 },
	{ "user (*) unknown", 0 },
	{ "user * does not exist", 0 },
	{ "user * was not found", 0 },
	{ "user does not exist", 0 },
	{ "user missing home directory", 0 },
	{ "user not active", 0 },
	{ "user not exist", 0 },
	{ "user not found", 0 },
	{ "user not known", 0 },
	{ "user unknown", 0 },
	{ "utilisateur inconnu !", 0 },
	{ "vdeliver: invalid or unknown virtual user", 0 },
	{ "weil die adresse nicht gefunden wurde oder keine e-mails empfangen kann", 0 },
	{ "your envelope recipient is in my badrcptto list", 0 },
	{ NULL, 0 }
};

/* Directory lookups that can only be about the address itself: these say
 * userunknown whatever the SMTP command.  Issue 14, family 9: wordings
 * that say the account or address itself does not exist or could not be
 * found (Outlook/Exchange Online "couldn't be found", "doesn't have an
 * account", "mailbox ... doesn't exist") belong here, not "user unknown",
 * which filters reuse (most MTAs' "user unknown" after
 * DATA means a filter, see probe_filtered in bounce_reason.c). */
struct br_phrase br_userunknown_anywhere[] = {
	{ "\xd0\xbd\xd0\xb5\xd1\x82 \xd1\x82\xd0\xb0\xd0\xba\xd0\xbe\xd0\xb3\xd0\xbe \xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8f", 0 },	/* family 2 */
	{ "\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c \xd0\xbd\xd0\xb5 \xd0\xbd\xd0\xb0\xd0\xb9\xd0\xb4\xd0\xb5\xd0\xbd", 0 },	/* family 2 */
	{ "\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8f \xd0\xbd\xd0\xb5 \xd1\x81\xd1\x83\xd1\x89\xd0\xb5\xd1\x81\xd1\x82\xd0\xb2\xd1\x83\xd0\xb5\xd1\x82", 0 },	/* family 2 */
	{ "\xe6\x94\xb6\xe4\xbb\xb6\xe4\xba\xba\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8", 0 },	/* family 2 */
	{ "\xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8", 0 },	/* family 2 */
	{ "\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9\xe3\x81\x8c\xe5\xad\x98\xe5\x9c\xa8\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", 0 },	/* family 2: ja "アドレスが存在しません" */
	{ "\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9\xe3\x81\xaf\xe5\xad\x98\xe5\x9c\xa8\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", 0 },	/* family 2: ja "アドレスは存在しません" */
	{ "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x81\x8c\xe5\xad\x98\xe5\x9c\xa8\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", 0 },	/* family 2: ja "ユーザが存在しません" */
	{ "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc\xe3\x81\xaf\xe5\xad\x98\xe5\x9c\xa8\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", 0 },	/* family 2: ja "ユーザーは存在しません" */
	{ "account does not exist", 0 },	/* family 9 */
	{ "address could not be found", 0 },	/* family 9 */
	{ "address couldn't be found", 0 },	/* family 9 */
	{ "address does not exist", 0 },	/* family 9 */
	{ "address doesn't exist", 0 },	/* family 9 */
	{ "address you entered could not be found", 0 },	/* family 1: Exchange 2007+ */
	{ "address you entered couldn't be found", 0 },	/* family 1: Exchange 2007+ */
	{ "adresse inconnue", 0 },	/* family 2 */
	{ "benutzer unbekannt", 0 },	/* round 3: de vendors */
	{ "utente inesistente", 0 },	/* round 3: it */
	{ "utente sconosciuto", 0 },	/* round 3: it */
	{ "onbekende gebruiker", 0 },	/* round 3: nl */
	{ "onbekende ontvanger", 0 },	/* round 3: nl */
	{ "receiver not found", 0 },	/* round 3: CompuServe */
	{ "(mailbox unavailable)", 0 },	/* round 3: "a@b (Mailbox unavailable)" lists */
	{ "benutzer ist unbekannt", 0 },	/* round 3: de vendors */
	{ "destinataire inconnu", 0 },	/* family 2 */
	{ "does not have an account", 0 },	/* family 9 */
	{ "doesn't have an account", 0 },	/* family 9 */
	{ "empf\xc3\xa4nger ist unbekannt", 0 },	/* family 2 */
	{ "empf\xc3\xa4nger unbekannt", 0 },	/* family 2 */
	{ "mailbox * doesn't exist", 0 },	/* family 9 */
	{ "mailbox doesn't exist", 0 },	/* family 9 */
	{ "no existe el usuario", 0 },	/* family 2 */
	{ "is not a valid user", 0 },	/* family 9 */
	{ "nicht im domino-verzeichnis", 0 },	/* family 2: Domino, de */
	{ "no such account", 0 },	/* family 9 */
	{ "non r\xc3\xa9pertori\xc3\xa9 dans l'annuaire domino", 0 },
	{ "not listed in domino directory", 0 },
	{ "not listed in public name & address book", 0 },
	{ "recipient doesn't exist", 0 },	/* family 9 */
	{ "recipient name is not recognized", 0 },	/* family 1: Exchange 5.5/2000 */
	{ "recipient not found by smtp address lookup", 0 },
	{ "resolver.adr.exrecipnotfound", 0 },
	{ "resolver.adr.recipientnotfound", 0 },
	{ "resolver.adr.recipnotfound", 0 },
	{ "unbekannter empf\xc3\xa4nger", 0 },	/* family 2 */
	{ "user doesn't exist", 0 },	/* family 9 */
	{ "usu\xc3\xa1rio desconhecido", 0 },	/* family 2 */
	{ "usuario desconocido", 0 },	/* family 2 */
	{ "utente sconosciuto", 0 },	/* family 2 */
	{ NULL, 0 }
};

static struct br_phrase vacation[] = {
	{ "i am away on vacation", 0 },
	{ "i am away until", 0 },
	{ "i am currently away", 0 },
	{ "i am out of the office", 0 },
	{ "i will be traveling for work on", 0 },
	{ "out of office", 0 },
	{ NULL, 0 }
};

static struct br_phrase virusdetected[] = {
	{ " - infected", 0 },
	{ "it has a potentially executable attachment", 0 },
	{ "the message was rejected because it contains prohibited virus or spam content", 0 },
	{ "this form of attachment has been used by recent viruses or other malware", 0 },
	{ "virus detected", 0 },
	{ "virus infected message rejected", 0 },
	{ "virus phishing/malicious_url detected", 0 },
	{ "your message was infected with a virus", 0 },
	{ NULL, 0 }
};

struct br_reason_text br_texts[] = {
	{ "authfailure", authfailure, NULL },
	{ "badreputation", badreputation, NULL },
	{ "blocked", blocked, blocked_unless },
	{ "contenterror", contenterror, NULL },
	{ "emailtoolarge", emailtoolarge, NULL },
	{ "expired", expired, NULL },
	{ "failedstarttls", failedstarttls, NULL },
	{ "filtered", filtered, NULL },
	{ "hasmoved", hasmoved, NULL },
	{ "hostunknown", hostunknown, hostunknown_unless },
	{ "mailboxfull", mailboxfull, NULL },
	{ "mailererror", mailererror, NULL },
	{ "networkerror", networkerror, NULL },
	{ "norelaying", norelaying, NULL },
	{ "notaccept", notaccept, NULL },
	{ "notcompliantrfc", notcompliantrfc, NULL },
	{ "policyviolation", policyviolation, NULL },
	{ "ratelimited", ratelimited, NULL },
	{ "rejected", rejected, rejected_unless },
	{ "requireptr", requireptr, NULL },
	{ "securityerror", securityerror, NULL },
	{ "spamdetected", spamdetected, NULL },
	{ "suppressed", suppressed, NULL },
	{ "suspend", suspend, NULL },
	{ "syntaxerror", syntaxerror, NULL },
	{ "systemerror", systemerror, NULL },
	{ "systemfull", systemfull, NULL },
	{ "userunknown", userunknown, NULL },
	{ "vacation", vacation, NULL },
	{ "virusdetected", virusdetected, NULL },
	{ NULL, NULL, NULL }
};

/* ---- RFC 3463 codes (and registered extensions) that name a reason -- */

const struct br_status_name br_status_names[] = {
	{ "2.1.5", "delivered" },
	{ "4.1.6", "hasmoved" }, { "4.1.7", "rejected" },
	{ "4.1.8", "rejected" }, { "4.1.9", "systemerror" },
	{ "4.2.1", "blocked" }, { "4.2.2", "mailboxfull" },
	{ "4.2.3", "emailtoolarge" }, { "4.2.4", "filtered" },
	{ "4.3.1", "systemfull" }, { "4.3.2", "notaccept" },
	{ "4.3.3", "systemerror" }, { "4.3.5", "systemerror" },
	{ "4.4.1", "expired" }, { "4.4.2", "networkerror" },
	{ "4.4.3", "systemerror" }, { "4.4.4", "networkerror" },
	{ "4.4.5", "systemfull" }, { "4.4.6", "networkerror" },
	{ "4.4.7", "expired" }, { "4.4.8", "networkerror" },
	{ "4.5.3", "systemerror" }, { "4.5.5", "systemerror" },
	{ "4.6.0", "contenterror" }, { "4.6.2", "contenterror" },
	{ "4.6.5", "contenterror" },
	{ "4.7.1", "blocked" }, { "4.7.2", "blocked" },
	{ "4.7.5", "securityerror" }, { "4.7.6", "securityerror" },
	{ "4.7.7", "securityerror" }, { "4.7.12", "securityerror" },
	{ "4.7.15", "securityerror" }, { "4.7.16", "emailtoolarge" },
	{ "4.7.24", "authfailure" }, { "4.7.25", "requireptr" },
	{ "4.7.26", "authfailure" }, { "4.7.27", "authfailure" },
	{ "4.7.28", "ratelimited" }, { "4.7.30", "authfailure" },
	{ "4.7.32", "authfailure" },
	{ "5.1.0", "userunknown" }, { "5.1.1", "userunknown" },
	{ "5.1.2", "hostunknown" }, { "5.1.3", "userunknown" },
	{ "5.1.4", "filtered" }, { "5.1.6", "hasmoved" },
	{ "5.1.7", "rejected" }, { "5.1.8", "rejected" },
	{ "5.1.9", "systemerror" }, { "5.1.10", "notaccept" },
	{ "5.2.0", "filtered" }, { "5.2.1", "filtered" },
	{ "5.2.2", "mailboxfull" }, { "5.2.3", "emailtoolarge" },
	{ "5.2.4", "filtered" },
	{ "5.3.0", "systemerror" }, { "5.3.1", "systemfull" },
	{ "5.3.2", "notaccept" }, { "5.3.3", "systemerror" },
	{ "5.3.4", "emailtoolarge" }, { "5.3.5", "systemerror" },
	{ "5.4.0", "networkerror" }, { "5.4.3", "systemerror" },
	{ "5.4.4", "hostunknown" }, { "5.4.6", "networkerror" },
	{ "5.5.2", "syntaxerror" }, { "5.5.3", "ratelimited" },
	{ "5.5.4", "systemerror" }, { "5.5.5", "systemerror" },
	{ "5.5.6", "syntaxerror" },
	{ "5.6.0", "contenterror" }, { "5.6.1", "contenterror" },
	{ "5.6.2", "contenterror" }, { "5.6.3", "contenterror" },
	{ "5.6.5", "contenterror" }, { "5.6.6", "contenterror" },
	{ "5.6.7", "contenterror" }, { "5.6.8", "contenterror" },
	{ "5.6.9", "contenterror" },
	{ "5.7.0", "securityerror" }, { "5.7.1", "securityerror" },
	{ "5.7.2", "securityerror" }, { "5.7.3", "securityerror" },
	{ "5.7.4", "securityerror" }, { "5.7.5", "securityerror" },
	{ "5.7.6", "securityerror" }, { "5.7.7", "securityerror" },
	{ "5.7.8", "securityerror" }, { "5.7.9", "securityerror" },
	{ "5.7.10", "securityerror" }, { "5.7.11", "securityerror" },
	{ "5.7.13", "suspend" }, { "5.7.14", "securityerror" },
	{ "5.7.15", "securityerror" }, { "5.7.16", "emailtoolarge" },
	{ "5.7.17", "hasmoved" }, { "5.7.18", "hasmoved" },
	{ "5.7.19", "securityerror" },
	{ "5.7.20", "authfailure" }, { "5.7.21", "authfailure" },
	{ "5.7.22", "authfailure" }, { "5.7.23", "authfailure" },
	{ "5.7.24", "authfailure" }, { "5.7.25", "requireptr" },
	{ "5.7.26", "authfailure" }, { "5.7.27", "notaccept" },
	{ "5.7.28", "spamdetected" }, { "5.7.29", "authfailure" },
	{ "5.7.30", "failedstarttls" },
	{ NULL, NULL }
};

/* ---- local delivery agents ------------------------------------------ */

#define L(reason, text)	{ reason, { text, 0 } }
#define L_END		{ NULL, { NULL, 0 } }

static struct br_phrase dovecot_markers[] = {
	{ "your message to <*> was automatically rejected:", 0 }, { NULL, 0 }
};
static struct br_lda_rule dovecot_rules[] = {
	L("mailboxfull", "not enough disk space"),
	L("mailboxfull", "quota exceeded"),
	L("userunknown", "mailbox doesn't exist: "),
	L_END
};
static struct br_phrase maillocal_markers[] = {
	{ "mail.local: ", 0 }, { NULL, 0 }
};
static struct br_lda_rule maillocal_rules[] = {
	L("mailboxfull", "disc quota exceeded"),
	L("mailboxfull", "mailbox full or quota exceeded"),
	L("systemerror", "temporary file write error"),
	L("userunknown", ": invalid mailbox path"),
	L("userunknown", ": unknown user:"),
	L("userunknown", ": user missing home directory"),
	L("userunknown", ": user unknown"),
	L_END
};
static struct br_phrase procmail_markers[] = {
	{ "procmail: ", 0 }, { "/procmail ", 0 }, { NULL, 0 }
};
static struct br_lda_rule procmail_rules[] = {
	L("mailboxfull", "quota exceeded while writing"),
	L("mailboxfull", "user over quota"),
	L("systemerror", "service unavailable"),
	L("systemfull", "no space left to finish writing"),
	L_END
};
static struct br_phrase maildrop_markers[] = {
	{ "maildrop: ", 0 }, { NULL, 0 }
};
static struct br_lda_rule maildrop_rules[] = {
	L("mailboxfull", "maildir over quota."),
	L("userunknown", "cannot find system user"),
	L("userunknown", "invalid user specified."),
	L_END
};
static struct br_phrase vpopmail_markers[] = {
	{ "vdelivermail: ", 0 }, { NULL, 0 }
};
static struct br_lda_rule vpopmail_rules[] = {
	L("filtered", "user does not exist, but will deliver to "),
	L("mailboxfull", "domain is over quota"),
	L("mailboxfull", "user is over quota"),
	L("suspend", "account is locked email bounced"),
	L("userunknown", "sorry, no mailbox here by that name."),
	L_END
};
static struct br_phrase vmailmgr_markers[] = {
	{ "vdeliver: ", 0 }, { NULL, 0 }
};
static struct br_lda_rule vmailmgr_rules[] = {
	L("mailboxfull", "delivery failed due to system quota violation"),
	L("userunknown", "invalid or unknown base user or domain"),
	L("userunknown", "invalid or unknown virtual user"),
	L("userunknown", "user name does not refer to a virtual user"),
	L_END
};

struct br_lda br_ldas[] = {
	{ "dovecot", dovecot_markers, dovecot_rules },
	{ "mail.local", maillocal_markers, maillocal_rules },
	{ "procmail", procmail_markers, procmail_rules },
	{ "maildrop", maildrop_markers, maildrop_rules },
	{ "vpopmail", vpopmail_markers, vpopmail_rules },
	{ "vmailmgr", vmailmgr_markers, vmailmgr_rules },
	{ NULL, NULL, NULL }
};

/* ---- the SMTP command a text names ---------------------------------- */

#define C(command, text)	{ command, { text, 0 } }

struct br_command br_commands[] = {
	C("RCPT", "in reply to rcpt to command"),
	C("MAIL", "in reply to mail from command"),
	C("DATA", "in reply to end of data command"),
	C("DATA", "in reply to data command"),
	C("EHLO", "in reply to ehlo command"),
	C("HELO", "in reply to helo command"),
	C("CONN", " refused to talk to me:"),
	C("RCPT", "after rcpt to:"),
	C("MAIL", "after mail from:"),
	C("DATA", "after end of data"),
	C("DATA", "after data"),
	C("CONN", "after initial connection"),
	C("EHLO", "after ehlo"),
	C("HELO", "after helo"),
	C("RCPT", ">>> rcpt to:"),
	C("MAIL", ">>> mail from:"),
	C("DATA", ">>> data"),
	C("EHLO", ">>> ehlo"),
	C("HELO", ">>> helo"),
	C("RCPT", "does not like recipient."),
	C("MAIL", "but sender was rejected."),
	C("HELO", "but my name was rejected."),
	C("DATA", "failed after i sent the message."),
	C("RCPT", "[rcpt_to]"),
	C("RCPT", "most progress was rcpt to response"),
	C("MAIL", "[mail_from]"),
	C("STARTTLS", "in reply to starttls command"),
	C("STARTTLS", "after starttls"),
	{ NULL, { NULL, 0 } }
};

/* ---- names from older vocabularies ---------------------------------- */

const struct br_alias br_aliases[] = {
	{ "mesgtoobig", "emailtoolarge" },
	{ "exceedlimit", "emailtoolarge" },
	{ "toomanyconn", "ratelimited" },
	{ "speeding", "ratelimited" },
	{ "relayingdenied", "norelaying" },
	{ "nospam", "spamdetected" },
	{ "deliverd", "delivered" },
	{ "expanded", "delivered" },
	{ NULL, NULL }
};
