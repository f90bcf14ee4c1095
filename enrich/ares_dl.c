/* ares_dl.c - c-ares, loaded by `mailsift enrich`, not at start-up.
 *
 * The binary is not linked with c-ares: each c-ares function enrich/ uses
 * is defined below under its own name and calls the real one through
 * dlopen("libcares.so.2"), as parse/tlsrpt/json_dl.c does for json-c, so
 * the postfix pipe (one process per message, never resolving anything)
 * does not bind it.  The c-ares header is still used for the types.
 *
 * Usage: enrich_ares_error() before the first ares_* call; NULL means
 * c-ares is there, else the string says why not.  Without the library
 * every wrapper returns the value in its line of ARES_FUNCS.  A c-ares
 * function not listed here is a link error: add a line.  libcares.so.2
 * is c-ares 1.x; ares_set_servers_ports_csv needs 1.11 (Debian 12: 1.18).
 */
#include <stddef.h>

#include <glib.h>
#include <ares.h>

#include "../parse/common/lazylib.h"
#include "internal.h"

#define ARES_SONAME "libcares.so.2"

/* F(return type, name, parameters, arguments, value when not loaded);
 * V(...) the same for a function returning void. */
#define ARES_FUNCS(F, V) \
	F(int, ares_library_init, (int a), (a), ARES_ENOTINITIALIZED) \
	V(ares_library_cleanup, (void), ()) \
	F(int, ares_init_options, (ares_channel *a, struct ares_options *b, \
	    int c), (a, b, c), ARES_ENOTINITIALIZED) \
	V(ares_destroy, (ares_channel a), (a)) \
	F(int, ares_set_servers_ports_csv, (ares_channel a, const char *b), \
	    (a, b), ARES_ENOTINITIALIZED) \
	V(ares_query, (ares_channel a, const char *b, int c, int d, \
	    ares_callback e, void *f), (a, b, c, d, e, f)) \
	F(struct timeval *, ares_timeout, (ares_channel a, \
	    struct timeval *b, struct timeval *c), (a, b, c), NULL) \
	V(ares_process_fd, (ares_channel a, ares_socket_t b, \
	    ares_socket_t c), (a, b, c)) \
	F(const char *, ares_strerror, (int a), (a), "c-ares is not loaded") \
	F(const char *, ares_version, (int *a), (a), "none")

struct ares_api {
#define ARES_MEMBER(r, n, p, a, fail) r (*n) p;
#define ARES_VMEMBER(n, p, a) void (*n) p;
	ARES_FUNCS(ARES_MEMBER, ARES_VMEMBER)
#undef ARES_MEMBER
#undef ARES_VMEMBER
};

static struct ares_api api;
static char *load_error;

static const struct lazylib_sym syms[] = {
#define ARES_SYM(r, n, p, a, fail) { #n, offsetof(struct ares_api, n) },
#define ARES_VSYM(n, p, a) { #n, offsetof(struct ares_api, n) },
	ARES_FUNCS(ARES_SYM, ARES_VSYM)
#undef ARES_SYM
#undef ARES_VSYM
};

static gpointer
load(gpointer unused)
{
	(void)unused;
	load_error = lazylib_load(ARES_SONAME, "c-ares 1.11 or newer", syms,
	    G_N_ELEMENTS(syms), &api);
	return NULL;
}

static const struct ares_api *
al(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return &api;
}

const char *
enrich_ares_error(void)
{
	al();
	return load_error;
}

#define ARES_WRAP(r, n, p, a, fail) \
r n p { const struct ares_api *x = al(); return x->n ? x->n a : (fail); }
#define ARES_VWRAP(n, p, a) \
void n p { const struct ares_api *x = al(); if (x->n) x->n a; }
ARES_FUNCS(ARES_WRAP, ARES_VWRAP)
