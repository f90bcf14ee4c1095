/* lazylib.h - a shared library loaded on first use, not at exec.
 *
 * mailsift is not linked with libpq, libzip or libxml2: store/pq.c,
 * ingest/zip_dl.c and parse/xml_dl.c define each function used under its
 * own name and call the real one through a table this loads.  Each keeps a
 * struct of function pointers and a table naming them:
 *
 *	static const struct lazylib_sym syms[] = {
 *		{ "zip_fread", offsetof(struct zip_api, zip_fread) }, ...
 *	};
 *	error = lazylib_load("libzip.so.4", "libzip 1.0 or newer", syms,
 *	    G_N_ELEMENTS(syms), &api);
 *
 * and calls it once (g_once).  NULL: every slot is filled.  Otherwise a
 * string for the user (the library or a symbol is missing, and which
 * version is needed), and every slot is NULL: all or none.
 */
#ifndef MAILSIFT_LAZYLIB_H
#define MAILSIFT_LAZYLIB_H

#include <stddef.h>

struct lazylib_sym {
	const char *name;	/* as exported by the library */
	size_t offset;		/* of its pointer in the caller's struct */
};

char *lazylib_load(const char *soname, const char *need,
    const struct lazylib_sym *syms, size_t nsyms, void *api);

#endif
