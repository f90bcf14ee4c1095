/* geoip.c - ASN, AS organization, country and network of an address
 * from MaxMind-format databases (libmaxminddb).
 *
 *	g = enrich_geoip_open(files, &err);	   one or more .mmdb files
 *	enrich_geoip_lookup(g, "192.0.2.7", result);
 *	enrich_geoip_close(g);
 *
 * The free databases split what we want over two files (an ASN one and a
 * country one) and name it in one of two ways; every file is asked and
 * the first value found wins:
 *   GeoLite2-ASN, DB-IP ASN lite:	autonomous_system_number (uint32),
 *					autonomous_system_organization
 *   GeoLite2-Country/City, DB-IP:	country.iso_code
 *					(else registered_country.iso_code)
 *   IPinfo lite:			asn ("AS15169"), as_name, country_code
 * Values are checked like any other input: an ASN is a number up to
 * 2^32 - 1, a country two ASCII letters, an organization valid UTF-8 of at
 * most 256 bytes.
 */
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <maxminddb.h>

#include "internal.h"

#define MAX_ORG 256

struct enrich_geoip {
	GArray *dbs;	/* MMDB_s */
};

static void
close_db(gpointer p)
{
	MMDB_close(p);
}

struct enrich_geoip *
enrich_geoip_open(char **files, GError **err)
{
	struct enrich_geoip *g;

	if (enrich_mmdb_error()) {
		g_set_error(err, ENRICH_ERROR, ENRICH_ERROR_LIBRARY, "%s",
		    enrich_mmdb_error());
		return NULL;
	}
	g = g_new0(struct enrich_geoip, 1);
	g->dbs = g_array_new(FALSE, TRUE, sizeof(MMDB_s));
	g_array_set_clear_func(g->dbs, close_db);
	for (char **f = files; f && *f; f++) {
		MMDB_s db;
		int rc = MMDB_open(*f, MMDB_MODE_MMAP, &db);

		if (rc != MMDB_SUCCESS) {
			g_set_error(err, ENRICH_ERROR, ENRICH_ERROR_CONFIG,
			    "%s: %s", *f, MMDB_strerror(rc));
			enrich_geoip_close(g);
			return NULL;
		}
		g_array_append_val(g->dbs, db);
	}
	return g;
}

void
enrich_geoip_close(struct enrich_geoip *g)
{
	if (g == NULL)
		return;
	g_array_unref(g->dbs);
	g_free(g);
}

/* The value at path, when it exists and has the wanted type. */
static gboolean
value_at(MMDB_entry_s *entry, const char *const *path, uint32_t type,
    MMDB_entry_data_s *out)
{
	return MMDB_aget_value(entry, out, path) == MMDB_SUCCESS &&
	    out->has_data && out->type == type;
}

static char *
string_at(MMDB_entry_s *entry, const char *const *path, size_t max)
{
	MMDB_entry_data_s d;
	size_t n;

	if (!value_at(entry, path, MMDB_DATA_TYPE_UTF8_STRING, &d))
		return NULL;
	n = d.data_size < max ? d.data_size : max;
	return g_utf8_make_valid(d.utf8_string, (gssize)n);
}

/* "AS15169" or "15169" -> 15169; 0 when not an ASN. */
static int64_t
parse_asn(const char *s)
{
	int64_t v = 0;

	if (s == NULL)
		return 0;
	if (g_ascii_strncasecmp(s, "AS", 2) == 0)
		s += 2;
	if (*s == '\0' || strlen(s) > 10)
		return 0;
	for (; *s; s++) {
		if (!g_ascii_isdigit(*s))
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v <= 4294967295LL ? v : 0;
}

static int64_t
asn_of(MMDB_entry_s *e)
{
	static const char *const mm[] = { "autonomous_system_number", NULL };
	static const char *const ii[] = { "asn", NULL };
	MMDB_entry_data_s d;
	char *s;
	int64_t v;

	if (value_at(e, mm, MMDB_DATA_TYPE_UINT32, &d))
		return d.uint32;
	if (value_at(e, mm, MMDB_DATA_TYPE_UINT16, &d))
		return d.uint16;
	s = string_at(e, ii, 16);
	v = parse_asn(s);
	g_free(s);
	return v;
}

static char *
org_of(MMDB_entry_s *e)
{
	static const char *const mm[] = { "autonomous_system_organization",
	    NULL };
	static const char *const ii[] = { "as_name", NULL };
	char *s = string_at(e, mm, MAX_ORG);

	return s ? s : string_at(e, ii, MAX_ORG);
}

static char *
country_of(MMDB_entry_s *e)
{
	static const char *const paths[][3] = {
		{ "country", "iso_code", NULL },
		{ "country_code", NULL, NULL },
		{ "registered_country", "iso_code", NULL },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
		char *s = string_at(e, paths[i], 8);

		if (s && strlen(s) == 2 && g_ascii_isalpha(s[0]) &&
		    g_ascii_isalpha(s[1])) {
			s[0] = g_ascii_toupper(s[0]);
			s[1] = g_ascii_toupper(s[1]);
			return s;
		}
		g_free(s);
	}
	return NULL;
}

/* The network the answer holds for: the address masked to the prefix
 * length libmaxminddb reports (IPv4 in an IPv6 tree: 96 more). */
static char *
network_of(const MMDB_s *db, const char *ip, int netmask)
{
	unsigned char addr[16];
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(family, ip, addr) != 1)
		return NULL;
	if (family == AF_INET && db->metadata.ip_version == 6)
		netmask -= 96;
	return enrich_network_text(family, addr, netmask);
}

void
enrich_geoip_lookup(struct enrich_geoip *g, const char *ip,
    struct enrich_result *r)
{
	for (guint i = 0; i < g->dbs->len; i++) {
		MMDB_s *db = &g_array_index(g->dbs, MMDB_s, i);
		MMDB_lookup_result_s l;
		int gai = 0, rc = 0;

		l = MMDB_lookup_string(db, ip, &gai, &rc);
		if (gai != 0 || rc != MMDB_SUCCESS)
			continue;
		r->asn_known = TRUE;	/* asked: no entry means none */
		r->asn_source = "mmdb";
		if (!l.found_entry)
			continue;
		if (r->asn == 0)
			r->asn = asn_of(&l.entry);
		if (r->as_org == NULL)
			r->as_org = org_of(&l.entry);
		if (r->country == NULL)
			r->country = country_of(&l.entry);
		if (r->network == NULL)
			r->network = network_of(db, ip, l.netmask);
	}
}
