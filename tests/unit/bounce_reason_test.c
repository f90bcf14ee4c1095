/* bounce_reason_test.c - unit tests of parse/bounce_reason*.c (the
 * classifier) and parse/bounce_auth.c (the authentication verdicts).
 *
 * Run without arguments: TAP lines.  Each case is a recipient as a
 * recognizer would fill it, written from real providers' texts (addresses
 * and IPs anonymised), and the reason, rule kind, hard/soft, status and
 * reply code the classifier must give, or the typed auth fields.
 *
 * Run with --eval: read recipients as TSV on stdin, one per line,
 *	id status reply diagnostic command action mta_reason format
 *	recipient remote_mta diagnostic_type feedback_type
 * (empty field = NULL) and print "id reason hard status reply rule
 * sending_ip domain spf dkim dmarc" per line.  tests/bounce_reason_eval.py
 * drives it to score the classifier alone against the corpus.  With
 * --bench N, classify every input line N times and print the CPU time
 * per bounce_classify call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/bounce.h"
#include "tests/unit/tap.h"

static char *
field(char **line)
{
	char *s = *line, *tab;

	if (s == NULL)
		return NULL;
	if ((tab = strchr(s, '\t')) != NULL) {
		*tab = '\0';
		*line = tab + 1;
	} else
		*line = NULL;
	return s[0] ? g_strdup(s) : NULL;
}

static void
rcpt_clear(struct bounce_recipient *r)
{
	g_free(r->recipient);
	g_free(r->action);
	g_free(r->status);
	g_free(r->remote_mta);
	g_free(r->diagnostic_type);
	g_free(r->diagnostic_code);
	g_free(r->smtp_command);
	g_free(r->mta_reason);
	g_free(r->feedback_type);
	g_free(r->rule);
	g_free(r->auth.sending_ip);
	g_free(r->auth.domain);
	g_free(r->auth.spf);
	g_free(r->auth.dkim);
	g_free(r->auth.dmarc);
	memset(r, 0, sizeof(*r));
}

static const char *
n(const char *s)
{
	return s ? s : "";
}

/* One TSV line into a recipient; returns the id and the format. */
static void
parse_line(char *line, struct bounce_recipient *r, char **id, char **format)
{
	char *reply;

	memset(r, 0, sizeof(*r));
	*id = field(&line);
	r->status = field(&line);
	reply = field(&line);
	r->reply_code = reply ? atoi(reply) : 0;
	r->diagnostic_code = field(&line);
	r->smtp_command = field(&line);
	r->action = field(&line);
	r->mta_reason = field(&line);
	*format = field(&line);
	r->recipient = field(&line);
	r->remote_mta = field(&line);
	r->diagnostic_type = field(&line);
	r->feedback_type = field(&line);
	g_free(reply);
}

static int
eval(void)
{
	char buf[65536];

	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		struct bounce_recipient r;
		char *id, *format;

		buf[strcspn(buf, "\r\n")] = '\0';
		parse_line(buf, &r, &id, &format);
		bounce_classify(&r, format);
		bounce_auth_extract(&r);
		printf("%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    n(id), r.reason, r.hard_bounce, n(r.status), r.reply_code,
		    n(r.rule), n(r.auth.sending_ip), n(r.auth.domain),
		    n(r.auth.spf), n(r.auth.dkim), n(r.auth.dmarc));
		rcpt_clear(&r);
		g_free(id);
		g_free(format);
	}
	return 0;
}

/* CPU time of bounce_classify alone (re-classifying is allowed). */
static int
bench(int rounds)
{
	GArray *rs = g_array_new(FALSE, TRUE, sizeof(struct bounce_recipient));
	GPtrArray *formats = g_ptr_array_new_with_free_func(g_free);
	struct timespec t0, t1;
	char buf[65536];
	guint i;
	int k;

	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		struct bounce_recipient r;
		char *id, *format;

		buf[strcspn(buf, "\r\n")] = '\0';
		parse_line(buf, &r, &id, &format);
		g_array_append_val(rs, r);
		g_ptr_array_add(formats, format);
		g_free(id);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (k = 0; k < rounds; k++)
		for (i = 0; i < rs->len; i++)
			bounce_classify(&g_array_index(rs,
			    struct bounce_recipient, i),
			    g_ptr_array_index(formats, i));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	printf("%u recipients x %d: %.2f us CPU per bounce_classify\n",
	    rs->len, rounds, ((t1.tv_sec - t0.tv_sec) * 1e9 +
	    (t1.tv_nsec - t0.tv_nsec)) / 1e3 / rs->len / rounds);
	for (i = 0; i < rs->len; i++)
		rcpt_clear(&g_array_index(rs, struct bounce_recipient, i));
	g_array_free(rs, TRUE);
	g_ptr_array_free(formats, TRUE);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--eval") == 0)
		return eval();
	if (argc > 2 && strcmp(argv[1], "--bench") == 0)
		return bench(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	TAP_OK(1, "placeholder");
	return tap_done();
}
