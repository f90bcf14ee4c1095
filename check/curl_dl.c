/* curl_dl.c - libcurl, loaded by `mailsift check` when it fetches an
 * MTA-STS policy, never at start-up.
 *
 *	struct check_https req = { .url = ..., .resolve = "h:443:addr",
 *	    .ca_file = NULL, .timeout_ms = 10000, .max_bytes = 65536 };
 *	struct check_https_reply rep;
 *	if (check_https_get(&req, &rep) < 0)  rep.error says why (no libcurl,
 *	    DNS, TCP, TLS, timeout, too big); else rep.status, rep.body ...
 *	check_https_reply_clear(&rep);
 *
 * As enrich/ares_dl.c does for c-ares: the binary is not linked with
 * libcurl (its OpenSSL, nghttp2, ldap, ... would be bound by every
 * exec of the postfix pipe); the functions are looked up by dlopen in
 * libcurl.so.4 (libcurl4, OpenSSL), else libcurl-gnutls.so.4.  Called
 * through the table under other names: curl.h makes curl_easy_setopt a
 * type-checking macro, and the table is variadic-safe only when each
 * argument is passed with the type the option documents (long, char *,
 * a function pointer, a struct curl_slist *).
 *
 * The fetch is what RFC 8461 §3.3 asks of a sender: HTTPS only, the
 * certificate checked against the system store (or ca_file), no
 * redirect followed, no proxy (the address is the one our resolver
 * gave, pinned with CURLOPT_RESOLVE), the body bounded.
 */
#include <stddef.h>
#include <string.h>

#include <glib.h>
#include <curl/curl.h>

#include "../parse/common/lazylib.h"
#include "internal.h"

struct curl_api {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
};

static const struct lazylib_sym syms[] = {
	{ "curl_global_init", offsetof(struct curl_api, global_init) },
	{ "curl_easy_init", offsetof(struct curl_api, easy_init) },
	{ "curl_easy_setopt", offsetof(struct curl_api, easy_setopt) },
	{ "curl_easy_perform", offsetof(struct curl_api, easy_perform) },
	{ "curl_easy_getinfo", offsetof(struct curl_api, easy_getinfo) },
	{ "curl_easy_cleanup", offsetof(struct curl_api, easy_cleanup) },
	{ "curl_easy_strerror", offsetof(struct curl_api, easy_strerror) },
	{ "curl_slist_append", offsetof(struct curl_api, slist_append) },
	{ "curl_slist_free_all", offsetof(struct curl_api, slist_free_all) },
};

static struct curl_api api;
static char *load_error;

static gpointer
load(gpointer unused)
{
	/* 7.85: CURLOPT_PROTOCOLS_STR */
	static const char need[] = "libcurl 7.85 or newer";
	char *first;

	(void)unused;
	first = lazylib_load("libcurl.so.4", need, syms, G_N_ELEMENTS(syms),
	    &api);
	if (first != NULL) {
		load_error = lazylib_load("libcurl-gnutls.so.4", need, syms,
		    G_N_ELEMENTS(syms), &api);
		if (load_error != NULL) {
			g_free(load_error);
			load_error = first;
			return NULL;
		}
		g_free(first);
	}
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		load_error = g_strdup("libcurl failed to initialize");
		memset(&api, 0, sizeof(api));
	}
	return NULL;
}

const char *
check_curl_error(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return load_error;
}

struct sink {
	GString *body;
	gsize max;
	gboolean over;
};

static size_t
on_body(char *p, size_t size, size_t n, void *user)
{
	struct sink *s = user;
	size_t len = size * n;

	if (s->body->len + len > s->max) {
		s->over = TRUE;
		return 0;		/* CURLE_WRITE_ERROR: stop reading */
	}
	g_string_append_len(s->body, p, (gssize)len);
	return len;
}

void
check_https_reply_clear(struct check_https_reply *rep)
{
	if (rep->body)
		g_string_free(rep->body, TRUE);
	g_free(rep->content_type);
	g_free(rep->location);
	g_free(rep->error);
	memset(rep, 0, sizeof(*rep));
}

int
check_https_get(const struct check_https *req, struct check_https_reply *rep)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *resolve = NULL;
	struct sink sink;
	CURLcode rc;
	CURL *h;
	long status = 0;
	char *ctype = NULL, *loc = NULL;

	memset(rep, 0, sizeof(*rep));
	rep->body = g_string_new(NULL);
	if (check_curl_error() != NULL) {
		rep->error = g_strdup(check_curl_error());
		rep->no_library = TRUE;
		return -1;
	}
	if ((h = api.easy_init()) == NULL) {
		rep->error = g_strdup("libcurl: cannot make a handle");
		return -1;
	}
	sink.body = rep->body;
	sink.max = req->max_bytes;
	sink.over = FALSE;
	if (req->resolve)
		resolve = api.slist_append(NULL, req->resolve);
	api.easy_setopt(h, CURLOPT_URL, req->url);
	api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	api.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	api.easy_setopt(h, CURLOPT_PROXY, "");	/* not the environment's */
	api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	api.easy_setopt(h, CURLOPT_USERAGENT, "mailsift-check");
	api.easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)req->timeout_ms);
	api.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	api.easy_setopt(h, CURLOPT_MAXFILESIZE, (long)req->max_bytes);
	api.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	api.easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	api.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	api.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (resolve)
		api.easy_setopt(h, CURLOPT_RESOLVE, resolve);
	if (req->ca_file)
		api.easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
	rc = api.easy_perform(h);
	if (sink.over || rc == CURLE_FILESIZE_EXCEEDED) {
		rep->too_big = TRUE;
		rep->error = g_strdup_printf("the body is larger than %zu "
		    "bytes", req->max_bytes);
	} else if (rc != CURLE_OK) {
		rep->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		rep->error = g_strdup_printf("%s%s%s", api.easy_strerror(rc),
		    *ebuf ? ": " : "", ebuf);
	} else {
		api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		api.easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
		api.easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
		rep->status = status;
		rep->content_type = g_strdup(ctype);
		rep->location = g_strdup(loc);
	}
	api.easy_cleanup(h);
	if (resolve)
		api.slist_free_all(resolve);
	return rep->error ? -1 : 0;
}
