/* util.c - what the checks share: findings, DNS questions, tag lists.
 *
 *	check_add(x, "spf.missing", CHECK_ERROR, "Do this.", "fmt", ...);
 *	recs = check_txt(x, name, "v=spf1");	NULL: the DNS failed
 *	t = check_tags("v=DMARC1; p=none", &bad);
 */
#include <stdarg.h>
#include <string.h>

#include "internal.h"

#define MAX_TAGS	32

const char *
check_severity_name(enum check_severity s)
{
	return s == CHECK_ERROR ? "error" : s == CHECK_WARNING ? "warning" :
	    "info";
}

void
check_finding_free(gpointer p)
{
	struct check_finding *f = p;

	if (f == NULL)
		return;
	g_free(f->domain);
	g_free(f->code);
	g_free(f->evidence);
	g_free(f->action);
	g_free(f);
}

void
check_add(struct check_ctx *x, const char *code, enum check_severity sev,
    const char *action, const char *fmt, ...)
{
	struct check_finding *f = g_new0(struct check_finding, 1);
	va_list ap;

	va_start(ap, fmt);
	f->evidence = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* DNS text is anyone's: no control bytes reach a terminal */
	for (char *p = f->evidence; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = '?';
	f->domain = g_strdup(x->domain);
	f->code = g_strdup(code);
	f->severity = sev;
	f->action = g_strdup(action);
	g_ptr_array_add(x->out, f);
}

enum enrich_status
check_query(struct check_ctx *x, const char *name, enum enrich_rr type,
    GPtrArray **items)
{
	enum enrich_status s = enrich_lookup(x->c->dns, name, type, items);

	if (s == ENRICH_TIMEOUT || s == ENRICH_SERVFAIL ||
	    s == ENRICH_REFUSED)
		x->dns_down = TRUE;
	return s;
}

GPtrArray *
check_txt(struct check_ctx *x, const char *name, const char *tag)
{
	GPtrArray *items, *out;
	enum enrich_status s = check_query(x, name, ENRICH_RR_TXT, &items);
	size_t n = strlen(tag);

	if (s != ENRICH_OK && s != ENRICH_NXDOMAIN && s != ENRICH_NODATA)
		return NULL;
	out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; items && i < items->len; i++) {
		const char *t = g_ptr_array_index(items, i);

		while (*t == ' ')
			t++;
		if (g_ascii_strncasecmp(t, tag, n) == 0 &&
		    (t[n] == '\0' || t[n] == ' ' || t[n] == ';'))
			g_ptr_array_add(out, g_strdup(t));
	}
	if (items)
		g_ptr_array_unref(items);
	return out;
}

GHashTable *
check_tags(const char *rec, char **bad)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	char **parts = g_strsplit(rec, ";", MAX_TAGS + 1);
	guint n = g_strv_length(parts);

	*bad = NULL;
	for (guint i = 0; i < n && *bad == NULL; i++) {
		char *p = g_strstrip(parts[i]), *eq, *name;

		if (*p == '\0' && i + 1 == n)
			break;		/* a final ';' */
		if (i >= MAX_TAGS || (eq = strchr(p, '=')) == NULL) {
			*bad = g_strdup(p);
			break;
		}
		*eq = '\0';
		name = g_ascii_strdown(g_strstrip(p), -1);
		if (*name == '\0' || strspn(name, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789_") != strlen(name) ||
		    g_hash_table_contains(t, name)) {
			*bad = g_strdup_printf("%s=%s", name, eq + 1);
			g_free(name);
			break;
		}
		g_hash_table_insert(t, name, g_strdup(g_strstrip(eq + 1)));
	}
	g_strfreev(parts);
	if (*bad) {
		g_hash_table_unref(t);
		return NULL;
	}
	return t;
}

gboolean
check_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (g_ascii_strcasecmp(name, domain) == 0)
		return TRUE;
	return n > d && name[n - d - 1] == '.' &&
	    g_ascii_strcasecmp(name + n - d, domain) == 0;
}
