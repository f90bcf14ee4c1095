/* services.c - which named service a source is: Google, SendGrid, a
 * security gateway, your own servers.
 *
 *	s = enrich_services_load(NULL, NULL, &err);
 *	enrich_services_match(s, result);   sets service, service_kind, basis
 *
 * The table is text, one row a line, five fields separated by tabs:
 *	type	key	service	kind	basis
 * type is ptr (key: a domain; matches a forward-confirmed PTR name that
 * is the domain or ends in ".domain"), asn (key: the AS number) or net
 * (key: an IPv4 or IPv6 network in CIDR form).  kind is one word:
 * mailbox_provider, esp, marketing, crm, forwarder, security_gateway,
 * hosting, ours, ...  basis says which public fact the row rests on.
 * '#' starts a comment line.
 *
 * The table is share/mailsift/services.tsv: --services FILE, else the
 * copy installed next to the binary (PREFIX/share/mailsift, found from
 * /proc/self/exe), else the copy compiled into the binary.  The site file
 * (--services-local FILE, else /etc/mailsift/services.local.tsv when it
 * exists) adds the site's own servers, kind "ours" when its kind field is
 * empty or missing, and wins over every row of the table.
 *
 * Which row: the site's rows first, then the table's; within each, a
 * network (the longest prefix) before a PTR domain (the longest) before
 * an ASN.  A network is the most specific fact (an ESP's dedicated IP may
 * carry its customer's PTR name); an ASN the least (a cloud's ASN hosts
 * anyone).  Only forward-confirmed names count: anyone can write a PTR
 * record claiming to be mail.google.com for their own address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "internal.h"

#define MAX_FIELD	200
#define MAX_ROWS	100000
#define LOCAL_FILE	"/etc/mailsift/services.local.tsv"
#define BUILTIN		"/mailsift/share/mailsift/services.tsv"

struct row {
	char *service, *kind, *basis;
	int family, prefix;		/* net rows */
	unsigned char addr[16];
};

/* One file's rows, by type. */
struct table {
	GHashTable *ptr;	/* domain -> struct row * */
	GHashTable *asn;	/* "15169" -> struct row * */
	GPtrArray *net;		/* struct row * */
};

struct enrich_services {
	struct table site, main;
	GChecksum *sum;
	char *digest;
	GString *where;
};

static void
row_free(gpointer p)
{
	struct row *r = p;

	g_free(r->service);
	g_free(r->kind);
	g_free(r->basis);
	g_free(r);
}

static void
table_init(struct table *t)
{
	t->ptr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    row_free);
	t->asn = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    row_free);
	t->net = g_ptr_array_new_with_free_func(row_free);
}

static void
table_free(struct table *t)
{
	g_hash_table_unref(t->ptr);
	g_hash_table_unref(t->asn);
	g_ptr_array_unref(t->net);
}

struct enrich_services *
enrich_services_new(void)
{
	struct enrich_services *s = g_new0(struct enrich_services, 1);

	table_init(&s->site);
	table_init(&s->main);
	s->sum = g_checksum_new(G_CHECKSUM_SHA256);
	s->where = g_string_new(NULL);
	return s;
}

void
enrich_services_free(struct enrich_services *s)
{
	if (s == NULL)
		return;
	table_free(&s->site);
	table_free(&s->main);
	g_checksum_free(s->sum);
	g_free(s->digest);
	g_string_free(s->where, TRUE);
	g_free(s);
}

static gboolean
is_kind(const char *k)
{
	if (*k == '\0' || strlen(k) > 32)
		return FALSE;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || *k == '_'))
			return FALSE;
	return TRUE;
}

/* "192.0.2.0/24" into r; FALSE when not a network. */
static gboolean
parse_net(const char *key, struct row *r)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(key, '/');
	long prefix;

	if (slash == NULL || (size_t)(slash - key) >= sizeof(addr))
		return FALSE;
	memcpy(addr, key, (size_t)(slash - key));
	addr[slash - key] = '\0';
	r->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(r->family, addr, r->addr) != 1)
		return FALSE;
	prefix = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || prefix < 0 ||
	    prefix > (r->family == AF_INET ? 32 : 128))
		return FALSE;
	r->prefix = (int)prefix;
	return TRUE;
}

static gboolean
is_asn(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > 10 || key[0] == '0')
		return FALSE;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(key[i]))
			return FALSE;
	return g_ascii_strtoull(key, NULL, 10) <= 4294967295ULL;
}

/* One line's fields into t; an error message, or NULL. */
static const char *
add_row(struct table *t, char **f, guint nf, gboolean local)
{
	struct row *r;
	char *key;

	if (nf < 3 || (!local && nf < 4))
		return "too few fields (type, key, service, kind, basis)";
	for (guint i = 0; i < nf; i++)
		if (strlen(f[i]) > MAX_FIELD)
			return "a field is too long";
	r = g_new0(struct row, 1);
	r->service = g_strdup(f[2]);
	r->kind = g_strdup(nf > 3 && *f[3] ? f[3] : "ours");
	r->basis = g_strdup(nf > 4 ? f[4] : "");
	if (*r->service == '\0' || !is_kind(r->kind)) {
		row_free(r);
		return "empty service, or kind not a lower-case word";
	}
	if (strcmp(f[0], "ptr") == 0) {
		if ((key = enrich_host_name(f[1])) == NULL) {
			row_free(r);
			return "ptr key is not a domain name";
		}
		g_hash_table_replace(t->ptr, key, r);
	} else if (strcmp(f[0], "asn") == 0) {
		if (!is_asn(f[1])) {
			row_free(r);
			return "asn key is not an AS number";
		}
		g_hash_table_replace(t->asn, g_strdup(f[1]), r);
	} else if (strcmp(f[0], "net") == 0) {
		if (!parse_net(f[1], r)) {
			row_free(r);
			return "net key is not a network (CIDR)";
		}
		g_ptr_array_add(t->net, r);
	} else {
		row_free(r);
		return "type is not ptr, asn or net";
	}
	return NULL;
}

gboolean
enrich_services_parse(struct enrich_services *s, const char *text,
    gsize len, const char *origin, gboolean local, GError **err)
{
	struct table *t = local ? &s->site : &s->main;
	char *copy = g_strndup(text, len), **lines;
	gboolean ok = TRUE;
	guint rows = 0;

	g_checksum_update(s->sum, (const guchar *)origin, -1);
	g_checksum_update(s->sum, (const guchar *)(local ? "\1" : "\0"), 1);
	g_checksum_update(s->sum, (const guchar *)text, (gssize)len);
	lines = g_strsplit(copy, "\n", -1);
	for (guint i = 0; ok && lines[i]; i++) {
		char *line = g_strchomp(lines[i]), **f;
		const char *why;

		if (*line == '\0' || *line == '#')
			continue;
		f = g_strsplit(line, "\t", 6);
		why = add_row(t, f, g_strv_length(f), local);
		if (why == NULL && ++rows > MAX_ROWS)
			why = "too many rows";
		if (why) {
			g_set_error(err, ENRICH_ERROR, ENRICH_ERROR_CONFIG,
			    "%s, line %u: %s", origin, i + 1, why);
			ok = FALSE;
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(copy);
	if (ok)
		g_string_append_printf(s->where, "%s%s (%u rows)",
		    s->where->len ? ", " : "", origin, rows);
	return ok;
}

/* PREFIX/share/mailsift/services.tsv of PREFIX/bin/mailsift, or NULL. */
static char *
installed_table(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL), *dir, *path;

	if (exe == NULL)
		return NULL;
	dir = g_path_get_dirname(exe);
	path = g_build_filename(dir, "..", "share", "mailsift", "services.tsv",
	    NULL);
	g_free(dir);
	g_free(exe);
	if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return path;
	g_free(path);
	return NULL;
}

static gboolean
load_file(struct enrich_services *s, const char *path, gboolean local,
    GError **err)
{
	char *text;
	gsize len;
	gboolean ok;

	if (!g_file_get_contents(path, &text, &len, err))
		return FALSE;
	ok = enrich_services_parse(s, text, len, path, local, err);
	g_free(text);
	return ok;
}

static gboolean
load_builtin(struct enrich_services *s, GError **err)
{
	GBytes *b = g_resources_lookup_data(BUILTIN, 0, err);
	gsize len;
	const char *text;
	gboolean ok;

	if (b == NULL)
		return FALSE;
	text = g_bytes_get_data(b, &len);
	ok = enrich_services_parse(s, text, len, "built-in services.tsv",
	    FALSE, err);
	g_bytes_unref(b);
	return ok;
}

struct enrich_services *
enrich_services_load(const char *file, const char *local, GError **err)
{
	struct enrich_services *s = enrich_services_new();
	char *installed = file ? NULL : installed_table();
	gboolean ok;

	if (file || installed)
		ok = load_file(s, file ? file : installed, FALSE, err);
	else
		ok = load_builtin(s, err);
	g_free(installed);
	if (ok && local == NULL && g_file_test(LOCAL_FILE, G_FILE_TEST_EXISTS))
		local = LOCAL_FILE;
	if (ok && local && *local)
		ok = load_file(s, local, TRUE, err);
	if (!ok) {
		enrich_services_free(s);
		return NULL;
	}
	s->digest = g_strdup(g_checksum_get_string(s->sum));
	return s;
}

static gboolean
in_net(const struct row *r, int family, const unsigned char *addr)
{
	int full = r->prefix / 8, rest = r->prefix % 8;

	if (family != r->family || memcmp(addr, r->addr, (size_t)full) != 0)
		return FALSE;
	return rest == 0 || ((addr[full] ^ r->addr[full]) &
	    (0xFF << (8 - rest))) == 0;
}

/* The row of t for r, and its basis, or NULL. */
static const struct row *
match_table(const struct table *t, const struct enrich_result *r,
    char **basis)
{
	const struct row *best = NULL;
	unsigned char addr[16];
	int family = strchr(r->ip, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(family, r->ip, addr) == 1) {
		for (guint i = 0; i < t->net->len; i++) {
			const struct row *n = g_ptr_array_index(t->net, i);

			if (in_net(n, family, addr) &&
			    (best == NULL || n->prefix > best->prefix))
				best = n;
		}
		if (best) {
			char *net = enrich_network_text(best->family,
			    best->addr, best->prefix);

			*basis = g_strdup_printf("net %s", net);
			g_free(net);
			return best;
		}
	}
	for (const char *d = r->confirmed_name; d; ) {
		if ((best = g_hash_table_lookup(t->ptr, d)) != NULL) {
			*basis = g_strdup_printf("ptr %s", d);
			return best;
		}
		d = strchr(d, '.');
		d = d ? d + 1 : NULL;
	}
	if (r->asn > 0) {
		char key[24];

		snprintf(key, sizeof(key), "%" G_GINT64_FORMAT, r->asn);
		if ((best = g_hash_table_lookup(t->asn, key)) != NULL) {
			*basis = g_strdup_printf("asn %s", key);
			return best;
		}
	}
	return NULL;
}

static gboolean
set_field(char **field, const char *value)
{
	if (g_strcmp0(*field, value) == 0)
		return FALSE;
	g_free(*field);
	*field = g_strdup(value);
	return TRUE;
}

gboolean
enrich_services_match(const struct enrich_services *s,
    struct enrich_result *r)
{
	const struct row *row;
	char *basis = NULL, *full = NULL;
	gboolean changed = FALSE;

	if ((row = match_table(&s->site, r, &basis)) != NULL)
		full = g_strconcat("local ", basis, NULL);
	else if ((row = match_table(&s->main, r, &basis)) != NULL)
		full = g_strdup(basis);
	changed |= set_field(&r->service, row ? row->service : NULL);
	changed |= set_field(&r->service_kind, row ? row->kind : NULL);
	changed |= set_field(&r->service_basis, full);
	g_free(basis);
	g_free(full);
	return changed;
}

const char *
enrich_services_sha256(const struct enrich_services *s)
{
	return s->digest;
}

const char *
enrich_services_where(const struct enrich_services *s)
{
	return s->where->str;
}
