/* bounce_mta_provider_json.c - Amazon SES notifications in JSON, as an
 * SNS e-mail subscription delivers them: bounces, complaints and
 * deliveries, each recipient read into the report.
 *
 * Usage (from the amazonses row of bounce_mta_provider.c):
 *	n = pv_ses_json_scan(in, b);	recipients added, 0 if none
 *
 * The body is the JSON text, perhaps wrapped in an SNS envelope whose
 * "Message" is the SES JSON as a string, and perhaps folded by a relay
 * that cut long lines ("...!" then a line starting with a space).  The
 * small JSON reader below builds a tree, bounded in depth and size: the
 * input is hostile like any other.
 */
#include <string.h>

#include "bounce_mta_provider.h"

#define JSON_MAX_DEPTH	32
#define JSON_MAX_NODES	20000

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype type;
	char *s;		/* J_STR, J_NUM, J_BOOL: the text */
	GPtrArray *keys;	/* J_OBJ: char * */
	GPtrArray *vals;	/* J_OBJ, J_ARR: struct jv * */
};

struct jparse {
	const char *p, *end;
	guint nodes;
};

static void
jv_free(gpointer data)
{
	struct jv *v = data;

	if (v == NULL)
		return;
	g_free(v->s);
	if (v->keys != NULL)
		g_ptr_array_free(v->keys, TRUE);
	if (v->vals != NULL)
		g_ptr_array_free(v->vals, TRUE);
	g_free(v);
}

static void
skip_ws(struct jparse *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
hexval(char c)
{
	return g_ascii_xdigit_value(c);
}

/* A JSON string at j->p (on the opening quote), unescaped to UTF-8. */
static char *
jstring(struct jparse *j)
{
	GString *s = g_string_new(NULL);
	gunichar u, lo;
	int i, d;

	j->p++;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p != '\\') {
			g_string_append_c(s, *j->p++);
			continue;
		}
		if (++j->p >= j->end)
			break;
		switch (*j->p++) {
		case 'n': g_string_append_c(s, '\n'); break;
		case 't': g_string_append_c(s, '\t'); break;
		case 'r': g_string_append_c(s, '\r'); break;
		case 'b': g_string_append_c(s, '\b'); break;
		case 'f': g_string_append_c(s, '\f'); break;
		case 'u':
			for (u = 0, i = 0; i < 4 && j->p < j->end; i++) {
				if ((d = hexval(*j->p++)) < 0)
					goto bad;
				u = u * 16 + (gunichar)d;
			}
			/* A surrogate pair is one character. */
			if (u >= 0xd800 && u < 0xdc00 && j->end - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u') {
				for (lo = 0, i = 2; i < 6; i++) {
					if ((d = hexval(j->p[i])) < 0)
						goto bad;
					lo = lo * 16 + (gunichar)d;
				}
				if (lo >= 0xdc00 && lo < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10) +
					    (lo - 0xdc00);
					j->p += 6;
				}
			}
			if (u != 0 && g_unichar_validate(u))
				g_string_append_unichar(s, u);
			break;
		default:	/* \" \\ \/ and anything else: itself */
			g_string_append_c(s, j->p[-1]);
		}
	}
	if (j->p >= j->end)
		goto bad;
	j->p++;
	return g_string_free(s, FALSE);
bad:
	g_string_free(s, TRUE);
	return NULL;
}

static struct jv *jvalue(struct jparse *j, int depth);

static struct jv *
jnew(struct jparse *j, enum jtype t)
{
	struct jv *v;

	if (++j->nodes > JSON_MAX_NODES)
		return NULL;
	v = g_new0(struct jv, 1);
	v->type = t;
	if (t == J_ARR || t == J_OBJ)
		v->vals = g_ptr_array_new_with_free_func(jv_free);
	if (t == J_OBJ)
		v->keys = g_ptr_array_new_with_free_func(g_free);
	return v;
}

/* An object or array at j->p (on '{' or '['). */
static struct jv *
jcontainer(struct jparse *j, int depth)
{
	gboolean obj = *j->p == '{';
	char close = obj ? '}' : ']';
	struct jv *v = jnew(j, obj ? J_OBJ : J_ARR), *e;
	char *key = NULL;

	if (v == NULL)
		return NULL;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return v;
	}
	while (j->p < j->end) {
		if (obj) {
			skip_ws(j);
			if (j->p >= j->end || *j->p != '"' ||
			    (key = jstring(j)) == NULL)
				break;
			skip_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				break;
		}
		if ((e = jvalue(j, depth + 1)) == NULL)
			break;
		if (obj)
			g_ptr_array_add(v->keys, key);
		key = NULL;
		g_ptr_array_add(v->vals, e);
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return v;
		}
		break;
	}
	g_free(key);
	jv_free(v);
	return NULL;
}

static struct jv *
jvalue(struct jparse *j, int depth)
{
	struct jv *v;
	const char *s;

	if (depth > JSON_MAX_DEPTH)
		return NULL;
	skip_ws(j);
	if (j->p >= j->end)
		return NULL;
	if (*j->p == '{' || *j->p == '[')
		return jcontainer(j, depth);
	if (*j->p == '"') {
		char *str = jstring(j);

		if (str == NULL || (v = jnew(j, J_STR)) == NULL) {
			g_free(str);
			return NULL;
		}
		v->s = str;
		return v;
	}
	for (s = j->p; j->p < j->end && (g_ascii_isalnum(*j->p) ||
	    *j->p == '-' || *j->p == '+' || *j->p == '.'); j->p++)
		;
	if (j->p == s)
		return NULL;
	if (j->p - s == 4 && strncmp(s, "null", 4) == 0)
		return jnew(j, J_NULL);
	v = jnew(j, (*s == 't' || *s == 'f') ? J_BOOL : J_NUM);
	if (v != NULL)
		v->s = g_strndup(s, (gsize)(j->p - s));
	return v;
}

static struct jv *
json_parse(const char *s, gsize n)
{
	struct jparse j = { s, s + n, 0 };

	return jvalue(&j, 0);
}

/* Member key of object v, or NULL. */
static struct jv *
jget(const struct jv *v, const char *key)
{
	guint i;

	if (v == NULL || v->type != J_OBJ)
		return NULL;
	for (i = 0; i < v->keys->len; i++)
		if (strcmp(g_ptr_array_index(v->keys, i), key) == 0)
			return g_ptr_array_index(v->vals, i);
	return NULL;
}

static const char *
jstr(const struct jv *v, const char *key)
{
	const struct jv *m = jget(v, key);

	return m != NULL && m->type == J_STR ? m->s : NULL;
}

static guint
jlen(const struct jv *v)
{
	return v != NULL && v->type == J_ARR ? v->vals->len : 0;
}

static const struct jv *
jat(const struct jv *v, guint i)
{
	return i < jlen(v) ? g_ptr_array_index(v->vals, i) : NULL;
}

/* --- The notification ---------------------------------------------------- */

/*
 * The JSON text of the body: from its first '{' up to a line "--" (SNS's
 * signature), line ends dropped, relay folds ("!" LF SP) undone.
 */
static char *
body_json(const char *t, gsize n, gsize *len)
{
	const char *p = memchr(t, '{', n), *end = t + n, *nl;
	GString *s = g_string_new(NULL);

	while (p != NULL && p < end) {
		gsize k;

		nl = memchr(p, '\n', (gsize)(end - p));
		k = (gsize)((nl != NULL ? nl : end) - p);
		if (k > 0 && p[k - 1] == '\r')
			k--;
		if (k == 2 && p[0] == '-' && p[1] == '-')
			break;
		if (k > 0 && p[k - 1] == '!' && nl != NULL && nl + 1 < end &&
		    nl[1] == ' ') {
			g_string_append_len(s, p, (gssize)k - 1);
			p = nl + 2;
			continue;
		}
		g_string_append_len(s, p, (gssize)k);
		p = nl != NULL ? nl + 1 : NULL;
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

static int64_t
iso_time(const char *s)
{
	GDateTime *dt;
	int64_t t;

	if (s == NULL || (dt = g_date_time_new_from_iso8601(s, NULL)) == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* What bounceType / bounceSubType say that the diagnostic may not. */
static const struct {
	const char *type, *subtype, *reason;
} ses_types[] = {
	{ "Permanent", "Suppressed", "suppressed" },
	{ "Permanent", "OnAccountSuppressionList", "suppressed" },
	{ "Transient", "MailboxFull", "mailboxfull" },
	{ "Transient", "MessageTooLarge", "emailtoolarge" },
};

static const char *
ses_type_reason(const struct jv *o)
{
	const char *t = jstr(o, "bounceType"), *st = jstr(o, "bounceSubType");
	gsize i;

	for (i = 0; t != NULL && st != NULL && i < G_N_ELEMENTS(ses_types); i++)
		if (strcmp(t, ses_types[i].type) == 0 &&
		    strcmp(st, ses_types[i].subtype) == 0)
			return ses_types[i].reason;
	return NULL;
}

/* "dsn; a27-23.smtp-out.amazonses.com" -> the host */
static char *
after_semicolon(const char *v)
{
	const char *semi;

	if (v == NULL)
		return NULL;
	semi = strchr(v, ';');
	return bounce_field(semi != NULL ? semi + 1 : v, -1);
}

/* "smtp; 550 5.1.1 user unknown" -> type "smtp", code "550 5.1.1 ..." */
static void
set_diag(struct bounce_recipient *r, const char *v)
{
	const char *semi;

	if (v == NULL)
		return;
	semi = strchr(v, ';');
	if (semi != NULL && semi - v < 16 && memchr(v, ' ', (gsize)(semi - v))
	    == NULL) {
		g_free(r->diagnostic_type);
		r->diagnostic_type = bounce_field(v, semi - v);
		v = semi + 1;
	}
	r->diagnostic_code = bounce_field(v, -1);
}

/* The reply code a diagnostic begins with: "550 5.1.1 ...". */
static int
leading_reply(const char *d)
{
	if (d == NULL || (d[0] != '2' && d[0] != '4' && d[0] != '5') ||
	    !g_ascii_isdigit(d[1]) || !g_ascii_isdigit(d[2]) ||
	    (d[3] != ' ' && d[3] != '-' && d[3] != '\0'))
		return 0;
	return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

static struct bounce_recipient *
add(struct bounce_report *b, const char *addr)
{
	struct bounce_recipient *r;
	char *a = bounce_address(addr);

	if (a == NULL)
		return NULL;
	if ((r = bounce_add_recipient(b)) == NULL) {
		g_free(a);
		return NULL;
	}
	r->recipient = a;
	return r;
}

static int
ses_bounce(const struct jv *o, struct bounce_report *b)
{
	const struct jv *list = jget(o, "bouncedRecipients");
	const char *why = ses_type_reason(o);
	int64_t when = iso_time(jstr(o, "timestamp"));
	guint i;
	int n = 0;

	for (i = 0; i < jlen(list); i++) {
		const struct jv *e = jat(list, i);
		struct bounce_recipient *r = add(b, jstr(e, "emailAddress"));

		if (r == NULL)
			continue;
		n++;
		r->action = bounce_field(jstr(e, "action"), -1);
		r->status = bounce_status_at(jstr(e, "status"));
		set_diag(r, jstr(e, "diagnosticCode"));
		r->reply_code = leading_reply(r->diagnostic_code);
		r->last_attempt = when;
		r->remote_mta = bounce_field(jstr(o, "remoteMtaIp"), -1);
		if (r->action == NULL)
			r->action = g_strdup("failed");
		/* The type is the notification's, the status each one's own:
		 * the type speaks only where the status gives a class. */
		if (why != NULL && (r->status == NULL ||
		    strcmp(r->status + 1, ".0.0") == 0))
			r->mta_reason = g_strdup(why);
	}
	if (b->reporting_mta == NULL)
		b->reporting_mta = after_semicolon(jstr(o, "reportingMTA"));
	return n;
}

static int
ses_complaint(const struct jv *o, struct bounce_report *b)
{
	const struct jv *list = jget(o, "complainedRecipients");
	const char *type = jstr(o, "complaintFeedbackType");
	guint i;
	int n = 0;

	for (i = 0; i < jlen(list); i++) {
		struct bounce_recipient *r = add(b,
		    jstr(jat(list, i), "emailAddress"));

		if (r == NULL)
			continue;
		n++;
		r->feedback_type = bounce_field(type, -1);
		r->mta_reason = g_strdup("feedback");
		r->last_attempt = iso_time(jstr(o, "timestamp"));
	}
	if (n > 0)
		b->kind = BOUNCE_KIND_FEEDBACK;
	return n;
}

static int
ses_delivery(const struct jv *o, struct bounce_report *b)
{
	const struct jv *list = jget(o, "recipients");
	const char *said = jstr(o, "smtpResponse");
	guint i;
	int n = 0;

	for (i = 0; i < jlen(list); i++) {
		const struct jv *e = jat(list, i);
		struct bounce_recipient *r;

		if (e == NULL || e->type != J_STR || (r = add(b, e->s)) == NULL)
			continue;
		n++;
		r->action = g_strdup("delivered");
		r->diagnostic_code = bounce_field(said, -1);
		r->status = bounce_status_at(r->diagnostic_code);
		r->reply_code = leading_reply(r->diagnostic_code);
		r->last_attempt = iso_time(jstr(o, "timestamp"));
		r->remote_mta = bounce_field(jstr(o, "remoteMtaIp"), -1);
		r->mta_reason = g_strdup("delivered");
	}
	if (b->reporting_mta == NULL)
		b->reporting_mta = bounce_field(jstr(o, "reportingMTA"), -1);
	return n;
}

/* The original message as "mail" describes it. */
static void
ses_original(const struct jv *mail, struct bounce_report *b)
{
	const struct jv *common = jget(mail, "commonHeaders");
	const struct jv *headers = jget(mail, "headers");
	const struct jv *from = jget(common, "from");
	guint i;

	for (i = 0; i < jlen(headers) && i < 200; i++) {
		const struct jv *h = jat(headers, i);
		const char *name = jstr(h, "name"), *value = jstr(h, "value");

		if (name == NULL || value == NULL)
			continue;
		if (g_ascii_strcasecmp(name, "Message-ID") == 0 &&
		    b->orig.message_id == NULL) {
			char *id = g_mime_utils_decode_message_id(value);

			b->orig.message_id = bounce_field(id != NULL ? id :
			    value, -1);
			g_free(id);
		}
	}
	if (b->orig.from == NULL && jlen(from) > 0 && jat(from, 0)->type == J_STR)
		b->orig.from = bounce_address(jat(from, 0)->s);
	if (b->orig.subject == NULL)
		b->orig.subject = bounce_field(jstr(common, "subject"), -1);
	if (b->orig.to == NULL) {
		const struct jv *to = jget(common, "to");

		if (jlen(to) > 0 && jat(to, 0)->type == J_STR)
			b->orig.to = bounce_address(jat(to, 0)->s);
	}
}

int
pv_ses_json_scan(const struct bounce_input *in, struct bounce_report *b)
{
	struct jv *top, *inner = NULL;
	const struct jv *p;
	const char *type;
	char *json;
	gsize len;
	int n = 0;

	json = body_json(in->text, in->text_len, &len);
	top = json_parse(json, len);
	g_free(json);
	p = top;
	/* The SNS envelope: {"Type":"Notification","Message":"{...}"} */
	if (jstr(top, "Message") != NULL) {
		const char *m = jstr(top, "Message");

		inner = json_parse(m, strlen(m));
		p = inner;
	}
	type = jstr(p, "notificationType");
	if (type == NULL)
		type = jstr(p, "eventType");
	if (type == NULL)
		;
	else if (strcmp(type, "Bounce") == 0)
		n = ses_bounce(jget(p, "bounce"), b);
	else if (strcmp(type, "Complaint") == 0)
		n = ses_complaint(jget(p, "complaint"), b);
	else if (strcmp(type, "Delivery") == 0)
		n = ses_delivery(jget(p, "delivery"), b);
	if (n > 0)
		ses_original(jget(p, "mail"), b);
	jv_free(inner);
	jv_free(top);
	return n;
}
