/* bounce_reason_match.c - find every known phrase in a diagnostic in one
 * pass.
 *
 * Usage (see bounce_reason_internal.h):
 *	once:	br_compile_list(list) ...; br_build();
 *	then:	t = br_scan_once(diagnostic); if (br_any(t, list)) ...
 *
 * Phrases are split at '*' into fragments; equal fragments share one id.
 * All fragments go into one Aho-Corasick automaton turned into a complete
 * transition table over byte classes (only bytes that occur in some
 * fragment get a class of their own, every other byte is class 0 and leads
 * back to the root), so scanning is one table load per byte.  A fragment
 * found sets its bit, and marks as candidates the phrases it begins.
 * Asking for a list is then looking at its few candidates in id order: a
 * phrase of one fragment is a candidate only if found, one of several is
 * confirmed in order with memmem.  Tables are built once, then only read.
 */
#include <string.h>	/* memmem: the Makefile defines _GNU_SOURCE */

#include "bounce_reason_internal.h"

struct cphrase {
	guint32 owner;		/* the list it came in; one list, one owner */
	guint16 nfrag;
	guint16 frag[BR_MAX_PARTS];
};

static GArray *phrases;		/* struct cphrase, indexed by br_phrase.id */
static guint32 owners;		/* lists compiled so far */
static GArray *owner_last;	/* guint32 per owner: its last phrase id */
static GHashTable *frag_ids;	/* fragment text -> id + 1, while building */
static GPtrArray *frags;	/* fragment texts, indexed by id; owns them */
static guint16 *frag_len;	/* their lengths */

/* States are numbered breadth first, so the shallow ones every text
 * walks through are close together in memory; 16 bits keep the table
 * small enough for the caches (25,000 states x 76 classes today).  The
 * top bit of a transition says the target state ends a fragment or has
 * a suffix that does, so most bytes never look at out[] or dict[]. */
typedef guint16 state_t;
#define MAX_STATES	0x7fff
#define EMITS		0x8000

static guint8 byte_class[256];
static guint nclass;
static state_t *delta;		/* nstates * nclass */
static gint32 *out;		/* fragment ending in a state, or -1 */
static gint32 *dict;		/* nearest suffix state with an output, or -1 */
static guint32 *first_at;	/* per fragment: its slice of first_ids */
static guint16 *first_ids;	/* phrases, grouped by their first fragment */

static int
frag_id(const char *s, size_t n)
{
	char *key = g_strndup(s, n);
	gpointer v;
	int id;

	if (frag_ids == NULL) {
		frag_ids = g_hash_table_new(g_str_hash, g_str_equal);
		frags = g_ptr_array_new();
	}
	if ((v = g_hash_table_lookup(frag_ids, key)) != NULL) {
		g_free(key);
		return GPOINTER_TO_INT(v) - 1;
	}
	id = (int)frags->len;
	if (id >= BR_MAX_FRAGS)
		g_error("bounce_reason: more than %d phrase fragments",
		    BR_MAX_FRAGS);
	g_ptr_array_add(frags, key);
	g_hash_table_insert(frag_ids, key, GINT_TO_POINTER(id + 1));
	return id;
}

/* A programming error in a table (empty fragment, too many parts) stops
 * the program at the first call: tables are not input. */
static void
compile(struct br_phrase *p, guint32 owner)
{
	struct cphrase c = { owner, 0, { 0 } };
	const char *s = p->text, *star;

	if (phrases == NULL)
		phrases = g_array_new(FALSE, TRUE, sizeof(struct cphrase));
	if (phrases->len >= BR_MAX_PHRASES)
		g_error("bounce_reason: more than %d phrases", BR_MAX_PHRASES);
	for (;;) {
		size_t n;

		star = strchr(s, '*');
		n = star ? (size_t)(star - s) : strlen(s);
		if (n == 0 || c.nfrag == BR_MAX_PARTS)
			g_error("bounce_reason: bad phrase \"%s\"", p->text);
		c.frag[c.nfrag++] = (guint16)frag_id(s, n);
		if (star == NULL)
			break;
		s = star + 1;
	}
	p->id = (int)phrases->len;
	g_array_append_val(phrases, c);
	if (owner_last == NULL)
		owner_last = g_array_new(FALSE, TRUE, sizeof(guint32));
	if (owner_last->len <= owner)
		g_array_set_size(owner_last, owner + 1);
	g_array_index(owner_last, guint32, owner) = (guint32)p->id;
}

void
br_compile_phrase(struct br_phrase *p)
{
	compile(p, owners++);
}

void
br_compile_list(struct br_phrase *list)
{
	guint32 owner = owners++;

	for (; list != NULL && list->text != NULL; list++)
		compile(list, owner);
}

/* The trie, as a growing table of child states per class (0 = none). */
static guint32
child(GArray *trie, guint32 s, guint c)
{
	return g_array_index(trie, guint32, s * nclass + c);
}

static void
build_classes(void)
{
	guint i;

	nclass = 1;	/* class 0 is every byte no fragment uses */
	for (i = 0; i < frags->len; i++) {
		const guint8 *f = g_ptr_array_index(frags, i);

		for (; *f; f++)
			if (byte_class[*f] == 0)
				byte_class[*f] = (guint8)nclass++;
	}
	if (nclass > 255)
		g_error("bounce_reason: too many byte classes");
}

/* Phrases grouped by their first fragment, in id order. */
static void
build_first(void)
{
	guint i, nf = frags->len;
	guint32 *fill = g_new0(guint32, nf + 1);

	first_at = g_new0(guint32, nf + 1);
	for (i = 0; i < phrases->len; i++)
		first_at[g_array_index(phrases, struct cphrase, i).frag[0] + 1]++;
	for (i = 0; i < nf; i++)
		first_at[i + 1] += first_at[i];
	first_ids = g_new(guint16, phrases->len);
	for (i = 0; i < phrases->len; i++) {
		guint f = g_array_index(phrases, struct cphrase, i).frag[0];

		first_ids[first_at[f] + fill[f]++] = (guint16)i;
	}
	g_free(fill);
}

/* The trie of all fragments, states numbered as created; out[s] is the
 * fragment ending at s. */
static guint32
build_trie(GArray *trie, GArray *outs)
{
	guint32 nstates = 1, s;
	gint32 none = -1;
	guint i;

	g_array_set_size(trie, nclass);
	g_array_append_val(outs, none);
	for (i = 0; i < frags->len; i++) {
		const guint8 *f = g_ptr_array_index(frags, i);

		for (s = 0; *f; f++) {
			guint32 next = child(trie, s, byte_class[*f]);

			if (next == 0) {
				next = nstates++;
				g_array_index(trie, guint32,
				    s * nclass + byte_class[*f]) = next;
				g_array_set_size(trie, nstates * nclass);
				g_array_append_val(outs, none);
			}
			s = next;
		}
		g_array_index(outs, gint32, s) = (gint32)i;
	}
	if (nstates > MAX_STATES)
		g_error("bounce_reason: %u automaton states", nstates);
	return nstates;
}

void
br_build(void)
{
	GArray *trie = g_array_new(FALSE, TRUE, sizeof(guint32));
	GArray *outs = g_array_new(FALSE, FALSE, sizeof(gint32));
	guint32 *fail, *queue, *bfs, head = 0, tail = 0, nstates, s;
	guint c;

	build_classes();
	nstates = build_trie(trie, outs);

	/* Breadth-first numbers: bfs[trie state] = new state. */
	queue = g_new(guint32, nstates);
	bfs = g_new0(guint32, nstates);
	queue[tail++] = 0;
	while (head < tail) {
		s = queue[head++];
		bfs[s] = head - 1;
		for (c = 0; c < nclass; c++)
			if (child(trie, s, c) != 0)
				queue[tail++] = child(trie, s, c);
	}

	/* Failure links, then the complete transitions, breadth first. */
	delta = g_new0(state_t, (gsize)nstates * nclass);
	dict = g_new(gint32, nstates);
	out = g_new(gint32, nstates);
	fail = g_new0(guint32, nstates);
	for (s = 0; s < nstates; s++)
		out[bfs[s]] = g_array_index(outs, gint32, s);
	dict[0] = -1;
	for (head = 0; head < nstates; head++) {
		guint32 ts = queue[head], ns = bfs[ts];

		for (c = 0; c < nclass; c++) {
			guint32 tt = child(trie, ts, c), nt;

			if (tt == 0) {
				delta[ns * nclass + c] = ns == 0 ? 0 :
				    delta[fail[ns] * nclass + c];
				continue;
			}
			nt = bfs[tt];
			delta[ns * nclass + c] = (state_t)nt;
			fail[nt] = ns == 0 ? 0 : delta[fail[ns] * nclass + c];
			dict[nt] = out[fail[nt]] >= 0 ? (gint32)fail[nt] :
			    dict[fail[nt]];
		}
	}
	for (s = 0; s < (guint32)nstates * nclass; s++)
		if (out[delta[s]] >= 0 || dict[delta[s]] >= 0)
			delta[s] |= EMITS;
	frag_len = g_new(guint16, frags->len);
	for (c = 0; c < frags->len; c++)
		frag_len[c] = (guint16)strlen(g_ptr_array_index(frags, c));
	g_free(fail);
	g_free(queue);
	g_free(bfs);
	g_array_free(outs, TRUE);
	g_array_free(trie, TRUE);
	g_hash_table_destroy(frag_ids);	/* frags keeps the texts */
	frag_ids = NULL;
	build_first();
}

static gboolean
hit(const struct br_text *t, guint f)
{
	return (t->hits[f / 64] >> (f % 64)) & 1;
}

static inline guint
step(struct br_text *t, state_t *state, guint8 ch, guint16 *found,
    guint nfound)
{
	gint32 u;
	state_t st = delta[*state * nclass + byte_class[ch]];

	*state = st & ~EMITS;
	if (!(st & EMITS))
		return nfound;
	st &= ~EMITS;
	for (u = out[st] >= 0 ? (gint32)st : dict[st]; u >= 0; u = dict[u]) {
		guint f = (guint)out[u];

		if (!hit(t, f)) {
			t->hits[f / 64] |= UINT64_C(1) << (f % 64);
			found[nfound++] = (guint16)f;
		}
	}
	return nfound;
}

/* A multi-line SMTP reply joined into one line repeats its code on every
 * line: "550-5.7.26 ... fails to 550-5.7.26 pass SPF ... 550 5.7.26 ...".
 * The first "550-" is kept (it carries the codes); the later ones, and
 * the status after them, would cut phrases in two: how many bytes to
 * drop at s, a token's start. */
static size_t
continuation(const char *s, int *code)
{
	int c;
	size_t n = 4, d;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    !g_ascii_isdigit(s[1]) || !g_ascii_isdigit(s[2]) ||
	    (s[3] != '-' && s[3] != ' '))
		return 0;
	c = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (*code == 0) {
		if (s[3] == '-')
			*code = c;
		return 0;
	}
	if (c != *code)
		return 0;
	if (s[n] == s[0] && s[n + 1] == '.' && g_ascii_isdigit(s[n + 2]) &&
	    s[n + 3] == '.' && g_ascii_isdigit(s[n + 4])) {
		for (d = 1; d < 3 && g_ascii_isdigit(s[n + 4 + d]); d++)
			;
		if (s[n + 4 + d] == ' ' || s[n + 4 + d] == '\0')
			n += 4 + d;
	}
	return n;
}

/* Lower-case, collapse white space, drop repeated reply codes, and walk
 * the automaton, in one pass.  The text is read as " text " so that a
 * phrase may begin or end at a word's edge ("transaction failed ") even
 * at either end. */
void
br_scan(struct br_text *t, const char *s)
{
	guint16 found[BR_MAX_FRAGS];
	guint nfound = 0, i, j;
	state_t state = 0;
	size_t k, len = 1;
	gboolean space = TRUE;
	int code = 0;

	memset(t->hits, 0, sizeof(t->hits));
	memset(t->cand, 0, sizeof(t->cand));
	t->low[0] = ' ';
	nfound = step(t, &state, ' ', found, nfound);
	for (k = 0; s != NULL && k < BR_TEXT_MAX - 2 && s[k] != '\0'; k++) {
		guint8 ch = (guint8)s[k];
		size_t skip;

		if (space && g_ascii_isdigit(ch) &&
		    (skip = continuation(s + k, &code)) > 0) {
			k += skip - 1;
			continue;
		}
		if (ch == ' ' || (ch >= '\t' && ch <= '\r')) {
			if (space)
				continue;
			ch = ' ';
			space = TRUE;
		} else {
			if (ch >= 'A' && ch <= 'Z')
				ch += 'a' - 'A';
			space = FALSE;
		}
		t->low[len++] = (char)ch;
		nfound = step(t, &state, ch, found, nfound);
	}
	if (len == 1)
		len = 0;	/* nothing but white space: no text */
	else if (!space) {
		t->low[len++] = ' ';
		nfound = step(t, &state, ' ', found, nfound);
	}
	t->low[len] = '\0';
	t->len = len;
	for (i = 0; i < nfound; i++)
		for (j = first_at[found[i]]; j < first_at[found[i] + 1]; j++)
			t->cand[first_ids[j] / 64] |=
			    UINT64_C(1) << (first_ids[j] % 64);
}

/* The classifier and bounce_auth_extract read the same diagnostic one
 * after the other: the last scan is kept per thread and reused when the
 * same text (same address, length and hash) comes again. */
const struct br_text *
br_scan_once(const char *s)
{
	static _Thread_local struct br_text cached;
	static _Thread_local const char *last;
	static _Thread_local size_t last_len;
	static _Thread_local guint64 last_hash;
	guint64 hash = UINT64_C(1469598103934665603), w;
	size_t n = s ? strnlen(s, BR_TEXT_MAX) : 0, i;

	for (i = 0; i + 8 <= n; i += 8) {	/* a word at a time */
		memcpy(&w, s + i, 8);
		hash = (hash ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		hash ^= hash >> 29;
	}
	for (; i < n; i++)
		hash = (hash ^ (guint8)s[i]) * UINT64_C(1099511628211);
	if (s != NULL && s == last && n == last_len && hash == last_hash)
		return &cached;
	br_scan(&cached, s);
	last = s;
	last_len = n;
	last_hash = hash;
	return &cached;
}

gboolean
br_has(const struct br_text *t, const struct br_phrase *p)
{
	const struct cphrase *c = &g_array_index(phrases, struct cphrase,
	    p->id);
	const char *at = t->low, *end = t->low + t->len;
	guint i;

	for (i = 0; i < c->nfrag; i++)
		if (!hit(t, c->frag[i]))
			return FALSE;
	if (c->nfrag == 1)
		return TRUE;
	for (i = 0; i < c->nfrag; i++) {
		const char *f = g_ptr_array_index(frags, c->frag[i]);
		size_t n = frag_len[c->frag[i]];

		at = memmem(at, (size_t)(end - at), f, n);
		if (at == NULL)
			return FALSE;
		at += n;
	}
	return TRUE;
}

/* The candidates of list, in id order, are its phrases whose first
 * fragment was found; the first one that holds is the answer. */
const struct br_phrase *
br_any(const struct br_text *t, const struct br_phrase *list)
{
	guint32 first, last, w;

	if (list == NULL || list->text == NULL)
		return NULL;
	first = (guint32)list->id;
	last = g_array_index(owner_last, guint32, g_array_index(phrases,
	    struct cphrase, first).owner);
	for (w = first / 64; w <= last / 64; w++) {
		uint64_t bits = t->cand[w];

		if (w == first / 64)
			bits &= ~UINT64_C(0) << (first % 64);
		while (bits != 0) {
			guint32 b = w * 64 + (guint32)__builtin_ctzll(bits);
			const struct br_phrase *p = list + (b - first);

			if (b > last)
				return NULL;
			bits &= bits - 1;
			if (br_has(t, p))
				return p;
		}
	}
	return NULL;
}
