/* dmarc.h - streaming parser for DMARC aggregate (rua) reports.
 *
 * Reads RFC 7489 and RFC 9990 (DMARCbis) aggregate XML with libxml2's
 * SAX2 push parser, so memory does not grow with the number of records: the
 * caller receives the report header once, then one record at a time, then
 * the end of the report.  No network, no DTD loading, no entity expansion.
 *
 * Usage:
 *	struct dmarc_callbacks cb = { on_begin, on_record, on_end };
 *	if (dmarc_parse(my_read, my_ctx, "name.xml", &cb, user, &err) < 0)
 *		... err->message says why ...
 *
 * Values are the element text with surrounding whitespace trimmed; a missing
 * element is NULL and an empty one is "".  Enumerated words (results,
 * dispositions, alignment modes) are lower-cased and fixed where the meaning
 * is unambiguous; every such change appends a line to the fixups array of the
 * report or record, in the form "field: raw -> normalized (rule)", so the raw
 * value is never lost.  Nothing is ever invented.
 *
 * Pointers passed to callbacks are valid only during the call.
 */
#ifndef MAILSIFT_DMARC_H
#define MAILSIFT_DMARC_H

#include <glib.h>
#include <stdint.h>

#define DMARC_ERROR (dmarc_error_quark())
GQuark dmarc_error_quark(void);

enum dmarc_error_code {
	DMARC_ERROR_NOT_REPORT,	/* well-formed XML whose root is not <feedback> */
	DMARC_ERROR_XML,	/* malformed XML, encoding error, limit hit */
	DMARC_ERROR_INVALID,	/* a <feedback> that lacks what a report needs */
	DMARC_ERROR_READ,	/* the byte source failed (message in err) */
	DMARC_ERROR_ABORTED,	/* a callback returned < 0 */
};

struct dmarc_dkim {
	char *domain, *selector, *result, *human_result;
};

struct dmarc_spf {
	char *domain, *scope, *result, *human_result;
};

struct dmarc_reason {
	char *type, *comment;
};

struct dmarc_policy {
	char *domain, *adkim, *aspf, *p, *sp, *np, *fo, *testing,
	    *discovery_method;
	int pct;		/* -1 when absent */
};

struct dmarc_record {
	char *source_ip;	/* canonical text form, NULL when absent/invalid */
	int64_t count;
	char *disposition, *policy_dkim, *policy_spf;
	GPtrArray *reasons;	/* struct dmarc_reason * */
	char *header_from, *envelope_from, *envelope_to;
	GPtrArray *dkim;	/* struct dmarc_dkim * */
	GPtrArray *spf;		/* struct dmarc_spf * */
	GPtrArray *fixups;	/* char *, see above */
};

struct dmarc_report {
	char *version, *org_name, *email, *extra_contact_info, *report_id;
	int64_t date_begin, date_end;	/* epoch seconds */
	GPtrArray *errors;	/* char * */
	char *generator;
	struct dmarc_policy policy;
	GString *extensions;	/* raw XML of every <extension>, or NULL */
	GPtrArray *fixups;	/* char * */
	int64_t record_count;	/* records so far; final in on_end */
	int64_t message_count;	/* sum of <count> so far; final in on_end */
};

struct dmarc_callbacks {
	/* Called once the report identity (metadata and policy) is known and
	 * before the first record.  Return < 0 to abort. */
	int (*on_begin)(void *user, const struct dmarc_report *report);
	int (*on_record)(void *user, const struct dmarc_report *report,
	    const struct dmarc_record *record);
	/* Called after the last record; report holds final counts and any
	 * elements that came after the records (extensions). */
	int (*on_end)(void *user, const struct dmarc_report *report);
};

/* Byte source: fill buf with up to len bytes, return the count, 0 at end,
 * -1 on error (then set *err). */
typedef gssize (*dmarc_read_fn)(void *ctx, char *buf, gsize len,
    GError **err);

/* Parse one XML document.  Returns the number of reports parsed (1), or -1
 * with *err set.  name is only used in messages. */
int dmarc_parse(dmarc_read_fn read, void *read_ctx, const char *name,
    const struct dmarc_callbacks *cb, void *user, GError **err);

/* Convenience over a memory buffer (tests, small payloads). */
int dmarc_parse_buffer(const char *buf, gsize len, const char *name,
    const struct dmarc_callbacks *cb, void *user, GError **err);

#endif
