/* bounce.h - what the bounce generator's two files share (bounce.c draws
 * bounces, bounce_render.c writes them in an MTA's layout); nothing else
 * includes it.
 */
#ifndef MAILSIFT_GEN_BOUNCE_H
#define MAILSIFT_GEN_BOUNCE_H

#include "gen.h"

enum bfmt { BF_POSTFIX, BF_GMAIL, BF_O365, BF_EXIM, BF_QMAIL };

/* How a receiver refuses one recipient.  In text: {rcpt}, {ip} (the IP
 * the original left from), {mx}, {mxip}, {dom} (recipient domain),
 * {dom_from} and {DOM} (our domain, as is and upper case), {id} (the
 * receiver's trace id). */
struct bcase {
	const char *reason, *status;
	int code;		/* SMTP reply, 0: failed locally */
	int data;		/* refused after DATA, not at RCPT */
	int provider;
	int delayed;		/* a 4xx: Postfix warns, others skip it */
	int weight;		/* in the background and the mix */
	const char *text;
};

/* Our side: who sends, from where, through which MTA. */
struct origin {
	const char *domain, *host, *ip;
	enum bfmt fmt;		/* the demo's: how our MTA there bounces */
	int weight;
};

struct brcpt {
	char addr[128];
	const struct bcase *c;
};

struct bmsg {
	enum bfmt fmt;
	int64_t when;		/* arrival at the reporting MTA */
	int day;
	const struct origin *o;
	const char *ip;		/* the IP the original left from */
	const char *rdom;	/* recipients' domain */
	const char *mx, *mx_ip;
	char mxbuf[96];
	const char *from_local, *subject;
	int nrcpt;
	struct brcpt r[3];
	char hex[65];		/* noise, fixed by seed and number */
	char qid[16], mid[96];
};

/* bounce_render.c: the whole message, in m's layout, appended to out. */
void bounce_render(GString *out, const struct bmsg *m);

#endif
