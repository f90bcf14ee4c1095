/* zip_dl.c - libzip, loaded on the first zip attachment, not at start-up.
 *
 * The binary is not linked with libzip: each libzip function used in
 * mailsift (tests included) is defined below under its own name and calls
 * the real one through dlopen("libzip.so.4"), as store/pq.c does for
 * libpq.  Why: libzip pulls libcrypto, libbz2 and liblzma, and binding
 * them cost 2.7 ms of every exec, while most messages (bounces, gzipped
 * reports) never open a zip.  <zip.h> is still used for the types.
 *
 * Usage: call ingest_zip_error() before the first zip_* call; NULL means
 * libzip is there, else the string says why not (the message is then
 * quarantined with it).  Without the library every wrapper returns the
 * value in its line of ZIP_FUNCS and does nothing else.  Calling a libzip
 * function not listed is a link error: add a line with the prototype from
 * zip.h.  libzip.so.4 has been the soname since libzip 1.0.
 */
#include <stddef.h>
#include <zip.h>

#include "internal.h"
#include "../parse/common/lazylib.h"

#define LIBZIP "libzip.so.4"

/* F(return type, name, parameters, arguments, value when not loaded);
 * V(...) the same for a function returning void. */
#define ZIP_FUNCS(F, V) \
	F(zip_source_t *, zip_source_buffer_create, (const void *a, \
	    zip_uint64_t b, int c, zip_error_t *d), (a, b, c, d), NULL) \
	V(zip_source_free, (zip_source_t *a), (a)) \
	F(zip_t *, zip_open_from_source, (zip_source_t *a, int b, \
	    zip_error_t *c), (a, b, c), NULL) \
	V(zip_discard, (zip_t *a), (a)) \
	F(zip_int64_t, zip_get_num_entries, (zip_t *a, zip_flags_t b), \
	    (a, b), -1) \
	F(const char *, zip_get_name, (zip_t *a, zip_uint64_t b, \
	    zip_flags_t c), (a, b, c), NULL) \
	V(zip_stat_init, (zip_stat_t *a), (a)) \
	F(int, zip_stat_index, (zip_t *a, zip_uint64_t b, zip_flags_t c, \
	    zip_stat_t *d), (a, b, c, d), -1) \
	F(zip_file_t *, zip_fopen_index, (zip_t *a, zip_uint64_t b, \
	    zip_flags_t c), (a, b, c), NULL) \
	F(zip_int64_t, zip_fread, (zip_file_t *a, void *b, zip_uint64_t c), \
	    (a, b, c), -1) \
	F(int, zip_fclose, (zip_file_t *a), (a), -1) \
	F(const char *, zip_file_strerror, (zip_file_t *a), (a), \
	    "libzip not loaded") \
	F(zip_error_t *, zip_get_error, (zip_t *a), (a), NULL) \
	V(zip_error_init, (zip_error_t *a), (a)) \
	V(zip_error_fini, (zip_error_t *a), (a)) \
	F(const char *, zip_error_strerror, (zip_error_t *a), (a), \
	    "libzip not loaded")

/* The real functions, all or none. */
struct zip_api {
#define ZIP_MEMBER(r, n, p, a, fail) r (*n) p;
#define ZIP_VMEMBER(n, p, a) void (*n) p;
	ZIP_FUNCS(ZIP_MEMBER, ZIP_VMEMBER)
#undef ZIP_MEMBER
#undef ZIP_VMEMBER
};

static struct zip_api api;
static char *load_error;

/* Each slot of api, by the name the library exports. */
static const struct lazylib_sym syms[] = {
#define ZIP_SYM(r, n, p, a, fail) { #n, offsetof(struct zip_api, n) },
#define ZIP_VSYM(n, p, a) { #n, offsetof(struct zip_api, n) },
	ZIP_FUNCS(ZIP_SYM, ZIP_VSYM)
#undef ZIP_SYM
#undef ZIP_VSYM
};

static gpointer
load(gpointer unused)
{
	(void)unused;
	load_error = lazylib_load(LIBZIP, "libzip 1.0 or newer", syms,
	    G_N_ELEMENTS(syms), &api);
	return NULL;
}

/* Loaded once, also when threads race for it. */
static const struct zip_api *
zl(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return &api;
}

const char *
ingest_zip_error(void)
{
	zl();
	return load_error;
}

#define ZIP_WRAP(r, n, p, a, fail) \
r n p { const struct zip_api *x = zl(); return x->n ? x->n a : (fail); }
#define ZIP_VWRAP(n, p, a) \
void n p { const struct zip_api *x = zl(); if (x->n) x->n a; }
ZIP_FUNCS(ZIP_WRAP, ZIP_VWRAP)
