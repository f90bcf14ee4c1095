/* arf_text.c - feedback reports that come without a message/feedback-
 * report part: what their text states, read into the same fields.
 *
 * Usage:
 *	if (arf_text_read(a, &parts, keep_body, &err)) ... a->format ...
 *
 * Layouts, tried in this order (the first that matches wins):
 *	microsoft  Hotmail/Outlook JMRP complaints: the complained-of
 *		   message attached with X-HmXmrOriginalRecipient in it, or
 *		   "complaint about message from <IP>" as subject;
 *	exim	   Exim's DMARC forensic report: "A message claiming to be
 *		   from you has failed the published DMARC policy", then
 *		   "Sender Domain:", "Sender IP Address:", "Received Date:",
 *		   the alignments, and the headers quoted after "This is a
 *		   copy of the headers";
 *	netease	   Netease (163.com, 126.com): "This is a spf/dkim
 *		   authentication-failure report for an email message
 *		   received from IP ... on ...", the identifiers listed;
 *	text	   a text that opens with the sentence RFC 5965 and 6591
 *		   suggest ("This is an email abuse report for an email
 *		   message received from IP ... on ...") or that writes a
 *		   block of feedback fields ("Feedback-Type:" and another
 *		   known one) as lines, at its opening or after that
 *		   sentence; in a multipart/report, also a later text/plain
 *		   part that opens with such a block (a feedback part
 *		   labelled text/plain).
 * Being wrong here stores a complaint that never was, so each needs a
 * statement no ordinary mail makes, at the opening of the first text/plain
 * part (the sentence) or the generator's own labels; and a message with a
 * delivery-status part is never read here (it is a bounce, maybe of a
 * report, and the bounce reader's).
 *
 * Statements become fields under their RFC name when there is one
 * (Sender Domain is Reported-Domain) and stay, as written, in a->fields
 * and, without an RFC name, a->other_fields.  The returned message is the
 * attached one if any, else the headers the text quotes.  When the text
 * states no authentication results, those of the returned headers are
 * taken (the reporter quoted them as its evidence); a failure report that
 * names no domain is about the returned message's From domain (DMARC
 * evaluates that one).
 */
#include <string.h>

#include "arf_internal.h"

#define OPENING		2048	/* bytes of text the opening sentence is in */
#define PEEK		65536	/* bytes of a part read to tell whether it
				   is worth reading whole */

/* Start of the line after p, or end. */
static const char *
next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (gsize)(end - p));

	return nl != NULL ? nl + 1 : end;
}

/* Length of the line at p without its line end. */
static gsize
line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (gsize)(end - p));
	gsize n = nl != NULL ? (gsize)(nl - p) : (gsize)(end - p);

	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/* The value after "label:" on a line that starts with it (blank space,
 * a list number "1." or a bullet before it allowed), or NULL. */
static char *
labelled(const char *text, const char *label)
{
	const char *p = text, *end = text + strlen(text), *s;
	gsize n, k = strlen(label);

	for (; p < end; p = next_line(p, end)) {
		n = line_len(p, end);
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
static void
stated(struct arf_report *a, const char *label, char *v, gboolean known)
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

static void
set_source_ip(struct arf_report *a, const char *v)
{
	char *ip;

	if (a->source_ip == NULL && v != NULL &&
	    (ip = arf_canonical_ip(v)) != NULL)
		a->source_ip = ip;
}

static void
set_arrival(struct arf_report *a, const char *v)
{
	if (a->arrival_date == NULL && v != NULL && *v != '\0') {
		a->arrival_date = g_strdup(v);
		a->arrival_time = arf_date(v);
	}
}

static void
set_type(struct arf_report *a, const char *type)
{
	if (a->feedback_type == NULL)
		a->feedback_type = g_strdup(type);
}

/* The first paragraph of the text, its lines joined by spaces. */
static char *
opening(const char *text)
{
	const char *p = text, *end = text + strlen(text);
	GString *s = g_string_new(NULL);
	gsize n;

	while (p < end && line_len(p, end) == 0)
		p = next_line(p, end);
	for (; p < end && (n = line_len(p, end)) > 0 && s->len < OPENING;
	    p = next_line(p, end)) {
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
static gboolean
report_sentence(struct arf_report *a, const char *text)
{
	char *para = opening(text), *date;
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
	set_type(a, sentence_type(para, (gsize)(report - para)));
	p = from + strlen(" received from ");
	if (arf_has_prefix_ci(p, "IP "))
		p += 3;
	if (arf_has_prefix_ci(p, "address "))
		p += 8;
	set_source_ip(a, p);
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
		set_arrival(a, date);
		g_free(date);
	}
out:
	g_free(para);
	return ok;
}

/* Where a block of quoted header fields starts at or after from: a line
 * naming one of the fields every message has, followed by another field
 * line.  NULL when there is none. */
static const char *
quoted_headers(const char *from, const char *end)
{
	static const char *const starts[] = {
		"Received:", "Return-Path:", "From:", "Message-ID:", "Date:",
		"Subject:", "To:", "Authentication-Results:",
		"DKIM-Signature:", "Delivered-To:", "X-Original-To:",
		"MIME-Version:",
	};
	const char *p, *q;
	gsize i;

	for (p = from; p < end; p = next_line(p, end)) {
		for (i = 0; i < G_N_ELEMENTS(starts); i++)
			if (arf_has_prefix_ci(p, starts[i]))
				break;
		if (i == G_N_ELEMENTS(starts))
			continue;
		/* The next line that is not a continuation is a field. */
		for (q = next_line(p, end); q < end &&
		    (*q == ' ' || *q == '\t'); q = next_line(q, end))
			;
		if (q < end && line_len(q, end) > 0 &&
		    memchr(q, ':', line_len(q, end)) != NULL &&
		    !g_ascii_isspace(*q))
			return p;
	}
	return NULL;
}

/* The X-HmXmrOriginalRecipient fields of a returned message: Hotmail
 * writes whom the complaining user was. */
static void
hotmail_recipients(struct arf_report *a, const char *headers)
{
	struct arf_hreader r;
	struct arf_hline h;

	arf_hreader_init(&r, headers, strlen(headers));
	while (arf_hreader_next(&r, &h)) {
		if (g_ascii_strcasecmp(h.name,
		    "X-HmXmrOriginalRecipient") == 0) {
			arf_list_add(a->original_rcpt_to, arf_value(h.raw),
			    &a->fields_dropped);
			stated(a, h.name, arf_value(h.raw), TRUE);
		}
		arf_hline_clear(&h);
	}
}

/* Does the attached message's header block name the Hotmail recipient?
 * Only its first PEEK bytes are read: most messages with an attachment
 * are no complaint, and reading each whole would cost every forward. */
static gboolean
names_hotmail_recipient(GMimeObject *part)
{
	GByteArray *b;
	const char *p, *lf, *crlf;
	gsize n;
	gboolean found = FALSE;

	if (arf_part_bytes(part, PEEK, &b) < 0)
		return FALSE;
	p = b->len > 0 ? (const char *)b->data : "";
	n = b->len;
	/* The header block ends at the first empty line. */
	lf = arf_find_ci(p, n, "\n\n");
	crlf = arf_find_ci(p, n, "\n\r\n");
	if (lf != NULL && (crlf == NULL || lf < crlf))
		n = (gsize)(lf - p);
	else if (crlf != NULL)
		n = (gsize)(crlf - p);
	found = arf_find_ci(p, n, "X-HmXmrOriginalRecipient:") != NULL;
	g_byte_array_unref(b);
	return found;
}

static gboolean
layout_microsoft(struct arf_report *a, const struct arf_parts *parts,
    gboolean keep_body)
{
	static const char complaint[] = "complaint about message from ";
	const char *ip = NULL;

	if (parts->original == NULL)
		return FALSE;
	if (parts->subject != NULL)
		ip = arf_find_ci(parts->subject, strlen(parts->subject),
		    complaint);
	if (ip == NULL && !names_hotmail_recipient(parts->original))
		return FALSE;
	arf_original_from_part(&a->original, parts->original,
	    parts->original_type, keep_body);
	hotmail_recipients(a, a->original.headers != NULL ?
	    a->original.headers : "");
	a->format = "microsoft";
	set_type(a, "abuse");
	if (ip != NULL)
		set_source_ip(a, ip + strlen(complaint));
	return TRUE;
}

static gboolean
layout_exim(struct arf_report *a, const char *text)
{
	char *domain, *ip, *spf, *dkim, *para = opening(text);
	const char *copy;
	gboolean exim = arf_find_ci(para, strlen(para),
	    "has failed the published DMARC policy") != NULL;

	/* Exim wraps its opening sentence in some versions. */
	g_free(para);
	if (!exim || (domain = labelled(text, "Sender Domain")) == NULL)
		return FALSE;
	if ((ip = labelled(text, "Sender IP Address")) == NULL) {
		g_free(domain);
		return FALSE;
	}
	a->format = "exim";
	set_type(a, "auth-failure");
	a->auth_failure = g_strdup("dmarc");
	arf_list_add(a->reported_domain, g_strdup(domain),
	    &a->fields_dropped);
	stated(a, "Sender Domain", domain, TRUE);
	set_source_ip(a, ip);
	stated(a, "Sender IP Address", ip, TRUE);
	if ((ip = labelled(text, "Received Date")) != NULL) {
		set_arrival(a, ip);
		stated(a, "Received Date", ip, TRUE);
	}
	spf = labelled(text, "SPF Alignment");
	dkim = labelled(text, "DKIM Alignment");
	/* Identity-Alignment (RFC 7489 7.3): the mechanisms that aligned. */
	if (spf != NULL && dkim != NULL) {
		gboolean s = g_ascii_strcasecmp(spf, "yes") == 0;
		gboolean d = g_ascii_strcasecmp(dkim, "yes") == 0;

		a->identity_alignment = g_strdup(s && d ? "dkim, spf" :
		    d ? "dkim" : s ? "spf" : "none");
	}
	stated(a, "SPF Alignment", spf, FALSE);
	stated(a, "DKIM Alignment", dkim, FALSE);
	stated(a, "DMARC Results", labelled(text, "DMARC Results"), FALSE);
	copy = arf_find_ci(text, strlen(text), "This is a copy of the headers");
	if (copy != NULL) {
		const char *end = text + strlen(text);
		const char *q = quoted_headers(next_line(copy, end), end);

		if (q != NULL) {
			a->original.part_type = "text";
			arf_original_read(&a->original, q, (gsize)(end - q),
			    TRUE, FALSE);
		}
	}
	return TRUE;
}

static gboolean
layout_netease(struct arf_report *a, const char *text)
{
	static const char *const labels[] = {
		"SPF-authenticated Identifiers",
		"DKIM-authenticated Identifiers",
		"DMARC Mechanism Check Result",
	};
	char *para = opening(text), *result;
	gboolean netease = arf_has_prefix_ci(para,
	    "This is a spf/dkim authentication-failure report");
	gsize i;

	g_free(para);
	if (!netease || !report_sentence(a, text))
		return FALSE;
	a->format = "netease";
	for (i = 0; i < G_N_ELEMENTS(labels); i++)
		stated(a, labels[i], labelled(text, labels[i]), FALSE);
	/* Its third line is the DMARC verdict: a failure names DMARC as
	 * the mechanism that failed (RFC 7489 7.3's Auth-Failure: dmarc). */
	if ((result = labelled(text, labels[2])) != NULL &&
	    arf_find_ci(result, strlen(result), "fail") != NULL)
		a->auth_failure = g_strdup("dmarc");
	g_free(result);
	return TRUE;
}

/* A block of feedback fields written in the text: from its
 * Feedback-Type line to the next empty line.  It must open the text, or
 * the paragraph after the report sentence (anywhere else it is a report
 * quoted, by a bounce or a person).  Returns where it ends. */
static const char *
field_block(struct arf_report *a, const char *text, gboolean sentence)
{
	const char *end = text + strlen(text), *p = text;
	struct arf_hreader r;
	struct arf_hline h;
	guint known = 0;

	while (p < end && line_len(p, end) == 0)
		p = next_line(p, end);
	if (sentence) {
		while (p < end && line_len(p, end) > 0)
			p = next_line(p, end);
		while (p < end && line_len(p, end) == 0)
			p = next_line(p, end);
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

static gboolean
layout_text(struct arf_report *a, const char *text, gboolean *block)
{
	gboolean sentence = report_sentence(a, text);
	const char *block_end = field_block(a, text, sentence), *end, *q;

	*block = block_end != NULL;
	if (block_end == NULL && !sentence)
		return FALSE;
	a->format = "text";
	end = text + strlen(text);
	q = quoted_headers(block_end != NULL ? block_end :
	    next_line(text, end), end);
	if (q != NULL) {
		a->original.part_type = "text";
		arf_original_read(&a->original, q, (gsize)(end - q), TRUE,
		    FALSE);
	}
	return TRUE;
}

/* A multipart/report whose feedback part is labelled text/plain: a later
 * text part opening with a block of feedback fields. */
static gboolean
later_block(struct arf_report *a, const struct arf_parts *parts)
{
	char *text;
	guint i;
	gboolean found = FALSE;

	for (i = 0; parts->is_report && !found && i < parts->n_later_text;
	    i++) {
		text = arf_part_text(parts->later_text[i], ARF_MAX_PART);
		found = text != NULL && field_block(a, text, FALSE) != NULL;
		g_free(text);
	}
	if (found)
		a->format = "text";
	return found;
}

/* What the returned message tells that the text did not state. */
static void
fill_from_original(struct arf_report *a)
{
	const struct arf_original *o = &a->original;
	const char *at, *d;
	guint i;

	if (a->authentication_results->len == 0)
		for (i = 0; i < o->authentication_results->len; i++)
			arf_list_add(a->authentication_results, g_strdup(
			    g_ptr_array_index(o->authentication_results, i)),
			    &a->fields_dropped);
	if (a->reported_domain->len == 0 && arf_is_failure_report(a) &&
	    o->from != NULL && (at = strrchr(o->from, '@')) != NULL) {
		d = at + 1;
		arf_list_add(a->reported_domain, g_ascii_strdown(d,
		    (gssize)strcspn(d, "> \t\"()")), &a->fields_dropped);
	}
}

/* Every text layout states itself at the text's opening: the report
 * sentence, Exim's, or a field block.  Only the text's first PEEK bytes
 * are read to tell, so ordinary mail costs little here. */
static gboolean
opens_like_report(GMimeObject *part)
{
	char *head = arf_part_text(part, PEEK), *para;
	gboolean maybe;

	if (head == NULL)
		return FALSE;
	para = opening(head);
	maybe = arf_has_prefix_ci(para, "This is a") ||
	    arf_has_prefix_ci(para, "Feedback-Type:") ||
	    arf_find_ci(para, strlen(para),
	    "has failed the published DMARC policy") != NULL;
	g_free(para);
	g_free(head);
	return maybe;
}

/* Bounces come from the mailer daemon, whatever they quote. */
static gboolean
is_bounce_sender(const char *from)
{
	return from != NULL && arf_find_ci(from, strlen(from),
	    "mailer-daemon") != NULL;
}

gboolean
arf_text_read(struct arf_report *a, const struct arf_parts *parts,
    gboolean keep_body, GError **err)
{
	char *text = NULL;
	gboolean ok, block = FALSE;

	(void)err;
	if (parts->dsn || is_bounce_sender(a->from))
		return FALSE;
	if (parts->text != NULL && !parts->text_is_html &&
	    opens_like_report(parts->text))
		text = arf_part_text(parts->text, ARF_MAX_PART);
	ok = layout_microsoft(a, parts, keep_body);
	if (!ok && text != NULL)
		ok = layout_exim(a, text) || layout_netease(a, text) ||
		    layout_text(a, text, &block);
	if ((!ok || (strcmp(a->format, "text") == 0 && !block)) &&
	    later_block(a, parts))
		ok = TRUE;
	if (ok && a->original.part_type == NULL && parts->original != NULL)
		arf_original_from_part(&a->original, parts->original,
		    parts->original_type, keep_body);
	if (ok)
		fill_from_original(a);
	g_free(text);
	return ok;
}
