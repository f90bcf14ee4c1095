/* bounce_reason_provider.c - mail providers' own vocabulary: the data the
 * classifier applies when a bounce comes from (or for) Gmail, Office 365,
 * Yahoo, iCloud, Cox, Orange / La Poste, GoDaddy, QQ, Mimecast, Facebook,
 * Symantec (MessageLabs), AOL, au (KDDI), NTT docomo, Spectrum, i.ua,
 * Cloudflare or Zoho.
 *
 * A provider is named by its hosts (the remote MTA or the recipient's
 * domain ends with one) or by a marker in the text ("gsmtp", an Orange
 * "OFR006_102" code, ...).  Its rules are tried in order: a rule holds
 * when the status matches (exact "5.7.509", any class ".7.26", prefix
 * "5.7.") and its phrase is in the text; the first that holds decides.
 * Written from each provider's published error-code pages and the texts
 * they send; phrases are lower-case, '*' separates ordered fragments.
 */
#include <stddef.h>

#include "bounce_reason_internal.h"

#define R(reason, status, text)	{ reason, status, { text, 0 }, NULL }
/* The same, only when the refused command was cmd. */
#define R_CMD(reason, status, cmd, text) { reason, status, { text, 0 }, cmd }
#define R_END			{ NULL, NULL, { NULL, 0 }, NULL }

static const char *const google_hosts[] = {
	".google.com", ".googlemail.com", "gmail.com", "googlemail.com", NULL
};
static struct br_phrase google_markers[] = {
	{ "gsmtp", 0 }, { "support.google.com", 0 }, { "google.com/mail", 0 },
	{ ".l.google.com", 0 }, { "dns type 'mx' lookup of", 0 }, { NULL, 0 }
};
static struct br_provider_rule google_rules[] = {
	R("authfailure", NULL, "the spf record of the sending domain"),
	R("authfailure", NULL, "senders to authenticate with either spf or dkim"),
	R("authfailure", NULL, "fails to pass spf checks for an spf record with a hard fail"),
	R("authfailure", NULL, "has an spf record with a hard fail policy"),
	R("authfailure", NULL, "is not accepted due to domain's dmarc policy"),
	R("authfailure", NULL, "fails to pass authentication checks"),
	R("authfailure", NULL, "senders to authenticate with spf"),
	R("authfailure", NULL, "senders to authenticate their email with spf"),
	R("authfailure", NULL, "senders to authenticate their email with dkim"),
	R("authfailure", NULL, "senders to authenticate with dkim"),
	R("authfailure", NULL, "aligned with either the authenticated spf or dkim"),
	R("authfailure", NULL, "to add a dmarc record to "),
	R("badreputation", NULL, "very low reputation of the sending"),
	R("blocked", NULL, "ip not in whitelist for rcpt domain"),
	R("blocked", NULL, "try again later, closing connection."),
	R("blocked", NULL, "empty helo/ehlo argument not allowed"),
	R("blocked", NULL, "helo/ehlo argument is invalid"),
	/* 421 4.7.28 is a rate limit, 550 5.7.1 with the same words a block */
	R("ratelimited", "4.", "an unusual rate of unsolicited mail"),
	R("ratelimited", ".7.28", "an unusual rate of unsolicited mail"),
	R("blocked", NULL, "an unusual rate of unsolicited mail"),
	R("ratelimited", NULL, "an unusual rate of mail"),
	R("emailtoolarge", NULL, "exceeded google's message size limits"),
	R("emailtoolarge", NULL, "exceeds google's message size limit of"),
	R("emailtoolarge", NULL, "exceeds google's limit of"),
	R("emailtoolarge", NULL, "message header size limit"),
	R("emailtoolarge", NULL, "bytes per individual header size"),
	R("expired", NULL, "connection expired"),
	R("expired", NULL, "timeout - closing connection"),
	R("failedstarttls", NULL, "must issue a starttls command first"),
	R("failedstarttls", NULL, "starttls may not be repeated"),
	R("failedstarttls", NULL, "tls required for rcpt domain"),
	R("failedstarttls", NULL, "senders to use tls/ssl for smtp"),
	R("mailboxfull", NULL, "inbox is out of storage space"),
	R("mailboxfull", NULL, "is over quota"),
	R("mailboxfull", NULL, "email quota exceeded"),
	R("networkerror", NULL, "message exceeded 50 hops"),
	R("norelaying", NULL, "mail relay denied"),
	R("norelaying", NULL, "invalid credentials for relay"),
	R("norelaying", NULL, "is not authorized to send email directly to our servers"),
	R("notcompliantrfc", NULL, "missing a valid address in the from: header"),
	R("notcompliantrfc", NULL, "multiple addresses in from: header are not accepted"),
	R("notcompliantrfc", NULL, "is not rfc 5322 compliant"),
	R("notcompliantrfc", NULL, "missing a valid message-id: header"),
	R("notcompliantrfc", NULL, "contains a unicode character in a disallowed header"),
	R("notcompliantrfc", NULL, "encoded-word syntax is not permitted"),
	R("notcompliantrfc", NULL, "is not a valid rfc 5321 address"),
	R("notcompliantrfc", NULL, "mail message is malformed"),
	R("policyviolation", NULL, "illegal attachment on your message"),
	R("policyviolation", NULL, "blocked because its content presents a potential security issue"),
	R("policyviolation", NULL, "you are sending to (or from) has a policy that prohibited"),
	R("policyviolation", NULL, "sending messages with the same message-id:"),
	R("rejected", NULL, "mail sending denied"),
	R("rejected", NULL, "unauthenticated email is not accepted"),
	R("requireptr", NULL, "does not have a ptr record"),
	R("requireptr", NULL, " have a ptr record, or the ptr record"),
	R("requireptr", NULL, "does not meet ipv6 sending guidelines regarding ptr records"),
	R("requireptr", NULL, "does not match the ip address of the hostname"),
	R("securityerror", NULL, "too many login attempts"),
	R("securityerror", NULL, "cannot decode response"),
	R("securityerror", NULL, "no identity changes permitted"),
	R("securityerror", NULL, "authentication required."),
	R("securityerror", NULL, "application-specific password required"),
	R("securityerror", NULL, "please log in with your web browser"),
	R("securityerror", NULL, "please log in through your web browser"),
	R("securityerror", NULL, "username and password not accepted"),
	R("spamdetected", NULL, "due to the nature of the content or the links within"),
	R("spamdetected", NULL, "likely unsolicited mail"),
	R("ratelimited", NULL, "is receiving mail too quickly"),
	R("ratelimited", NULL, "peak smtp relay limit exceeded for customer"),
	R("ratelimited", NULL, "rate that prevents additional messages from being delivered"),
	R("ratelimited", NULL, "daily sending quota exceeded"),
	R("ratelimited", NULL, "daily user sending limit exceeded"),
	R("ratelimited", NULL, "daily smtp relay limit exceeded for"),
	R("ratelimited", NULL, "daily smtp relay sending limit exceeded for"),
	R("ratelimited", NULL, "this mail has been rate limited"),
	R("suspend", NULL, "account that you tried to reach is disabled"),
	R("suspend", NULL, "account that you tried to reach is inactive"),
	R("syntaxerror", NULL, "smtp protocol violation"),
	R("syntaxerror", NULL, "optional argument not permitted"),
	R("syntaxerror", ".5.2", "syntax error"),
	R("syntaxerror", ".7.11", "syntax error"),
	R("syntaxerror", NULL, "too many unrecognized commands, goodbye"),
	R("syntaxerror", NULL, "unimplemented command"),
	R("syntaxerror", NULL, "unrecognized command"),
	R("syntaxerror", NULL, "bad sequence of commands"),
	R("syntaxerror", NULL, "ehlo/helo first"),
	R("syntaxerror", NULL, "no data after bdat"),
	R("syntaxerror", NULL, "unrecognized authentication type"),
	R("syntaxerror", NULL, "xoauth is no longer supported"),
	R("syntaxerror", NULL, "too many unauthenticated commands"),
	R("systemerror", NULL, "temporary system problem"),
	R("systemerror", ".4.5", "server busy"),
	R("systemerror", NULL, "multiple destination domains per transaction is unsupported"),
	R("systemerror", NULL, "mail server has temporarily rejected this message"),
	R("systemerror", NULL, "mail server temporarily rejected message"),
	R("systemerror", NULL, "domain policy size per transaction exceeded"),
	R("ratelimited", NULL, "your message has too many recipients"),
	R("ratelimited", NULL, "too many recipients for this sender"),
	R("userunknown", NULL, "the email account that you tried to reach does not exist"),
	R("userunknown", NULL, "we weren't able to find the recipient domain"),
	R("userunknown", NULL, "because the address couldn't be found. check for typos"),
	R("notaccept", NULL, "null mx"),
	R("hostunknown", "5.", "responded with code nxdomain"),
	R("hostunknown", "5.", "domain name not found"),
	R("networkerror", "4.", "responded with code nxdomain"),
	R("networkerror", "4.", "domain name not found"),
	R("networkerror", "4.", " had no relevant answers."),
	R_END
};

static const char *const microsoft_hosts[] = {
	".prod.outlook.com", ".protection.outlook.com", ".onmicrosoft.com",
	".exchangelabs.com", ".outlook.com", ".hotmail.com", "outlook.com",
	"hotmail.com", "live.com", "msn.com", NULL
};
static struct br_phrase microsoft_markers[] = {
	{ ".outlook.com", 0 }, { "microsoft", 0 }, { "office365", 0 }, { "office 365", 0 },
	{ "hotmail", 0 }, { "resolver.adr", 0 }, { "resolver.rst", 0 },
	{ "storedrv", 0 }, { "diagnostic information for administrators", 0 },
	{ "remote server returned", 0 }, { NULL, 0 }
};
static struct br_provider_rule microsoft_rules[] = {
	R("authfailure", "4.7.26", "must pass either spf or dkim validation"),
	R("authfailure", "5.7.23", "sender policy framework violation"),
	R("authfailure", "5.7.509", NULL),
	R("authfailure", "5.7.515", NULL),
	R("authfailure", NULL, "does not pass dmarc verification"),
	R("authfailure", NULL, "doesn't meet the required authentication level"),
	R("badreputation", "4.7.650", NULL),
	R("badreputation", NULL, "has been temporarily rate limited due to ip reputation"),
	R("blocked", "4.4.2", "connection dropped"),
	R("blocked", "5.7.25", "must have a reverse dns record"),
	R("blocked", "5.7.506", NULL),
	R("blocked", "5.7.507", NULL),
	R("blocked", "5.7.510", NULL),
	R("blocked", "5.7.511", NULL),
	R("blocked", "5.7.513", NULL),
	R("blocked", NULL, "access denied, banned sending ip "),
	R("blocked", "4.7.", "access denied, please try again later"),
	R("blocked", "5.5.4", "invalid domain name"),
	R("blocked", NULL, "part of their network is on our block list (s3150)"),
	R("contenterror", "5.3.0", "too many related errors"),
	R("contenterror", "5.6.11", NULL),
	R("contenterror", "5.4.11", "agent generated message depth exceeded"),
	R("contenterror", "5.5.6", "invalid message content"),
	R("emailtoolarge", "5.2.3", "recipsizelimit"),
	R("emailtoolarge", "5.3.4", NULL),
	R("expired", "4.4.1", "connection timed out"),
	R("expired", "4.4.7", NULL),
	R("expired", "5.4.300", NULL),
	R("expired", "5.4.316", "message expired"),
	R("failedstarttls", NULL, " failed mta-sts validation"),
	R("failedstarttls", NULL, "starttls is required to send mail"),
	R("failedstarttls", NULL, "starttls-not-supported:"),
	R("failedstarttls", NULL, "certificate-expired:"),
	R("failedstarttls", NULL, "tlsa-invalid:"),
	R("failedstarttls", NULL, "dnssec-invalid:"),
	R("failedstarttls", NULL, "certificate-host-mismatch:"),
	R("mailboxfull", "5.2.2", "mailbox full"),
	R("networkerror", "5.4.4", "smtpsend.dns.nonexistentdomain"),
	R("networkerror", NULL, "hop count exceeded - possible mail loop"),
	R("networkerror", NULL, "dns query failed"),
	R("networkerror", ".4.316", "connection refused"),
	R("networkerror", NULL, "routing loop detected"),
	R("norelaying", "5.7.1", "unable to relay"),
	R("norelaying", "5.4.1", "relay access denied"),
	R("norelaying", "5.7.64", NULL),
	R("notaccept", "4.3.2", "system not accepting network messages"),
	R("notaccept", NULL, "hosted tenant which has no mail-enabled subscriptions"),
	R("notaccept", "5.3.2", "missing or bad storedriver mdb properties"),
	R("policyviolation", "5.0.350", NULL),
	R("rejected", "5.1.7", "invalid address"),
	R("rejected", "5.1.7", "unknown sender address"),
	R("rejected", "5.1.0", "sender denied"),
	R("rejected", "5.1.8", "access denied, bad outbound sender"),
	R("rejected", "5.7.1", "delivery not authorized"),
	R("rejected", "5.7.12", NULL),
	R("rejected", "5.7.124", NULL),
	R("rejected", "5.7.133", NULL),
	R("rejected", "5.7.134", NULL),
	R("rejected", "5.7.135", NULL),
	R("rejected", "5.7.136", NULL),
	R("rejected", NULL, "access denied, spam abuse detected"),
	R("rejected", NULL, "access denied, banned sender"),
	R("rejected", "5.7.750", NULL),
	R("notcompliantrfc", "5.7.512", NULL),
	R("securityerror", "5.7.3", "not authorized"),
	R("securityerror", "5.7.57", NULL),
	R("securityerror", "5.7.1", "client was not authenticated"),
	R("spamdetected", "5.2.1", "content filter agent quarantined this message"),
	R("ratelimited", NULL, "too many recipients"),
	R("ratelimited", NULL, "recipient thread limit exceeded"),
	R("ratelimited", "4.7.652", NULL),
	R("ratelimited", "5.1.90", NULL),
	R("ratelimited", NULL, "submission quota exceeded"),
	R("ratelimited", "5.2.121", NULL),
	R("ratelimited", "5.2.122", NULL),
	R("ratelimited", "5.7.508", NULL),
	R("ratelimited", NULL, "tenant has exceeded threshold"),
	R("ratelimited", NULL, "traffic not accepted from this ip"),
	R("suspend", "5.7.504", NULL),
	R("suspend", "5.7.505", NULL),
	R("suspend", "5.2.1", "mailbox cannot be accessed"),
	R("syntaxerror", "5.3.3", "unrecognized command"),
	R("syntaxerror", "5.5.2", "send hello first"),
	R("systemerror", "4.3.2", "service not available"),
	R("systemerror", "4.3.2", "service not active"),
	R("systemerror", "5.3.5", "system incorrectly configured"),
	R("systemerror", "5.3.190", NULL),
	R("systemerror", NULL, "helo / ehlo requires domain address"),
	R("systemerror", "5.1.4", "destination mailbox address ambiguous"),
	R("systemerror", "5.2.4", "mailing list expansion problem"),
	R("systemerror", "5.2.14", NULL),
	R("systemerror", NULL, "message failed to be replicated:"),
	R("systemerror", NULL, "(suspiciousremoteservererror)"),
	R("systemerror", NULL, "server busy. please try again later from "),
	R("systemerror", NULL, "pfa agent busy, please try again."),
	R("systemfull", "4.3.1", "insufficient system resources"),
	R("userunknown", NULL, "resolver.adr.exrecipnotfound"),
	R("userunknown", NULL, "resolver.adr.recipnotfound"),
	R("userunknown", NULL, "resolver.adr.recipientnotfound"),
	R("userunknown", "5.1.1", "user unknown"),
	R("userunknown", "5.1.3", "invalid recipient address"),
	R("userunknown", NULL, "recipient address reserved by rfc 2606"),
	R("userunknown", "5.1.1", "bad destination mailbox address"),
	R("userunknown", "5.1.10", "recipient not found"),
	R("userunknown", "5.4.1", "recipient address rejected: access denied"),
	R("userunknown", "5.5.0", "requested action not taken: mailbox unavailable"),
	R("userunknown", "5.1.351", NULL),
	R("badreputation", NULL, "(rp-001)"),
	R("badreputation", NULL, "(rp-002)"),
	R("badreputation", NULL, "(rp-003)"),
	R("badreputation", NULL, "(sc-001)"),
	R("policyviolation", NULL, "(sc-002)"),
	R("blocked", NULL, "(sc-003)"),
	R("blocked", NULL, "(sc-004)"),
	R("blocked", NULL, "(dy-001)"),
	R("blocked", NULL, "(ou-001)"),
	R("badreputation", NULL, "(ou-002)"),
	R_END
};

static const char *const yahoo_hosts[] = {
	".yahoodns.net", ".yahoo.com", ".yahoo.net", "yahoo.com", "yahoo.co.jp",
	"ymail.com", "rocketmail.com", NULL
};
static struct br_phrase yahoo_markers[] = {
	{ "yahoo", 0 }, { "[tss0", 0 }, { "[tsf0", 0 }, { "[bl2", 0 }, { "[ph0", 0 }, { NULL, 0 }
};
static struct br_provider_rule yahoo_rules[] = {
	R("authfailure", NULL, "yahoo requires all senders to authenticate with either spf or dkim"),
	R("blocked", NULL, " because the ip is in spamhaus's list;"),
	R("blocked", NULL, "not accepted from ip addresses on spamhaus xbl"),
	R("norelaying", NULL, "relaying denied for "),
	R("notcompliantrfc", NULL, "headers are not rfc compliant"),
	R("policyviolation", NULL, "not accepted for policy reasons"),
	R("rejected", NULL, "temporarily deferred due to unexpected volume or user complaints"),
	R("rejected", NULL, "due to unresolvable rfc.5321 domain"),
	R("rejected", NULL, " will be permanently deferred"),
	R("ratelimited", NULL, "user is receiving mail too quickly"),
	R("suspend", NULL, " is no longer valid."),
	R("suspend", NULL, "this mailbox is disabled"),
	R("syntaxerror", NULL, "syntax error in parameters or arguments"),
	R("ratelimited", NULL, "max message per connection reached"),
	R("userunknown", NULL, "dd this user doesn't have a "),
	R("userunknown", NULL, "mailbox not found"),
	R_END
};

static const char *const apple_hosts[] = {
	".mail.icloud.com", ".apple.com", ".me.com", "icloud.com", "me.com",
	"mac.com", NULL
};
static struct br_phrase apple_markers[] = {
	{ "support.apple.com", 0 }, { "icloud.com", 0 }, { NULL, 0 }
};
static struct br_provider_rule apple_rules[] = {
	R("authfailure", NULL, "s dmarc policy"),
	R("authfailure", NULL, "blocked for failing both spf and dkim"),
	R("blocked", NULL, "rejected due to having a domain present in the spamhaus"),
	R("blocked", NULL, "rejected due to listing in spamhaus"),
	R("blocked", NULL, "blocked - see https://support.proofpoint.com/dnsbl-lookup"),
	R("blocked", NULL, "not accepting connections"),
	R("hasmoved", NULL, "recipient no longer on server"),
	R("mailboxfull", NULL, "user is over quota"),
	R("norelaying", NULL, "relay access denied"),
	R("notaccept", NULL, "host/domain does not accept mail"),
	R("policyviolation", NULL, "due to local policy"),
	R("rejected", NULL, "sender address rejected"),
	R("ratelimited", NULL, "due to excessive volume"),
	R("userunknown", NULL, "inactive email address"),
	R("userunknown", NULL, "user does not exist"),
	R("userunknown", NULL, "unknown or illegal alias"),
	R_END
};

static const char *const cox_hosts[] = { "cox.net", NULL };
static struct br_phrase cox_markers[] = {
	{ "cox.com", 0 }, { "cox.net", 0 }, { "aup#cx", 0 }, { "aup#ipbl", 0 },
	{ "aup#urlbl", 0 }, { "aup#cdrbl", 0 }, { NULL, 0 }
};
static struct br_provider_rule cox_rules[] = {
	R("blocked", NULL, "aup#cxbl"),
	R("requireptr", NULL, "aup#cxdns"),
	R("authfailure", NULL, "aup#cxsndr"),
	R("rejected", NULL, "aup#cxsmtp"),
	R("ratelimited", NULL, "aup#cxcnct"),
	R("ratelimited", NULL, "aup#cxmxrt"),
	R("blocked", NULL, "aup#cdrbl"),
	R("securityerror", NULL, "aup#cxthrt"),
	R("securityerror", NULL, "aup#cxmj"),
	R("blocked", NULL, "aup#ipbl"),
	R("spamdetected", NULL, "aup#urlbl"),
	R("blocked", NULL, "cox too many bad commands from"),
	R("blocked", NULL, "too many invalid recipients"),
	R("requireptr", NULL, "dns check failure - try again later"),
	R("requireptr", NULL, "rejected - no rdns"),
	R("policyviolation", NULL, "esmtp no data before greeting"),
	R("policyviolation", NULL, "attachment extension is forbidden"),
	R("rejected", NULL, "sender rejected"),
	R("systemerror", NULL, "esmtp server temporarily not available"),
	R("ratelimited", NULL, "too many sessions from"),
	R("ratelimited", NULL, "requested action aborted: try again later"),
	R("ratelimited", NULL, "message threshold exceeded"),
	R("userunknown", NULL, "recipient rejected"),
	R_END
};

/* Orange and La Poste end their texts with a code: "OFR006_102",
 * "LPN007_426"; the last three digits say why. */
static const char *const franceptt_hosts[] = {
	".laposte.net", ".orange.fr", ".wanadoo.fr", "orange.fr", "wanadoo.fr",
	"laposte.net", NULL
};
static struct br_phrase franceptt_markers[] = {
	{ "ofr0", 0 }, { "ofr_", 0 }, { "lpn0", 0 }, { "lpn1", 0 }, { "lpnaaa", 0 },
	{ "orange.fr", 0 }, { "laposte.net", 0 }, { "wanadoo.fr", 0 }, { NULL, 0 }
};
#define FR(reason, code) \
	R(reason, NULL, "ofr*_" code), R(reason, NULL, "lpn*_" code)
static struct br_provider_rule franceptt_rules[] = {
	FR("blocked", "101"), FR("blocked", "102"), FR("blocked", "103"),
	FR("ratelimited", "104"), FR("securityerror", "305"),
	FR("authfailure", "401"), FR("securityerror", "402"),
	FR("rejected", "403"), FR("rejected", "405"), FR("rejected", "415"),
	FR("userunknown", "416"), FR("mailboxfull", "417"),
	FR("suspend", "420"), FR("rejected", "421"), FR("suspend", "426"),
	FR("systemerror", "505"), FR("spamdetected", "506"),
	FR("blocked", "510"), FR("emailtoolarge", "514"),
	FR("authfailure", "517"), FR("policyviolation", "630"),
	FR("blocked", "999"),
	R("authfailure", NULL, "spf/dns de votre nom de domaine"),
	R_END
};

/* GoDaddy (secureserver.net) ends its texts with " IBnnn". */
static const char *const godaddy_hosts[] = {
	"secureserver.net", NULL
};
static struct br_phrase godaddy_markers[] = {
	{ "secureserver.net", 0 }, { "godaddy", 0 }, { NULL, 0 }
};
static struct br_provider_rule godaddy_rules[] = {
	R("securityerror", NULL, " ib401"),
	R("notcompliantrfc", NULL, " ib501"),
	R("notcompliantrfc", NULL, " ib502"),
	R("rejected", NULL, " ib506"),
	R("authfailure", NULL, " ib508"),
	R("requireptr", NULL, " ib108"),
	R("spamdetected", NULL, " ib212"),
	R("virusdetected", NULL, " ib705"),
	R("ratelimited", NULL, " ib605"),
	R("ratelimited", NULL, " ib007"),
	R("ratelimited", NULL, " ib101"),
	R("blocked", NULL, " ib110"),
	R("blocked", NULL, " ib111"),
	R("blocked", NULL, " ib112"),
	R("blocked", NULL, " ib113"),
	R("ratelimited", NULL, " ib504"),
	R("ratelimited", NULL, " ib510"),
	R("ratelimited", NULL, " ib607"),
	R("badreputation", NULL, " ib103"),
	R("blocked", NULL, " ib104"),
	R("blocked", NULL, " ib105"),
	R("blocked", NULL, " ib106"),
	R("blocked", NULL, "rbl reject"),
	R("expired", NULL, "delivery timeout"),
	R("mailboxfull", NULL, "account storage limit"),
	R("spamdetected", NULL, "message rejected for spam or virus content"),
	R("systemerror", NULL, "message is looping"),
	R("userunknown", NULL, "account does not exist"),
	R_END
};

static const char *const tencent_hosts[] = {
	".qq.com", "qq.com", "foxmail.com", NULL
};
static struct br_phrase tencent_markers[] = {
	{ "qq.com", 0 }, { NULL, 0 }
};
static struct br_provider_rule tencent_rules[] = {
	R("authfailure", NULL, "spf check failed"),
	R("authfailure", NULL, "dmarc check failed"),
	R("blocked", NULL, "suspected bounce attacks"),
	R("blocked", NULL, "suspected spam ip"),
	R("blocked", NULL, "connection denied"),
	R("emailtoolarge", NULL, "message too large"),
	R("rejected", NULL, "suspected spam"),
	R("rejected", NULL, "mail is rejected by recipients"),
	R("spamdetected", NULL, "spam is embedded in the email"),
	R("spamdetected", NULL, "mail content denied"),
	R("ratelimited", NULL, "mailbox unavailable or access denined"),
	R("ratelimited", NULL, "frequency of receiving messages is limited"),
	R("suspend", NULL, "is a deactivated mailbox"),
	R("syntaxerror", NULL, "bad address syntax"),
	R("ratelimited", NULL, "frequency limited"),
	R("userunknown", NULL, "mailbox not found"),
	R_END
};

static const char *const mimecast_hosts[] = { ".mimecast.com", NULL };
static struct br_phrase mimecast_markers[] = {
	{ "mimecast", 0 }, { NULL, 0 }
};
static struct br_provider_rule mimecast_rules[] = {
	R("authfailure", NULL, "spf sender invalid - envelope rejected"),
	R("authfailure", NULL, "dkim sender invalid - envelope rejected"),
	R("authfailure", NULL, "dmarc sender invalid - envelope rejected"),
	R("badreputation", NULL, "internal resources are temporarily unavailable"),
	R("badreputation", NULL, "local ct ip reputation - (reject)"),
	R("blocked", NULL, "sender address blocked"),
	R("blocked", NULL, "recipient temporarily unavailable"),
	R("blocked", NULL, "ip temporarily blacklisted"),
	R("failedstarttls", NULL, "this route requires encryption (tls)"),
	R("failedstarttls", NULL, "this route requires tls version 1.2 or greater"),
	R("failedstarttls", NULL, "this route requires high-strength ciphers"),
	R("emailtoolarge", NULL, "maximum email size exceeded"),
	R("networkerror", NULL, "the incorrect hostname used for inbounds"),
	R("networkerror", NULL, "mail loop detected"),
	R("norelaying", NULL, "open relay not allowed"),
	R("norelaying", NULL, "open relay is not allowed"),
	R("notaccept", NULL, "account inbounds disabled"),
	R("policyviolation", NULL, "anti-spoofing policy - inbound not allowed"),
	R("policyviolation", NULL, "rejected by header-based anti-spoofing policy"),
	R("policyviolation", NULL, "message bounced due to content examination policy"),
	R("policyviolation", NULL, "host network not allowed"),
	R("policyviolation", NULL, "host network, not allowed"),
	R("rejected", NULL, "administrative prohibition envelope blocked"),
	R("rejected", NULL, "envelope blocked - user entry"),
	R("rejected", NULL, "envelope blocked - user domain entry"),
	R("rejected", NULL, "rejected by header-based manually blocked senders"),
	R("rejected", NULL, "rejected by header-based blocked senders"),
	R("rejected", NULL, "envelope rejected - block policy for envelope from address"),
	R("securityerror", NULL, "incorrect authentication data"),
	R("securityerror", NULL, "submitter failed to authenticate"),
	R("systemerror", NULL, "unable to process connection at this time"),
	R("systemerror", NULL, "message ended early"),
	R("systemerror", NULL, "unable to process command"),
	R("systemerror", NULL, "unable to process an email at this time"),
	R("ratelimited", NULL, "account service is temporarily unavailable"),
	R("ratelimited", NULL, "too many recipients"),
	R("ratelimited", NULL, "exceeding outbound thread limit"),
	R("userunknown", NULL, "invalid recipient"),
	R("virusdetected", NULL, "email rejected due to security policies"),
	R_END
};

/* Facebook's own codes, "RCP-P2", https://www.facebook.com/postmaster */
static const char *const facebook_hosts[] = { ".facebook.com", NULL };
static struct br_phrase facebook_markers[] = {
	{ "postmaster.facebook.com", 0 }, { NULL, 0 }
};
static struct br_provider_rule facebook_rules[] = {
	R("authfailure", NULL, "pol-p7"),
	R("blocked", NULL, "pol-p1"), R("blocked", NULL, "pol-p2"),
	R("blocked", NULL, "pol-p3"), R("blocked", NULL, "pol-p4"),
	R("blocked", NULL, "pol-t1"), R("blocked", NULL, "pol-t2"),
	R("blocked", NULL, "pol-t3"),
	R("contenterror", NULL, "msg-p2"),
	R("filtered", NULL, "rcp-p2"), R("filtered", NULL, "rcp-p3"),
	R("emailtoolarge", NULL, "msg-p1"), R("emailtoolarge", NULL, "int-p2"),
	R("notcompliantrfc", NULL, "msg-p3"),
	R("rejected", NULL, "dns-p1"), R("rejected", NULL, "dns-p2"),
	R("rejected", NULL, "dns-t1"),
	R("requireptr", NULL, "dns-p3"), R("requireptr", NULL, "dns-t2"),
	R("spamdetected", NULL, "pol-p6"),
	R("suspend", NULL, "rcp-t4"),
	R("systemerror", NULL, "rcp-t1"),
	R("ratelimited", NULL, "con-t1"), R("ratelimited", NULL, "con-t2"),
	R("ratelimited", NULL, "con-t3"), R("ratelimited", NULL, "con-t4"),
	R("ratelimited", NULL, "msg-t1"),
	R("userunknown", NULL, "rcp-p1"), R("userunknown", NULL, "int-p1"),
	R("userunknown", NULL, "int-p3"), R("userunknown", NULL, "int-p4"),
	R("virusdetected", NULL, "pol-p5"),
	R_END
};

/* Symantec (Broadcom) Email Security.cloud, formerly MessageLabs */
static const char *const messagelabs_hosts[] = { ".messagelabs.com", NULL };
static struct br_phrase messagelabs_markers[] = {
	{ "messagelabs", 0 }, { "symanteccloud", 0 }, { NULL, 0 }
};
static struct br_provider_rule messagelabs_rules[] = {
	R("authfailure", NULL, "domain authentication fail"),
	R("badreputation", NULL, "connection rejected by policy"),
	R("blocked", NULL, "mail rejected because your ip is in the pbl"),
	R("blocked", NULL, "your ip address has been "),
	R("contenterror", NULL, "stray linefeeds in message"),
	R("failedstarttls", NULL, "tls/sslv3 connection required"),
	R("notcompliantrfc", NULL, "550 requested action aborted [4]"),
	R("notcompliantrfc", NULL, "has detected that this message is not rfc 5322"),
	R("rejected", NULL, "sender envelope domain not allowed for sender ip address"),
	R("rejected", NULL, "your domain has been blocked"),
	R("rejected", NULL, "your email address has been blocked"),
	R("rejected", NULL, "your envelope sender is in my badmailfrom list"),
	R("rejected", NULL, "your email address has been blacklisted"),
	R("rejected", NULL, "your domain has been blacklisted"),
	R("securityerror", NULL, "please turn on smtp authentication in your mail client"),
	/* after the above: the relay refusal that asks for authentication */
	R("norelaying", NULL, " as a relay, "),
	R("spamdetected", NULL, "message filtered"),
	R("spamdetected", NULL, "filtered by outbound scanning"),
	R("ratelimited", NULL, "too many recipients received this hour"),
	R("ratelimited", NULL, "too many messages"),
	R("userunknown", NULL, "no such user"),
	R("userunknown", NULL, "invalid recipient"),
	R("userunknown", NULL, "mailbox is not allowed"),
	R_END
};

static const char *const aol_hosts[] = {
	".mail.aol.com", ".mx.aol.com", "aol.com", NULL
};
static struct br_phrase aol_markers[] = {
	{ ".mx.aol.com", 0 }, { ".mail.aol.com", 0 }, { NULL, 0 }
};
static struct br_provider_rule aol_rules[] = {
	R("hostunknown", NULL, "host or domain name not found"),
	R("notaccept", NULL, "type=mx: malformed or unexpected name server reply"),
	R_END
};

/* au (KDDI) answers "550 : User unknown" when a filter refused, and
 * "550 <address>: User unknown" when the address does not exist. */
static const char *const kddi_hosts[] = {
	".ezweb.ne.jp", "msmx.au.com", "ezweb.ne.jp", "au.com", NULL
};
static struct br_phrase kddi_markers[] = {
	{ "ezweb.ne.jp", 0 }, { "msmx.au.com", 0 }, { "@au.com", 0 },
	{ NULL, 0 }
};
static struct br_provider_rule kddi_rules[] = {
	R("filtered", NULL, "550 : user unknown"),
	R("userunknown", NULL, ">: user unknown"),
	R_END
};

static const char *const docomo_hosts[] = {
	"mfsmax.docomo.ne.jp", "docomo.ne.jp", NULL
};
static struct br_phrase docomo_markers[] = {
	{ "docomo.ne.jp", 0 }, { NULL, 0 }
};
static struct br_provider_rule docomo_rules[] = {
	R("mailboxfull", NULL, "552 too much mail data"),
	R("syntaxerror", NULL, "503 bad sequence of commands"),
	R("ratelimited", NULL, "552 too many recipients"),
	R("filtered", "5.2.0", "unknown user"),
	/* "550 Unknown user" refusing the address is that; refusing the
	 * message after DATA is docomo refusing the sender */
	R_CMD("userunknown", "5.0.0", "RCPT", "550 unknown user"),
	R_CMD("rejected", "5.0.0", "DATA", "550 unknown user"),
	R_END
};

static const char *const spectrum_hosts[] = { "charter.net", NULL };
static struct br_phrase spectrum_markers[] = {
	{ "charter.net", 0 }, { "spectrum", 0 }, { NULL, 0 }
};
static struct br_provider_rule spectrum_rules[] = {
	R("blocked", NULL, "aup#i-1000"), R("blocked", NULL, "aup#o-1000"),
	R("rejected", NULL, "aup#o-1010"),
	R("systemerror", NULL, "aup#i-1090"),
	R("blocked", NULL, "aup#i-1200"), R("blocked", NULL, "aup#i-1210"),
	R("networkerror", NULL, "aup#i-1260"),
	R("rejected", NULL, "aup#o-1500"), R("rejected", NULL, "aup#o-1520"),
	R("emailtoolarge", NULL, "aup#o-1530"),
	R_END
};

/* i.ua: its refusals link to an explanation, http://mail.i.ua/err/N;
 * 10 before 1, as the phrase is a prefix. */
static const char *const iua_hosts[] = { ".i.ua", "i.ua", NULL };
static struct br_phrase iua_markers[] = {
	{ "i.ua/err/", 0 }, { NULL, 0 }
};
static struct br_provider_rule iua_rules[] = {
	R("filtered", NULL, "i.ua/err/10"),
	R("norelaying", NULL, "i.ua/err/1"),
	R("userunknown", NULL, "i.ua/err/2"),
	R("suspend", NULL, "i.ua/err/3"),
	R("mailboxfull", NULL, "i.ua/err/4"),
	R("ratelimited", NULL, "i.ua/err/5"),
	R("norelaying", NULL, "i.ua/err/6"),
	R("blocked", NULL, "i.ua/err/7"),
	R("rejected", NULL, "i.ua/err/8"),
	R("blocked", NULL, "i.ua/err/9"),
	R_END
};

/* Cloudflare Email Routing (its postmaster page). */
static const char *const cloudflare_hosts[] = { ".mx.cloudflare.net", NULL };
static struct br_phrase cloudflare_markers[] = {
	{ "cloudflare", 0 }, { NULL, 0 }
};
static struct br_provider_rule cloudflare_rules[] = {
	R("blocked", NULL, "found on one or more dnsbls"),
	R("systemerror", NULL, "upstream error"),
	R_END
};

/* Zoho Mail as the receiver (its spam-reason and error-code pages). */
static const char *const zoho_hosts[] = {
	".zoho.com", ".zohomail.com", ".zoho.eu", ".zoho.in", "zoho.com",
	"zohomail.com", "zoho.eu", "zoho.in", NULL
};
static struct br_phrase zoho_markers[] = {
	{ "detected by zoho mail", 0 }, { NULL, 0 }
};
static struct br_provider_rule zoho_rules[] = {
	R("authfailure", NULL, "email rejected per dmarc policy"),
	R("blocked", NULL, "greylisted, try again after some time"),
	R("rejected", NULL, "email cannot be delivered. reason: email flagged as spam"),
	R("rejected", NULL, "mail rejected by destination domain"),
	R("policyviolation", NULL, "email policy violation detected"),
	R("policyviolation", NULL, "mailbox delivery restricted by policy error"),
	R("systemerror", NULL, "temporary system error"),
	R("userunknown", NULL, "user does not exist"),
	R("virusdetected", NULL, " detected by zoho mail"),
	R_END
};

struct br_provider br_providers[] = {
	{ "google", google_hosts, google_markers, google_rules },
	{ "microsoft", microsoft_hosts, microsoft_markers, microsoft_rules },
	{ "yahoo", yahoo_hosts, yahoo_markers, yahoo_rules },
	{ "apple", apple_hosts, apple_markers, apple_rules },
	{ "cox", cox_hosts, cox_markers, cox_rules },
	{ "franceptt", franceptt_hosts, franceptt_markers, franceptt_rules },
	{ "godaddy", godaddy_hosts, godaddy_markers, godaddy_rules },
	{ "tencent", tencent_hosts, tencent_markers, tencent_rules },
	{ "mimecast", mimecast_hosts, mimecast_markers, mimecast_rules },
	{ "facebook", facebook_hosts, facebook_markers, facebook_rules },
	{ "messagelabs", messagelabs_hosts, messagelabs_markers,
	    messagelabs_rules },
	{ "aol", aol_hosts, aol_markers, aol_rules },
	{ "kddi", kddi_hosts, kddi_markers, kddi_rules },
	{ "docomo", docomo_hosts, docomo_markers, docomo_rules },
	{ "spectrum", spectrum_hosts, spectrum_markers, spectrum_rules },
	{ "iua", iua_hosts, iua_markers, iua_rules },
	{ "cloudflare", cloudflare_hosts, cloudflare_markers,
	    cloudflare_rules },
	{ "zoho", zoho_hosts, zoho_markers, zoho_rules },
	{ NULL, NULL, NULL, NULL }
};

