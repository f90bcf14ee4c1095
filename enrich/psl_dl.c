/* psl_dl.c - libpsl, loaded by `mailsift enrich`, not at start-up.
 *
 * As ares_dl.c for c-ares: each libpsl function enrich/ uses is defined
 * here under its own name and calls the real one through
 * dlopen("libpsl.so.5").  enrich_psl_error() first: NULL means libpsl is
 * there.  The list itself is Debian's publicsuffix package
 * (/usr/share/publicsuffix), which psl_latest() prefers to the copy built
 * into libpsl when it is newer.
 */
#include <stddef.h>

#include <glib.h>
#include <libpsl.h>

#include "../parse/common/lazylib.h"
#include "internal.h"

#define PSL_SONAME "libpsl.so.5"

#define PSL_FUNCS(F, V) \
	F(psl_ctx_t *, psl_latest, (const char *a), (a), NULL) \
	F(const psl_ctx_t *, psl_builtin, (void), (), NULL) \
	V(psl_free, (psl_ctx_t *a), (a)) \
	F(const char *, psl_registrable_domain, (const psl_ctx_t *a, \
	    const char *b), (a, b), NULL)

struct psl_api {
#define PSL_MEMBER(r, n, p, a, fail) r (*n) p;
#define PSL_VMEMBER(n, p, a) void (*n) p;
	PSL_FUNCS(PSL_MEMBER, PSL_VMEMBER)
#undef PSL_MEMBER
#undef PSL_VMEMBER
};

static struct psl_api api;
static char *load_error;

static const struct lazylib_sym syms[] = {
#define PSL_SYM(r, n, p, a, fail) { #n, offsetof(struct psl_api, n) },
#define PSL_VSYM(n, p, a) { #n, offsetof(struct psl_api, n) },
	PSL_FUNCS(PSL_SYM, PSL_VSYM)
#undef PSL_SYM
#undef PSL_VSYM
};

static gpointer
load(gpointer unused)
{
	(void)unused;
	load_error = lazylib_load(PSL_SONAME, "libpsl 0.16 or newer", syms,
	    G_N_ELEMENTS(syms), &api);
	return NULL;
}

static const struct psl_api *
pl(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return &api;
}

const char *
enrich_psl_error(void)
{
	pl();
	return load_error;
}

#define PSL_WRAP(r, n, p, a, fail) \
r n p { const struct psl_api *x = pl(); return x->n ? x->n a : (fail); }
#define PSL_VWRAP(n, p, a) \
void n p { const struct psl_api *x = pl(); if (x->n) x->n a; }
PSL_FUNCS(PSL_WRAP, PSL_VWRAP)
