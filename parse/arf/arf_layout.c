/* arf_layout.c - the layouts of feedback reports that come without a
 * message/feedback-report part, one function each.
 *
 * Usage:
 *	if (arf_layout_exim(a, text)) ... a->format is "exim" ...
 *
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
 *		   sentence.
 * Each returns FALSE, the report untouched, when the text is not its
 * layout.  Statements become fields under their RFC name when there is
 * one (Sender Domain is Reported-Domain) and stay, as written, in
 * a->fields and, without an RFC name, a->other_fields.
 */
#include <string.h>

#include "arf_internal.h"

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
			arf_stated(a, h.name, arf_value(h.raw), TRUE);
		}
		arf_hline_clear(&h);
	}
}

/* Does the attached message's header block name the Hotmail recipient?
 * Only its first ARF_PEEK bytes are read: most messages with an attachment
 * are no complaint, and reading each whole would cost every forward. */
static gboolean
names_hotmail_recipient(GMimeObject *part)
{
	GByteArray *b;
	const char *p, *lf, *crlf;
	gsize n;
	gboolean found = FALSE;

	if (arf_part_bytes(part, ARF_PEEK, &b) < 0)
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

gboolean
arf_layout_microsoft(struct arf_report *a, const struct arf_parts *parts,
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
	arf_set_type(a, "abuse");
	if (ip != NULL)
		arf_set_source_ip(a, ip + strlen(complaint));
	return TRUE;
}

gboolean
arf_layout_exim(struct arf_report *a, const char *text)
{
	char *domain, *ip, *spf, *dkim, *para = arf_opening(text);
	const char *copy;
	gboolean exim = arf_find_ci(para, strlen(para),
	    "has failed the published DMARC policy") != NULL;

	/* Exim wraps its opening sentence in some versions. */
	g_free(para);
	if (!exim || (domain = arf_labelled(text, "Sender Domain")) == NULL)
		return FALSE;
	if ((ip = arf_labelled(text, "Sender IP Address")) == NULL) {
		g_free(domain);
		return FALSE;
	}
	a->format = "exim";
	arf_set_type(a, "auth-failure");
	a->auth_failure = g_strdup("dmarc");
	arf_list_add(a->reported_domain, g_strdup(domain),
	    &a->fields_dropped);
	arf_stated(a, "Sender Domain", domain, TRUE);
	arf_set_source_ip(a, ip);
	arf_stated(a, "Sender IP Address", ip, TRUE);
	if ((ip = arf_labelled(text, "Received Date")) != NULL) {
		arf_set_arrival(a, ip);
		arf_stated(a, "Received Date", ip, TRUE);
	}
	spf = arf_labelled(text, "SPF Alignment");
	dkim = arf_labelled(text, "DKIM Alignment");
	/* Identity-Alignment (RFC 7489 7.3): the mechanisms that aligned. */
	if (spf != NULL && dkim != NULL) {
		gboolean s = g_ascii_strcasecmp(spf, "yes") == 0;
		gboolean d = g_ascii_strcasecmp(dkim, "yes") == 0;

		a->identity_alignment = g_strdup(s && d ? "dkim, spf" :
		    d ? "dkim" : s ? "spf" : "none");
	}
	arf_stated(a, "SPF Alignment", spf, FALSE);
	arf_stated(a, "DKIM Alignment", dkim, FALSE);
	arf_stated(a, "DMARC Results", arf_labelled(text, "DMARC Results"),
	    FALSE);
	copy = arf_find_ci(text, strlen(text), "This is a copy of the headers");
	if (copy != NULL) {
		const char *end = text + strlen(text);
		const char *q = arf_quoted_headers(arf_next_line(copy, end),
		    end);

		if (q != NULL) {
			a->original.part_type = "text";
			arf_original_read(&a->original, q, (gsize)(end - q),
			    TRUE, FALSE);
		}
	}
	return TRUE;
}

gboolean
arf_layout_netease(struct arf_report *a, const char *text)
{
	static const char *const labels[] = {
		"SPF-authenticated Identifiers",
		"DKIM-authenticated Identifiers",
		"DMARC Mechanism Check Result",
	};
	char *para = arf_opening(text), *result;
	gboolean netease = arf_has_prefix_ci(para,
	    "This is a spf/dkim authentication-failure report");
	gsize i;

	g_free(para);
	if (!netease || !arf_report_sentence(a, text))
		return FALSE;
	a->format = "netease";
	for (i = 0; i < G_N_ELEMENTS(labels); i++)
		arf_stated(a, labels[i], arf_labelled(text, labels[i]), FALSE);
	/* Its third line is the DMARC verdict: a failure names DMARC as
	 * the mechanism that failed (RFC 7489 7.3's Auth-Failure: dmarc). */
	if ((result = arf_labelled(text, labels[2])) != NULL &&
	    arf_find_ci(result, strlen(result), "fail") != NULL)
		a->auth_failure = g_strdup("dmarc");
	g_free(result);
	return TRUE;
}

gboolean
arf_layout_text(struct arf_report *a, const char *text, gboolean *block)
{
	gboolean sentence = arf_report_sentence(a, text);
	const char *block_end = arf_field_block(a, text, sentence), *end, *q;

	*block = block_end != NULL;
	if (block_end == NULL && !sentence)
		return FALSE;
	a->format = "text";
	end = text + strlen(text);
	q = arf_quoted_headers(block_end != NULL ? block_end :
	    arf_next_line(text, end), end);
	if (q != NULL) {
		a->original.part_type = "text";
		arf_original_read(&a->original, q, (gsize)(end - q), TRUE,
		    FALSE);
	}
	return TRUE;
}
