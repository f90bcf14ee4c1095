/* arf_statement.c - what the text of a report states, read the way
 * every text layout reads it: labelled lines ("Sender Domain: ..."), the
 * opening paragraph and the report sentence RFC 5965 and 6591 suggest
 * ("This is an email abuse report for an email message received from IP
 * 192.0.2.1 on ..."), a block of feedback fields written in the text, and
 * a block of quoted header fields.
 *
 * Usage:
 *	v = arf_labelled(text, "Sender Domain");	   or NULL
 *	arf_stated(a, "SPF Alignment", v, FALSE);	   kept as written
 *	if (arf_report_sentence(a, text)) ... type, source IP, date set ...
 *	q = arf_quoted_headers(from, end);	   or NULL
 *
 * A statement sets a field only when nothing did before: what a layout
 * reads first wins.  Every value is made valid UTF-8 and bounded here.
 */
#include <string.h>

#include "arf_internal.h"

#define OPENING		2048	/* bytes of text the opening sentence is in */

/* Start of the line after p, or end. */
const char *
arf_next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (gsize)(end - p));

	return nl != NULL ? nl + 1 : end;
}

/* Length of the line at p without its line end. */
gsize
arf_line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (gsize)(end - p));
	gsize n = nl != NULL ? (gsize)(nl - p) : (gsize)(end - p);

	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/* The value after "label:" on a line that starts with it (blank space,
 * a list number "1." or a bullet before it allowed), or NULL. */
char *
arf_labelled(const char *text, const char *label)
{
	const char *p = text, *end = text + strlen(text), *s;
	gsize n, k = strlen(label);

	for (; p < end; p = arf_next_line(p, end)) {
		n = arf_line_len(p, end);
		for (s = p; s < p + n && (g_ascii_isspace(*s) ||
		    g_ascii_isdigit(*s) || *s == '.' || *s == '*' ||
		    *s == '-'); s++)
			;
		if ((gsize)(p + n - s) > k && s[k] == ':' &&
		    g_ascii_strncasecmp(s, label, k) == 0) {
			char *raw = arf_unfold(s + k + 1,
			    (gsize)(p + n - s - k - 1));
			char *v = arf_value(raw);

			g_free(raw);
			return v;
		}
	}
	return NULL;
}

/* A statement of the text: kept in a->fields as written, in other_fields
 * when no RFC field says the same.  Takes v. */
void
arf_stated(struct arf_report *a, const char *label, char *v, gboolean known)
{
	if (v == NULL)
		return;
	if (a->fields->len >= ARF_MAX_FIELDS) {
		a->fields_dropped++;
		g_free(v);
		return;
	}
	g_ptr_array_add(a->fields, arf_field_new(label, v));
	if (!known && a->other_fields->len < ARF_MAX_LIST)
		g_ptr_array_add(a->other_fields, arf_field_new(label, v));
	else if (!known)
		a->fields_dropped++;
	g_free(v);
}

void
arf_set_source_ip(struct arf_report *a, const char *v)
{
	char *ip;

	if (a->source_ip == NULL && v != NULL &&
	    (ip = arf_canonical_ip(v)) != NULL)
		a->source_ip = ip;
}

void
arf_set_arrival(struct arf_report *a, const char *v)
{
	if (a->arrival_date == NULL && v != NULL && *v != '\0') {
		a->arrival_date = g_strdup(v);
		a->arrival_time = arf_date(v);
	}
}

void
arf_set_type(struct arf_report *a, const char *type)
{
	if (a->feedback_type == NULL)
		a->feedback_type = g_strdup(type);
}

/* The first paragraph of the text, its lines joined by spaces. */
char *
arf_opening(const char *text)
{
	const char *p = text, *end = text + strlen(text);
	GString *s = g_string_new(NULL);
	gsize n;

	while (p < end && arf_line_len(p, end) == 0)
		p = arf_next_line(p, end);
	for (; p < end && (n = arf_line_len(p, end)) > 0 && s->len < OPENING;
	    p = arf_next_line(p, end)) {
		if (s->len > 0)
			g_string_append_c(s, ' ');
		g_string_append_len(s, p, (gssize)n);
	}
	return g_string_free(s, FALSE);
}

/* The type a report sentence names: "email abuse", "spf/dkim
 * authentication-failure", "opt-out". */
static const char *
sentence_type(const char *words, gsize n)
{
	static const struct {
		const char *word, *type;
	} types[] = {
		{ "auth", "auth-failure" }, { "dmarc", "auth-failure" },
		{ "spf", "auth-failure" }, { "dkim", "auth-failure" },
		{ "not-spam", "not-spam" }, { "not spam", "not-spam" },
		{ "abuse", "abuse" }, { "spam", "abuse" },
		{ "complaint", "abuse" }, { "fraud", "fraud" },
		{ "phish", "fraud" }, { "virus", "virus" },
		{ "opt-out", "opt-out" }, { "opt out", "opt-out" },
		{ "unsubscribe", "opt-out" },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(types); i++)
		if (arf_find_ci(words, n, types[i].word) != NULL)
			return types[i].type;
	return "other";
}

/* "This is an email abuse report for an email message received from IP
 * 192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT." at the opening: its type,
 * source IP and date.  AOL puts "with the message-id of ..." between
 * message and received.  FALSE when the opening is no such sentence. */
gboolean
arf_report_sentence(struct arf_report *a, const char *text)
{
	char *para = arf_opening(text), *date;
	const char *report, *from, *on, *p;
	gsize n = strlen(para), dn;
	gboolean ok = FALSE;

	if (!arf_has_prefix_ci(para, "This is a") ||
	    (report = arf_find_ci(para, n, " report for a")) == NULL ||
	    (from = arf_find_ci(report, n - (gsize)(report - para),
	    " received from ")) == NULL ||
	    arf_find_ci(report, (gsize)(from - report), "message") == NULL ||
	    from - report > 200)
		goto out;
	ok = TRUE;
	arf_set_type(a, sentence_type(para, (gsize)(report - para)));
	p = from + strlen(" received from ");
	if (arf_has_prefix_ci(p, "IP "))
		p += 3;
	if (arf_has_prefix_ci(p, "address "))
		p += 8;
	arf_set_source_ip(a, p);
	if ((on = arf_find_ci(p, strlen(p), " on ")) != NULL &&
	    on - p < 80) {
		on += 4;
		/* The date runs to the sentence's full stop. */
		for (dn = 0; on[dn] != '\0' && !(on[dn] == '.' &&
		    (on[dn + 1] == '\0' || on[dn + 1] == ' ')); dn++)
			;
		/* Cut as every value is: on a UTF-8 boundary. */
		date = arf_text(on, MIN(dn, 128), 128);
		g_strstrip(date);
		arf_set_arrival(a, date);
		g_free(date);
	}
out:
	g_free(para);
	return ok;
}

/* Where a block of quoted header fields starts at or after from: a line
 * naming one of the fields every message has, followed by another field
 * line.  NULL when there is none. */
const char *
arf_quoted_headers(const char *from, const char *end)
{
	static const char *const starts[] = {
		"Received:", "Return-Path:", "From:", "Message-ID:", "Date:",
		"Subject:", "To:", "Authentication-Results:",
		"DKIM-Signature:", "Delivered-To:", "X-Original-To:",
		"MIME-Version:",
	};
	const char *p, *q;
	gsize i;

	for (p = from; p < end; p = arf_next_line(p, end)) {
		for (i = 0; i < G_N_ELEMENTS(starts); i++)
			if (arf_has_prefix_ci(p, starts[i]))
				break;
		if (i == G_N_ELEMENTS(starts))
			continue;
		/* The next line that is not a continuation is a field. */
		for (q = arf_next_line(p, end); q < end &&
		    (*q == ' ' || *q == '\t'); q = arf_next_line(q, end))
			;
		if (q < end && arf_line_len(q, end) > 0 &&
		    memchr(q, ':', arf_line_len(q, end)) != NULL &&
		    !g_ascii_isspace(*q))
			return p;
	}
	return NULL;
}

/* A block of feedback fields written in the text: from its
 * Feedback-Type line to the next empty line.  It must open the text, or
 * the paragraph after the report sentence (anywhere else it is a report
 * quoted, by a bounce or a person).  Returns where it ends. */
const char *
arf_field_block(struct arf_report *a, const char *text, gboolean sentence)
{
	const char *end = text + strlen(text), *p = text;
	struct arf_hreader r;
	struct arf_hline h;
	guint known = 0;

	while (p < end && arf_line_len(p, end) == 0)
		p = arf_next_line(p, end);
	if (sentence) {
		while (p < end && arf_line_len(p, end) > 0)
			p = arf_next_line(p, end);
		while (p < end && arf_line_len(p, end) == 0)
			p = arf_next_line(p, end);
	}
	if (p >= end || !arf_has_prefix_ci(p, "Feedback-Type:"))
		return NULL;
	arf_hreader_init(&r, p, (gsize)(end - p));
	while (arf_hreader_next(&r, &h)) {
		known += arf_field_known(h.name);
		arf_hline_clear(&h);
	}
	if (known < 2)
		return NULL;
	arf_fields_read(a, p, (gsize)(end - p));
	return arf_hreader_rest(&r);
}
