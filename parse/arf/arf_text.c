/* arf_text.c - feedback reports that come without a message/feedback-
 * report part: which layout (arf_layout.c) a message is, if any.
 *
 * Usage:
 *	if (arf_text_read(a, &parts, keep_body, &err)) ... a->format ...
 *
 * The layouts are tried in this order, the first that matches wins:
 * microsoft, exim, netease, text; then, in a multipart/report, a later
 * text/plain part that opens with a block of feedback fields (a feedback
 * part labelled text/plain) is read as "text".
 *
 * Being wrong here stores a complaint that never was, so each layout needs
 * a statement no ordinary mail makes, at the opening of the first
 * text/plain part (the sentence) or the generator's own labels; and a
 * message with a delivery-status part, or from a MAILER-DAEMON, is never
 * read here (it is a bounce, maybe of a report, and the bounce reader's).
 * Most mail is no report: only the opening of its text is read to tell.
 *
 * The returned message is the attached one if any, else the headers the
 * text quotes.  When the text states no authentication results, those of
 * the returned headers are taken (the reporter quoted them as its
 * evidence); a failure report that names no domain is about the returned
 * message's From domain (DMARC evaluates that one).
 */
#include <string.h>

#include "arf_internal.h"

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
		found = text != NULL && arf_field_block(a, text, FALSE) != NULL;
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
 * sentence, Exim's, or a field block.  Only the text's first ARF_PEEK bytes
 * are read to tell, so ordinary mail costs little here. */
static gboolean
opens_like_report(GMimeObject *part)
{
	char *head = arf_part_text(part, ARF_PEEK), *para;
	gboolean maybe;

	if (head == NULL)
		return FALSE;
	para = arf_opening(head);
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
	ok = arf_layout_microsoft(a, parts, keep_body);
	if (!ok && text != NULL)
		ok = arf_layout_exim(a, text) || arf_layout_netease(a, text) ||
		    arf_layout_text(a, text, &block);
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
