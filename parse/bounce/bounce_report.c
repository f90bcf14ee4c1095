/* bounce_report.c - the life of the structs bounce.h hands out: free a
 * report or a recipient, copy a recipient.
 *
 * Usage:
 *	b->recipients = g_ptr_array_new_with_free_func(bounce_recipient_free);
 *	c = bounce_recipient_copy(r);
 *	bounce_report_free(b);
 *
 * Kept apart from the parsers so that every reader (bounce.c,
 * bounce_input.c's memo, bounce_dsn.c) depends on it and it on none of
 * them.
 */
#include "bounce_core.h"

void
bounce_recipient_free(gpointer p)
{
	struct bounce_recipient *r = p;

	g_free(r->recipient);
	g_free(r->original_recipient);
	g_free(r->action);
	g_free(r->status);
	g_free(r->remote_mta);
	g_free(r->diagnostic_type);
	g_free(r->diagnostic_code);
	g_free(r->smtp_command);
	g_free(r->feedback_type);
	g_free(r->mta_reason);
	g_free(r->rule);
	g_free(r->auth.sending_ip);
	g_free(r->auth.domain);
	g_free(r->auth.spf);
	g_free(r->auth.dkim);
	g_free(r->auth.dmarc);
	g_free(r);
}

/* A deep copy: every field bounce_recipient_free frees, and the rest. */
struct bounce_recipient *
bounce_recipient_copy(const struct bounce_recipient *r)
{
	struct bounce_recipient *c = g_new(struct bounce_recipient, 1);

	*c = *r;
	c->recipient = g_strdup(r->recipient);
	c->original_recipient = g_strdup(r->original_recipient);
	c->action = g_strdup(r->action);
	c->status = g_strdup(r->status);
	c->remote_mta = g_strdup(r->remote_mta);
	c->diagnostic_type = g_strdup(r->diagnostic_type);
	c->diagnostic_code = g_strdup(r->diagnostic_code);
	c->smtp_command = g_strdup(r->smtp_command);
	c->feedback_type = g_strdup(r->feedback_type);
	c->mta_reason = g_strdup(r->mta_reason);
	c->rule = g_strdup(r->rule);
	c->auth.sending_ip = g_strdup(r->auth.sending_ip);
	c->auth.domain = g_strdup(r->auth.domain);
	c->auth.spf = g_strdup(r->auth.spf);
	c->auth.dkim = g_strdup(r->auth.dkim);
	c->auth.dmarc = g_strdup(r->auth.dmarc);
	return c;
}

void
bounce_report_free(struct bounce_report *b)
{
	if (b == NULL)
		return;
	g_ptr_array_free(b->recipients, TRUE);
	g_free(b->reporting_mta);
	g_free(b->queue_id);
	g_free(b->subject);
	g_free(b->from);
	g_free(b->orig.message_id);
	g_free(b->orig.from);
	g_free(b->orig.to);
	g_free(b->orig.subject);
	g_free(b->orig.list_id);
	g_free(b->orig.feedback_id);
	g_free(b->orig.list_unsubscribe);
	g_free(b->orig.list_unsubscribe_post);
	g_free(b->orig.sending_ip);
	g_free(b);
}

