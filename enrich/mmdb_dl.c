/* mmdb_dl.c - libmaxminddb, loaded when `mailsift enrich --geoip` opens
 * a database, not at start-up.
 *
 * As ares_dl.c for c-ares: each libmaxminddb function enrich/ uses is
 * defined here under its own name and calls the real one through
 * dlopen("libmaxminddb.so.0").  enrich_mmdb_error() first: NULL means the
 * library is there.  MMDB_aget_value, not the variadic MMDB_get_value: a
 * variadic call cannot be forwarded.
 */
#include <stddef.h>

#include <glib.h>
#include <maxminddb.h>

#include "../parse/common/lazylib.h"
#include "internal.h"

#define MMDB_SONAME "libmaxminddb.so.0"

static MMDB_lookup_result_s no_result;

#define MMDB_FUNCS(F, V) \
	F(int, MMDB_open, (const char *const a, uint32_t b, MMDB_s *const c), \
	    (a, b, c), MMDB_FILE_OPEN_ERROR) \
	V(MMDB_close, (MMDB_s *const a), (a)) \
	F(MMDB_lookup_result_s, MMDB_lookup_string, (const MMDB_s *const a, \
	    const char *const b, int *const c, int *const d), (a, b, c, d), \
	    no_result) \
	F(int, MMDB_aget_value, (MMDB_entry_s *const a, \
	    MMDB_entry_data_s *const b, const char *const *const c), \
	    (a, b, c), MMDB_INVALID_LOOKUP_PATH_ERROR) \
	F(const char *, MMDB_strerror, (int a), (a), \
	    "libmaxminddb is not loaded")

struct mmdb_api {
#define MMDB_MEMBER(r, n, p, a, fail) r (*n) p;
#define MMDB_VMEMBER(n, p, a) void (*n) p;
	MMDB_FUNCS(MMDB_MEMBER, MMDB_VMEMBER)
#undef MMDB_MEMBER
#undef MMDB_VMEMBER
};

static struct mmdb_api api;
static char *load_error;

static const struct lazylib_sym syms[] = {
#define MMDB_SYM(r, n, p, a, fail) { #n, offsetof(struct mmdb_api, n) },
#define MMDB_VSYM(n, p, a) { #n, offsetof(struct mmdb_api, n) },
	MMDB_FUNCS(MMDB_SYM, MMDB_VSYM)
#undef MMDB_SYM
#undef MMDB_VSYM
};

static gpointer
load(gpointer unused)
{
	(void)unused;
	load_error = lazylib_load(MMDB_SONAME, "libmaxminddb 1.2 or newer",
	    syms, G_N_ELEMENTS(syms), &api);
	return NULL;
}

static const struct mmdb_api *
ml(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return &api;
}

const char *
enrich_mmdb_error(void)
{
	ml();
	return load_error;
}

#define MMDB_WRAP(r, n, p, a, fail) \
r n p { const struct mmdb_api *x = ml(); return x->n ? x->n a : (fail); }
#define MMDB_VWRAP(n, p, a) \
void n p { const struct mmdb_api *x = ml(); if (x->n) x->n a; }
MMDB_FUNCS(MMDB_WRAP, MMDB_VWRAP)
