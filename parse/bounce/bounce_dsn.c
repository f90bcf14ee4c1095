/* bounce_dsn.c - RFC 3464 / RFC 6533 delivery-status fields, and the
 * gaps of other recognizers filled from them.
 *
 * Usage:
 *	n = bounce_read_dsn(in->dsn, in->dsn_len, b);	   recipients added
 *	n = bounce_read_input_dsn(in, b);	   the same, read once a message
 *	bounce_fill_from_dsn(in, b);	   after a text recognizer won
 *	cmd = bounce_command(in, r);	   "RCPT", "DATA", ... or NULL
 *
 * The per-message block gives Reporting-MTA, Arrival-Date and the queue
 * id; every recipient block one recipient.  Folded lines are joined, and a
 * Diagnostic-Code "smtp; 550 5.1.1 ..." is split into its type and text.
 */
#include <string.h>

#include "bounce_core.h"

/* "dns; mx.example.com" -> "mx.example.com" */
static char *
after_type(const char *v, gsize n)
{
	const char *semi = memchr(v, ';', n);

	if (semi != NULL)
		return bounce_field(semi + 1, (gssize)(n - (gsize)(semi + 1 - v)));
	return bounce_field(v, (gssize)n);
}

static void
set_once(char **slot, char *value)
{
	if (*slot == NULL)
		*slot = value;
	else
		g_free(value);
}

/* "smtp; 550 5.1.1 ..." -> type "smtp", code "550 5.1.1 ...". */
static void
set_diagnostic(struct bounce_recipient *r, const char *v, gsize n)
{
	const char *semi;
	gsize k;

	if (r->diagnostic_code != NULL)
		return;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	semi = memchr(v, ';', n);
	/* Only a word before the ';' is a type, not a sentence. */
	if (semi != NULL && semi > v && semi - v < 32) {
		for (k = 0; v + k < semi && v[k] != ' ' && v[k] != '\t'; k++)
			;
		while (v + k < semi && (v[k] == ' ' || v[k] == '\t'))
			k++;
		if (v + k == semi) {
			char *type = bounce_field(v, semi - v);

			if (type != NULL) {
				g_free(r->diagnostic_type);
				r->diagnostic_type = type;
				n -= (gsize)(semi + 1 - v);
				v = semi + 1;
			}
		}
	}
	r->diagnostic_code = bounce_field(v, (gssize)n);
	if (r->diagnostic_code != NULL && r->reply_code == 0) {
		const char *c = r->diagnostic_code;

		if ((c[0] == '2' || c[0] == '4' || c[0] == '5') &&
		    bounce_digits(c, 4) == 3 && (c[3] == ' ' || c[3] == '-' ||
		    c[3] == '\0'))
			r->reply_code = (c[0] - '0') * 100 + (c[1] - '0') * 10 +
			    (c[2] - '0');
	}
}

static gboolean
name_is(const char *name, gsize n, const char *want)
{
	return strlen(want) == n && g_ascii_strncasecmp(name, want, n) == 0;
}

/* Where the reader is: the recipient being read, or past the bound one
 * that is only counted (and which of its two address fields were seen,
 * so that Original- and Final-Recipient of one block count once). */
struct dsn_state {
	struct bounce_recipient *cur;
	struct bounce_recipient *pending;	/* fields of a block read
						   before its address, not
						   in the report */
	int added;
	gboolean dropped, seen_final, seen_original;
};

static void
take_str(char **to, char **from)
{
	if (*to == NULL) {
		*to = *from;
		*from = NULL;
	}
}

/* The fields a block gave before its Final-Recipient (Oracle Messaging
 * Server writes Action and Status first) go to the recipient it names. */
static void
take_pending(struct dsn_state *st)
{
	struct bounce_recipient *r = st->cur, *p = st->pending;

	if (p == NULL || r == NULL)
		return;
	take_str(&r->action, &p->action);
	take_str(&r->status, &p->status);
	take_str(&r->remote_mta, &p->remote_mta);
	if (r->diagnostic_code == NULL) {
		take_str(&r->diagnostic_type, &p->diagnostic_type);
		take_str(&r->diagnostic_code, &p->diagnostic_code);
	}
	if (r->reply_code == 0)
		r->reply_code = p->reply_code;
	if (r->last_attempt == 0)
		r->last_attempt = p->last_attempt;
	take_str(&r->recipient, &p->recipient);
	bounce_recipient_free(p);
	st->pending = NULL;
}

/* A recipient with no address at all is no recipient: dropped at the end
 * of its block. */
static void
close_recipient(struct bounce_report *b, struct dsn_state *st)
{
	struct bounce_recipient *r = st->cur;

	st->cur = NULL;
	st->dropped = FALSE;
	if (st->pending != NULL) {	/* a block without an address */
		bounce_recipient_free(st->pending);
		st->pending = NULL;
	}
	if (r == NULL)
		return;
	if (r->recipient == NULL && r->original_recipient != NULL)
		r->recipient = g_strdup(r->original_recipient);
	if (r->recipient != NULL) {
		st->added++;
		return;
	}
	/* It is the last one added: no search. */
	g_ptr_array_remove_index(b->recipients, b->recipients->len - 1);
}

/* Past the bound: one more recipient counted, unless this address field
 * belongs to the one already counted. */
static void
count_dropped(struct bounce_report *b, struct dsn_state *st, gboolean final)
{
	if (st->dropped && !(final ? st->seen_final : st->seen_original)) {
		if (final)
			st->seen_final = TRUE;
		else
			st->seen_original = TRUE;
		return;
	}
	b->recipients_dropped++;
	st->dropped = TRUE;
	st->seen_final = final;
	st->seen_original = !final;
}

static void
dsn_field(struct bounce_report *b, struct dsn_state *st, const char *name,
    gsize nlen, const char *v, gsize vlen)
{
	struct bounce_recipient *r;

	if (name_is(name, nlen, "Final-Recipient") ||
	    name_is(name, nlen, "Original-Recipient")) {
		gboolean final = nlen == 15;
		char *field, *addr;

		if (st->dropped || (st->cur == NULL &&
		    b->recipients->len >= BOUNCE_MAX_RECIPIENTS)) {
			count_dropped(b, st, final);
			return;
		}
		if (st->cur != NULL && (final ? st->cur->recipient != NULL :
		    st->cur->original_recipient != NULL))
			close_recipient(b, st);
		if (st->cur == NULL &&
		    (st->cur = bounce_add_recipient(b)) == NULL) {
			/* bounce_add_recipient counted this one */
			st->dropped = TRUE;
			st->seen_final = final;
			st->seen_original = !final;
			return;
		}
		field = bounce_field(v, (gssize)vlen);
		addr = bounce_address(field);
		g_free(field);
		if (final)
			set_once(&st->cur->recipient, addr);
		else
			set_once(&st->cur->original_recipient, addr);
		take_pending(st);
		return;
	}
	if ((r = st->cur) == NULL) {
		/* Per-message fields. */
		if (name_is(name, nlen, "Reporting-MTA")) {
			set_once(&b->reporting_mta, after_type(v, vlen));
			return;
		}
		if (name_is(name, nlen, "X-Postfix-Queue-ID") ||
		    name_is(name, nlen, "X-Queue-ID")) {
			set_once(&b->queue_id, bounce_field(v, (gssize)vlen));
			return;
		}
		if (name_is(name, nlen, "Arrival-Date")) {
			char *f = bounce_field(v, (gssize)vlen);

			if (b->arrival_date == 0)
				b->arrival_date = bounce_date(f);
			g_free(f);
			return;
		}
		if (st->dropped)
			return;
		/* A recipient's field before its address: kept aside. */
		if (st->pending == NULL)
			st->pending = g_new0(struct bounce_recipient, 1);
		r = st->pending;
	}
	if (name_is(name, nlen, "Action")) {
		char *a = bounce_field(v, (gssize)vlen);

		if (a != NULL) {
			char *sp = strchr(a, ' ');

			if (sp != NULL)	/* "failed (bad address)" */
				*sp = '\0';
			for (char *c = a; *c; c++)
				*c = g_ascii_tolower(*c);
		}
		set_once(&r->action, a);
	} else if (name_is(name, nlen, "Status")) {
		char *f = bounce_field(v, (gssize)vlen);

		set_once(&r->status, bounce_status_at(f));
		g_free(f);
	} else if (name_is(name, nlen, "Remote-MTA")) {
		set_once(&r->remote_mta, after_type(v, vlen));
	} else if (name_is(name, nlen, "Diagnostic-Code")) {
		set_diagnostic(r, v, vlen);
	} else if (name_is(name, nlen, "Last-Attempt-Date")) {
		char *f = bounce_field(v, (gssize)vlen);

		if (r->last_attempt == 0)
			r->last_attempt = bounce_date(f);
		g_free(f);
	} else if (name_is(name, nlen, "X-Actual-Recipient")) {
		if (r->recipient == NULL)
			r->recipient = bounce_address(v);
	} else if (name_is(name, nlen, "Reporting-MTA")) {
		/* Some MTAs repeat it in every block. */
		set_once(&b->reporting_mta, after_type(v, vlen));
	}
}

/*
 * Fields are "Name: value" with folded continuation lines; a blank line
 * ends a block.  A recipient begins with Original- or Final-Recipient, and
 * also without the blank line that should separate blocks (a second
 * Final-Recipient in the same block starts a new one).  Lines that are no
 * field are skipped.  Linear in len: each line is looked at once.
 */
int
bounce_read_dsn(const char *dsn, gsize len, struct bounce_report *b)
{
	const char *p = dsn, *end = dsn + len, *nl, *colon, *name, *v, *vend;
	const char *q;
	struct dsn_state st = { 0 };
	gsize nlen;

	if (dsn == NULL)
		return 0;
	while (p < end) {
		nl = memchr(p, '\n', (gsize)(end - p));
		vend = nl != NULL ? nl : end;
		if (vend == p || (vend == p + 1 && *p == '\r')) {
			close_recipient(b, &st);
			p = vend + 1;
			continue;
		}
		if (*p == ' ' || *p == '\t') {	/* a stray continuation */
			for (q = p; q < vend && (*q == ' ' || *q == '\t' ||
			    *q == '\r'); q++)
				;
			if (q == vend)	/* whitespace only: a blank line */
				close_recipient(b, &st);
			p = vend + 1;
			continue;
		}
		colon = memchr(p, ':', (gsize)(vend - p));
		name = p;
		nlen = colon != NULL ? (gsize)(colon - p) : 0;
		if (colon == NULL || nlen == 0 || nlen > 64 ||
		    memchr(p, ' ', nlen) != NULL) {
			p = vend + 1;
			continue;
		}
		v = colon + 1;
		/* Join the continuation lines. */
		while (vend < end && vend + 1 < end &&
		    (vend[1] == ' ' || vend[1] == '\t')) {
			const char *next = memchr(vend + 1, '\n',
			    (gsize)(end - vend - 1));

			q = vend + 1;
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q >= end || *q == '\n')
				break;	/* whitespace only: a blank line */
			vend = next != NULL ? next : end;
		}
		dsn_field(b, &st, name, nlen, v, (gsize)(vend - v));
		p = vend + 1;
	}
	close_recipient(b, &st);
	return st.added;
}

/* in->dsn read into a report of its own, once per message: recognizers
 * one after the other, then bounce_fill_from_dsn, all read it. */
static const struct bounce_report *
dsn_once(const struct bounce_input *in)
{
	struct bounce_report *d;

	if (in->memo->dsn != NULL)
		return in->memo->dsn;
	d = g_new0(struct bounce_report, 1);
	d->recipients = g_ptr_array_new_with_free_func(bounce_recipient_free);
	bounce_read_dsn(in->dsn, in->dsn_len, d);
	return in->memo->dsn = d;
}

/* What bounce_read_dsn would do to a b that is still empty is a copy of
 * what it did to the empty report of dsn_once. */
int
bounce_read_input_dsn(const struct bounce_input *in, struct bounce_report *b)
{
	const struct bounce_report *d;
	guint i;

	if (in->dsn == NULL)
		return 0;
	if (in->memo == NULL || b->recipients->len > 0 ||
	    b->recipients_dropped > 0 || b->reporting_mta != NULL ||
	    b->queue_id != NULL || b->arrival_date != 0)
		return bounce_read_dsn(in->dsn, in->dsn_len, b);
	d = dsn_once(in);
	b->reporting_mta = g_strdup(d->reporting_mta);
	b->queue_id = g_strdup(d->queue_id);
	b->arrival_date = d->arrival_date;
	b->recipients_dropped = d->recipients_dropped;
	for (i = 0; i < d->recipients->len; i++)
		g_ptr_array_add(b->recipients,
		    bounce_recipient_copy(g_ptr_array_index(d->recipients, i)));
	return (int)d->recipients->len;
}

static const struct {
	const char *said;
	const char *command;
} commands[] = {
	{ "in reply to rcpt to command", "RCPT" },
	{ "in reply to mail from command", "MAIL" },
	{ "in reply to end of data command", "DATA" },
	{ "in reply to data command", "DATA" },
	{ "in reply to ehlo command", "EHLO" },
	{ "in reply to helo command", "HELO" },
	{ "in reply to lhlo command", "EHLO" },
	{ "in reply to rcpt to:", "RCPT" },
	{ "in reply to mail from:", "MAIL" },
	{ "in reply to end of data", "DATA" },
	{ "in reply to rcpt", "RCPT" },
	{ "in reply to mail", "MAIL" },
	{ "while receiving the initial server greeting", "CONN" },
};

/* The SMTP command "(in reply to X command)" names in s[0..n). */
static const char *
command_in(const char *s, gsize n)
{
	const char *p = bounce_strcasestr(s, n, "in reply to ");
	gsize i;

	if (p == NULL)
		p = bounce_strcasestr(s, n, "initial server greeting");
	if (p == NULL)
		return NULL;
	if (p > s + 32)	/* "while receiving the" precedes "initial" */
		p -= 32;
	else
		p = s;
	n -= (gsize)(p - s);
	for (i = 0; i < G_N_ELEMENTS(commands); i++) {
		const char *c = commands[i].said;

		if (bounce_strcasestr(p, MIN(n, 96), c) != NULL)
			return commands[i].command;
	}
	return NULL;
}

/*
 * The command for recipient r from the text: in the paragraph that names
 * the address (Postfix: "<a@b>: host x said: ... (in reply to RCPT TO
 * command)"), else anywhere when the text names only one command.
 */
static const char *
command_from_text(const struct bounce_input *in,
    const struct bounce_recipient *r)
{
	const char *t = in->text, *p, *para, *stop;
	gsize n = in->text_len;

	if (n == 0)
		return NULL;
	if (r->recipient != NULL &&
	    (p = bounce_strcasestr(t, n, r->recipient)) != NULL) {
		para = p;
		stop = bounce_strcasestr(p, n - (gsize)(p - t), "\n\n");
		if (stop == NULL)
			stop = t + n;
		return command_in(para, (gsize)(stop - para));
	}
	p = bounce_strcasestr(t, n, "in reply to ");
	if (p != NULL && bounce_strcasestr(p + 1, n - (gsize)(p + 1 - t),
	    "in reply to ") == NULL)
		return command_in(t, n);
	return NULL;
}

#define TEXT_DIAG_MAX	1024

char *
bounce_text_diagnostic(const struct bounce_input *in,
    const struct bounce_recipient *r)
{
	const char *t = in->text, *p, *start, *stop, *end;

	end = in->original_text != NULL ? in->original_text : t + in->text_len;
	if (r->recipient == NULL || end <= t)
		return NULL;
	if ((p = bounce_strcasestr(t, (gsize)(end - t), r->recipient)) == NULL) {
		/* Round 3: a plain notice that names no address (the
		 * recipient came from X-Failed-Recipients or the returned
		 * message) states its cause for that recipient: its text
		 * before the returned message is the diagnostic. */
		if (in->dsn != NULL)
			return NULL;
		while (t < end && (*t == '\n' || *t == ' ' || *t == '\t'))
			t++;
		return t < end ? bounce_field(t, MIN(end - t,
		    (gssize)TEXT_DIAG_MAX)) : NULL;
	}
	for (start = p; start > t && start[-1] != '\n'; start--)
		;
	stop = bounce_strcasestr(p, (gsize)(end - p), "\n\n");
	if (stop == NULL)
		stop = end;
	if (stop - start > TEXT_DIAG_MAX)
		stop = start + TEXT_DIAG_MAX;
	return bounce_field(start, stop - start);
}

static void
fill_str(char **slot, const char *from)
{
	if (*slot == NULL && from != NULL)
		*slot = g_strdup(from);
}

static struct bounce_recipient *
dsn_match(GPtrArray *dsn, guint i, guint count,
    const struct bounce_recipient *r)
{
	guint k;

	for (k = 0; r->recipient != NULL && k < dsn->len; k++) {
		struct bounce_recipient *d = g_ptr_array_index(dsn, k);

		if (d->recipient != NULL &&
		    g_ascii_strcasecmp(d->recipient, r->recipient) == 0)
			return d;
	}
	/* Same count, same order: the i-th is the i-th. */
	if (dsn->len == count && i < dsn->len)
		return g_ptr_array_index(dsn, i);
	return NULL;
}

/* Gaps left by a text recognizer, filled from the delivery-status part. */
void
bounce_fill_from_dsn(const struct bounce_input *in, struct bounce_report *b)
{
	struct bounce_report own = { 0 };
	const struct bounce_report *d = &own;
	guint i, count = b->recipients->len;

	if (in->memo != NULL) {
		d = dsn_once(in);
	} else {
		own.recipients = g_ptr_array_new_with_free_func(
		    bounce_recipient_free);
		bounce_read_dsn(in->dsn, in->dsn_len, &own);
	}
	fill_str(&b->reporting_mta, d->reporting_mta);
	fill_str(&b->queue_id, d->queue_id);
	if (b->arrival_date == 0)
		b->arrival_date = d->arrival_date;
	for (i = 0; i < count; i++) {
		struct bounce_recipient *r = g_ptr_array_index(b->recipients, i);
		struct bounce_recipient *x = dsn_match(d->recipients, i, count,
		    r);

		if (x == NULL)
			continue;
		fill_str(&r->recipient, x->recipient);
		fill_str(&r->original_recipient, x->original_recipient);
		fill_str(&r->action, x->action);
		fill_str(&r->status, x->status);
		fill_str(&r->remote_mta, x->remote_mta);
		if (r->diagnostic_code == NULL) {
			fill_str(&r->diagnostic_type, x->diagnostic_type);
			fill_str(&r->diagnostic_code, x->diagnostic_code);
		}
		if (r->reply_code == 0)
			r->reply_code = x->reply_code;
		if (r->last_attempt == 0)
			r->last_attempt = x->last_attempt;
	}
	if (d == &own) {
		g_free(own.reporting_mta);
		g_free(own.queue_id);
		g_ptr_array_free(own.recipients, TRUE);
	}
}

const char *
bounce_command(const struct bounce_input *in,
    const struct bounce_recipient *r)
{
	const char *c = NULL;

	if (r->diagnostic_code != NULL)
		c = command_in(r->diagnostic_code, strlen(r->diagnostic_code));
	return c != NULL ? c : command_from_text(in, r);
}
