/* spf.c - the SPF record (RFC 7208) of a domain, walked like a receiver.
 *
 * The record and every include and redirect are fetched and read; the
 * terms that make DNS queries (include, a, mx, ptr, exists, redirect)
 * are counted over the whole tree against the limit of 10, shown per
 * include of the top record, and queries that find nothing against the
 * limit of 2 void lookups.  The walk is bounded: a name already on the
 * way down is a loop and is not entered again, the depth is at most
 * SPF_MAX_DEPTH and no more than SPF_HARD_LIMIT lookups are made, with
 * at most SPF_MAX_MX exchanges per mx term.
 *
 * The "+" ip4, ip6, a and mx terms met on the way give the networks the
 * record authorizes, each with the include of the top record it came
 * from; the sources of the reports are matched against them
 * (spf.unauthorized_source, spf.unused_include).  Macros and exists are
 * not evaluated: with them the record is not judged against sources.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

#define SPF_LIMIT	10
#define SPF_VOID_LIMIT	2
#define SPF_HARD_LIMIT	40
#define SPF_MAX_DEPTH	12
#define SPF_MAX_MX	10
#define SPF_MAX_NETS	2048
#define SPF_MAX_TOP	64

struct spf_net {
	int family;
	unsigned char addr[16];
	int prefix;
	int top;		/* the top record's include index, -1: itself */
};

struct spf_walk {
	struct check_ctx *x;
	int lookups, voids;
	gboolean opaque;	/* macros or exists: not judged on sources */
	gboolean found;		/* the top record was read */
	gboolean cut;		/* a bound stopped the walk */
	GArray *nets;		/* struct spf_net */
	GPtrArray *path;	/* names on the way down */
	GPtrArray *tops;	/* the top record's include names */
	int top_lookups[SPF_MAX_TOP];
	GString *syntax;	/* the bad terms */
};

static void walk_record(struct spf_walk *w, const char *name, int depth,
    int top);

static void
add_net(struct spf_walk *w, int family, const unsigned char *addr,
    int prefix, int top)
{
	struct spf_net n = { family, { 0 }, prefix, top };

	if (w->nets->len >= SPF_MAX_NETS)
		return;
	memcpy(n.addr, addr, family == AF_INET ? 4 : 16);
	g_array_append_val(w->nets, n);
}

/* Count one DNS-querying term; FALSE when the hard limit is reached. */
static gboolean
count_lookup(struct spf_walk *w, int top)
{
	if (w->lookups >= SPF_HARD_LIMIT) {
		w->cut = TRUE;
		return FALSE;
	}
	w->lookups++;
	if (top >= 0 && top < SPF_MAX_TOP)
		w->top_lookups[top]++;
	return TRUE;
}

static void
bad_term(struct spf_walk *w, const char *name, const char *term)
{
	if (w->syntax->len < 512)
		g_string_append_printf(w->syntax, "%s'%s' in %s",
		    w->syntax->len ? ", " : "", term, name);
}

/* "/N" (or the ip6 part "//N") of an a or mx term. */
static gboolean
read_cidr(const char *s, int *c4, int *c6)
{
	char *end;
	long v;

	*c4 = 32;
	*c6 = 128;
	if (*s == '\0')
		return TRUE;
	if (*s != '/')
		return FALSE;
	if (s[1] != '/') {
		v = strtol(s + 1, &end, 10);
		if (end == s + 1 || v < 0 || v > 32)
			return FALSE;
		*c4 = (int)v;
		s = end;
		if (*s == '\0')
			return TRUE;
		if (*s != '/')
			return FALSE;
	}
	if (s[1] != '/')
		return FALSE;
	v = strtol(s + 2, &end, 10);
	if (end == s + 2 || *end != '\0' || v < 0 || v > 128)
		return FALSE;
	*c6 = (int)v;
	return TRUE;
}

/* The addresses of host into the nets; returns the records found, or -1
 * when the DNS failed. */
static int
resolve_host(struct spf_walk *w, const char *host, int c4, int c6, int top)
{
	static const enum enrich_rr types[] = { ENRICH_RR_A, ENRICH_RR_AAAA };
	int found = 0;

	for (guint t = 0; t < G_N_ELEMENTS(types); t++) {
		GPtrArray *items;
		enum enrich_status s = check_query(w->x, host, types[t],
		    &items);

		if (s != ENRICH_OK) {
			if (s != ENRICH_NXDOMAIN && s != ENRICH_NODATA)
				return -1;
			continue;
		}
		for (guint i = 0; i < items->len; i++) {
			unsigned char a[16];
			int af = t == 0 ? AF_INET : AF_INET6;

			if (top != -2 && inet_pton(af,
			    g_ptr_array_index(items, i), a) == 1)
				add_net(w, af, a, t == 0 ? c4 : c6, top);
		}
		found += (int)items->len;
		g_ptr_array_unref(items);
	}
	return found;
}

static void
term_a(struct spf_walk *w, const char *name, const char *arg, int top,
    gboolean pass)
{
	const char *slash = strchr(arg, '/');
	char *host = slash ? g_strndup(arg, (gsize)(slash - arg)) :
	    g_strdup(arg);
	int c4, c6;

	if (!read_cidr(slash ? slash : "", &c4, &c6) || *host == '\0') {
		bad_term(w, name, arg);
	} else if (strchr(host, '%')) {
		w->opaque = TRUE;
	} else if (resolve_host(w, host, c4, c6, pass ? top : -2) == 0) {
		w->voids++;
	}
	g_free(host);
}

static void
term_mx(struct spf_walk *w, const char *name, const char *arg, int top,
    gboolean pass)
{
	const char *slash = strchr(arg, '/');
	char *host = slash ? g_strndup(arg, (gsize)(slash - arg)) :
	    g_strdup(arg);
	GPtrArray *mx;
	enum enrich_status s;
	int c4, c6;

	if (!read_cidr(slash ? slash : "", &c4, &c6) || *host == '\0') {
		bad_term(w, name, arg);
		g_free(host);
		return;
	}
	if (strchr(host, '%')) {
		w->opaque = TRUE;
		g_free(host);
		return;
	}
	s = check_query(w->x, host, ENRICH_RR_MX, &mx);
	if (s == ENRICH_OK) {
		for (guint i = 0; i < mx->len && i < SPF_MAX_MX; i++)
			resolve_host(w, g_ptr_array_index(mx, i), c4, c6,
			    pass ? top : -2);
		g_ptr_array_unref(mx);
	} else if (s == ENRICH_NXDOMAIN || s == ENRICH_NODATA) {
		w->voids++;
	}
	g_free(host);
}

static void
term_ip(struct spf_walk *w, const char *name, const char *arg, int family,
    int top, gboolean pass)
{
	const char *slash = strchr(arg, '/');
	char *ip = slash ? g_strndup(arg, (gsize)(slash - arg)) :
	    g_strdup(arg);
	int max = family == AF_INET ? 32 : 128, prefix = max;
	unsigned char a[16];
	char *end;

	if (slash) {
		long v = strtol(slash + 1, &end, 10);

		prefix = end == slash + 1 || *end || v < 0 || v > max ? -1 :
		    (int)v;
	}
	if (prefix < 0 || inet_pton(family, ip, a) != 1) {
		char *t = g_strconcat(family == AF_INET ? "ip4:" : "ip6:",
		    arg, NULL);

		bad_term(w, name, t);
		g_free(t);
	} else if (pass)
		add_net(w, family, a, prefix, top);
	g_free(ip);
}

/* include:NAME and redirect=NAME. */
static void
term_include(struct spf_walk *w, const char *name, const char *target,
    int depth, int top)
{
	if (*target == '\0') {
		bad_term(w, name, "include:");
		return;
	}
	if (strchr(target, '%')) {
		w->opaque = TRUE;
		return;
	}
	for (guint i = 0; i < w->path->len; i++)
		if (g_ascii_strcasecmp(g_ptr_array_index(w->path, i),
		    target) == 0) {
			check_add(w->x, "spf.include_loop", CHECK_ERROR,
			    "Remove the include that leads back to a record "
			    "already included: receivers return permerror.",
			    "%s includes %s, which is already on the way "
			    "down", name, target);
			return;
		}
	walk_record(w, target, depth + 1, top);
}

/* One term of the record at name; top: the top record's include index
 * this record belongs to (-1: the top record itself). */
static void
walk_term(struct spf_walk *w, const char *name, const char *term, int depth,
    int top, GPtrArray *redirect)
{
	gboolean is_top = depth == 0, pass = TRUE;
	const char *t = term, *arg;
	char q = '+';
	size_t n;

	if (strchr("+-~?", *t)) {
		q = *t++;
	}
	pass = q == '+';
	n = strcspn(t, ":/=");
	arg = t[n] == ':' || t[n] == '=' ? t + n + 1 : t + n;
	if (t[n] == '=') {		/* a modifier */
		if (n == 8 && g_ascii_strncasecmp(t, "redirect", 8) == 0) {
			if (count_lookup(w, top))
				g_ptr_array_add(redirect, g_strdup(arg));
		}
		return;
	}
	if (n == 3 && g_ascii_strncasecmp(t, "all", 3) == 0 && t[3] == '\0') {
		if (is_top && (q == '+' || q == '?'))
			check_add(w->x, "spf.all_pass",
			    q == '+' ? CHECK_ERROR : CHECK_WARNING,
			    "End the record with -all (or ~all while you "
			    "check the reports), never +all or ?all.",
			    "the SPF record of %s ends with %call: %s",
			    name, q, q == '+' ? "anyone may send as it" :
			    "anyone is neutral, never failed");
		return;
	}
	if (n == 7 && g_ascii_strncasecmp(t, "include", 7) == 0 &&
	    t[7] == ':') {
		int my = top;

		if (is_top && w->tops->len < SPF_MAX_TOP) {
			g_ptr_array_add(w->tops, g_strdup(arg));
			my = (int)w->tops->len - 1;
		}
		if (count_lookup(w, my))
			term_include(w, name, arg, depth, my);
		return;
	}
	if (n == 1 && g_ascii_tolower(*t) == 'a') {
		if (count_lookup(w, top)) {
			char *a = t[1] == ':' ? g_strdup(arg) :
			    g_strconcat(name, t + 1, NULL);

			term_a(w, name, a, top, pass);
			g_free(a);
		}
		return;
	}
	if (n == 2 && g_ascii_strncasecmp(t, "mx", 2) == 0) {
		if (count_lookup(w, top)) {
			char *a = t[2] == ':' ? g_strdup(arg) :
			    g_strconcat(name, t + 2, NULL);

			term_mx(w, name, a, top, pass);
			g_free(a);
		}
		return;
	}
	if (n == 3 && g_ascii_strncasecmp(t, "ptr", 3) == 0) {
		count_lookup(w, top);
		w->opaque = TRUE;
		check_add(w->x, "spf.ptr", CHECK_WARNING,
		    "Replace the ptr mechanism with ip4/ip6 or a terms: RFC "
		    "7208 says not to use it and large receivers skip it.",
		    "the SPF record of %s has '%s'", name, term);
		return;
	}
	if (n == 6 && g_ascii_strncasecmp(t, "exists", 6) == 0 &&
	    t[6] == ':') {
		count_lookup(w, top);
		w->opaque = TRUE;
		return;
	}
	if (n == 3 && g_ascii_strncasecmp(t, "ip4", 3) == 0 && t[3] == ':') {
		term_ip(w, name, arg, AF_INET, top, pass);
		return;
	}
	if (n == 3 && g_ascii_strncasecmp(t, "ip6", 3) == 0 && t[3] == ':') {
		term_ip(w, name, arg, AF_INET6, top, pass);
		return;
	}
	bad_term(w, name, term);
}

static void
walk_record(struct spf_walk *w, const char *name, int depth, int top)
{
	GPtrArray *recs, *redirect;
	char **terms;

	if (depth > SPF_MAX_DEPTH) {
		w->cut = TRUE;
		return;
	}
	if ((recs = check_txt(w->x, name, "v=spf1")) == NULL)
		return;		/* the DNS failed: check_domain says so */
	if (recs->len == 0) {
		if (depth == 0)
			check_add(w->x, "spf.missing", CHECK_ERROR,
			    "Publish a TXT record \"v=spf1 ... -all\" listing "
			    "the servers that send as the domain.",
			    "no SPF record (TXT v=spf1) at %s", name);
		else
			check_add(w->x, "spf.include_missing", CHECK_ERROR,
			    "Remove or correct the include: receivers return "
			    "permerror for the whole record.",
			    "%s has no SPF record (include or redirect of the "
			    "record of %s)", name, w->x->domain);
		g_ptr_array_unref(recs);
		return;
	}
	if (recs->len > 1) {
		check_add(w->x, "spf.multiple", CHECK_ERROR,
		    "Merge the records into one: with two, receivers return "
		    "permerror.", "%s has %u SPF records", name, recs->len);
		g_ptr_array_unref(recs);
		return;
	}
	w->found |= depth == 0;
	g_ptr_array_add(w->path, g_strdup(name));
	redirect = g_ptr_array_new_with_free_func(g_free);
	terms = g_strsplit(g_ptr_array_index(recs, 0), " ", 128);
	for (guint i = 1; terms[i]; i++)
		if (*terms[i])
			walk_term(w, name, terms[i], depth, top, redirect);
	if (redirect->len > 0)
		term_include(w, name, g_ptr_array_index(redirect, 0), depth,
		    top);
	g_strfreev(terms);
	g_ptr_array_unref(redirect);
	g_free(g_ptr_array_steal_index(w->path, w->path->len - 1));
	g_ptr_array_unref(recs);
}

static gboolean
net_has(const struct spf_net *n, int family, const unsigned char *a)
{
	int bits = n->prefix, full = bits / 8, rest = bits % 8;

	if (n->family != family)
		return FALSE;
	if (memcmp(n->addr, a, (size_t)full) != 0)
		return FALSE;
	return rest == 0 ||
	    ((n->addr[full] ^ a[full]) & (0xFF << (8 - rest)) & 0xFF) == 0;
}

/* The index in nets of the first net holding ip, or -1. */
static int
find_net(const struct spf_walk *w, const char *ip)
{
	unsigned char a[16];
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(family, ip, a) != 1)
		return -1;
	for (guint i = 0; i < w->nets->len; i++)
		if (net_has(&g_array_index(w->nets, struct spf_net, i),
		    family, a))
			return (int)i;
	return -1;
}

/* The sources of the reports against the networks found. */
static void
judge_sources(struct spf_walk *w)
{
	const struct check_evidence *ev = w->x->ev;
	gboolean *used = g_new0(gboolean, w->tops->len + 1);

	for (guint i = 0; i < ev->n_sources; i++) {
		const struct check_source *s = &ev->sources[i];
		int k = find_net(w, s->ip);

		if (k >= 0) {
			int top = g_array_index(w->nets, struct spf_net,
			    k).top;

			if (top >= 0 && (guint)top < w->tops->len)
				used[top] = TRUE;
			continue;
		}
		if (s->dkim_aligned > 0)
			check_add(w->x, "spf.unauthorized_source",
			    CHECK_WARNING, "If this server is yours, add it "
			    "to the SPF record (ip4/ip6 or its provider's "
			    "include); else find who sends as you.",
			    "%s sent %" G_GINT64_FORMAT " messages (%"
			    G_GINT64_FORMAT " with aligned DKIM) as %s but "
			    "the SPF record does not authorize it", s->ip,
			    s->messages, s->dkim_aligned, w->x->domain);
	}
	for (guint i = 0; ev->n_sources > 0 && i < w->tops->len; i++)
		if (!used[i])
			check_add(w->x, "spf.unused_include", CHECK_INFO,
			    "Remove the include if you no longer use that "
			    "service: it costs lookups of the limit of 10.",
			    "no source in the reports of the period falls "
			    "in include:%s", (char *)g_ptr_array_index(
			    w->tops, i));
	g_free(used);
}

static void
report_counts(struct spf_walk *w)
{
	if (w->lookups > SPF_LIMIT) {
		GString *per = g_string_new(NULL);

		for (guint i = 0; i < w->tops->len && i < SPF_MAX_TOP; i++)
			g_string_append_printf(per, "%sinclude:%s %d",
			    per->len ? ", " : "",
			    (char *)g_ptr_array_index(w->tops, i),
			    w->top_lookups[i]);
		check_add(w->x, "spf.too_many_lookups", CHECK_ERROR,
		    "Bring the DNS-querying terms under 11: drop unused "
		    "includes, or replace a and mx terms with ip4/ip6.",
		    "%s%d DNS lookups (limit 10): %s",
		    w->cut ? "at least " : "",
		    w->lookups, per->len ? per->str : "in the record itself");
		g_string_free(per, TRUE);
	}
	if (w->voids > SPF_VOID_LIMIT)
		check_add(w->x, "spf.void_lookups", CHECK_ERROR,
		    "Remove the terms whose names do not exist or have no "
		    "address: over 2 such lookups is a permerror.",
		    "%d lookups found nothing (limit 2)", w->voids);
	if (w->syntax->len)
		check_add(w->x, "spf.syntax", CHECK_ERROR,
		    "Correct the terms: receivers return permerror for a "
		    "record they cannot read.", "bad SPF terms: %s",
		    w->syntax->str);
}

void
check_spf(struct check_ctx *x)
{
	struct spf_walk w;

	memset(&w, 0, sizeof(w));
	w.x = x;
	w.nets = g_array_new(FALSE, FALSE, sizeof(struct spf_net));
	w.path = g_ptr_array_new_with_free_func(g_free);
	w.tops = g_ptr_array_new_with_free_func(g_free);
	w.syntax = g_string_new(NULL);
	walk_record(&w, x->domain, 0, -1);
	report_counts(&w);
	if (w.found && !w.opaque && !x->dns_down &&
	    x->ev->have && (w.nets->len > 0 || w.tops->len > 0))
		judge_sources(&w);
	g_array_unref(w.nets);
	g_ptr_array_unref(w.path);
	g_ptr_array_unref(w.tops);
	g_string_free(w.syntax, TRUE);
}
