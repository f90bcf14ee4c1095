/* xml_dl.c - libxml2, loaded on the first XML report, not at start-up.
 *
 * The binary is not linked with libxml2: each libxml2 function used in
 * mailsift (tests and fuzz harnesses included) is defined below under its
 * own name and calls the real one through dlopen("libxml2.so.2"), as
 * store/pq.c does for libpq.  Why: Debian's libxml2 pulls ICU and
 * libstdc++, and binding them cost 2.5 ms of every exec, bounces included,
 * which never read XML.  The libxml headers are still used for the types.
 *
 * Two of the names are not functions in the headers: xmlFree is a
 * variable holding libxml2's free function (defined here as a function
 * pointer that forwards to the library's current one), and
 * xmlStructuredError{,Context} are macros over __xmlStructuredError{,
 * Context}(), which return the address of a per-thread variable.
 *
 * Usage: call dmarc_xml_error() before the first xml* call; NULL means
 * libxml2 is there, else the string says why not.  Without the library
 * every wrapper returns the value in its line of XML_FUNCS and does
 * nothing else.  Calling a libxml2 function not listed is a link error:
 * add a line with the prototype from the header.  libxml2.so.2 has been
 * the soname since libxml2 2.0 (2000).
 */
#include <stddef.h>

#include <glib.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "../common/lazylib.h"
#include "xml_dl.h"

#define LIBXML "libxml2.so.2"

/* What the per-thread accessors point to when libxml2 is not loaded, so
 * that reading xmlStructuredError never dereferences NULL. */
static xmlStructuredErrorFunc no_error_fn;
static void *no_error_ctx;

/* F(return type, name, parameters, arguments, value when not loaded);
 * V(...) the same for a function returning void. */
#define XML_FUNCS(F, V) \
	V(xmlInitParser, (void), ()) \
	V(xmlSetExternalEntityLoader, (xmlExternalEntityLoader a), (a)) \
	F(xmlStructuredErrorFunc *, __xmlStructuredError, (void), (), \
	    &no_error_fn) \
	F(void **, __xmlStructuredErrorContext, (void), (), &no_error_ctx) \
	V(xmlSetStructuredErrorFunc, (void *a, xmlStructuredErrorFunc b), \
	    (a, b)) \
	V(xmlSetGenericErrorFunc, (void *a, xmlGenericErrorFunc b), (a, b)) \
	F(int, xmlSAXVersion, (xmlSAXHandler *a, int b), (a, b), -1) \
	F(xmlParserCtxtPtr, xmlCreatePushParserCtxt, (xmlSAXHandlerPtr a, \
	    void *b, const char *c, int d, const char *e), (a, b, c, d, e), \
	    NULL) \
	F(int, xmlCtxtUseOptions, (xmlParserCtxtPtr a, int b), (a, b), -1) \
	F(int, xmlParseChunk, (xmlParserCtxtPtr a, const char *b, int c, \
	    int d), (a, b, c, d), -1) \
	V(xmlStopParser, (xmlParserCtxtPtr a), (a)) \
	V(xmlFreeDoc, (xmlDocPtr a), (a)) \
	V(xmlFreeParserCtxt, (xmlParserCtxtPtr a), (a))

/* The real functions, all or none; free_var is libxml2's xmlFree. */
struct xml_api {
#define XML_MEMBER(r, n, p, a, fail) r (*n) p;
#define XML_VMEMBER(n, p, a) void (*n) p;
	XML_FUNCS(XML_MEMBER, XML_VMEMBER)
#undef XML_MEMBER
#undef XML_VMEMBER
	xmlFreeFunc *free_var;
};

static struct xml_api api;
static char *load_error;

/* Each slot of api, by the name the library exports. */
static const struct lazylib_sym syms[] = {
#define XML_SYM(r, n, p, a, fail) { #n, offsetof(struct xml_api, n) },
#define XML_VSYM(n, p, a) { #n, offsetof(struct xml_api, n) },
	XML_FUNCS(XML_SYM, XML_VSYM)
#undef XML_SYM
#undef XML_VSYM
	{ "xmlFree", offsetof(struct xml_api, free_var) },
};

static gpointer
load(gpointer unused)
{
	(void)unused;
	load_error = lazylib_load(LIBXML, "libxml2 2.9 or newer", syms,
	    G_N_ELEMENTS(syms), &api);
	return NULL;
}

/* Loaded once, also when threads race for it. */
static const struct xml_api *
xl(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return &api;
}

const char *
dmarc_xml_error(void)
{
	xl();
	return load_error;
}

/* The library's current free function, read at each call: xmlMemSetup
 * may change it. */
static void
free_forward(void *mem)
{
	const struct xml_api *x = xl();

	if (x->free_var != NULL && *x->free_var != NULL)
		(*x->free_var)(mem);
}

xmlFreeFunc xmlFree = free_forward;

#define XML_WRAP(r, n, p, a, fail) \
r n p { const struct xml_api *x = xl(); return x->n ? x->n a : (fail); }
#define XML_VWRAP(n, p, a) \
void n p { const struct xml_api *x = xl(); if (x->n) x->n a; }
XML_FUNCS(XML_WRAP, XML_VWRAP)
