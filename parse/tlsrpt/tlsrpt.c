/* tlsrpt.c - parser for SMTP TLS reports (RFC 8460); see tlsrpt.h.
 *
 * Three steps.  tlsrpt_scan (tlsrpt_scan.c) reads the bytes once and
 * refuses what is past a bound or not UTF-8, before any tree exists.
 * json-c then parses the document into a tree (strict mode, UTF-8
 * checked again).  The walk below copies each RFC 8460 field out of the
 * tree into struct tlsrpt_report, checks its JSON type, and records every
 * normalization as a fixup line; the tree is freed before returning.
 *
 * Usage: tlsrpt_parse(buf, len, name, &err), tlsrpt_report_free(r).
 *
 * Why json-c and not json-glib (the GLib stack's own), measured on Debian
 * 12 with json-c 0.16 and json-glib 1.6.6, gcc -O2, a tree built and every
 * value visited, best of a few runs (2 shared cores):
 *
 *	report		    json-glib	    json-c
 *	29 MB, 10,000	    603 ms	    308 ms	one parse, one process
 *	policies, 100,000   820 ms	    368 ms	mean of 3 in one process
 *	failure-details	    209 MB	    215 MB	peak RSS (file included)
 *	2 KB, 1 policy	    0.148 ms	    0.033 ms	first parse in a process
 *			    0.026 ms	    0.011 ms	mean of 10,000
 *	dlopen after GMime  0.15-0.19 ms    0.09 ms	(GLib/GObject loaded)
 *
 * json-c is twice as fast on the large report with the same memory, four
 * times on the first small one (json-glib registers its GTypes then), its
 * tokener is not recursive (json-glib's parser recurses, so deep input
 * needs guarding before it anyway), and it validates UTF-8 itself.  The
 * benchmark: /usr/bin/time -f "%e s %M KB" over two throwaway programs
 * (json_parser_load_from_data + walk; json_tokener_parse_ex + walk).
 * tlsrpt_parse itself (scan, tree, walk, copies) takes that 29 MB report
 * in 0.64 s at 250 MB peak RSS, and the 2 KB one in under 0.1 ms.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json_object.h>
#include <json-c/json_tokener.h>

#include "json_dl.h"
#include "tlsrpt_internal.h"

#define RAW_SHOWN	80	/* characters of a raw value in a fixup */
#define MAX_COUNT_DIGITS 18	/* "5" as a count: below INT64_MAX */

/* Where the walk is, for messages: "policies[2].failure-details[7]." */
struct walk {
	const char *name;
	GError **err;
	struct tlsrpt_report *r;
	int policy, failure;	/* indexes, -1 outside */
	size_t failures;	/* over the report */
	size_t fixups_dropped;	/* past TLSRPT_MAX_FIXUPS */
};

/* "policies[1].failure-details[0].receiving-ip": section is the object
 * the field is in below the policy ("policy", "summary"), or NULL. */
static char *
where(const struct walk *w, const char *section, const char *field)
{
	GString *s = g_string_new(NULL);

	if (w->policy >= 0)
		g_string_append_printf(s, "policies[%d].", w->policy);
	if (w->failure >= 0)
		g_string_append_printf(s, "failure-details[%d].", w->failure);
	if (section != NULL)
		g_string_append_printf(s, "%s.", section);
	g_string_append(s, field);
	if (*field == '\0' && s->len > 0)	/* the object itself */
		g_string_truncate(s, s->len - 1);
	return g_string_free(s, FALSE);
}

static int invalid(struct walk *, const char *, const char *, const char *,
    ...) G_GNUC_PRINTF(4, 5);

/* TLSRPT_ERROR_INVALID: "policies[0].summary.x is negative (-1)". */
static int
invalid(struct walk *w, const char *section, const char *field,
    const char *fmt, ...)
{
	va_list ap;
	char *path = where(w, section, field), *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	tlsrpt_fail(w->err, w->name, TLSRPT_ERROR_INVALID, "%s %s", path,
	    msg);
	g_free(msg);
	g_free(path);
	return -1;
}

/* A string quoted as JSON writes it, cut after RAW_SHOWN characters. */
static char *
quote(const char *s)
{
	GString *q = g_string_new("\"");
	const char *p;
	long n = 0;

	for (p = s; *p != '\0' && n < RAW_SHOWN; p = g_utf8_next_char(p), n++)
		if (*p == '"' || *p == '\\')
			g_string_append_printf(q, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			g_string_append_printf(q, "\\u%04x", *p);
		else
			g_string_append_len(q, p, g_utf8_next_char(p) - p);
	g_string_append(q, *p != '\0' ? "...\"" : "\"");
	return g_string_free(q, FALSE);
}

/* "field: raw -> value (rule)", both sides already written out. */
static void
fixup(struct walk *w, const char *section, const char *field,
    const char *raw, const char *value, const char *rule)
{
	char *path;

	if (w->r->fixups->len >= TLSRPT_MAX_FIXUPS) {
		w->fixups_dropped++;
		return;
	}
	path = where(w, section, field);
	g_ptr_array_add(w->r->fixups, g_strdup_printf("%s: %s -> %s (%s)",
	    path, raw, value, rule));
	g_free(path);
}

static const char *
type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:	return "null";
	case json_type_boolean:	return "a boolean";
	case json_type_double:	return "a fraction";
	case json_type_int:	return "a number";
	case json_type_object:	return "an object";
	case json_type_array:	return "an array";
	case json_type_string:	return "a string";
	}
	return "?";
}

/* The member, NULL when absent or null (RFC 8460 has no use for null). */
static struct json_object *
member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return json_object_get_type(v) == json_type_null ? NULL : v;
}

/* An integer json-c did not clamp: it saturates out-of-range numbers at
 * INT64_MIN, INT64_MAX or UINT64_MAX instead of failing. */
static gboolean
exact_int(struct json_object *v, int64_t *n)
{
	*n = json_object_get_int64(v);
	if (*n == INT64_MIN)
		return FALSE;
	return *n != INT64_MAX || json_object_get_uint64(v) == INT64_MAX;
}

/* The text of a JSON string, NULL when it holds U+0000 (a C string would
 * end there and silently lose the rest). */
static const char *
plain_text(struct json_object *v)
{
	const char *s = json_object_get_string(v);
	int len = json_object_get_string_len(v);

	if (s == NULL || len < 0 || memchr(s, '\0', (size_t)len) != NULL)
		return NULL;
	return s;
}

/* A JSON string (or integer, with a fixup) to a new C string. */
static int
string_value(struct walk *w, struct json_object *v, const char *section,
    const char *field, char **out)
{
	const char *s;
	int64_t n;
	int len;

	if (json_object_get_type(v) == json_type_int) {
		if (!exact_int(v, &n))
			return invalid(w, section, field, "is a number out "
			    "of range, not a string");
		char *quoted;

		*out = g_strdup_printf("%" PRId64, n);
		quoted = quote(*out);
		fixup(w, section, field, *out, quoted, "a number where a "
		    "string belongs");
		g_free(quoted);
		return 0;
	}
	if (json_object_get_type(v) != json_type_string)
		return invalid(w, section, field, "is %s, not a string",
		    type_name(v));
	if ((s = plain_text(v)) == NULL)
		return invalid(w, section, field, "holds U+0000");
	len = json_object_get_string_len(v);
	if (len > TLSRPT_MAX_STRING) {
		tlsrpt_fail(w->err, w->name, TLSRPT_ERROR_LIMIT, "a string "
		    "longer than %d bytes (TLSRPT_MAX_STRING)",
		    TLSRPT_MAX_STRING);
		return -1;
	}
	if (!g_utf8_validate_len(s, (gsize)len, NULL))
		return invalid(w, section, field, "is not UTF-8");
	*out = g_strndup(s, (gsize)len);
	return 0;
}

/* An optional string member into *out (left NULL when absent). */
static int
read_string(struct walk *w, struct json_object *obj, const char *section,
    const char *key, char **out)
{
	struct json_object *v = member(obj, key);

	return v == NULL ? 0 : string_value(w, v, section, key, out);
}

/* "12" or "12.000" into *n; FALSE for anything else (sign, exponent,
 * a real fraction, too many digits to be sure of). */
static gboolean
whole_number_text(const char *s, gboolean fraction_ok, int64_t *n)
{
	const char *p = s;
	int ndigits = 0;

	*n = 0;
	for (; g_ascii_isdigit(*p); p++) {
		if (++ndigits > MAX_COUNT_DIGITS)
			return FALSE;
		*n = *n * 10 + (*p - '0');
	}
	if (ndigits == 0)
		return FALSE;
	if (fraction_ok && *p == '.') {
		for (p++; *p == '0'; p++)
			;
	}
	return *p == '\0';
}

/* A session count: a non-negative integer; -1 when absent. */
static int
read_count(struct walk *w, struct json_object *obj, const char *section,
    const char *key, int64_t *out)
{
	struct json_object *v = member(obj, key);
	const char *text;
	char *raw, value[24];

	*out = -1;
	if (v == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		if (!exact_int(v, out) || *out < 0) {
			*out = -1;
			return invalid(w, section, key, "is %s, not a session "
			    "count", json_object_to_json_string_ext(v,
			    JSON_C_TO_STRING_PLAIN));
		}
		return 0;
	case json_type_double:	/* json-c keeps the text as written */
		text = json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN);
		if (text == NULL || !whole_number_text(text, TRUE, out))
			break;
		snprintf(value, sizeof(value), "%" PRId64, *out);
		fixup(w, section, key, text, value, "a whole number written "
		    "with a fraction");
		return 0;
	case json_type_string:
		text = plain_text(v);
		if (text == NULL || !whole_number_text(text, FALSE, out))
			break;
		snprintf(value, sizeof(value), "%" PRId64, *out);
		raw = quote(text);
		fixup(w, section, key, raw, value, "a count written as a "
		    "string");
		g_free(raw);
		return 0;
	default:
		break;
	}
	*out = -1;
	if (json_object_get_type(v) == json_type_string) {
		if (plain_text(v) == NULL)
			return invalid(w, section, key, "holds U+0000");
		raw = quote(json_object_get_string(v));
		invalid(w, section, key, "is %s, not a session count", raw);
		g_free(raw);
		return -1;
	}
	return invalid(w, section, key, "is %s, not a session count",
	    json_object_get_type(v) == json_type_double ?
	    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) :
	    type_name(v));
}

/* One entry of policy-string or mx-host; a null is dropped. */
static int
list_entry(struct walk *w, struct json_object *e, const char *key,
    size_t i, GPtrArray *out)
{
	char *field = g_strdup_printf("%s[%zu]", key, i), *s = NULL;
	int rc = 0;

	if (e == NULL || json_object_get_type(e) == json_type_null)
		fixup(w, "policy", field, "null", "(dropped)", "a null in a "
		    "list of strings");
	else if ((rc = string_value(w, e, "policy", field, &s)) == 0)
		g_ptr_array_add(out, s);
	g_free(field);
	return rc;
}

/* policy-string or mx-host: a list of strings; one string is read as a
 * list of one, with a fixup. */
static int
read_list(struct walk *w, struct json_object *policy, const char *key,
    GPtrArray *out)
{
	struct json_object *v = member(policy, key);
	size_t i, n;
	char *raw, *listed;

	if (v == NULL)
		return 0;
	if (json_object_get_type(v) == json_type_string) {
		if (string_value(w, v, "policy", key, &raw) < 0)
			return -1;
		g_ptr_array_add(out, raw);
		raw = quote(raw);
		listed = g_strdup_printf("[%s]", raw);
		fixup(w, "policy", key, raw, listed, "one string, not a list");
		g_free(listed);
		g_free(raw);
		return 0;
	}
	if (json_object_get_type(v) != json_type_array)
		return invalid(w, "policy", key, "is %s, not a list of "
		    "strings", type_name(v));
	n = json_object_array_length(v);
	if (n > TLSRPT_MAX_LIST) {
		tlsrpt_fail(w->err, w->name, TLSRPT_ERROR_LIMIT, "more than "
		    "%d %s entries in a policy (TLSRPT_MAX_LIST)",
		    TLSRPT_MAX_LIST, key);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (list_entry(w, json_object_array_get_idx(v, i), key, i,
		    out) < 0)
			return -1;
	return 0;
}

static void
failure_free(gpointer p)
{
	struct tlsrpt_failure *f = p;

	if (f == NULL)
		return;
	g_free(f->result_type);
	g_free(f->sending_mta_ip);
	g_free(f->receiving_mx_hostname);
	g_free(f->receiving_mx_helo);
	g_free(f->receiving_ip);
	g_free(f->additional_information);
	g_free(f->failure_reason_code);
	g_free(f);
}

static void
policy_free(gpointer p)
{
	struct tlsrpt_policy *pol = p;

	if (pol == NULL)
		return;
	g_free(pol->policy_type);
	g_free(pol->policy_domain);
	g_ptr_array_unref(pol->policy_string);
	g_ptr_array_unref(pol->mx_host);
	g_ptr_array_unref(pol->failure_details);
	g_free(pol);
}

static int
read_failure(struct walk *w, struct json_object *obj,
    struct tlsrpt_failure *f)
{
	if (json_object_get_type(obj) != json_type_object)
		return invalid(w, NULL, "", "is %s, not an object",
		    type_name(obj));
	if (read_string(w, obj, NULL, "result-type", &f->result_type) < 0 ||
	    read_string(w, obj, NULL, "sending-mta-ip",
	    &f->sending_mta_ip) < 0 ||
	    read_string(w, obj, NULL, "receiving-mx-hostname",
	    &f->receiving_mx_hostname) < 0 ||
	    read_string(w, obj, NULL, "receiving-mx-helo",
	    &f->receiving_mx_helo) < 0 ||
	    read_string(w, obj, NULL, "receiving-ip", &f->receiving_ip) < 0 ||
	    read_count(w, obj, NULL, "failed-session-count",
	    &f->failed_session_count) < 0 ||
	    read_string(w, obj, NULL, "additional-information",
	    &f->additional_information) < 0 ||
	    read_string(w, obj, NULL, "failure-reason-code",
	    &f->failure_reason_code) < 0)
		return -1;
	return 0;
}

static int
read_failures(struct walk *w, struct json_object *policy_entry,
    GPtrArray *out)
{
	struct json_object *v = member(policy_entry, "failure-details");
	struct tlsrpt_failure *f;
	size_t i, n;

	if (v == NULL)
		return 0;
	if (json_object_get_type(v) != json_type_array)
		return invalid(w, NULL, "failure-details", "is %s, not a list",
		    type_name(v));
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		if (++w->failures > TLSRPT_MAX_FAILURES) {
			tlsrpt_fail(w->err, w->name, TLSRPT_ERROR_LIMIT,
			    "more than %d failure-details "
			    "(TLSRPT_MAX_FAILURES)", TLSRPT_MAX_FAILURES);
			return -1;
		}
		f = g_new0(struct tlsrpt_failure, 1);
		f->failed_session_count = -1;
		g_ptr_array_add(out, f);
		w->failure = (int)i;
		if (read_failure(w, json_object_array_get_idx(v, i), f) < 0)
			return -1;
	}
	w->failure = -1;
	return 0;
}

/* The "policy" object: what was applied, and to which domain. */
static int
read_policy_desc(struct walk *w, struct json_object *entry,
    struct tlsrpt_policy *pol)
{
	struct json_object *v = member(entry, "policy");

	if (v == NULL)
		return 0;
	if (json_object_get_type(v) != json_type_object)
		return invalid(w, NULL, "policy", "is %s, not an object",
		    type_name(v));
	if (read_string(w, v, "policy", "policy-type", &pol->policy_type) < 0 ||
	    read_list(w, v, "policy-string", pol->policy_string) < 0 ||
	    read_string(w, v, "policy", "policy-domain",
	    &pol->policy_domain) < 0 ||
	    read_list(w, v, "mx-host", pol->mx_host) < 0)
		return -1;
	return 0;
}

static int
read_summary(struct walk *w, struct json_object *entry,
    struct tlsrpt_policy *pol)
{
	struct json_object *v = member(entry, "summary");

	if (v == NULL)
		return 0;
	if (json_object_get_type(v) != json_type_object)
		return invalid(w, NULL, "summary", "is %s, not an object",
		    type_name(v));
	if (read_count(w, v, "summary", "total-successful-session-count",
	    &pol->total_successful_session_count) < 0 ||
	    read_count(w, v, "summary", "total-failure-session-count",
	    &pol->total_failure_session_count) < 0)
		return -1;
	return 0;
}

static struct tlsrpt_policy *
policy_new(void)
{
	struct tlsrpt_policy *pol = g_new0(struct tlsrpt_policy, 1);

	pol->policy_string = g_ptr_array_new_with_free_func(g_free);
	pol->mx_host = g_ptr_array_new_with_free_func(g_free);
	pol->failure_details = g_ptr_array_new_with_free_func(failure_free);
	pol->total_successful_session_count = -1;
	pol->total_failure_session_count = -1;
	return pol;
}

static int
read_policies(struct walk *w, struct json_object *root)
{
	struct json_object *v = member(root, "policies"), *entry;
	struct tlsrpt_policy *pol;
	size_t i, n;

	if (v == NULL)
		return invalid(w, NULL, "policies", "is missing");
	if (json_object_get_type(v) != json_type_array)
		return invalid(w, NULL, "policies", "is %s, not a list",
		    type_name(v));
	n = json_object_array_length(v);
	if (n > TLSRPT_MAX_POLICIES) {
		tlsrpt_fail(w->err, w->name, TLSRPT_ERROR_LIMIT, "more than %d "
		    "policies (TLSRPT_MAX_POLICIES)", TLSRPT_MAX_POLICIES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		w->policy = (int)i;
		entry = json_object_array_get_idx(v, i);
		if (json_object_get_type(entry) != json_type_object)
			return invalid(w, NULL, "", "is %s, not an object",
			    type_name(entry));
		pol = policy_new();
		g_ptr_array_add(w->r->policies, pol);
		if (read_policy_desc(w, entry, pol) < 0 ||
		    read_summary(w, entry, pol) < 0 ||
		    read_failures(w, entry, pol->failure_details) < 0)
			return -1;
	}
	w->policy = -1;
	return 0;
}

static int
read_datetime(struct walk *w, struct json_object *range, const char *key,
    int64_t *t)
{
	struct json_object *v = member(range, key);
	GString *rules;
	char *raw, canon[32];
	int rc;

	if (v == NULL)
		return invalid(w, "date-range", key, "is missing");
	if (json_object_get_type(v) != json_type_string)
		return invalid(w, "date-range", key, "is %s, not a date-time",
		    type_name(v));
	if (plain_text(v) == NULL)
		return invalid(w, "date-range", key, "holds U+0000");
	rules = g_string_new(NULL);
	raw = quote(json_object_get_string(v));
	rc = tlsrpt_time_parse(json_object_get_string(v), t, rules);
	if (rc < 0)
		invalid(w, "date-range", key, "%s is not an RFC 3339 "
		    "date-time", raw);
	else if (rc > 0)
		fixup(w, "date-range", key, raw, tlsrpt_format_time(*t, canon),
		    rules->str);
	g_free(raw);
	g_string_free(rules, TRUE);
	return rc < 0 ? -1 : 0;
}

static int
read_date_range(struct walk *w, struct json_object *root)
{
	struct json_object *v = member(root, "date-range");

	if (v == NULL)
		return invalid(w, NULL, "date-range", "is missing");
	if (json_object_get_type(v) != json_type_object)
		return invalid(w, NULL, "date-range", "is %s, not an object",
		    type_name(v));
	if (read_datetime(w, v, "start-datetime", &w->r->start_datetime) < 0 ||
	    read_datetime(w, v, "end-datetime", &w->r->end_datetime) < 0)
		return -1;
	return 0;
}

/* The JSON is a TLS report when it is an object naming one of the
 * report's members; else TLSRPT_ERROR_NOT_REPORT. */
static int
check_report(struct walk *w, struct json_object *root)
{
	static const char *const members[] = { "organization-name",
	    "date-range", "contact-info", "report-id", "policies" };
	size_t i;

	if (json_object_get_type(root) != json_type_object) {
		tlsrpt_fail(w->err, w->name, TLSRPT_ERROR_NOT_REPORT, "the "
		    "JSON is %s, not a report object", type_name(root));
		return -1;
	}
	for (i = 0; i < G_N_ELEMENTS(members); i++)
		if (json_object_object_get_ex(root, members[i], NULL))
			return 0;
	tlsrpt_fail(w->err, w->name, TLSRPT_ERROR_NOT_REPORT, "a JSON object "
	    "without organization-name, date-range, contact-info, report-id "
	    "or policies");
	return -1;
}

static int
read_report(struct walk *w, struct json_object *root)
{
	if (check_report(w, root) < 0 ||
	    read_string(w, root, NULL, "organization-name",
	    &w->r->organization_name) < 0 ||
	    read_date_range(w, root) < 0 ||
	    read_string(w, root, NULL, "contact-info",
	    &w->r->contact_info) < 0 ||
	    read_string(w, root, NULL, "report-id", &w->r->report_id) < 0 ||
	    read_policies(w, root) < 0)
		return -1;
	if (w->fixups_dropped > 0)
		g_ptr_array_add(w->r->fixups, g_strdup_printf("fixups: %zu "
		    "more not listed (TLSRPT_MAX_FIXUPS)", w->fixups_dropped));
	return 0;
}

/* json-c's tree of buf, or NULL with *err set.  buf starts at the JSON
 * (after BOM and space); skipped is how many bytes came before, for
 * offsets in messages. */
static struct json_object *
json_tree(const char *buf, gsize len, gsize skipped, const char *name,
    GError **err)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end;

	if ((tok = json_tokener_new_ex(TLSRPT_MAX_DEPTH + 1)) == NULL) {
		tlsrpt_fail(err, name, TLSRPT_ERROR_LIBRARY, "json-c: out of "
		    "memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (root == NULL && jerr == json_tokener_continue) {
		/* A number at the top is only complete once something
		 * follows it; anything else is cut short. */
		root = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (root == NULL && jerr != json_tokener_success) {
		tlsrpt_fail(err, name, jerr == json_tokener_error_depth ?
		    TLSRPT_ERROR_LIMIT : TLSRPT_ERROR_JSON, "malformed JSON "
		    "at byte %zu: %s", end + skipped,
		    jerr == json_tokener_continue ? "unexpected end" :
		    json_tokener_error_desc(jerr));
		return NULL;
	}
	for (; end < len; end++)
		if (buf[end] == '\0' || strchr(" \t\r\n", buf[end]) == NULL) {
			tlsrpt_fail(err, name, TLSRPT_ERROR_JSON, "malformed "
			    "JSON at byte %zu: bytes after the end of the "
			    "document", end + skipped);
			json_object_put(root);
			return NULL;
		}
	if (root == NULL)	/* the document is "null" */
		tlsrpt_fail(err, name, TLSRPT_ERROR_NOT_REPORT, "the JSON is "
		    "null, not a report object");
	return root;
}

struct tlsrpt_report *
tlsrpt_parse(const char *buf, gsize len, const char *name, GError **err)
{
	struct walk w = { name, err, NULL, -1, -1, 0, 0 };
	struct json_object *root;
	const char *why, *json = buf;
	gsize json_len = len;

	if (len > TLSRPT_MAX_SIZE) {
		tlsrpt_fail(err, name, TLSRPT_ERROR_LIMIT, "larger than %d "
		    "bytes (TLSRPT_MAX_SIZE)", TLSRPT_MAX_SIZE);
		return NULL;
	}
	if ((why = tlsrpt_json_error()) != NULL) {
		tlsrpt_fail(err, name, TLSRPT_ERROR_LIBRARY, "json-c (%s) is "
		    "needed: %s", TLSRPT_JSON_SONAME, why);
		return NULL;
	}
	if (buf == NULL)
		json_len = 0;
	else
		tlsrpt_skip_bom_space(&json, &json_len);
	if (json_len == 0) {
		tlsrpt_fail(err, name, TLSRPT_ERROR_JSON, "empty");
		return NULL;
	}
	if (tlsrpt_scan(json, json_len, name, err) < 0 ||
	    (root = json_tree(json, json_len, (gsize)(json - buf), name,
	    err)) == NULL)
		return NULL;
	w.r = g_new0(struct tlsrpt_report, 1);
	w.r->policies = g_ptr_array_new_with_free_func(policy_free);
	w.r->fixups = g_ptr_array_new_with_free_func(g_free);
	if (read_report(&w, root) < 0) {
		tlsrpt_report_free(w.r);
		w.r = NULL;
	}
	json_object_put(root);
	return w.r;
}

void
tlsrpt_report_free(struct tlsrpt_report *r)
{
	if (r == NULL)
		return;
	g_free(r->organization_name);
	g_free(r->report_id);
	g_free(r->contact_info);
	g_ptr_array_unref(r->policies);
	g_ptr_array_unref(r->fixups);
	g_free(r);
}
