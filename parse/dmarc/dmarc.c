/* dmarc.c - streaming parser for DMARC aggregate reports (see dmarc.h).
 *
 * libxml2's push parser, fed chunk by chunk from the read callback, calls
 * our SAX2 handlers for each start tag, text and end tag; no tree is built.
 * A table of rules per parent element says what each element means, and a
 * stack of contexts indexed by depth remembers where we are.  Leaf text is
 * collected into one reused GString, so the cost per record is a handful
 * of small strings that are freed after on_record.  Records are buffered
 * only while the report identity (report_metadata and policy_published) is
 * still incomplete, e.g. when a reporter puts the metadata after the
 * records.
 *
 * Usage: dmarc_parse() with a read callback, or dmarc_parse_buffer().
 *
 * Hostile input: no network, no DTD loading, no entity substitution (custom
 * entity references are dropped, never expanded; libxml2 refuses entity
 * loops, and its check of an entity's text never reaches the report), no
 * XML_PARSE_HUGE.  Element depth, namespace declarations in scope, leaf
 * text, <extension> capture, items per record, fixups and buffered records
 * are bounded; exceeding a bound is an error naming it.  libxml2 never
 * prints: its messages go into the GError.
 *
 * Leniency: the report may be wrapped in another element (<xs:schema>, ...)
 * and malformed content after </feedback> is ignored (every event before
 * libxml2's error has been handled); both leave a fixup.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "dmarc.h"
#include "xml_dl.h"

#define MAX_DEPTH	64		/* element nesting */
#define MAX_LEAF	(64 * 1024)	/* text of one value */
#define MAX_EXTENSIONS	(1024 * 1024)	/* raw <extension> XML per report */
#define MAX_PENDING	100000		/* records held before the identity: real
					 * reporters put it first; bounds memory */
#define MAX_ITEMS	1000		/* dkim, spf, reason, error per parent */
#define MAX_FIXUPS	1000		/* per report and per record */
#define MAX_HELD	(1024 * 1024)	/* bytes held by the report header, and
					 * by one record: values, fixups, items */
#define MAX_PENDING_BYTES (80 * 1024 * 1024)	/* the same, all pending
					 * records together */
#define ITEM_COST	32		/* allocation overhead of a value */
#define RECORD_COST	320		/* ... and of a record, its arrays:
					 * 100,000 plain records fit */
#define MAX_EPOCH	INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define MAX_NS		4096		/* namespace declarations in scope */
#define CHUNK		(64 * 1024)	/* bytes pushed into libxml2 at a time:
					 * fewer calls, and heap reused (16 KiB
					 * made glibc trim and regrow it) */

/* No NOENT (no substitution), no DTDLOAD/DTDATTR/DTDVALID, no HUGE.
 * CDATA has its own handler, white space is sorted out by the handlers
 * (XML_PARSE_NOBLANKS needs a tree). */
#define PARSER_OPTIONS	XML_PARSE_NONET

G_DEFINE_QUARK(dmarc-error-quark, dmarc_error)

/* What an open element is. */
enum ctx {
	C_OUTSIDE,	/* not inside <feedback>: wrapper or root */
	C_IGNORE,	/* unknown element: its whole subtree is skipped */
	C_LEAF,		/* a value: its text is collected */
	C_EXT,		/* inside <extension>: copied as raw XML */
	C_FEEDBACK, C_META, C_DATE, C_POLICY, C_RECORD, C_ROW, C_PEVAL,
	C_REASON, C_IDENT, C_AUTH, C_ADKIM, C_ASPF,
};

enum field {
	F_NONE,
	F_VERSION, F_ORG, F_EMAIL, F_EXTRA, F_REPORT_ID, F_ERROR, F_GENERATOR,
	F_BEGIN, F_END,
	F_DOMAIN, F_ADKIM, F_ASPF, F_P, F_SP, F_NP, F_PCT, F_FO, F_TESTING,
	F_DISCOVERY,
	F_SOURCE_IP, F_COUNT, F_DISPOSITION, F_PE_DKIM, F_PE_SPF,
	F_R_TYPE, F_R_COMMENT,
	F_HEADER_FROM, F_ENV_FROM, F_ENV_TO,
	F_DK_DOMAIN, F_DK_SELECTOR, F_DK_RESULT, F_DK_HUMAN,
	F_SP_DOMAIN, F_SP_SCOPE, F_SP_RESULT, F_SP_HUMAN,
};

/* A child element opens a container (ctx) or is a value (C_LEAF, field). */
struct rule {
	const char *name;
	enum ctx ctx;
	enum field field;
};

#define LEAF(n, f)	{ n, C_LEAF, f }
#define NODE(n, c)	{ n, c, F_NONE }

static const struct rule feedback_rules[] = {
	NODE("record", C_RECORD), NODE("report_metadata", C_META),
	NODE("policy_published", C_POLICY), LEAF("version", F_VERSION),
	NODE("extension", C_EXT), { NULL, C_IGNORE, F_NONE },
};
static const struct rule meta_rules[] = {
	LEAF("org_name", F_ORG), LEAF("email", F_EMAIL),
	LEAF("extra_contact_info", F_EXTRA), LEAF("report_id", F_REPORT_ID),
	NODE("date_range", C_DATE), LEAF("error", F_ERROR),
	LEAF("generator", F_GENERATOR), { NULL, C_IGNORE, F_NONE },
};
static const struct rule date_rules[] = {
	LEAF("begin", F_BEGIN), LEAF("end", F_END), { NULL, C_IGNORE, F_NONE },
};
static const struct rule policy_rules[] = {
	LEAF("domain", F_DOMAIN), LEAF("adkim", F_ADKIM), LEAF("aspf", F_ASPF),
	LEAF("p", F_P), LEAF("sp", F_SP), LEAF("np", F_NP), LEAF("pct", F_PCT),
	LEAF("fo", F_FO), LEAF("testing", F_TESTING),
	LEAF("discovery_method", F_DISCOVERY), { NULL, C_IGNORE, F_NONE },
};
static const struct rule record_rules[] = {
	NODE("row", C_ROW), NODE("identifiers", C_IDENT),
	NODE("auth_results", C_AUTH), NODE("identities", C_IDENT),
	NODE("extension", C_EXT), { NULL, C_IGNORE, F_NONE },
};
static const struct rule row_rules[] = {
	LEAF("source_ip", F_SOURCE_IP), LEAF("count", F_COUNT),
	NODE("policy_evaluated", C_PEVAL), { NULL, C_IGNORE, F_NONE },
};
static const struct rule peval_rules[] = {
	LEAF("disposition", F_DISPOSITION), LEAF("dkim", F_PE_DKIM),
	LEAF("spf", F_PE_SPF), NODE("reason", C_REASON),
	{ NULL, C_IGNORE, F_NONE },
};
static const struct rule reason_rules[] = {
	LEAF("type", F_R_TYPE), LEAF("comment", F_R_COMMENT),
	{ NULL, C_IGNORE, F_NONE },
};
static const struct rule ident_rules[] = {
	LEAF("header_from", F_HEADER_FROM), LEAF("envelope_from", F_ENV_FROM),
	LEAF("envelope_to", F_ENV_TO), { NULL, C_IGNORE, F_NONE },
};
static const struct rule auth_rules[] = {
	NODE("dkim", C_ADKIM), NODE("spf", C_ASPF), { NULL, C_IGNORE, F_NONE },
};
static const struct rule adkim_rules[] = {
	LEAF("domain", F_DK_DOMAIN), LEAF("result", F_DK_RESULT),
	LEAF("selector", F_DK_SELECTOR), LEAF("human_result", F_DK_HUMAN),
	{ NULL, C_IGNORE, F_NONE },
};
static const struct rule aspf_rules[] = {
	LEAF("domain", F_SP_DOMAIN), LEAF("result", F_SP_RESULT),
	LEAF("scope", F_SP_SCOPE), LEAF("human_result", F_SP_HUMAN),
	{ NULL, C_IGNORE, F_NONE },
};

static const struct rule *const rules_of[] = {
	[C_FEEDBACK] = feedback_rules, [C_META] = meta_rules,
	[C_DATE] = date_rules, [C_POLICY] = policy_rules,
	[C_RECORD] = record_rules, [C_ROW] = row_rules,
	[C_PEVAL] = peval_rules, [C_REASON] = reason_rules,
	[C_IDENT] = ident_rules, [C_AUTH] = auth_rules,
	[C_ADKIM] = adkim_rules, [C_ASPF] = aspf_rules,
};

/* Enumerated words: values that match one of them after lower-casing are
 * lower-cased; aliases are other unambiguous spellings. */
struct alias {
	const char *from, *to, *rule;
};

static const char *const w_disposition[] = {
	"none", "quarantine", "reject", "pass", NULL };
static const char *const w_passfail[] = { "pass", "fail", NULL };
static const char *const w_policy[] = { "none", "quarantine", "reject", NULL };
static const char *const w_align[] = { "r", "s", NULL };
static const char *const w_testing[] = { "y", "n", NULL };
static const char *const w_discovery[] = { "psl", "treewalk", NULL };
static const char *const w_scope[] = { "mfrom", "helo", NULL };
static const char *const w_dkim[] = { "none", "pass", "fail", "policy",
	"neutral", "temperror", "permerror", NULL };
static const char *const w_spf[] = { "none", "neutral", "pass", "fail",
	"softfail", "temperror", "permerror", NULL };
static const char *const w_reason[] = { "forwarded", "sampled_out",
	"trusted_forwarder", "mailing_list", "local_policy", "other",
	"policy_test_mode", NULL };

static const struct alias a_align[] = {
	{ "relaxed", "r", "alignment mode word" },
	{ "strict", "s", "alignment mode word" }, { NULL, NULL, NULL } };
static const struct alias a_spf[] = {
	{ "hardfail", "fail", "SPF hardfail is fail" }, { NULL, NULL, NULL } };

/* Where a plain value lives and how it is normalized. */
enum owner { O_REPORT, O_POLICY, O_RECORD, O_REASON, O_DKIM, O_SPF };

struct field_info {
	const char *name;
	enum owner owner;
	size_t off;
	const char *const *words;
	const struct alias *alias;
};

#define R(m)	O_REPORT, offsetof(struct dmarc_report, m)
#define P(m)	O_POLICY, offsetof(struct dmarc_policy, m)
#define REC(m)	O_RECORD, offsetof(struct dmarc_record, m)
#define RSN(m)	O_REASON, offsetof(struct dmarc_reason, m)
#define DK(m)	O_DKIM, offsetof(struct dmarc_dkim, m)
#define SP(m)	O_SPF, offsetof(struct dmarc_spf, m)

static const struct field_info fields[] = {
	[F_VERSION] = { "version", R(version), NULL, NULL },
	[F_ORG] = { "org_name", R(org_name), NULL, NULL },
	[F_EMAIL] = { "email", R(email), NULL, NULL },
	[F_EXTRA] = { "extra_contact_info", R(extra_contact_info), NULL, NULL },
	[F_REPORT_ID] = { "report_id", R(report_id), NULL, NULL },
	[F_ERROR] = { "error", O_REPORT, 0, NULL, NULL },
	[F_GENERATOR] = { "generator", R(generator), NULL, NULL },
	[F_BEGIN] = { "begin", O_REPORT, 0, NULL, NULL },
	[F_END] = { "end", O_REPORT, 0, NULL, NULL },
	[F_DOMAIN] = { "domain", P(domain), NULL, NULL },
	[F_ADKIM] = { "adkim", P(adkim), w_align, a_align },
	[F_ASPF] = { "aspf", P(aspf), w_align, a_align },
	[F_P] = { "p", P(p), w_policy, NULL },
	[F_SP] = { "sp", P(sp), w_policy, NULL },
	[F_NP] = { "np", P(np), w_policy, NULL },
	[F_PCT] = { "pct", O_POLICY, 0, NULL, NULL },
	[F_FO] = { "fo", P(fo), NULL, NULL },
	[F_TESTING] = { "testing", P(testing), w_testing, NULL },
	[F_DISCOVERY] = { "discovery_method", P(discovery_method),
	    w_discovery, NULL },
	[F_SOURCE_IP] = { "source_ip", O_RECORD, 0, NULL, NULL },
	[F_COUNT] = { "count", O_RECORD, 0, NULL, NULL },
	[F_DISPOSITION] = { "disposition", REC(disposition), w_disposition,
	    NULL },
	[F_PE_DKIM] = { "dkim", REC(policy_dkim), w_passfail, NULL },
	[F_PE_SPF] = { "spf", REC(policy_spf), w_passfail, NULL },
	[F_R_TYPE] = { "type", RSN(type), w_reason, NULL },
	[F_R_COMMENT] = { "comment", RSN(comment), NULL, NULL },
	[F_HEADER_FROM] = { "header_from", REC(header_from), NULL, NULL },
	[F_ENV_FROM] = { "envelope_from", REC(envelope_from), NULL, NULL },
	[F_ENV_TO] = { "envelope_to", REC(envelope_to), NULL, NULL },
	[F_DK_DOMAIN] = { "domain", DK(domain), NULL, NULL },
	[F_DK_SELECTOR] = { "selector", DK(selector), NULL, NULL },
	[F_DK_RESULT] = { "result", DK(result), w_dkim, NULL },
	[F_DK_HUMAN] = { "human_result", DK(human_result), NULL, NULL },
	[F_SP_DOMAIN] = { "domain", SP(domain), NULL, NULL },
	[F_SP_SCOPE] = { "scope", SP(scope), w_scope, NULL },
	[F_SP_RESULT] = { "result", SP(result), w_spf, a_spf },
	[F_SP_HUMAN] = { "human_result", SP(human_result), NULL, NULL },
};

struct parser {
	dmarc_read_fn read;
	void *read_ctx;
	const char *name;
	GError *read_err;
	gboolean saw_content;	/* a byte other than XML white space */
	xmlParserCtxtPtr ctxt;

	/* first libxml2 error worth reporting */
	char *xml_msg;
	int xml_line, xml_level;

	const struct dmarc_callbacks *cb;
	void *user;
	GError *err;		/* first error; stops everything */

	struct dmarc_report rep;
	struct dmarc_record *rec;	/* the record being read, reused */
	GPtrArray *pending;	/* records read before the identity */
	struct dmarc_reason *reason;
	struct dmarc_dkim *dkim;
	struct dmarc_spf *spf;
	gboolean rec_ip, rec_count;
	gsize rec_bytes, rep_bytes, pending_bytes;	/* see charge() */

	gboolean meta_seen, meta_done, policy_seen, policy_done, date_seen;
	gboolean have_begin, have_end, have_pct, begun;
	gboolean feedback_seen, feedback_done;
	gboolean noted_entity, noted_feedback, noted_errors;
	char *root;		/* qualified name of the root element */

	int depth;		/* elements open */
	enum ctx ctx[MAX_DEPTH + 1];
	enum field leaf;
	int leaf_depth;
	GString *text;
	GString *qname;		/* "prefix:name" of an undeclared prefix */
	int empty_at;		/* depth of an open "<name/>", or -1 */

	/* namespace declarations in scope: prefix (NULL for the default)
	 * and URI pairs, ns_at[depth] pairs declared by each open element */
	GPtrArray *ns;
	int ns_at[MAX_DEPTH + 1];

	int ext_depth;		/* depth of the open <extension>, or -1 */
	struct {
		gboolean kids, text;
	} ext_st[MAX_DEPTH + 1];	/* children so far, per open element */
	GString *blank;		/* white space in <extension>, undecided */
	gboolean preserve[MAX_DEPTH + 1];	/* xml:space="preserve" */
};

/* A start tag as libxml2's SAX2 hands it over. */
struct elem {
	const char *local, *prefix;
	int nb_ns;
	const xmlChar **ns;	/* prefix/URI pairs declared here */
	int nb_attrs;
	const xmlChar **attrs;	/* local/prefix/URI/value/end, 5 each */
	gboolean empty;
};

/* ---- errors and fixups ---- */

static void fail(struct parser *, int, const char *, ...) G_GNUC_PRINTF(3, 4);

static void
fail(struct parser *p, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (p->err != NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	p->err = g_error_new(DMARC_ERROR, code, "%s: %s", p->name, msg);
	g_free(msg);
}

static int
line_no(struct parser *p)
{
	return p->ctxt != NULL && p->ctxt->input != NULL ?
	    p->ctxt->input->line : 0;
}

static void add_fixup(struct parser *, GPtrArray *, const char *, ...)
    G_GNUC_PRINTF(3, 4);

/* What the report header (metadata, policy, errors, fixups) or the
 * current record holds grows by n bytes; past the bound, stop.  A value is
 * at most MAX_LEAF, items and fixups are counted, but 1000 fixups of 64 kB
 * each would still be 64 MB in one record. */
static void
charge(struct parser *p, gboolean record, gsize n)
{
	gsize *held = record ? &p->rec_bytes : &p->rep_bytes;

	*held += n;
	if (*held <= MAX_HELD)
		return;
	if (record)
		fail(p, DMARC_ERROR_XML, "line %d: one record holds more than "
		    "%d bytes of values and fixups", line_no(p), MAX_HELD);
	else
		fail(p, DMARC_ERROR_XML, "line %d: report_metadata, "
		    "policy_published and their fixups hold more than %d bytes",
		    line_no(p), MAX_HELD);
}

/* Bounded, because a hostile record could repeat an element forever. */
static void
add_fixup(struct parser *p, GPtrArray *fx, const char *fmt, ...)
{
	va_list ap;
	char *f;

	if (fx->len > MAX_FIXUPS)
		return;
	if (fx->len == MAX_FIXUPS) {
		g_ptr_array_add(fx, g_strdup("fixups: limit reached, "
		    "further fixups dropped"));
		return;
	}
	va_start(ap, fmt);
	f = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(fx, f);
	charge(p, fx != p->rep.fixups, strlen(f) + ITEM_COST);
}

/* Empty values are shown as "" so a fixup never reads "x:  -> y". */
static const char *
shown(const char *v)
{
	return *v ? v : "\"\"";
}

/* libxml2's words for its own limits do not say what was refused; these
 * do, after them. */
static const struct {
	const char *says, *means;
} xml_limits[] = {
	{ "Huge input lookup", "one XML token (attribute value, comment, "
	    "name) longer than libxml2's limit of 10,000,000 bytes" },
	{ "huge text node", "text longer than libxml2's limit of 10,000,000 "
	    "bytes" },
	{ "too long", "longer than libxml2's limit of 10,000,000 bytes" },
	{ "entity reference loop", "entities that would expand too much, a "
	    "billion laughs; mailsift never expands them" },
	{ "amplification", "entities that would expand too much, a billion "
	    "laughs; mailsift never expands them" },
	{ "Excessive depth", "elements nested too deep" },
};

static char *
xml_message(const char *m)
{
	char *s = g_strstrip(g_strdelimit(g_strdup(m), "\r\n", ' '));
	char *t;
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(xml_limits); i++)
		if (strstr(s, xml_limits[i].says) != NULL) {
			t = g_strdup_printf("%s (%s)", s, xml_limits[i].means);
			g_free(s);
			return t;
		}
	return s;
}

/* libxml2 reports here instead of stderr, both through the parser's
 * serror and through the thread's global handler (encoding conversion
 * errors). */
static void
on_xml_error(void *arg, xmlErrorPtr e)
{
	struct parser *p = arg;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	/* Keep the first fatal error; a namespace error only if nothing
	 * worse follows. */
	if (p->xml_msg != NULL && (p->xml_level >= XML_ERR_FATAL ||
	    e->level < XML_ERR_FATAL))
		return;
	g_free(p->xml_msg);
	/* Some messages span lines ("...encoding !\nBytes: 0xFF"). */
	p->xml_msg = xml_message(e->message ? e->message : "malformed XML");
	p->xml_line = e->line;
	p->xml_level = e->level;
}

/* ---- records ---- */

static void
reason_free(gpointer v)
{
	struct dmarc_reason *r = v;

	g_free(r->type);
	g_free(r->comment);
	g_free(r);
}

static void
dkim_free(gpointer v)
{
	struct dmarc_dkim *d = v;

	g_free(d->domain);
	g_free(d->selector);
	g_free(d->result);
	g_free(d->human_result);
	g_free(d);
}

static void
spf_free(gpointer v)
{
	struct dmarc_spf *s = v;

	g_free(s->domain);
	g_free(s->scope);
	g_free(s->result);
	g_free(s->human_result);
	g_free(s);
}

static struct dmarc_record *
record_new(void)
{
	struct dmarc_record *r = g_new0(struct dmarc_record, 1);

	r->reasons = g_ptr_array_new_with_free_func(reason_free);
	r->dkim = g_ptr_array_new_with_free_func(dkim_free);
	r->spf = g_ptr_array_new_with_free_func(spf_free);
	r->fixups = g_ptr_array_new_with_free_func(g_free);
	return r;
}

/* Empty the record for the next one, keeping the arrays' storage. */
static void
record_clear(struct dmarc_record *r)
{
	g_clear_pointer(&r->source_ip, g_free);
	g_clear_pointer(&r->disposition, g_free);
	g_clear_pointer(&r->policy_dkim, g_free);
	g_clear_pointer(&r->policy_spf, g_free);
	g_clear_pointer(&r->header_from, g_free);
	g_clear_pointer(&r->envelope_from, g_free);
	g_clear_pointer(&r->envelope_to, g_free);
	r->count = 0;
	g_ptr_array_set_size(r->reasons, 0);
	g_ptr_array_set_size(r->dkim, 0);
	g_ptr_array_set_size(r->spf, 0);
	g_ptr_array_set_size(r->fixups, 0);
}

static void
record_free(gpointer v)
{
	struct dmarc_record *r = v;

	if (r == NULL)
		return;
	record_clear(r);
	g_ptr_array_free(r->reasons, TRUE);
	g_ptr_array_free(r->dkim, TRUE);
	g_ptr_array_free(r->spf, TRUE);
	g_ptr_array_free(r->fixups, TRUE);
	g_free(r);
}

static void
report_clear(struct dmarc_report *r)
{
	struct dmarc_policy *pol = &r->policy;

	g_free(r->version);
	g_free(r->org_name);
	g_free(r->email);
	g_free(r->extra_contact_info);
	g_free(r->report_id);
	g_free(r->generator);
	g_free(pol->domain);
	g_free(pol->adkim);
	g_free(pol->aspf);
	g_free(pol->p);
	g_free(pol->sp);
	g_free(pol->np);
	g_free(pol->fo);
	g_free(pol->testing);
	g_free(pol->discovery_method);
	if (r->errors != NULL)
		g_ptr_array_free(r->errors, TRUE);
	if (r->fixups != NULL)
		g_ptr_array_free(r->fixups, TRUE);
	if (r->extensions != NULL)
		g_string_free(r->extensions, TRUE);
	memset(r, 0, sizeof(*r));
}

/* Hand one record to the caller and count it. */
static void
deliver(struct parser *p, struct dmarc_record *rec)
{
	if (rec->count > INT64_MAX - p->rep.message_count) {
		fail(p, DMARC_ERROR_INVALID, "sum of <count> overflows");
		return;
	}
	p->rep.record_count++;
	p->rep.message_count += rec->count;
	if (p->cb->on_record != NULL &&
	    p->cb->on_record(p->user, &p->rep, rec) < 0)
		fail(p, DMARC_ERROR_ABORTED, "on_record callback aborted");
}

/* The identity is known (or will never be): on_begin, then the records
 * that waited for it. */
static void
begin(struct parser *p)
{
	guint i;

	p->begun = TRUE;
	if (!p->policy_seen)
		add_fixup(p, p->rep.fixups, "policy_published: missing");
	else if (p->rep.policy.domain == NULL)
		add_fixup(p, p->rep.fixups, "policy_published/domain: missing");
	if (p->cb->on_begin != NULL && p->cb->on_begin(p->user, &p->rep) < 0) {
		fail(p, DMARC_ERROR_ABORTED, "on_begin callback aborted");
		return;
	}
	for (i = 0; i < p->pending->len && p->err == NULL; i++)
		deliver(p, g_ptr_array_index(p->pending, i));
	g_ptr_array_set_size(p->pending, 0);
}

static void
maybe_begin(struct parser *p)
{
	if (!p->begun && p->meta_done && p->policy_done)
		begin(p);
}

static void
record_start(struct parser *p)
{
	if (p->rec == NULL)
		p->rec = record_new();
	p->rec_bytes = RECORD_COST;
	p->rec_ip = p->rec_count = FALSE;
	p->reason = NULL;
	p->dkim = NULL;
	p->spf = NULL;
}

static void
record_end(struct parser *p)
{
	struct dmarc_record *rec = p->rec;

	if (!p->rec_ip)
		add_fixup(p, rec->fixups, "source_ip: missing");
	if (!p->rec_count)
		add_fixup(p, rec->fixups, "count: missing -> 0");
	p->reason = NULL;
	p->dkim = NULL;
	p->spf = NULL;
	if (p->begun) {
		deliver(p, rec);
		record_clear(rec);
		return;
	}
	if (p->pending->len >= MAX_PENDING) {
		fail(p, DMARC_ERROR_XML, "more than %d records before "
		    "report_metadata and policy_published", MAX_PENDING);
		return;
	}
	p->pending_bytes += p->rec_bytes;
	if (p->pending_bytes > MAX_PENDING_BYTES) {
		fail(p, DMARC_ERROR_XML, "records before report_metadata and "
		    "policy_published hold more than %d bytes",
		    MAX_PENDING_BYTES);
		return;
	}
	g_ptr_array_add(p->pending, rec);
	p->rec = NULL;
}

/* report_id is what makes a report; a missing date range is kept as 0 so
 * the store still gets an identity, and the fixup says so. */
static void
meta_end(struct parser *p)
{
	struct dmarc_report *r = &p->rep;

	if (r->report_id == NULL) {
		fail(p, DMARC_ERROR_INVALID, "report_metadata has no report_id");
		return;
	}
	if (*r->report_id == '\0') {
		fail(p, DMARC_ERROR_INVALID, "report_id is empty");
		return;
	}
	if (!p->date_seen)
		add_fixup(p, r->fixups, "date_range: missing -> 0 (begin and end "
		    "unknown)");
	else {
		if (!p->have_begin)
			add_fixup(p, r->fixups, "date_range/begin: missing -> 0");
		if (!p->have_end)
			add_fixup(p, r->fixups, "date_range/end: missing -> 0");
	}
	p->meta_done = TRUE;
	maybe_begin(p);
}

static void
feedback_end(struct parser *p)
{
	if (!p->begun) {
		if (!p->meta_done) {
			if (p->pending->len == 0)
				fail(p, DMARC_ERROR_INVALID, "<feedback> has no "
				    "report_metadata and no records");
			else
				fail(p, DMARC_ERROR_INVALID, "<feedback> has no "
				    "report_metadata (no report_id)");
			return;
		}
		begin(p);
	}
	p->feedback_done = TRUE;
}

/* ---- values ---- */

static gboolean
in_words(const char *v, const char *const *w)
{
	for (; *w != NULL; w++)
		if (strcmp(v, *w) == 0)
			return TRUE;
	return FALSE;
}

/* Lower-case or translate an enumerated word when that is unambiguous;
 * anything else is kept as it came. */
static char *
norm_word(struct parser *p, GPtrArray *fx, const char *path, char *v,
    const char *const *words, const struct alias *alias)
{
	char *low;

	if (in_words(v, words))
		return v;
	low = g_ascii_strdown(v, -1);
	if (in_words(low, words)) {
		add_fixup(p, fx, "%s: %s -> %s (lower-cased)", path, v, low);
		g_free(v);
		return low;
	}
	g_free(low);
	for (; alias != NULL && alias->from != NULL; alias++) {
		if (g_ascii_strcasecmp(v, alias->from) == 0) {
			add_fixup(p, fx, "%s: %s -> %s (%s)", path, v, alias->to,
			    alias->rule);
			g_free(v);
			return g_strdup(alias->to);
		}
	}
	return v;
}

/* Keep the first value; a repeated element never overwrites silently. */
static void
set_once(struct parser *p, GPtrArray *fx, const char *path, char **slot,
    char *v)
{
	if (*slot == NULL) {
		*slot = v;
		return;
	}
	add_fixup(p, fx, "%s: duplicate value %s ignored (kept %s)", path,
	    shown(v), shown(*slot));
	g_free(v);
}

/* A non-negative decimal, possibly written as a real number by a sloppy
 * generator (1530133200.0, 1.5e9).  *exact is FALSE when it was not plain
 * digits; *whole is FALSE when a fraction was dropped. */
static gboolean
parse_number(const char *s, int64_t max, int64_t *out, gboolean *exact,
    gboolean *whole)
{
	guint64 u;
	double d;
	char *end;

	*exact = *whole = TRUE;
	if (g_ascii_string_to_unsigned(s, 10, 0, (guint64)max, &u, NULL)) {
		*out = (int64_t)u;
		return TRUE;
	}
	if (*s == '\0' || s[strspn(s, "0123456789.eE+")] != '\0')
		return FALSE;
	d = g_ascii_strtod(s, &end);
	/* 9e18 keeps the conversion below INT64_MAX, whatever max is. */
	if (*end != '\0' || !isfinite(d) || d < 0 || d >= 9e18 ||
	    d > (double)max)
		return FALSE;
	*exact = FALSE;
	*whole = d == floor(d);
	*out = (int64_t)d;
	return TRUE;
}

static void
set_epoch(struct parser *p, const char *path, int64_t *slot, gboolean *have,
    char *v)
{
	GPtrArray *fx = p->rep.fixups;
	GTimeZone *utc;
	GDateTime *dt;
	gboolean exact, whole;
	int64_t t;

	if (*have) {
		add_fixup(p, fx, "%s: duplicate value %s ignored", path, shown(v));
		g_free(v);
		return;
	}
	*have = TRUE;
	if (parse_number(v, MAX_EPOCH, &t, &exact, &whole)) {
		*slot = t;
		if (!exact)
			add_fixup(p, fx, "%s: %s -> %" G_GINT64_FORMAT " (%s)", path,
			    v, t, whole ? "decimal number" :
			    "fraction of a second dropped");
		g_free(v);
		return;
	}
	/* A few generators write dates; with a zone they are unambiguous. */
	utc = g_time_zone_new_utc();
	dt = strchr(v, 'T') ? g_date_time_new_from_iso8601(v, utc) : NULL;
	g_time_zone_unref(utc);
	if (dt != NULL && g_date_time_to_unix(dt) >= 0 &&
	    g_date_time_to_unix(dt) <= MAX_EPOCH) {
		*slot = g_date_time_to_unix(dt);
		add_fixup(p, fx, "%s: %s -> %" G_GINT64_FORMAT " (ISO 8601 date)",
		    path, v, *slot);
	} else
		add_fixup(p, fx, "%s: %s -> 0 (not a timestamp)", path, shown(v));
	if (dt != NULL)
		g_date_time_unref(dt);
	g_free(v);
}

static void
set_pct(struct parser *p, char *v)
{
	GPtrArray *fx = p->rep.fixups;
	gboolean exact, whole;
	int64_t n;

	if (p->have_pct) {
		add_fixup(p, fx, "policy_published/pct: duplicate value %s ignored",
		    shown(v));
	} else if (parse_number(v, 100, &n, &exact, &whole) && whole) {
		p->have_pct = TRUE;
		p->rep.policy.pct = (int)n;
		if (!exact)
			add_fixup(p, fx, "policy_published/pct: %s -> %d "
			    "(decimal number)", v, (int)n);
	} else {
		p->have_pct = TRUE;
		add_fixup(p, fx, "policy_published/pct: %s -> absent "
		    "(not a percentage)", shown(v));
	}
	g_free(v);
}

static void
set_count(struct parser *p, char *v)
{
	struct dmarc_record *rec = p->rec;
	gboolean exact, whole;
	int64_t n;

	if (p->rec_count) {
		add_fixup(p, rec->fixups, "count: duplicate value %s ignored",
		    shown(v));
	} else if (parse_number(v, INT64_MAX, &n, &exact, &whole) && whole) {
		rec->count = n;
		if (!exact)
			add_fixup(p, rec->fixups, "count: %s -> %" G_GINT64_FORMAT
			    " (decimal number)", v, n);
	} else
		add_fixup(p, rec->fixups, "count: %s -> 0 (not a count)", shown(v));
	p->rec_count = TRUE;
	g_free(v);
}

/* Canonical text form via inet_pton/inet_ntop.  An empty or invalid
 * address is NULL: the column is an address, the raw text stays in the
 * fixup. */
static void
set_ip(struct parser *p, char *v)
{
	struct dmarc_record *rec = p->rec;
	char buf[INET6_ADDRSTRLEN];
	unsigned char addr[sizeof(struct in6_addr)];
	const char *s = v;
	char *unbracketed = NULL;
	int ok;

	if (p->rec_ip) {
		add_fixup(p, rec->fixups, "source_ip: duplicate value %s ignored",
		    shown(v));
		g_free(v);
		return;
	}
	p->rec_ip = TRUE;
	if (*v == '[' && v[strlen(v) - 1] == ']')
		s = unbracketed = g_strndup(v + 1, strlen(v) - 2);
	if (strchr(s, ':') != NULL)
		ok = inet_pton(AF_INET6, s, addr) == 1 &&
		    inet_ntop(AF_INET6, addr, buf, sizeof(buf)) != NULL;
	else
		ok = inet_pton(AF_INET, s, addr) == 1 &&
		    inet_ntop(AF_INET, addr, buf, sizeof(buf)) != NULL;
	if (!ok)
		add_fixup(p, rec->fixups, "source_ip: %s -> NULL (%s)", shown(v),
		    *v ? "not an IP address" : "empty");
	else {
		rec->source_ip = g_strdup(buf);
		if (strcmp(buf, v) != 0)
			add_fixup(p, rec->fixups, "source_ip: %s -> %s "
			    "(canonical form)", v, buf);
	}
	g_free(unbracketed);
	g_free(v);
}

/* Text of the current leaf with surrounding XML white space removed. */
static char *
take_text(struct parser *p)
{
	const char *s = p->text->str;
	gsize a = 0, b = p->text->len;

	while (a < b && g_ascii_isspace(s[a]))
		a++;
	while (b > a && g_ascii_isspace(s[b - 1]))
		b--;
	return g_strndup(s + a, b - a);
}

/* Fixup path of a field, e.g. "auth_results/dkim[2]/result". */
static void
field_path(struct parser *p, enum field f, char *buf, gsize len)
{
	const struct field_info *fi = &fields[f];

	switch (fi->owner) {
	case O_REPORT:
		g_snprintf(buf, len, "%s%s", f == F_BEGIN || f == F_END ?
		    "date_range/" : f == F_VERSION ? "" : "report_metadata/",
		    fi->name);
		break;
	case O_POLICY:
		g_snprintf(buf, len, "policy_published/%s", fi->name);
		break;
	case O_RECORD:
		g_snprintf(buf, len, "%s%s", f == F_SOURCE_IP ||
		    f == F_COUNT ? "" : f >= F_HEADER_FROM ? "identifiers/" :
		    "policy_evaluated/", fi->name);
		break;
	case O_REASON:
		g_snprintf(buf, len, "policy_evaluated/reason[%u]/%s",
		    p->rec->reasons->len, fi->name);
		break;
	case O_DKIM:
		g_snprintf(buf, len, "auth_results/dkim[%u]/%s",
		    p->rec->dkim->len, fi->name);
		break;
	case O_SPF:
		g_snprintf(buf, len, "auth_results/spf[%u]/%s",
		    p->rec->spf->len, fi->name);
		break;
	}
}

static void
finish_leaf(struct parser *p)
{
	enum field f = p->leaf;
	const struct field_info *fi = &fields[f];
	GPtrArray *fx;
	char path[80], *v, **slot;
	void *base;

	p->leaf = F_NONE;
	v = take_text(p);
	charge(p, fi->owner != O_REPORT && fi->owner != O_POLICY,
	    strlen(v) + ITEM_COST);
	switch (f) {
	case F_BEGIN:
		set_epoch(p, "date_range/begin", &p->rep.date_begin,
		    &p->have_begin, v);
		return;
	case F_END:
		set_epoch(p, "date_range/end", &p->rep.date_end, &p->have_end, v);
		return;
	case F_PCT:
		set_pct(p, v);
		return;
	case F_COUNT:
		set_count(p, v);
		return;
	case F_SOURCE_IP:
		set_ip(p, v);
		return;
	case F_ERROR:
		if (p->rep.errors->len < MAX_ITEMS)
			g_ptr_array_add(p->rep.errors, v);
		else {
			if (!p->noted_errors)
				add_fixup(p, p->rep.fixups, "report_metadata/error: "
				    "more than %d, rest dropped", MAX_ITEMS);
			p->noted_errors = TRUE;
			g_free(v);
		}
		return;
	default:
		break;
	}
	switch (fi->owner) {
	case O_REPORT: base = &p->rep; break;
	case O_POLICY: base = &p->rep.policy; break;
	case O_RECORD: base = p->rec; break;
	case O_REASON: base = p->reason; break;
	case O_DKIM: base = p->dkim; break;
	case O_SPF: base = p->spf; break;
	default: base = NULL; break;
	}
	fx = fi->owner == O_REPORT || fi->owner == O_POLICY ? p->rep.fixups :
	    p->rec->fixups;
	slot = (char **)(void *)((char *)base + fi->off);
	/* Leaves are the hot path: the path is built only for a fixup. */
	path[0] = '\0';
	if (*slot != NULL || (fi->words != NULL && !in_words(v, fi->words)))
		field_path(p, f, path, sizeof(path));
	if (fi->words != NULL)
		v = norm_word(p, fx, path, v, fi->words, fi->alias);
	set_once(p, fx, path, slot, v);
}

/* ---- <extension>: copied as raw XML while streaming, so its size is
 * checked as it grows. ---- */

static void
ext_qname(GString *x, const char *prefix, const char *name)
{
	if (prefix != NULL) {
		g_string_append(x, prefix);
		g_string_append_c(x, ':');
	}
	g_string_append(x, name);
}

static void
ext_escaped(GString *x, const char *s, gssize len)
{
	char *e = g_markup_escape_text(s, len);

	g_string_append(x, e);
	g_free(e);
}

static void
ext_check(struct parser *p)
{
	if (p->rep.extensions->len + p->blank->len > MAX_EXTENSIONS)
		fail(p, DMARC_ERROR_XML, "line %d: <extension> content longer "
		    "than %d bytes", line_no(p), MAX_EXTENSIONS);
}

static void
ext_ns(GString *x, const xmlChar *prefix, const xmlChar *href)
{
	g_string_append(x, " xmlns");
	if (prefix != NULL)
		g_string_append_printf(x, ":%s", prefix);
	g_string_append(x, "=\"");
	ext_escaped(x, href ? (const char *)href : "", -1);
	g_string_append_c(x, '"');
}

/* Every namespace in scope, innermost declaration of each prefix first,
 * as xmlGetNsList lists them: the copy of an <extension> parses on its
 * own. */
static void
ext_scope(struct parser *p, int depth)
{
	guint end = p->ns->len, start, i, j;
	int d;

	for (d = depth; d >= 0; d--) {
		start = end - 2 * p->ns_at[d];
		for (i = start; i < end; i += 2) {
			/* declared again further in: shadowed */
			for (j = end; j < p->ns->len; j += 2)
				if (g_strcmp0(p->ns->pdata[i],
				    p->ns->pdata[j]) == 0)
					break;
			if (j >= p->ns->len)
				ext_ns(p->rep.extensions, p->ns->pdata[i],
				    p->ns->pdata[i + 1]);
		}
		end = start;
	}
}

/* An attribute value as libxml2 hands it over without entity
 * substitution: '&' only starts "&#38;" (a literal ampersand) or a
 * reference to a DTD entity, which stays a reference, never expanded. */
static void
ext_value(GString *x, const char *v, const char *end)
{
	const char *amp, *semi;

	while (v < end) {
		amp = memchr(v, '&', (size_t)(end - v));
		if (amp == NULL) {
			ext_escaped(x, v, end - v);
			return;
		}
		ext_escaped(x, v, amp - v);
		semi = memchr(amp, ';', (size_t)(end - amp));
		if (semi == NULL) {
			ext_escaped(x, amp, end - amp);
			return;
		}
		if (semi - amp == 4 && memcmp(amp, "&#38;", 5) == 0)
			g_string_append(x, "&amp;");
		else
			g_string_append_len(x, amp, semi + 1 - amp);
		v = semi + 1;
	}
}

static void
ext_start(struct parser *p, const struct elem *e, int depth, gboolean root)
{
	GString *x = p->rep.extensions;
	const xmlChar **a;
	int i;

	g_string_append_c(x, '<');
	ext_qname(x, e->prefix, e->local);
	if (root)
		ext_scope(p, depth);
	else
		for (i = 0; i < e->nb_ns; i++)
			ext_ns(x, e->ns[2 * i], e->ns[2 * i + 1]);
	for (i = 0, a = e->attrs; i < e->nb_attrs; i++, a += 5) {
		g_string_append_c(x, ' ');
		ext_qname(x, (const char *)a[1], (const char *)a[0]);
		g_string_append(x, "=\"");
		ext_value(x, (const char *)a[3], (const char *)a[4]);
		g_string_append_c(x, '"');
	}
	g_string_append(x, e->empty ? "/>" : ">");
	memset(&p->ext_st[depth], 0, sizeof(p->ext_st[depth]));
	ext_check(p);
}

/* White space between the elements of an <extension> is indentation,
 * dropped as XML_PARSE_NOBLANKS did with the tree reader: kept when it is
 * the whole content of its element, when the element has text (mixed
 * content), when text or a reference follows, and under
 * xml:space="preserve".  Until that is known it waits in p->blank. */
static gboolean
all_blank(const char *s, int len)
{
	int i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return FALSE;
	return TRUE;
}

static void
ext_mark_text(struct parser *p, int parent)
{
	p->ext_st[parent].kids = TRUE;
	p->ext_st[parent].text = TRUE;
}

static void
ext_flush(struct parser *p, int parent, gboolean keep)
{
	if (p->blank->len == 0)
		return;
	if (keep) {
		g_string_append_len(p->rep.extensions, p->blank->str,
		    p->blank->len);
		ext_mark_text(p, parent);
	}
	g_string_truncate(p->blank, 0);
}

static void
ext_text(struct parser *p, int parent, const char *s, int len,
    gboolean cdata)
{
	if (!cdata && !p->preserve[parent] && !p->ext_st[parent].text &&
	    all_blank(s, len)) {
		g_string_append_len(p->blank, s, len);
		ext_check(p);
		return;
	}
	ext_flush(p, parent, TRUE);
	ext_escaped(p->rep.extensions, s, len);
	ext_mark_text(p, parent);
	ext_check(p);
}

static void
ext_child(struct parser *p, int parent)
{
	ext_flush(p, parent, p->ext_st[parent].text);
	p->ext_st[parent].kids = TRUE;
}

/* ---- events: start, text, end ---- */

static enum ctx
outside_start(struct parser *p, const struct elem *e, int depth)
{
	const char *local = e->local;

	if (depth == 0) {
		GString *q = g_string_new(NULL);

		ext_qname(q, e->prefix, e->local);
		p->root = g_string_free(q, FALSE);
	}
	if (strcmp(local, "feedback") == 0) {
		if (!p->feedback_seen) {
			p->feedback_seen = TRUE;
			if (depth > 0)
				add_fixup(p, p->rep.fixups, "root: <%s> wrapper "
				    "ignored", p->root);
			return C_FEEDBACK;
		}
		if (!p->noted_feedback)
			add_fixup(p, p->rep.fixups, "feedback: another <feedback> "
			    "in the document ignored");
		p->noted_feedback = TRUE;
		return C_IGNORE;
	}
	/* An HTML page is no container of reports; stop before its body
	 * (which is rarely well-formed XML anyway). */
	if (depth == 0 && (g_ascii_strcasecmp(local, "html") == 0 ||
	    strcmp(local, "svg") == 0 || strcmp(local, "rss") == 0)) {
		fail(p, DMARC_ERROR_NOT_REPORT, "root element is <%s>, not "
		    "<feedback>", p->root);
		return C_IGNORE;
	}
	return C_OUTSIDE;
}

static enum ctx
child_start(struct parser *p, enum ctx parent, const struct elem *e,
    int depth)
{
	const char *local = e->local;
	const struct rule *r;
	GPtrArray *arr;

	for (r = rules_of[parent]; r->name != NULL; r++)
		if (strcmp(r->name, local) == 0)
			break;
	switch (r->ctx) {
	case C_LEAF:
		p->leaf = r->field;
		p->leaf_depth = depth;
		g_string_truncate(p->text, 0);
		return C_LEAF;
	case C_EXT:
		if (p->rep.extensions == NULL)
			p->rep.extensions = g_string_new(NULL);
		else
			g_string_append_c(p->rep.extensions, '\n');
		p->ext_depth = depth;
		ext_start(p, e, depth, TRUE);
		return C_EXT;
	case C_META:
		if (p->meta_seen)
			goto duplicate;
		p->meta_seen = TRUE;
		return C_META;
	case C_POLICY:
		if (p->policy_seen)
			goto duplicate;
		p->policy_seen = TRUE;
		return C_POLICY;
	case C_DATE:
		if (p->date_seen)
			goto duplicate;
		p->date_seen = TRUE;
		return C_DATE;
	case C_RECORD:
		record_start(p);
		return C_RECORD;
	case C_IDENT:
		if (strcmp(local, "identities") == 0)
			add_fixup(p, p->rec->fixups, "identities: read as "
			    "<identifiers>");
		return C_IDENT;
	case C_REASON:
	case C_ADKIM:
	case C_ASPF:
		arr = r->ctx == C_REASON ? p->rec->reasons :
		    r->ctx == C_ADKIM ? p->rec->dkim : p->rec->spf;
		if (arr->len >= MAX_ITEMS) {
			fail(p, DMARC_ERROR_XML, "line %d: more than %d <%s> "
			    "in one record", line_no(p), MAX_ITEMS, local);
			return C_IGNORE;
		}
		charge(p, TRUE, ITEM_COST);
		if (r->ctx == C_REASON)
			g_ptr_array_add(arr, p->reason =
			    g_new0(struct dmarc_reason, 1));
		else if (r->ctx == C_ADKIM)
			g_ptr_array_add(arr, p->dkim =
			    g_new0(struct dmarc_dkim, 1));
		else
			g_ptr_array_add(arr, p->spf = g_new0(struct dmarc_spf, 1));
		return r->ctx;
	default:
		return r->ctx;
	}
duplicate:
	add_fixup(p, p->rep.fixups, "%s: duplicate element ignored", local);
	return C_IGNORE;
}

static void
on_start(struct parser *p, const struct elem *e, int depth)
{
	enum ctx parent, c;

	parent = depth == 0 ? C_OUTSIDE : p->ctx[depth - 1];
	switch (parent) {
	case C_OUTSIDE:
		c = outside_start(p, e, depth);
		break;
	case C_IGNORE:
	case C_LEAF:
		c = C_IGNORE;
		break;
	case C_EXT:
		ext_child(p, depth - 1);
		ext_start(p, e, depth, FALSE);
		c = C_EXT;
		break;
	default:
		c = child_start(p, parent, e, depth);
		break;
	}
	p->ctx[depth] = c;
}

static void
on_text(struct parser *p, int depth, const char *s, int len, gboolean cdata)
{
	if (depth < 1 || depth > MAX_DEPTH + 1)
		return;
	if (p->leaf != F_NONE && depth == p->leaf_depth + 1) {
		if ((gsize)len > MAX_LEAF - p->text->len) {
			fail(p, DMARC_ERROR_XML, "line %d: text of a value "
			    "longer than %d bytes", line_no(p), MAX_LEAF);
			return;
		}
		g_string_append_len(p->text, s, len);
	} else if (p->ext_depth >= 0 && depth > p->ext_depth)
		ext_text(p, depth - 1, s, len, cdata);
}

/* Custom entities are never expanded; inside <extension> the reference
 * is kept as written, elsewhere it is dropped with one fixup. */
static void
on_entity(struct parser *p, int depth, const char *name)
{
	if (p->ext_depth >= 0 && depth > p->ext_depth &&
	    depth <= MAX_DEPTH + 1) {
		ext_flush(p, depth - 1, TRUE);
		g_string_append_printf(p->rep.extensions, "&%s;", name);
		p->ext_st[depth - 1].kids = TRUE;
		ext_check(p);
	} else if (p->feedback_seen && !p->feedback_done && !p->noted_entity) {
		add_fixup(p, p->rep.fixups, "entities: reference &%s; and any "
		    "other DTD entity left unexpanded", name);
		p->noted_entity = TRUE;
	}
}

static void
on_end(struct parser *p, const char *prefix, const char *local, int depth,
    gboolean empty)
{
	switch (p->ctx[depth]) {
	case C_LEAF:
		finish_leaf(p);
		break;
	case C_EXT:
		if (!empty) {
			ext_flush(p, depth, !p->ext_st[depth].kids ||
			    p->ext_st[depth].text);
			g_string_append(p->rep.extensions, "</");
			ext_qname(p->rep.extensions, prefix, local);
			g_string_append_c(p->rep.extensions, '>');
			ext_check(p);
		}
		if (depth == p->ext_depth)
			p->ext_depth = -1;
		break;
	case C_FEEDBACK:
		feedback_end(p);
		break;
	case C_META:
		meta_end(p);
		break;
	case C_POLICY:
		p->policy_done = TRUE;
		maybe_begin(p);
		break;
	case C_RECORD:
		record_end(p);
		break;
	case C_REASON:
		if (p->reason->type == NULL && p->reason->comment == NULL)
			add_fixup(p, p->rec->fixups, "policy_evaluated/reason[%u]: "
			    "empty", p->rec->reasons->len);
		p->reason = NULL;
		break;
	case C_ADKIM:
		p->dkim = NULL;
		break;
	case C_ASPF:
		p->spf = NULL;
		break;
	default:
		break;
	}
}

/* ---- libxml2's SAX2 callbacks ---- */

/* libxml2's own SAX2 handlers, which build a tree (xml_init). */
static xmlSAXHandler tree_sax;

/* The parser of an event, or NULL when the event is not for the report:
 * after an error, or when libxml2 parses the replacement text of a DTD
 * entity in a context of its own (to check it; the text is never part of
 * the report).  That text gets libxml2's tree handlers (*entity), so the
 * entity keeps its nodes and later references to it are not parsed again,
 * as with the tree reader: else each reference would cost a parse of the
 * whole text, quadratic in a hostile document. */
static struct parser *
route(void *ctx, gboolean *entity)
{
	xmlParserCtxtPtr c = ctx;
	struct parser *p = c != NULL ? c->_private : NULL;

	*entity = FALSE;
	if (p == NULL || p->err != NULL)
		return NULL;
	if (c != p->ctxt) {
		*entity = TRUE;
		return NULL;
	}
	return p;
}

/* The first error stops libxml2 at once, not at the end of the chunk. */
static void
stop_on_error(struct parser *p)
{
	if (p->err != NULL)
		xmlStopParser(p->ctxt);
}

/* libxml2 calls startElementNs before it consumes the "/>" or ">" that
 * ends the start tag: "/>" there is an empty element, which an
 * <extension> copy keeps as written. */
static gboolean
start_tag_empty(struct parser *p)
{
	const xmlChar *c = p->ctxt->input != NULL ? p->ctxt->input->cur : NULL;

	return c != NULL && c[0] == '/' && c[1] == '>';
}

/* xml:space="preserve" keeps white space in the element and below. */
static gboolean
preserve_space(struct parser *p, const struct elem *e, int depth)
{
	const xmlChar **a;
	int i;

	for (i = 0, a = e->attrs; i < e->nb_attrs; i++, a += 5)
		if (a[1] != NULL && strcmp((const char *)a[1], "xml") == 0 &&
		    strcmp((const char *)a[0], "space") == 0)
			return a[4] - a[3] == 8 &&
			    memcmp(a[3], "preserve", 8) == 0;
	return depth > 0 && p->preserve[depth - 1];
}

static void
sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
    int nb_defaulted, const xmlChar **attrs)
{
	gboolean entity;
	struct parser *p = route(ctx, &entity);
	struct elem e;
	int depth, i;

	if (entity)
		tree_sax.startElementNs(ctx, local, prefix, uri, nb_ns, ns,
		    nb_attrs, nb_defaulted, attrs);
	if (p == NULL)
		return;
	depth = p->depth++;
	if (depth > MAX_DEPTH) {
		fail(p, DMARC_ERROR_XML, "line %d: elements nested deeper than "
		    "%d", line_no(p), MAX_DEPTH);
		stop_on_error(p);
		return;
	}
	e.local = (const char *)local;
	e.prefix = (const char *)prefix;
	/* An undeclared prefix is part of the name, as in libxml2's tree. */
	if (prefix != NULL && uri == NULL) {
		g_string_printf(p->qname, "%s:%s", prefix, local);
		e.local = p->qname->str;
		e.prefix = NULL;
	}
	e.nb_ns = nb_ns;
	e.ns = ns;
	/* Attributes defaulted by the DTD are not in the document. */
	e.nb_attrs = nb_attrs - nb_defaulted;
	e.attrs = attrs;
	e.empty = start_tag_empty(p);
	if (p->ns->len / 2 + (guint)nb_ns > MAX_NS) {
		fail(p, DMARC_ERROR_XML, "line %d: more than %d namespace "
		    "declarations in scope", line_no(p), MAX_NS);
		stop_on_error(p);
		return;
	}
	for (i = 0; i < 2 * nb_ns; i++)
		g_ptr_array_add(p->ns, g_strdup((const char *)ns[i]));
	p->ns_at[depth] = nb_ns;
	p->empty_at = e.empty ? depth : -1;
	p->preserve[depth] = preserve_space(p, &e, depth);
	on_start(p, &e, depth);
	stop_on_error(p);
}

static void
sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	gboolean entity;
	struct parser *p = route(ctx, &entity);
	int depth;

	if (entity)
		tree_sax.endElementNs(ctx, local, prefix, uri);
	if (p == NULL)
		return;
	depth = --p->depth;
	if (depth < 0 || depth > MAX_DEPTH)
		return;
	if (prefix != NULL && uri == NULL) {
		g_string_printf(p->qname, "%s:%s", prefix, local);
		on_end(p, NULL, p->qname->str, depth, p->empty_at == depth);
	} else
		on_end(p, (const char *)prefix, (const char *)local, depth,
		    p->empty_at == depth);
	p->empty_at = -1;
	g_ptr_array_set_size(p->ns, p->ns->len - 2 * p->ns_at[depth]);
	stop_on_error(p);
}

/* Text or a CDATA section: the same, but CDATA is never white space to
 * drop between extension elements. */
static void
text_event(void *ctx, const xmlChar *s, int len, gboolean cdata)
{
	gboolean entity;
	struct parser *p = route(ctx, &entity);

	if (entity)
		tree_sax.characters(ctx, s, len);
	/* Most text is indentation between containers: return at once. */
	if (p == NULL || (p->leaf == F_NONE && p->ext_depth < 0))
		return;
	p->empty_at = -1;
	on_text(p, p->depth, (const char *)s, len, cdata);
	stop_on_error(p);
}

static void
sax_text(void *ctx, const xmlChar *s, int len)
{
	text_event(ctx, s, len, FALSE);
}

static void
sax_cdata(void *ctx, const xmlChar *s, int len)
{
	text_event(ctx, s, len, TRUE);
}

static void
sax_reference(void *ctx, const xmlChar *name)
{
	gboolean entity;
	struct parser *p = route(ctx, &entity);

	if (entity)
		tree_sax.reference(ctx, name);
	if (p == NULL)
		return;
	p->empty_at = -1;
	on_entity(p, p->depth, (const char *)name);
	stop_on_error(p);
}

/* Comments and processing instructions are no part of a report. */
static void
sax_comment(void *ctx, const xmlChar *s)
{
	gboolean entity;

	route(ctx, &entity);
	if (entity)
		tree_sax.comment(ctx, s);
}

static void
sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	gboolean entity;

	route(ctx, &entity);
	if (entity)
		tree_sax.processingInstruction(ctx, target, data);
}

/* Errors of the parser (and of an entity's replacement text, parsed in a
 * context of its own) come here, with that context. */
static void
sax_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr c = ctx;

	if (c != NULL && c->_private != NULL)
		on_xml_error(c->_private, e);
}

/* ---- feeding the parser ---- */

/* Up to len bytes from the source; -1 after a read error. */
static gssize
get_bytes(struct parser *p, char *buf, gsize len)
{
	gssize n, i;

	if (p->read_err != NULL)
		return -1;
	n = p->read(p->read_ctx, buf, len, &p->read_err);
	if (n < 0 || (gsize)n > len) {
		if (p->read_err == NULL)
			p->read_err = g_error_new(DMARC_ERROR, DMARC_ERROR_READ,
			    "read callback failed");
		return -1;
	}
	for (i = 0; !p->saw_content && i < n; i++)
		if (!g_ascii_isspace(buf[i]))
			p->saw_content = TRUE;
	return n;
}

/* The parser, given the first 4 bytes (fewer at the end) so it can tell
 * the encoding by them, as xmlTextReader did.  *have says how many bytes
 * of buf were read. */
static xmlParserCtxtPtr
new_ctxt(struct parser *p, char *buf, gsize *have)
{
	xmlSAXHandler sax = tree_sax;
	xmlParserCtxtPtr c;
	gssize n = 1;

	*have = 0;
	while (*have < 4 && n > 0) {
		n = get_bytes(p, buf + *have, CHUNK - *have);
		if (n > 0)
			*have += (gsize)n;
	}
	if (n < 0)
		return NULL;
	/* The DTD callbacks stay libxml2's (xmlSAX2*): declared entities
	 * must be known to be referenced, unexpanded, as with the tree
	 * reader; they need userData to be the context itself (NULL below),
	 * so the parser is found through _private. */
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.startElement = NULL;
	sax.endElement = NULL;
	sax.characters = sax_text;
	sax.ignorableWhitespace = sax_text;
	sax.cdataBlock = sax_cdata;
	sax.reference = sax_reference;
	sax.comment = sax_comment;
	sax.processingInstruction = sax_pi;
	sax.serror = sax_error;
	c = xmlCreatePushParserCtxt(&sax, NULL, *have >= 4 ? buf : NULL,
	    *have >= 4 ? 4 : 0, NULL);
	if (c == NULL)
		return NULL;
	c->_private = p;
	xmlCtxtUseOptions(c, PARSER_OPTIONS);
	return c;
}

/* Push the document through the parser.  Returns 0 when libxml2 found it
 * well-formed, 1 when it did not, -1 with p->err set. */
static int
feed(struct parser *p)
{
	char *buf = g_malloc(CHUNK);
	gsize have, skip;
	gssize n;
	int broken = 0;

	p->ctxt = new_ctxt(p, buf, &have);
	if (p->ctxt == NULL) {
		if (p->read_err != NULL)
			fail(p, DMARC_ERROR_READ, "%s", p->read_err->message);
		else
			fail(p, DMARC_ERROR_XML, "cannot create XML parser");
		g_free(buf);
		return -1;
	}
	skip = have >= 4 ? 4 : 0;
	n = (gssize)have;
	for (;;) {
		if (xmlParseChunk(p->ctxt, buf + skip, (int)((gsize)n - skip),
		    n == 0) != 0 || !p->ctxt->wellFormed)
			broken = 1;
		if (p->err != NULL || broken || n == 0)
			break;
		skip = 0;
		n = get_bytes(p, buf, CHUNK);
		if (n < 0)
			break;
	}
	g_free(buf);
	if (p->err != NULL)
		return -1;
	if (p->read_err != NULL) {
		fail(p, DMARC_ERROR_READ, "%s", p->read_err->message);
		return -1;
	}
	return broken;
}

/* Read to the end of the document.  0 when a report was read, -1 with
 * p->err set otherwise. */
static int
run(struct parser *p)
{
	int broken = feed(p);

	if (broken < 0)
		return -1;
	if (broken) {
		if (!p->saw_content) {
			fail(p, DMARC_ERROR_XML, "empty document");
			return -1;
		}
		if (!p->feedback_done) {
			fail(p, DMARC_ERROR_XML, "line %d: %s", p->xml_line,
			    p->xml_msg ? p->xml_msg : "malformed XML");
			return -1;
		}
		add_fixup(p, p->rep.fixups, "document: malformed content after "
		    "</feedback> ignored (line %d: %s)", p->xml_line,
		    p->xml_msg ? p->xml_msg : "malformed XML");
	}
	if (!p->feedback_seen) {
		if (p->root == NULL)
			fail(p, DMARC_ERROR_XML, "no root element");
		else
			fail(p, DMARC_ERROR_NOT_REPORT, "root element is <%s>, "
			    "not <feedback>", p->root);
		return -1;
	}
	if (!p->feedback_done) {
		fail(p, DMARC_ERROR_XML, "<feedback> not closed");
		return -1;
	}
	if (p->cb->on_end != NULL && p->cb->on_end(p->user, &p->rep) < 0) {
		fail(p, DMARC_ERROR_ABORTED, "on_end callback aborted");
		return -1;
	}
	return 0;
}

/* The parser never loads external entities or DTDs (no NOENT, no
 * DTDLOAD); this loader makes sure nothing else in libxml2 does either. */
static xmlParserInputPtr
deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static gpointer
xml_init(gpointer unused)
{
	(void)unused;
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_loader);
	xmlSAXVersion(&tree_sax, 2);
	return NULL;
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int
dmarc_parse(dmarc_read_fn read, void *read_ctx, const char *name,
    const struct dmarc_callbacks *cb, void *user, GError **err)
{
	static GOnce once = G_ONCE_INIT;
	static const struct dmarc_callbacks none = { NULL, NULL, NULL };
	struct parser p;
	xmlStructuredErrorFunc old_fn;
	void *old_ctx;
	int rc;

	/* libxml2 is loaded here, on the first report (xml_dl.c). */
	if (dmarc_xml_error() != NULL) {
		g_set_error(err, DMARC_ERROR, DMARC_ERROR_XML,
		    "cannot parse XML: %s", dmarc_xml_error());
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.read = read;
	p.read_ctx = read_ctx;
	p.name = name ? name : "report";
	p.cb = cb ? cb : &none;
	p.user = user;
	p.ext_depth = -1;
	p.empty_at = -1;
	p.text = g_string_sized_new(256);
	p.blank = g_string_new(NULL);
	p.qname = g_string_new(NULL);
	p.ns = g_ptr_array_new_with_free_func(g_free);
	p.pending = g_ptr_array_new_with_free_func(record_free);
	p.rep.policy.pct = -1;
	p.rep.errors = g_ptr_array_new_with_free_func(g_free);
	p.rep.fixups = g_ptr_array_new_with_free_func(g_free);

	g_once(&once, xml_init, NULL);
	/* Encoding errors go to the thread's global handler (per thread in
	 * libxml2); restore it after. */
	old_fn = xmlStructuredError;
	old_ctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(&p, on_xml_error);
	/* A few messages bypass both (xmlParseChunk's "encoder error"):
	 * silence them; no other part of mailsift sets this handler, so
	 * libxml2's default comes back after. */
	xmlSetGenericErrorFunc(NULL, quiet);
	rc = run(&p) == 0 ? 1 : -1;
	if (p.ctxt != NULL) {
		xmlFreeDoc(p.ctxt->myDoc);	/* only the DTD's entities */
		p.ctxt->myDoc = NULL;
		xmlFreeParserCtxt(p.ctxt);
	}
	xmlSetStructuredErrorFunc(old_ctx, old_fn);
	xmlSetGenericErrorFunc(NULL, NULL);

	if (rc < 0 && p.err == NULL)
		fail(&p, DMARC_ERROR_XML, "malformed XML");
	if (rc < 0)
		g_propagate_error(err, p.err);
	else
		g_clear_error(&p.err);
	g_clear_error(&p.read_err);
	g_free(p.xml_msg);
	g_free(p.root);
	record_free(p.rec);
	g_ptr_array_free(p.pending, TRUE);
	g_ptr_array_free(p.ns, TRUE);
	g_string_free(p.text, TRUE);
	g_string_free(p.blank, TRUE);
	g_string_free(p.qname, TRUE);
	report_clear(&p.rep);
	return rc;
}

struct membuf {
	const char *buf;
	gsize len, off;
};

static gssize
mem_read(void *ctx, char *buf, gsize len, GError **err)
{
	struct membuf *m = ctx;
	gsize n = MIN(len, m->len - m->off);

	(void)err;
	if (n == 0)
		return 0;
	memcpy(buf, m->buf + m->off, n);
	m->off += n;
	return (gssize)n;
}

int
dmarc_parse_buffer(const char *buf, gsize len, const char *name,
    const struct dmarc_callbacks *cb, void *user, GError **err)
{
	struct membuf m = { buf, buf ? len : 0, 0 };

	return dmarc_parse(mem_read, &m, name, cb, user, err);
}
