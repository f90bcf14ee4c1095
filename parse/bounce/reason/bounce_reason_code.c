/* bounce_reason_code.c - SMTP status (RFC 3463) and reply (RFC 5321)
 * codes: recognize them, find them in a diagnostic, choose between a
 * stated code and one the text carries.
 *
 * Usage (bounce_reason_internal.h):
 *	br_status_find(&text, code);	   best status in the text, or ""
 *	br_prefer(stated, found, reply)	   the code that says most
 *	br_reply_find(&text, '5')	   a reply code of that class, or 0
 *
 * A code counts only standing alone: not inside an IPv4 address, a
 * version ("v2.0.1"), a longer number or a path.  Which of several codes
 * wins follows sisimai's rules (status.Find, status.Prefer, reply.Find),
 * so both tools agree on the same text.
 */
#include <string.h>

#include "bounce_reason_internal.h"

/* Class 2, 4 or 5; subject 0-7; detail 1-3 digits. */
gboolean
br_status_valid(const char *s)
{
	size_t n;

	if (s == NULL || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.' || s[2] < '0' || s[2] > '7' || s[3] != '.')
		return FALSE;
	for (n = 0; g_ascii_isdigit(s[4 + n]); n++)
		;
	return n >= 1 && n <= 3 && s[4 + n] == '\0';
}

/* sisimai's own codes (5.0.911 ...) say nothing the reason does not. */
gboolean
br_status_internal(const char *s)
{
	return strlen(s) == 7 && strncmp(s + 1, ".0.9", 4) == 0;
}

const char *
br_status_reason(const char *status)
{
	const struct br_status_name *n;

	if (status == NULL || status[0] == '\0')
		return NULL;
	for (n = br_status_names; n->status != NULL; n++)
		if (n->status[2] == status[2] && strcmp(n->status, status) == 0)
			return n->reason;
	return NULL;
}

static gboolean
zero_subject(const char *s)	/* "X.0.0" */
{
	return strncmp(s + 1, ".0.0", 4) == 0 && s[5] == '\0';
}

static gboolean
subject_is(const char *s, const char *sub)	/* ".5.1" of "5.5.1" */
{
	return s[0] != '\0' && strncmp(s + 1, sub, 4) == 0;
}

const char *
br_prefer(const char *stated, const char *found, int reply)
{
	char rc = reply > 0 ? (char)('0' + reply / 100) : '0';

	if (stated[0] == '\0')
		return found;
	if (found[0] == '\0')
		return stated;
	if (rc != '0' && stated[0] != found[0]) {
		/* the class the reply code confirms */
		if (rc == stated[0])
			return stated;
		if (rc == found[0])
			return found;
	}
	if (strcmp(stated, found) == 0)
		return stated;
	if (zero_subject(stated))
		return zero_subject(found) ? stated : found;
	if (strstr(stated, ".0") != NULL && strstr(found, ".0") == NULL)
		return found;
	if (zero_subject(found))
		return stated;
	/* codes that often stand for something the text says better */
	if (strcmp(stated, "4.4.7") == 0 || strcmp(stated, "4.7.0") == 0 ||
	    strncmp(stated, "5.3.", 4) == 0 || subject_is(stated, ".5.1") ||
	    subject_is(stated, ".5.2") || subject_is(stated, ".5.4") ||
	    subject_is(stated, ".5.5"))
		return found;
	if (strcmp(stated, "5.1.1") == 0)
		return strstr(found, ".0") != NULL ||
		    strncmp(found, "5.5.", 4) == 0 ? stated : found;
	if (strcmp(stated, "5.1.3") == 0 && strncmp(found, "5.7.", 4) == 0)
		return found;
	return stated;
}

static gboolean
code_edge(char c)	/* may stand next to a code: not '.', '/', a digit */
{
	return c != '.' && c != '/' && !g_ascii_isdigit(c);
}

/* X.0.0 and 4.4.7 count only when nothing more telling is there. */
void
br_status_find(const struct br_text *t, char out[BR_STATUS_MAX])
{
	char generic[BR_STATUS_MAX] = "";
	const char *s = t->low;
	size_t i, n;

	out[0] = '\0';
	for (i = 0; i + 4 < t->len; i++) {
		char code[BR_STATUS_MAX];

		if ((s[i] != '2' && s[i] != '4' && s[i] != '5') ||
		    s[i + 1] != '.' || s[i + 2] < '0' || s[i + 2] > '7' ||
		    s[i + 3] != '.' || !g_ascii_isdigit(s[i + 4]))
			continue;
		if (i > 0 && (!code_edge(s[i - 1]) || s[i - 1] == 'v'))
			continue;
		for (n = 1; n < 4 && g_ascii_isdigit(s[i + 4 + n]); n++)
			;
		if (g_ascii_isdigit(s[i + 4 + n]))
			continue;	/* five digits: not a code */
		if (s[i + 4 + n] == '.' && g_ascii_isdigit(s[i + 5 + n]))
			continue;	/* an IPv4 address or a version */
		memcpy(code, s + i, 4 + n);
		code[4 + n] = '\0';
		if (zero_subject(code) || strcmp(code, "4.4.7") == 0) {
			if (generic[0] == '\0')
				g_strlcpy(generic, code, BR_STATUS_MAX);
		} else
			g_strlcpy(out, br_prefer(out, code, 0), BR_STATUS_MAX);
		i += 3 + n;
	}
	if (out[0] == '\0')
		g_strlcpy(out, generic, BR_STATUS_MAX);
}

/* Reply codes by class, most telling first (as sisimai weighs them). */
static const int replies5[] = {
	550, 552, 553, 551, 521, 525, 523, 524, 530, 533, 534, 535, 538, 555,
	556, 554, 500, 501, 502, 503, 504, 0
};
static const int replies4[] = {
	421, 450, 451, 452, 422, 430, 432, 453, 454, 455, 458, 459, 0
};
static const int replies2[] = {
	211, 214, 220, 221, 235, 250, 251, 252, 253, 334, 354, 0
};

static int
reply_rank(int code, char class)
{
	const int *lists[3] = { replies5, replies4, replies2 };
	int i, j, rank = 0;

	for (i = 0; i < 3; i++)
		for (j = 0; lists[i][j] != 0; j++, rank++)
			if (lists[i][j] == code &&
			    (class == '0' || class == '0' + code / 100))
				return rank;
	return -1;
}

int
br_reply_find(const struct br_text *t, char class)
{
	const char *s = t->low;
	int best = 0, best_rank = 1000;
	size_t i;

	if (strstr(s, "x-unix") != NULL)
		return 0;
	for (i = 0; i + 2 < t->len; i++) {
		int code, rank;

		if (!g_ascii_isdigit(s[i]) || !g_ascii_isdigit(s[i + 1]) ||
		    !g_ascii_isdigit(s[i + 2]) ||
		    (i > 0 && !code_edge(s[i - 1])) ||
		    (i + 3 < t->len && !code_edge(s[i + 3])))
			continue;
		code = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 +
		    (s[i + 2] - '0');
		rank = reply_rank(code, class);
		if (rank >= 0 && rank < best_rank) {
			best = code;
			best_rank = rank;
		}
		i += 2;
	}
	return best;
}
