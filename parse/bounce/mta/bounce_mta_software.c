/* bounce_mta_software.c - recognizers for the bounces MTA software writes:
 * Sendmail, Postfix, Exim, qmail, Courier, OpenSMTPD, DragonFly (DMA),
 * Oracle Messaging Server, Domino/Notes, Exchange 2003/2007, the filtering
 * appliances (Barracuda, McAfee, MXLogic, InterScan, SurfControl, ...) and
 * sisimai's unnamed families X1..X6.
 *
 * This file is the table, bounce_mtas_software[]; the rows' match and scan
 * functions live in bounce_mta_software_unix.c (the Unix MTAs) and
 * bounce_mta_software_other.c (the rest), the machinery they share in
 * bounce_mta_software_text.c.  Adding an MTA: a layout and a match/scan
 * pair there, an SW_ROW line in bounce_mta_software.h, a row here.
 *
 * A match looks only at headers (and at worst one pass over the text); it
 * declines a bounce that carries a mail provider's own headers (Gmail,
 * Yahoo, Amazon SES, ...), which the provider table reads better.  A scan
 * returns 0 when the layout is not there after all, so the next row runs.
 *
 * Usage: only bounce.c's driver reads the table, in order.
 */
#include "bounce_mta_software.h"

#define ROW(name)	{ #name, sw_match_##name, sw_scan_##name }

/* Order matters where matches overlap: Sendmail (a DSN or its lists)
 * before V5 Sendmail and X1 ("Returned mail: "), m-FILTER and the
 * qmail-alike X2 before qmail ("failure notice"), DragonFly and MXLogic
 * before Exim ("Mail delivery failed", "Mail Delivery System"). */
const struct bounce_mta bounce_mtas_software[] = {
	ROW(postfix),
	ROW(sendmail),
	ROW(mfilter),
	ROW(x2),
	ROW(qmail),
	ROW(dragonfly),
	ROW(mxlogic),
	ROW(exim),
	ROW(opensmtpd),
	ROW(messagingserver),
	ROW(courier),
	ROW(v5sendmail),
	ROW(x1),
	ROW(x3),
	ROW(x5),
	ROW(x6),
	ROW(domino),
	ROW(notes),
	ROW(imailserver),
	ROW(fml),
	ROW(activehunter),
	ROW(mailfoundry),
	ROW(interscanmss),
	ROW(surfcontrol),
	ROW(mcafee),
	ROW(barracuda),
	ROW(amavis),
	ROW(powermta),
	ROW(apachejames),
	ROW(mailmarshalsmtp),
	ROW(exchange2003),
	ROW(exchange2007),
	{ NULL, NULL, NULL },
};
