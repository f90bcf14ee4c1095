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
 * back to the root), so scanning is one table load per byte; the table's
 * rows are filled as scans first reach their states.  A fragment found
 * sets its bit, and marks as candidates the phrases it begins.  Asking for
 * a list is then looking at its few candidates in id order: a phrase of
 * one fragment is a candidate only if found, one of several is confirmed
 * in order with memmem.  Tables are built once; after that only rows of
 * the transition table are added.
 */
#include <stdatomic.h>
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
static GPtrArray *frags;	/* fragment texts, indexed by id: pointers
				   into the tables' phrases, not NUL-ended */
static GArray *frag_len;	/* guint16 per fragment: its length */

/*
 * The automaton is built at start-up, and a page of fresh memory costs a
 * short `ingest -` dearly, so it is kept small in two ways.
 *
 * Fragments go into the trie only up to the byte that sets them apart
 * from every other fragment, and at least MIN_CUT bytes (6,000 states
 * instead of 25,000): reaching such a cut state says "maybe this
 * fragment", and the rest of it is compared with the text there (the
 * least of MIN_CUT bytes keeps those compares rare).  The text is prepared in full before the
 * automaton reads it, so the rest is always at hand.  The trie is grown
 * while the tables are compiled, which also finds equal fragments: a
 * fragment sits cut in the node where it parted from the others, and
 * moves one node down whenever a later one follows it that far.
 *
 * The complete transition table is not computed up front either.  The
 * trie is kept sparse (each state's children), and a state's row is
 * filled the first time a scan stands in it, from its children and its
 * failure state's row; the states real diagnostics reach are filled once
 * per process.  An entry is the target state + 1 (0: not filled yet), its
 * top bit set when the target holds a fragment or has a suffix that does,
 * so most bytes never look at out[] or dict[].  Entries are relaxed
 * atomics written once, whole rows under a lock: a reader that sees 0
 * asks for the row, and any other value is complete in itself.  States
 * are numbered breadth first, so the shallow ones every text walks
 * through are close together in memory.
 */
typedef guint16 state_t;
#define MAX_STATES	0x7ffe
#define EMITS		0x8000
#define MIN_CUT		8	/* bytes of a fragment always in the trie */

/* The trie while the tables are compiled, states in creation order. */
struct tnode {
	state_t child, sibling;	/* first child, next sibling; 0: none */
	gint16 frag;		/* the fragment held here, or -1 */
	guint8 byte;		/* on the edge from the parent */
	guint8 depth;		/* bytes from the root */
};
static GArray *trie;		/* struct tnode; freed by br_build */

struct kid {
	state_t to;		/* child state */
	guint8 cls;		/* on this byte class */
};

static guint8 byte_class[256];
static guint nclass;
static guint32 nstates;
static _Atomic state_t *delta;	/* nstates * nclass, filled lazily */
static GMutex fill_lock;
static state_t *fail;		/* longest proper suffix that is a state */
static state_t *kid_at;		/* per state: its slice of kids */
static struct kid *kids;	/* children, grouped by parent */
static gint16 *out;		/* fragment held by a state, or -1 */
static gint16 *dict;		/* nearest suffix state with an output, or -1 */
static guint16 *frag_cut;	/* bytes of each fragment in the trie */
static guint32 *first_at;	/* per fragment: its slice of first_ids */
static guint16 *first_ids;	/* phrases, grouped by their first fragment */

#define NODE(s)		(&g_array_index(trie, struct tnode, (s)))
#define FRAG_LEN(f)	(g_array_index(frag_len, guint16, (f)))
#define FRAG_TEXT(f)	((const char *)g_ptr_array_index(frags, (f)))

static state_t
new_node(state_t parent, guint8 byte, gint16 frag)
{
	struct tnode n = { 0, 0, frag, byte, 0 };
	state_t k;

	if (trie->len >= MAX_STATES)
		g_error("bounce_reason: too many automaton states");
	k = (state_t)trie->len;
	n.depth = (guint8)(NODE(parent)->depth + 1);
	n.sibling = NODE(parent)->child;
	g_array_append_val(trie, n);
	NODE(parent)->child = k;
	return k;
}

static state_t
trie_child(state_t s, guint8 c)
{
	state_t k;

	for (k = NODE(s)->child; k != 0; k = NODE(k)->sibling)
		if (NODE(k)->byte == c)
			return k;
	return 0;
}

/* A fragment held cut at s (nothing else reaches s) goes one node down,
 * because another fragment now reaches s too. */
static void
push_down(state_t s)
{
	gint16 f = NODE(s)->frag;

	NODE(s)->frag = -1;
	new_node(s, (guint8)FRAG_TEXT(f)[NODE(s)->depth], f);
}

static int
new_frag(const char *s, size_t n)
{
	guint16 len = (guint16)n;

	if (frags->len >= BR_MAX_FRAGS)
		g_error("bounce_reason: more than %d phrase fragments",
		    BR_MAX_FRAGS);
	g_ptr_array_add(frags, (gpointer)s);
	g_array_append_val(frag_len, len);
	return (int)frags->len - 1;
}

/* The id of fragment s[0..n), lower-case table text (static: it is kept
 * by pointer), a new one unless the same text came before. */
static int
frag_id(const char *s, size_t n)
{
	state_t t = 0, k;
	size_t d;
	gint16 f;

	if (trie == NULL) {
		struct tnode root = { 0, 0, -1, 0, 0 };

		trie = g_array_sized_new(FALSE, FALSE, sizeof(struct tnode),
		    8192);
		g_array_append_val(trie, root);
		frags = g_ptr_array_sized_new(2048);
		frag_len = g_array_sized_new(FALSE, FALSE, sizeof(guint16),
		    2048);
	}
	if (n > 200)
		g_error("bounce_reason: phrase fragment too long");
	for (d = 0;; d++, t = k) {
		f = NODE(t)->frag;
		if (f >= 0 && FRAG_LEN(f) == n &&
		    memcmp(FRAG_TEXT(f) + d, s + d, n - d) == 0)
			return f;
		if (f >= 0 && FRAG_LEN(f) > d)
			push_down(t);	/* cut here, and s reaches here */
		if (d == n)
			return NODE(t)->frag = (gint16)new_frag(s, n);
		if ((k = trie_child(t, (guint8)s[d])) == 0) {
			/* A chain down to the cut, which holds s. */
			f = (gint16)new_frag(s, n);
			do
				t = new_node(t, (guint8)s[d], -1);
			while (++d < MIN(n, MIN_CUT));
			NODE(t)->frag = f;
			return f;
		}
	}
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

/* The child of s on class c in the final numbering, or -1. */
static gint32
kid(state_t s, guint c)
{
	guint32 k;

	for (k = kid_at[s]; k < kid_at[s + 1]; k++)
		if (kids[k].cls == c)
			return kids[k].to;
	return -1;
}

/* Number the states breadth first, give the bytes on their edges
 * classes, list their children, then the failure and dictionary links,
 * breadth first too (a state's failure is shallower than itself). */
void
br_build(void)
{
	state_t *queue, s, f, t;
	guint32 head, tail = 0, k;
	gint32 g;
	guint c;

	nstates = trie->len;
	queue = g_new(state_t, nstates);	/* new number -> trie state */
	kid_at = g_new(state_t, nstates + 1);
	kids = g_new(struct kid, nstates);
	out = g_new(gint16, nstates);
	frag_cut = g_new(guint16, frags->len);
	nclass = 1;	/* class 0 is every byte no edge carries */
	queue[tail++] = 0;
	for (head = 0; head < nstates; head++) {
		const struct tnode *n = NODE(queue[head]);

		out[head] = n->frag;
		if (n->frag >= 0)
			frag_cut[n->frag] = n->depth;
		kid_at[head] = (state_t)(tail - 1);
		for (k = n->child; k != 0; k = NODE(k)->sibling) {
			guint8 b = NODE(k)->byte;

			if (byte_class[b] == 0)
				byte_class[b] = (guint8)nclass++;
			kids[tail - 1].to = (state_t)tail;
			kids[tail - 1].cls = byte_class[b];
			queue[tail++] = (state_t)k;
		}
	}
	kid_at[nstates] = (state_t)(tail - 1);
	if (nclass > 255)
		g_error("bounce_reason: too many byte classes");
	fail = g_new0(state_t, nstates);
	dict = g_new(gint16, nstates);
	dict[0] = -1;
	for (s = 0; s < nstates; s++)
		for (k = kid_at[s]; k < kid_at[s + 1]; k++) {
			t = kids[k].to;
			c = kids[k].cls;
			g = -1;
			for (f = fail[s]; s != 0; f = fail[f])
				if ((g = kid(f, c)) >= 0 || f == 0)
					break;
			fail[t] = g >= 0 ? (state_t)g : 0;
			dict[t] = out[fail[t]] >= 0 ? (gint16)fail[t] :
			    dict[fail[t]];
		}
	delta = g_new0(_Atomic state_t, (gsize)nstates * nclass);
	g_free(queue);
	g_array_free(trie, TRUE);
	trie = NULL;
	build_first();
}

static state_t
entry(state_t t)
{
	return (state_t)((t + 1) | (out[t] >= 0 || dict[t] >= 0 ? EMITS : 0));
}

/* Fill s's row, its failure state's first; fill_lock held.  Each entry
 * is stored once, with its final value.  The recursion goes no deeper
 * than the longest fragment (tables, not input). */
static void
fill_row(state_t s)
{
	_Atomic state_t *row = delta + (gsize)s * nclass;
	state_t tmp[256];
	guint32 k;
	guint c;

	if (atomic_load_explicit(&row[0], memory_order_relaxed) != 0)
		return;
	if (s == 0) {
		for (c = 0; c < nclass; c++)
			tmp[c] = entry(0);
	} else {
		_Atomic state_t *from = delta + (gsize)fail[s] * nclass;

		fill_row(fail[s]);
		for (c = 0; c < nclass; c++)
			tmp[c] = atomic_load_explicit(&from[c],
			    memory_order_relaxed);
	}
	for (k = kid_at[s]; k < kid_at[s + 1]; k++)
		tmp[kids[k].cls] = entry(kids[k].to);
	for (c = 0; c < nclass; c++)
		atomic_store_explicit(&row[c], tmp[c], memory_order_relaxed);
}

/* The entry of s on class c, filling s's row first. */
static state_t
fill(state_t s, guint c)
{
	state_t e;

	g_mutex_lock(&fill_lock);
	fill_row(s);
	e = atomic_load_explicit(&delta[(gsize)s * nclass + c],
	    memory_order_relaxed);
	g_mutex_unlock(&fill_lock);
	return e;
}

static gboolean
hit(const struct br_text *t, guint f)
{
	return (t->hits[f / 64] >> (f % 64)) & 1;
}

/* Walk the prepared text t->low through the automaton: every fragment
 * found sets its bit and is listed in found[] once; a fragment cut in
 * the trie is found only when its rest follows in the text. */
static guint
walk(struct br_text *t, guint16 *found)
{
	/* The tables in locals: they never change, and the compiler then
	 * keeps them in registers across the calls below. */
	_Atomic state_t *const tab = delta;
	const gint16 *const o = out, *const dl = dict;
	const gsize nc = nclass;
	const guint8 *low = (const guint8 *)t->low;
	guint nfound = 0;
	state_t st = 0, e;
	gint32 u;
	size_t i;

	for (i = 0; i < t->len; i++) {
		guint c = byte_class[low[i]];

		e = atomic_load_explicit(&tab[st * nc + c],
		    memory_order_relaxed);
		if (e == 0)
			e = fill(st, c);
		st = (state_t)((e & ~EMITS) - 1);
		if (!(e & EMITS))
			continue;
		for (u = o[st] >= 0 ? st : dl[st]; u >= 0; u = dl[u]) {
			guint f = (guint)o[u];
			size_t at = i + 1 - frag_cut[f];

			if (hit(t, f))
				continue;
			if (frag_cut[f] < FRAG_LEN(f) &&
			    (at + FRAG_LEN(f) > t->len ||
			    memcmp(t->low + at, FRAG_TEXT(f), FRAG_LEN(f)) != 0))
				continue;
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

/* Lower-case, collapse white space and drop repeated reply codes, then
 * walk the automaton.  The text is read as " text " so that a phrase may
 * begin or end at a word's edge ("transaction failed ") even at either
 * end. */
void
br_scan(struct br_text *t, const char *s)
{
	guint16 found[BR_MAX_FRAGS];
	guint nfound, i, j;
	size_t k, len = 1;
	gboolean space = TRUE;
	int code = 0;

	memset(t->hits, 0, sizeof(t->hits));
	memset(t->cand, 0, sizeof(t->cand));
	t->low[0] = ' ';
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
	}
	if (len == 1)
		len = 0;	/* nothing but white space: no text */
	else if (!space)
		t->low[len++] = ' ';
	t->low[len] = '\0';
	t->len = len;
	nfound = walk(t, found);
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
		const char *f = FRAG_TEXT(c->frag[i]);
		size_t n = FRAG_LEN(c->frag[i]);

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
