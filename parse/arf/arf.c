/* arf.c - arf_parse: find the parts of a feedback report in a message
 * GMime parsed, read them, describe the report's own headers.
 *
 * Usage:
 *	a = arf_parse(ingest_message_mime(m), &err);
 *	... a->format, a->feedback_type, a->original.from ...
 *	arf_report_free(a);
 *
 * The MIME tree is walked once, depth first, not into attached messages
 * (a bounce or a forward of a report is not itself one).  A
 * message/feedback-report part anywhere makes the message an ARF report,
 * whatever the multipart/report's report-type says (some reporters omit
 * it): its fields are read by arf_fields.c and the first attached message
 * or header part by arf_original.c.  Without one, arf_text.c tries the
 * layouts that state the report in text; when none matches, the message
 * is no feedback report and nothing is returned.
 *
 * ingest/walk.c registers message/rfc822 and message/global as leaves, so
 * an attached message is normally a GMimePart holding the message's bytes;
 * without that registration it is a GMimeMessagePart, read the same way
 * (arf_input.c writes it out).
 */
#include <string.h>

#include "arf_internal.h"

G_DEFINE_QUARK(mailsift-arf-error-quark, arf_error)

#define MAX_DEPTH	32	/* MIME nesting walked */

/* The static name of an attached-message or header part type, or NULL. */
static const char *
original_type(const char *type, const char *subtype)
{
	static const char *const kinds[][2] = {
		{ "message", "rfc822" },
		{ "message", "global" },
		{ "text", "rfc822-headers" },
		{ "message", "global-headers" },
	};
	static const char *const names[] = {
		"message/rfc822", "message/global", "text/rfc822-headers",
		"message/global-headers",
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(type, kinds[i][0]) == 0 &&
		    g_ascii_strcasecmp(subtype, kinds[i][1]) == 0)
			return names[i];
	return NULL;
}

static gboolean
is_type(GMimeContentType *ct, const char *type, const char *subtype)
{
	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

static void
find_leaf(GMimeObject *obj, struct arf_parts *p)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *kind;

	if (ct == NULL)
		return;
	if (is_type(ct, "message", "feedback-report")) {
		if (p->feedback == NULL)
			p->feedback = obj;
	} else if (is_type(ct, "message", "delivery-status") ||
	    is_type(ct, "message", "global-delivery-status")) {
		p->dsn = TRUE;
	} else if ((kind = original_type(
	    g_mime_content_type_get_media_type(ct),
	    g_mime_content_type_get_media_subtype(ct))) != NULL) {
		if (p->original == NULL) {
			p->original = obj;
			p->original_type = kind;
		}
	} else if (is_type(ct, "text", "plain")) {
		if (p->text == NULL || p->text_is_html) {
			p->text = obj;
			p->text_is_html = FALSE;
		} else if (p->n_later_text < ARF_LATER_TEXTS) {
			p->later_text[p->n_later_text++] = obj;
		}
	} else if (is_type(ct, "text", "html") && p->text == NULL) {
		p->text = obj;
		p->text_is_html = TRUE;
	}
}

static void
find_parts(GMimeObject *obj, struct arf_parts *p, guint depth)
{
	int i, n;

	if (obj == NULL || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			find_parts(g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i), p, depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		/* Parsed by GMime (no leaf registration): not walked into,
		 * read as the returned message. */
		if (p->original == NULL) {
			p->original = obj;
			p->original_type = is_type(
			    g_mime_object_get_content_type(obj), "message",
			    "global") ? "message/global" : "message/rfc822";
		}
	} else if (GMIME_IS_PART(obj)) {
		find_leaf(obj, p);
	}
}

/* A header of the message as written, unfolded, or NULL. */
static char *
own_header(GMimeMessage *msg, const char *name)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(
	    GMIME_OBJECT(msg));
	GMimeHeader *h;
	const char *raw;

	if (list == NULL ||
	    (h = g_mime_header_list_get_header(list, name)) == NULL ||
	    (raw = g_mime_header_get_raw_value(h)) == NULL)
		return NULL;
	return arf_unfold(raw, strlen(raw));
}

static void
read_own_headers(struct arf_report *a, GMimeMessage *msg)
{
	char *v;

	v = own_header(msg, "From");
	a->from = arf_decoded(v);
	g_free(v);
	v = own_header(msg, "Subject");
	a->subject = arf_decoded(v);
	g_free(v);
	v = own_header(msg, "Message-ID");
	a->message_id = arf_value(v);
	g_free(v);
	v = own_header(msg, "Date");
	a->date = arf_date(v);
	g_free(v);
}

static void
free_field(gpointer p)
{
	struct arf_field *f = p;

	g_free(f->name);
	g_free(f->value);
	g_free(f);
}

static struct arf_report *
report_new(void)
{
	struct arf_report *a = g_new0(struct arf_report, 1);

	a->original_rcpt_to = g_ptr_array_new_with_free_func(g_free);
	a->authentication_results = g_ptr_array_new_with_free_func(g_free);
	a->reported_domain = g_ptr_array_new_with_free_func(g_free);
	a->reported_uri = g_ptr_array_new_with_free_func(g_free);
	a->other_fields = g_ptr_array_new_with_free_func(free_field);
	a->fields = g_ptr_array_new_with_free_func(free_field);
	arf_original_init(&a->original);
	a->incidents = -1;
	a->source_port = -1;
	return a;
}

/* The feedback-report part: refused past ARF_MAX_PART. */
static gboolean
read_feedback(struct arf_report *a, GMimeObject *part, GError **err)
{
	GByteArray *bytes;
	int r = arf_part_bytes(part, ARF_MAX_PART, &bytes);

	if (r < 0) {
		g_set_error(err, ARF_ERROR, ARF_ERROR_FORMAT,
		    "cannot decode the message/feedback-report part");
		return FALSE;
	}
	if (r == 0) {
		g_set_error(err, ARF_ERROR, ARF_ERROR_LIMIT,
		    "message/feedback-report part larger than %d bytes "
		    "(ARF_MAX_PART)", ARF_MAX_PART);
		g_byte_array_unref(bytes);
		return FALSE;
	}
	a->format = "arf";
	arf_fields_read(a, (const char *)bytes->data, bytes->len);
	g_byte_array_unref(bytes);
	return TRUE;
}

struct arf_report *
arf_parse_full(GMimeMessage *msg, gboolean keep_body, GError **err)
{
	struct arf_parts parts;
	struct arf_report *a;
	gboolean ok;

	if (msg == NULL)
		return NULL;
	memset(&parts, 0, sizeof parts);
	find_parts(g_mime_message_get_mime_part(msg), &parts, 0);
	parts.is_report = is_type(g_mime_object_get_content_type(
	    g_mime_message_get_mime_part(msg)), "multipart", "report");
	a = report_new();
	read_own_headers(a, msg);
	if (parts.feedback != NULL) {
		ok = read_feedback(a, parts.feedback, err);
		if (ok && parts.original != NULL)
			arf_original_from_part(&a->original, parts.original,
			    parts.original_type, keep_body);
	} else {
		parts.subject = a->subject;
		ok = arf_text_read(a, &parts, keep_body, err);
	}
	if (!ok) {
		arf_report_free(a);
		return NULL;
	}
	return a;
}

struct arf_report *
arf_parse(GMimeMessage *msg, GError **err)
{
	return arf_parse_full(msg, FALSE, err);
}

void
arf_report_free(struct arf_report *a)
{
	if (a == NULL)
		return;
	g_free(a->feedback_type);
	g_free(a->user_agent);
	g_free(a->version);
	g_free(a->original_envelope_id);
	g_free(a->original_mail_from);
	g_ptr_array_unref(a->original_rcpt_to);
	g_free(a->arrival_date);
	g_free(a->reporting_mta);
	g_free(a->source_ip);
	g_ptr_array_unref(a->authentication_results);
	g_ptr_array_unref(a->reported_domain);
	g_ptr_array_unref(a->reported_uri);
	g_free(a->delivery_result);
	g_free(a->auth_failure);
	g_free(a->dkim_domain);
	g_free(a->dkim_identity);
	g_free(a->dkim_selector);
	g_free(a->dkim_canonicalized_header);
	g_free(a->dkim_canonicalized_body);
	g_free(a->dkim_adsp_dns);
	g_free(a->dkim_selector_dns);
	g_free(a->spf_dns);
	g_free(a->identity_alignment);
	g_ptr_array_unref(a->other_fields);
	g_ptr_array_unref(a->fields);
	arf_original_clear(&a->original);
	g_free(a->from);
	g_free(a->subject);
	g_free(a->message_id);
	g_free(a);
}
