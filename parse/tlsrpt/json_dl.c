/* json_dl.c - json-c, loaded on the first TLS report, not at start-up.
 *
 * The binary is not linked with json-c: each json-c function mailsift
 * uses is defined below under its own name and calls the real one through
 * dlopen("libjson-c.so.5"), as parse/xml_dl.c does for libxml2, so that
 * the postfix pipe (one process per message, nearly all of them not TLS
 * reports) does not pay for binding it.  The json-c headers are still
 * used for the types and flags.
 *
 * Usage: call tlsrpt_json_error() before the first json_* call; NULL
 * means json-c is there, else the string says why not.  Without the
 * library every wrapper returns the value in its line of JSON_FUNCS and
 * does nothing else.  Calling a json-c function not listed is a link
 * error: add a line with the prototype from the header.
 * libjson-c.so.5 is json-c 0.14 and later; json_tokener_get_parse_end and
 * JSON_TOKENER_VALIDATE_UTF8 need 0.15 (Debian 11 has 0.15, 12 has 0.16).
 */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>

#include "../common/lazylib.h"
#include "json_dl.h"

/* F(return type, name, parameters, arguments, value when not loaded);
 * V(...) the same for a function returning void. */
#define JSON_FUNCS(F, V) \
	F(struct json_tokener *, json_tokener_new_ex, (int a), (a), NULL) \
	V(json_tokener_free, (struct json_tokener *a), (a)) \
	V(json_tokener_set_flags, (struct json_tokener *a, int b), (a, b)) \
	F(struct json_object *, json_tokener_parse_ex, \
	    (struct json_tokener *a, const char *b, int c), (a, b, c), NULL) \
	F(enum json_tokener_error, json_tokener_get_error, \
	    (struct json_tokener *a), (a), json_tokener_error_parse_eof) \
	F(const char *, json_tokener_error_desc, \
	    (enum json_tokener_error a), (a), "json-c is not loaded") \
	F(size_t, json_tokener_get_parse_end, (struct json_tokener *a), (a), \
	    0) \
	F(int, json_object_put, (struct json_object *a), (a), 0) \
	F(enum json_type, json_object_get_type, \
	    (const struct json_object *a), (a), json_type_null) \
	F(json_bool, json_object_object_get_ex, (const struct json_object *a, \
	    const char *b, struct json_object **c), (a, b, c), 0) \
	F(size_t, json_object_array_length, (const struct json_object *a), \
	    (a), 0) \
	F(struct json_object *, json_object_array_get_idx, \
	    (const struct json_object *a, size_t b), (a, b), NULL) \
	F(const char *, json_object_get_string, (struct json_object *a), (a), \
	    NULL) \
	F(int, json_object_get_string_len, (const struct json_object *a), \
	    (a), 0) \
	F(int64_t, json_object_get_int64, (const struct json_object *a), \
	    (a), 0) \
	F(uint64_t, json_object_get_uint64, (const struct json_object *a), \
	    (a), 0) \
	F(const char *, json_object_to_json_string_ext, \
	    (struct json_object *a, int b), (a, b), NULL)

struct json_api {
#define JSON_MEMBER(r, n, p, a, fail) r (*n) p;
#define JSON_VMEMBER(n, p, a) void (*n) p;
	JSON_FUNCS(JSON_MEMBER, JSON_VMEMBER)
#undef JSON_MEMBER
#undef JSON_VMEMBER
};

static struct json_api api;
static char *load_error;

static const struct lazylib_sym syms[] = {
#define JSON_SYM(r, n, p, a, fail) { #n, offsetof(struct json_api, n) },
#define JSON_VSYM(n, p, a) { #n, offsetof(struct json_api, n) },
	JSON_FUNCS(JSON_SYM, JSON_VSYM)
#undef JSON_SYM
#undef JSON_VSYM
};

static gpointer
load(gpointer unused)
{
	(void)unused;
	load_error = lazylib_load(TLSRPT_JSON_SONAME, "json-c 0.15 or newer",
	    syms, G_N_ELEMENTS(syms), &api);
	return NULL;
}

/* Loaded once, also when threads race for it. */
static const struct json_api *
jl(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return &api;
}

const char *
tlsrpt_json_error(void)
{
	jl();
	return load_error;
}

#define JSON_WRAP(r, n, p, a, fail) \
r n p { const struct json_api *x = jl(); return x->n ? x->n a : (fail); }
#define JSON_VWRAP(n, p, a) \
void n p { const struct json_api *x = jl(); if (x->n) x->n a; }
JSON_FUNCS(JSON_WRAP, JSON_VWRAP)
