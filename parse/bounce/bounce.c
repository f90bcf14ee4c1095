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

struct bounce_report *
bounce_parse(GMimeMessage *msg, GError **err)
{
	struct bounce_report *b;
	const struct bounce_mta *row;
	struct bounce_input_store x;
	gboolean delay;
	guint i;

	if (msg == NULL) {
		g_set_error(err, BOUNCE_ERROR, BOUNCE_ERROR_FORMAT,
		    "no parsed message");
		return NULL;
	}
	b = g_new0(struct bounce_report, 1);
	b->recipients = g_ptr_array_new_with_free_func(bounce_recipient_free);
	bounce_input_build(&x, msg);
	b->from = x.from != NULL ? g_strdup(x.from) : NULL;
	b->subject = x.subject != NULL ? g_strdup(x.subject) : NULL;
	row = recognize(&x.in, b);
	if (row == NULL) {
		bounce_input_free(&x);
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
	delay = b->kind == BOUNCE_KIND_BOUNCE && bounce_is_delay_warning(&x.in);
	for (i = 0; i < b->recipients->len; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);

		/* A warning's recipients were delayed, not failed (issue 14,
		 * family 8); a stated action or a 5.x.x status stands. */
		if (delay && r->action == NULL &&
		    (r->status == NULL || r->status[0] != '5'))
			r->action = g_strdup("delayed");

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
