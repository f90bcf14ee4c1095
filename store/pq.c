/* pq.c - libpq, loaded on the first database call, not at start-up.
 *
 * The binary is not linked with libpq: each libpq function used here (or
 * anywhere in mailsift, tests included) is defined below under its own
 * name and calls the real one through dlopen("libpq.so.5").  Why: libpq
 * brings 22 shared libraries (Kerberos, GSSAPI, LDAP, SASL, two TLS
 * stacks), most of them bound at load time, and loading them took 11 ms
 * of the 20 ms that `mailsift parse` of one message cost from exec to
 * exit, where no database is used at all.  Commands that use the database
 * pay the same as before, on their first call into libpq.
 *
 * Using a libpq function not in PQ_FUNCS is a link error ("undefined
 * reference to PQxxx"): add a line here, with the prototype from
 * libpq-fe.h and the value to return when libpq cannot be loaded (then
 * PQconnectdb* return NULL, store_pq_error() says why, and nothing else is
 * reached).  libpq.so.5 has been the soname since PostgreSQL 8.0; the
 * pipeline functions need version 14.
 */
#include <stddef.h>

#include "internal.h"
#include "../parse/common/lazylib.h"

#define LIBPQ "libpq.so.5"

/* F(return type, name, parameters, arguments, value when not loaded);
 * V(...) the same for a function returning void. */
#define PQ_FUNCS(F, V) \
	F(PGconn *, PQconnectdb, (const char *a), (a), NULL) \
	F(PGconn *, PQconnectdbParams, (const char *const *a, \
	    const char *const *b, int c), (a, b, c), NULL) \
	V(PQfinish, (PGconn *a), (a)) \
	V(PQreset, (PGconn *a), (a)) \
	F(ConnStatusType, PQstatus, (const PGconn *a), (a), CONNECTION_BAD) \
	F(char *, PQerrorMessage, (const PGconn *a), (a), NULL) \
	F(PQconninfoOption *, PQconninfoParse, (const char *a, char **b), \
	    (a, b), NULL) \
	V(PQconninfoFree, (PQconninfoOption *a), (a)) \
	V(PQfreemem, (void *a), (a)) \
	F(PQnoticeReceiver, PQsetNoticeReceiver, (PGconn *a, \
	    PQnoticeReceiver b, void *c), (a, b, c), NULL) \
	F(PGTransactionStatusType, PQtransactionStatus, (const PGconn *a), \
	    (a), PQTRANS_UNKNOWN) \
	F(const char *, PQparameterStatus, (const PGconn *a, \
	    const char *b), (a, b), NULL) \
	F(int, PQserverVersion, (const PGconn *a), (a), 0) \
	F(int, PQbackendPID, (const PGconn *a), (a), 0) \
	F(int, PQsocket, (const PGconn *a), (a), -1) \
	F(char *, PQdb, (const PGconn *a), (a), NULL) \
	F(PGresult *, PQexec, (PGconn *a, const char *b), (a, b), NULL) \
	F(PGresult *, PQexecParams, (PGconn *a, const char *b, int c, \
	    const Oid *d, const char *const *e, const int *f, const int *g, \
	    int h), (a, b, c, d, e, f, g, h), NULL) \
	F(PGresult *, PQprepare, (PGconn *a, const char *b, const char *c, \
	    int d, const Oid *e), (a, b, c, d, e), NULL) \
	F(PGresult *, PQexecPrepared, (PGconn *a, const char *b, int c, \
	    const char *const *d, const int *e, const int *f, int g), \
	    (a, b, c, d, e, f, g), NULL) \
	F(int, PQsendQuery, (PGconn *a, const char *b), (a, b), 0) \
	F(int, PQsendQueryParams, (PGconn *a, const char *b, int c, \
	    const Oid *d, const char *const *e, const int *f, const int *g, \
	    int h), (a, b, c, d, e, f, g, h), 0) \
	F(int, PQsendQueryPrepared, (PGconn *a, const char *b, int c, \
	    const char *const *d, const int *e, const int *f, int g), \
	    (a, b, c, d, e, f, g), 0) \
	F(int, PQsendPrepare, (PGconn *a, const char *b, const char *c, \
	    int d, const Oid *e), (a, b, c, d, e), 0) \
	F(PGresult *, PQgetResult, (PGconn *a), (a), NULL) \
	F(int, PQenterPipelineMode, (PGconn *a), (a), 0) \
	F(int, PQexitPipelineMode, (PGconn *a), (a), 0) \
	F(PGpipelineStatus, PQpipelineStatus, (const PGconn *a), (a), \
	    PQ_PIPELINE_OFF) \
	F(int, PQpipelineSync, (PGconn *a), (a), 0) \
	F(int, PQsendFlushRequest, (PGconn *a), (a), 0) \
	F(int, PQflush, (PGconn *a), (a), -1) \
	F(int, PQconsumeInput, (PGconn *a), (a), 0) \
	F(int, PQisBusy, (PGconn *a), (a), 0) \
	F(int, PQputCopyData, (PGconn *a, const char *b, int c), (a, b, c), \
	    -1) \
	F(int, PQputCopyEnd, (PGconn *a, const char *b), (a, b), -1) \
	F(int, PQgetCopyData, (PGconn *a, char **b, int c), (a, b, c), -2) \
	V(PQclear, (PGresult *a), (a)) \
	F(ExecStatusType, PQresultStatus, (const PGresult *a), (a), \
	    PGRES_FATAL_ERROR) \
	F(char *, PQresStatus, (ExecStatusType a), (a), NULL) \
	F(char *, PQresultErrorMessage, (const PGresult *a), (a), NULL) \
	F(char *, PQresultErrorField, (const PGresult *a, int b), (a, b), \
	    NULL) \
	F(int, PQntuples, (const PGresult *a), (a), 0) \
	F(int, PQnfields, (const PGresult *a), (a), 0) \
	F(char *, PQfname, (const PGresult *a, int b), (a, b), NULL) \
	F(int, PQfnumber, (const PGresult *a, const char *b), (a, b), -1) \
	F(Oid, PQftype, (const PGresult *a, int b), (a, b), 0) \
	F(int, PQfformat, (const PGresult *a, int b), (a, b), 0) \
	F(char *, PQgetvalue, (const PGresult *a, int b, int c), (a, b, c), \
	    NULL) \
	F(int, PQgetisnull, (const PGresult *a, int b, int c), (a, b, c), 1) \
	F(int, PQgetlength, (const PGresult *a, int b, int c), (a, b, c), 0) \
	F(char *, PQcmdStatus, (PGresult *a), (a), NULL) \
	F(char *, PQcmdTuples, (PGresult *a), (a), NULL) \
	F(char *, PQescapeLiteral, (PGconn *a, const char *b, size_t c), \
	    (a, b, c), NULL) \
	F(char *, PQescapeIdentifier, (PGconn *a, const char *b, size_t c), \
	    (a, b, c), NULL) \
	F(int, PQlibVersion, (void), (), 0)

/* The real functions, all or none. */
struct pq_api {
#define PQ_MEMBER(r, n, p, a, fail) r (*n) p;
#define PQ_VMEMBER(n, p, a) void (*n) p;
	PQ_FUNCS(PQ_MEMBER, PQ_VMEMBER)
#undef PQ_MEMBER
#undef PQ_VMEMBER
};

static struct pq_api api;
static char *load_error;

/* Each slot of api, by the name the library exports. */
static const struct lazylib_sym syms[] = {
#define PQ_SYM(r, n, p, a, fail) { #n, offsetof(struct pq_api, n) },
#define PQ_VSYM(n, p, a) { #n, offsetof(struct pq_api, n) },
	PQ_FUNCS(PQ_SYM, PQ_VSYM)
#undef PQ_SYM
#undef PQ_VSYM
};

static gpointer
load(gpointer unused)
{
	(void)unused;
	load_error = lazylib_load(LIBPQ, "libpq 14 or newer", syms,
	    G_N_ELEMENTS(syms), &api);
	return NULL;
}

/* Loaded once, also when threads race for it (the tests have some). */
static const struct pq_api *
pq(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, load, NULL);
	return &api;
}

const char *
store_pq_error(void)
{
	pq();
	return load_error;
}

#define PQ_WRAP(r, n, p, a, fail) \
r n p { const struct pq_api *x = pq(); return x->n ? x->n a : (fail); }
#define PQ_VWRAP(n, p, a) \
void n p { const struct pq_api *x = pq(); if (x->n) x->n a; }
PQ_FUNCS(PQ_WRAP, PQ_VWRAP)
