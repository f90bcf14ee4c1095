/* bounce.c - bounce_parse: build the input once, try the recognizers,
 * complete and classify each recipient, describe the original message.
 *
 * Usage:
 *	b = bounce_parse(ingest_message_mime(m), &err);
 *	... b->kind, b->recipients ...
 *	bounce_report_free(b);
 *
 * The message was parsed by GMime during the ingest walk; bounce_input.c
 * picks out and decodes the parts recognizers read.  The recognizer tables
 * are then tried in order (software, provider, generic): the first scan
 * that adds a recipient wins, and a scan that adds none leaves nothing
 * behind.  A recognizer that read the text alone leaves holes that the
 * delivery-status part may fill (status, remote MTA, diagnostic): they are
 * filled from it, never overwritten.  Then each recipient is classified
 * (bounce_reason.c) and its authentication verdicts lifted
 * (bounce_auth.c), and bounce_orig.c describes the original message.
 */
#include <string.h>

#include "bounce_core.h"

G_DEFINE_QUARK(mailsift-bounce-error-quark, bounce_error)

#define TEXT_LOOKUPS	128	/* recipients looked up in the text */

/* The recognizer whose name says it read the delivery-status part: no
 * gaps to fill from that part then. */
static gboolean
reads_dsn(const char *format)
{
	return format != NULL && (strcmp(format, "rfc3464") == 0 ||
	    strcmp(format, "rfc6533") == 0);
}

/* Undo what a scan that found nothing may have left behind. */
static void
report_reset(struct bounce_report *b)
{
	g_ptr_array_set_size(b->recipients, 0);
	g_clear_pointer(&b->reporting_mta, g_free);
	g_clear_pointer(&b->queue_id, g_free);
	b->arrival_date = 0;
	b->recipients_dropped = 0;
	b->kind = BOUNCE_KIND_NONE;
	b->format = NULL;
}

static const struct bounce_mta *const tables[] = {
	bounce_mtas_software, bounce_mtas_provider, bounce_mtas_generic,
};

static const struct bounce_mta *
recognize(const struct bounce_input *in, struct bounce_report *b)
{
	gsize t;
	const struct bounce_mta *row;

	for (t = 0; t < G_N_ELEMENTS(tables); t++)
		for (row = tables[t]; row->name != NULL; row++) {
			if (row->scan == NULL ||
			    (row->match != NULL && !row->match(in)))
				continue;
			if (row->scan(in, b) > 0 && b->recipients->len > 0)
				return row;
			report_reset(b);
		}
	return NULL;
}

/*
 * Issue 14, family 7: the bounce's own sender and the list it came back
 * to (Sender:, List-Post:, Errors-To:) are never the failed recipient,
 * whatever a layout's text seemed to say ("<list@x>: forwarded copy
 * failed ..."); dropped while another recipient stays.
 */
static const char *const own_parties[] = {
	"From", "Sender", "List-Post", "Errors-To", NULL
};

static gboolean
own_party(const struct bounce_input *in, const char *addr)
{
	char *a;
	gboolean same;
	int i;

	for (i = 0; own_parties[i] != NULL; i++) {
		a = bounce_address(bounce_header(in, own_parties[i]));
		same = a != NULL && g_ascii_strcasecmp(a, addr) == 0;
		g_free(a);
		if (same)
			return TRUE;
	}
	return FALSE;
}

static void
drop_own_parties(const struct bounce_input *in, struct bounce_report *b)
{
	guint i = 0;

	while (i < b->recipients->len && b->recipients->len > 1) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);

		if (r->recipient != NULL && own_party(in, r->recipient))
			g_ptr_array_remove_index(b->recipients, i);
		else
			i++;
	}
}

/*
 * Issue 14, family 5: a bounce forwarded as a message/rfc822 attachment,
 * or as a saved ".eml" file (a helpdesk or a user sending it on to
 * postmaster, "Fwd:", "Fw:",
 * "WG:", "TR:", ...).  When the message itself is no bounce, a
 * message/rfc822 part among its top-level parts is read as one, once
 * (not further down); a reply ("Re:") about a bounce stays a
 * conversation.
 */
static const char *const reply_prefixes[] = {
	"re:", "aw:", "sv:", "antw:", "r\xc3\xa9p:", NULL
};

static gboolean
is_reply(const char *subject)
{
	int i;

	while (subject != NULL && (*subject == ' ' || *subject == '\t'))
		subject++;
	for (i = 0; subject != NULL && reply_prefixes[i] != NULL; i++)
		if (g_ascii_strncasecmp(subject, reply_prefixes[i],
		    strlen(reply_prefixes[i])) == 0)
			return TRUE;
	return FALSE;
}

/* A message saved as a file and attached as one ("bounce.eml",
 * application/octet-stream): mail clients and helpdesks forward so. */
static gboolean
eml_file(GMimeObject *part, GMimeContentType *ct)
{
	const char *name = g_mime_part_get_filename(GMIME_PART(part));
	size_t n = name != NULL ? strlen(name) : 0;

	return n > 4 && g_ascii_strcasecmp(name + n - 4, ".eml") == 0 &&
	    (g_mime_content_type_is_type(ct, "application", "octet-stream") ||
	    g_mime_content_type_is_type(ct, "message", "*"));
}

/* ingest keeps an attached message a leaf (a GMimePart, see
 * ingest/walk.c): parsed here, a new reference, or NULL. */
static GMimeMessage *
attached_message(GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	GMimeDataWrapper *w;
	GMimeStream *mem;
	GMimeParser *parser;
	GMimeMessage *m;

	if (!GMIME_IS_PART(part) || ct == NULL ||
	    (!g_mime_content_type_is_type(ct, "message", "rfc822") &&
	    !eml_file(part, ct)) ||
	    (w = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	g_mime_stream_seek(mem, 0, GMIME_STREAM_SEEK_SET);
	parser = g_mime_parser_new_with_stream(mem);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(mem);
	return m;
}

/* The first attached message among the top-level parts, a new reference,
 * or NULL. */
static GMimeMessage *
forwarded_message(GMimeMessage *msg)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeMultipart *mp;
	GMimeMessage *m;
	int i, n;

	if (top == NULL || !GMIME_IS_MULTIPART(top))
		return NULL;
	mp = GMIME_MULTIPART(top);
	n = g_mime_multipart_get_count(mp);
	for (i = 0; i < n; i++) {
		GMimeObject *part = g_mime_multipart_get_part(mp, i);

		if (GMIME_IS_MESSAGE_PART(part)) {
			m = g_mime_message_part_get_message(
			    GMIME_MESSAGE_PART(part));
			return m != NULL ? g_object_ref(m) : NULL;
		}
		if ((m = attached_message(part)) != NULL)
			return m;
	}
	return NULL;
}

static struct bounce_report *parse_message(GMimeMessage *msg, int depth);

struct bounce_report *
bounce_parse(GMimeMessage *msg, GError **err)
{
	if (msg == NULL) {
		g_set_error(err, BOUNCE_ERROR, BOUNCE_ERROR_FORMAT,
		    "no parsed message");
		return NULL;
	}
	return parse_message(msg, 0);
}

static struct bounce_report *
parse_message(GMimeMessage *msg, int depth)
{
	struct bounce_report *b;
	const struct bounce_mta *row;
	struct bounce_input_store x;
	int delay;
	guint i;

	b = g_new0(struct bounce_report, 1);
	b->recipients = g_ptr_array_new_with_free_func(bounce_recipient_free);
	bounce_input_build(&x, msg);
	b->from = x.from != NULL ? g_strdup(x.from) : NULL;
	b->subject = x.subject != NULL ? g_strdup(x.subject) : NULL;
	row = recognize(&x.in, b);
	if (row == NULL) {
		GMimeMessage *inner = depth == 0 && !is_reply(x.subject) ?
		    forwarded_message(msg) : NULL;
		struct bounce_report *fwd = inner != NULL ?
		    parse_message(inner, depth + 1) : NULL;

		bounce_input_free(&x);
		if (inner != NULL)
			g_object_unref(inner);
		if (fwd != NULL && fwd->kind == BOUNCE_KIND_BOUNCE) {
			bounce_report_free(b);
			return fwd;
		}
		if (fwd != NULL)
			bounce_report_free(fwd);
		return b;
	}
	b->format = row->name;
	if (b->kind == BOUNCE_KIND_NONE)
		b->kind = BOUNCE_KIND_BOUNCE;
	if (x.in.dsn != NULL && !reads_dsn(b->format))
		bounce_fill_from_dsn(&x.in, b);
	if (b->kind == BOUNCE_KIND_BOUNCE)
		drop_own_parties(&x.in, b);
	/* Recipients the bound kept out of the DSN are counted, not lost. */
	if (b->kind == BOUNCE_KIND_BOUNCE)
		b->recipients_dropped += x.dsn_more;
	delay = -1;		/* asked once, for the first recipient it matters to */
	for (i = 0; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);

		/* A warning's recipients were delayed, not failed (issue 14,
		 * family 8); a stated action or a 5.x.x status stands. */
		if (r->action == NULL && b->kind == BOUNCE_KIND_BOUNCE &&
		    (r->status == NULL || r->status[0] != '5')) {
			if (delay < 0)
				delay = bounce_is_delay_warning(&x.in);
			if (delay)
				r->action = g_strdup("delayed");
		}

		/* Each lookup reads the text: bounded, so that a thousand
		 * recipients and a megabyte of text stay linear. */
		if (r->diagnostic_code == NULL && i < TEXT_LOOKUPS &&
		    b->kind == BOUNCE_KIND_BOUNCE)
			r->diagnostic_code = bounce_text_diagnostic(&x.in, r);
		if (r->smtp_command == NULL && i < TEXT_LOOKUPS) {
			const char *c = bounce_command(&x.in, r);

			if (c != NULL)
				r->smtp_command = g_strdup(c);
		}
		bounce_classify(r, b->format);
		bounce_auth_extract(r);
	}
	bounce_fill_original(&x.in, b);
	bounce_input_free(&x);
	return b;
}
