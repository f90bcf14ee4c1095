/* bounce_match_test.c - unit tests of parse/bounce/reason/bounce_reason_match.c, the
 * scanner that finds every table phrase in a diagnostic in one pass.
 *
 * Run without arguments: TAP lines.  The scanner keeps only the first
 * bytes of each fragment in its automaton and compares the rest with the
 * text, fills its transition table as scans reach new states, and may be
 * used from several threads at once; each of these is tested against the
 * plain answer (the phrase's fragments found in order with memmem in the
 * prepared text), over every phrase of the real tables and texts built
 * from pieces of them, and over a few phrases of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/bounce/reason/bounce_reason_internal.h"
#include "tests/unit/tap.h"

/* Our own phrases: one the prefix of another, two that part only late,
 * one of two fragments, one of a single byte. */
static struct br_phrase own[] = {
	{ "user unknown", 0 },
	{ "user unknown in local recipient table", 0 },
	{ "zzqx rare phrase one", 0 },
	{ "zzqx rare phrase two", 0 },
	{ "mailbox * full", 0 },
	{ "q", 0 },
	{ NULL, 0 },
};

/* Every phrase of every table. */
static GPtrArray *
all_phrases(void)
{
	GPtrArray *a = g_ptr_array_new();
	struct br_reason_text *t;
	struct br_provider *p;
	struct br_lda *l;
	struct br_phrase *ph;
	int i;

	for (ph = own; ph->text != NULL; ph++)
		g_ptr_array_add(a, ph);
	for (t = br_texts; t->reason != NULL; t++) {
		for (ph = t->phrases; ph && ph->text; ph++)
			g_ptr_array_add(a, ph);
		for (ph = t->unless; ph && ph->text; ph++)
			g_ptr_array_add(a, ph);
	}
	for (ph = br_userunknown_anywhere; ph->text; ph++)
		g_ptr_array_add(a, ph);
	for (p = br_providers; p->name != NULL; p++) {
		for (ph = p->markers; ph && ph->text; ph++)
			g_ptr_array_add(a, ph);
		for (i = 0; p->rules[i].reason != NULL; i++)
			if (p->rules[i].phrase.text != NULL)
				g_ptr_array_add(a, &p->rules[i].phrase);
	}
	for (l = br_ldas; l->name != NULL; l++) {
		for (ph = l->markers; ph && ph->text; ph++)
			g_ptr_array_add(a, ph);
		for (i = 0; l->rules[i].reason != NULL; i++)
			g_ptr_array_add(a, &l->rules[i].phrase);
	}
	for (i = 0; br_commands[i].command != NULL; i++)
		g_ptr_array_add(a, &br_commands[i].phrase);
	return a;
}

/* The plain answer: the fragments of p in order in t->low. */
static gboolean
naive(const struct br_text *t, const struct br_phrase *p)
{
	const char *at = t->low, *end = t->low + t->len, *s = p->text, *star;

	for (;;) {
		gsize n;

		star = strchr(s, '*');
		n = star ? (gsize)(star - s) : strlen(s);
		at = memmem(at, (gsize)(end - at), s, n);
		if (at == NULL)
			return FALSE;
		at += n;
		if (star == NULL)
			return TRUE;
		s = star + 1;
	}
}

/* How many phrases of a the scanner and the plain answer disagree on,
 * for text s; the first disagreement is told. */
static guint
disagree(GPtrArray *a, const char *s)
{
	struct br_text *t = g_new(struct br_text, 1);
	guint i, bad = 0;

	br_scan(t, s);
	for (i = 0; i < a->len; i++) {
		const struct br_phrase *p = g_ptr_array_index(a, i);

		if (br_has(t, p) != naive(t, p) && bad++ == 0)
			printf("# \"%s\" in \"%s\": scanner %d\n", p->text,
			    t->low, br_has(t, p));
	}
	g_free(t);
	return bad;
}

/* A text of pieces of phrases (whole, cut short, run together) and
 * noise, upper and lower case. */
static char *
random_text(GPtrArray *a, GRand *r)
{
	GString *s = g_string_new(NULL);
	int k, n = g_rand_int_range(r, 1, 8);

	for (k = 0; k < n; k++) {
		const char *p = ((struct br_phrase *)g_ptr_array_index(a,
		    g_rand_int_range(r, 0, (gint32)a->len)))->text;
		gsize len = strlen(p), from = 0, to = len;

		switch (g_rand_int_range(r, 0, 4)) {
		case 0:		/* a prefix */
			to = (gsize)g_rand_int_range(r, 0, (gint32)len + 1);
			break;
		case 1:		/* a suffix */
			from = (gsize)g_rand_int_range(r, 0, (gint32)len + 1);
			break;
		}
		for (gsize i = from; i < to; i++)
			g_string_append_c(s, p[i] == '*' ? ' ' :
			    g_rand_boolean(r) ? g_ascii_toupper(p[i]) : p[i]);
		if (g_rand_int_range(r, 0, 3) > 0)
			g_string_append(s, g_rand_boolean(r) ? " " : "\n\t");
	}
	return g_string_free(s, FALSE);
}

static void
test_own(GPtrArray *a)
{
	struct br_text *t = g_new(struct br_text, 1);

	br_scan(t, "550 5.1.1 <a@b>: User Unknown");
	TAP_OK(br_any(t, own) == &own[0], "a phrase at the end of a text");
	br_scan(t, "550 5.1.1 <a@b>: user unknown in local recipient table");
	TAP_OK(br_has(t, &own[0]) && br_has(t, &own[1]),
	    "a phrase and the longer one it begins");
	br_scan(t, "user unknow");
	TAP_OK(br_any(t, own) == NULL, "a phrase cut short by the end");
	br_scan(t, "zzqx rare phrase on zzqx rare phrase tw");
	TAP_OK(!br_has(t, &own[2]) && !br_has(t, &own[3]),
	    "two phrases that part late, both cut short");
	br_scan(t, "ZZQX  rare\tphrase two");
	TAP_OK(!br_has(t, &own[2]) && br_has(t, &own[3]),
	    "the second of them, white space collapsed");
	br_scan(t, "your MAILBOX is full");
	TAP_OK(br_has(t, &own[4]), "two fragments in order");
	br_scan(t, "full mailbox");
	TAP_OK(!br_has(t, &own[4]), "two fragments out of order");
	br_scan(t, "Q");
	TAP_OK(br_has(t, &own[5]), "a phrase of one byte");
	br_scan(t, "");
	TAP_OK(br_any(t, own) == NULL && t->len == 0, "no text");
	TAP_OK(disagree(a, "user unknown zzqx rare phrase one mailbox full")
	    == 0, "every table phrase as memmem says");
	g_free(t);
}

static void
test_random(GPtrArray *a)
{
	GRand *r = g_rand_new_with_seed(20241122);
	guint bad = 0, n;

	for (n = 0; n < 3000; n++) {
		char *s = random_text(a, r);

		bad += disagree(a, s) > 0;
		g_free(s);
	}
	TAP_OK(bad == 0, "3000 texts of phrase pieces: scanner and memmem "
	    "agree on all %u phrases (%u texts differ)", a->len, bad);
	g_rand_free(r);
}

struct job {
	GPtrArray *a;
	guint seed, bad;
};

static gpointer
scan_job(gpointer p)
{
	struct job *j = p;
	GRand *r = g_rand_new_with_seed(j->seed);

	for (int n = 0; n < 400; n++) {
		char *s = random_text(j->a, r);

		j->bad += disagree(j->a, s) > 0;
		g_free(s);
	}
	g_rand_free(r);
	return NULL;
}

/* Rows of the transition table are filled as scans need them: several
 * threads filling and reading at once must still agree with memmem. */
static void
test_threads(GPtrArray *a)
{
	struct job jobs[4];
	GThread *th[4];
	guint bad = 0;

	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){ a, 100 + (guint)i, 0 };
		th[i] = g_thread_new("scan", scan_job, &jobs[i]);
	}
	for (int i = 0; i < 4; i++) {
		g_thread_join(th[i]);
		bad += jobs[i].bad;
	}
	TAP_OK(bad == 0, "4 threads scanning at once agree with memmem "
	    "(%u texts differ)", bad);
}

int
main(void)
{
	GPtrArray *a;

	/* Before the tables: compiled into the same automaton. */
	br_compile_list(own);
	br_init();
	a = all_phrases();
	test_threads(a);	/* first, while the table is still empty */
	test_own(a);
	test_random(a);
	g_ptr_array_free(a, TRUE);
	return tap_done();
}
