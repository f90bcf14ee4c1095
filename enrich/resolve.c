/* resolve.c - the DNS side of enrichment: many addresses at once with
 * c-ares, one poll() loop, a bounded number of queries in flight.
 *
 *	res = enrich_resolver_new(&cfg, &err);
 *	enrich_resolver_run(res, ips, finish, user, &stats);
 *	enrich_resolver_free(res);
 *
 * Each address is a job: its PTR query, then for each of its first
 * ENRICH_MAX_CONFIRM names an A (IPv4) or AAAA (IPv6) query to confirm
 * it; with asn_dns, Team Cymru's origin TXT query, then the AS name's
 * (one per ASN per run, shared by every address that needs it).  Queries
 * wait in one queue and at most max_inflight are out at once; the next
 * address starts only when its predecessors' follow-up queries are out,
 * so memory stays bounded by max_inflight, not by the number of addresses.
 * c-ares does the timeouts and retries (--timeout per try, doubled each
 * round, --tries rounds).
 *
 * A resolver that lets a query time out without answering anything,
 * to that query or any other, from the moment it was sent is taken to be
 * down: no new address is started, the jobs under way end (as timeouts),
 * and stats->resolver_down says so.  A zone that times out does not stop
 * the run: answers to queries sent after it keep coming, and the run's
 * first query, a PTR for 127.0.0.1 that every resolver answers from its
 * own data, shows the resolver alive even when the only addresses due are
 * in dead zones.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ares.h>

#include "internal.h"

#define CLASS_IN	1
#define RCVBUF		(4 << 20)
#define MAX_ORG		256
#define CYMRU_ORIGIN4	"origin.asn.cymru.com"
#define CYMRU_ORIGIN6	"origin6.asn.cymru.com"
#define CYMRU_ASN	"asn.cymru.com"

enum qkind { Q_PTR, Q_FWD, Q_ORIGIN, Q_ASNAME, Q_PROBE };

struct asname;

struct job {
	struct enrich_resolver *res;
	struct enrich_result *r;
	int family;
	unsigned char addr[16];
	guint pending;			/* queries queued or out */
	int fwd[ENRICH_MAX_CONFIRM];	/* per name: 1 has the IP, 0 not, -1 ? */
};

struct query {
	struct enrich_resolver *res;
	enum qkind kind;
	int qtype;
	char *name;
	struct job *job;		/* NULL for Q_ASNAME */
	struct asname *as;		/* Q_ASNAME */
	guint index;			/* Q_FWD: which PTR name */
	gint64 sent_at;			/* monotonic us */
};

/* An AS name asked once per run for every address of that ASN. */
struct asname {
	char *org;
	gboolean done;
	GPtrArray *waiters;		/* struct job * */
};

struct enrich_resolver {
	ares_channel ch;
	gboolean channel_ok;
	int timeout_ms, tries;
	guint max_inflight;
	gboolean asn_dns;
	GArray *fds;			/* struct pollfd */
	GQueue queue;			/* struct query *, not sent yet */
	guint inflight;
	GHashTable *asnames;		/* "15169" -> struct asname * */

	/* The current run. */
	const GPtrArray *ips;
	guint next_ip;
	enrich_finish_fn finish;
	void *user;
	struct enrich_stats *stats;
	gboolean pumping, down, stopped;
	gint64 last_answer;		/* monotonic us */
};

static void
asname_free(gpointer p)
{
	struct asname *a = p;

	g_free(a->org);
	g_ptr_array_unref(a->waiters);
	g_free(a);
}

struct enrich_resolver *
enrich_resolver_new(const struct enrich_config *cfg, GError **err)
{
	struct enrich_resolver *res = g_new0(struct enrich_resolver, 1);

	res->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	res->tries = cfg->tries > 0 ? cfg->tries : 2;
	res->max_inflight = cfg->max_inflight > 0 ?
	    (guint)MIN(cfg->max_inflight, ENRICH_MAX_INFLIGHT) : 500;
	res->asn_dns = cfg->asn_dns;
	res->fds = g_array_new(FALSE, FALSE, sizeof(struct pollfd));
	g_queue_init(&res->queue);
	res->asnames = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    asname_free);

	if (enrich_channel_open(cfg, RCVBUF, res->fds, &res->ch, err) < 0) {
		enrich_resolver_free(res);
		return NULL;
	}
	res->channel_ok = TRUE;
	return res;
}

void
enrich_resolver_free(struct enrich_resolver *res)
{
	if (res == NULL)
		return;
	if (res->channel_ok)
		ares_destroy(res->ch);	/* nothing is in flight by now */
	g_array_unref(res->fds);
	g_hash_table_unref(res->asnames);
	g_free(res);
}

static void
queue_query(struct enrich_resolver *res, struct job *job, enum qkind kind,
    int qtype, char *name, guint index)
{
	struct query *q = g_new0(struct query, 1);

	q->res = res;
	q->kind = kind;
	q->qtype = qtype;
	q->name = name;
	q->job = job;
	q->index = index;
	if (job)
		job->pending++;
	g_queue_push_tail(&res->queue, q);
}

/* ---- ending a job ---- */

static void
finish_job(struct job *job)
{
	struct enrich_result *r = job->r;
	struct enrich_stats *st = job->res->stats;
	gboolean unknown = FALSE;

	r->fcrdns = 0;
	if (r->dns_status == ENRICH_OK) {
		for (guint i = 0; i < r->ptr_names->len &&
		    i < ENRICH_MAX_CONFIRM; i++) {
			if (job->fwd[i] == 1) {
				r->confirmed_name = g_strdup(
				    g_ptr_array_index(r->ptr_names, i));
				r->fcrdns = 1;
				break;
			}
			unknown |= job->fwd[i] < 0;
		}
		if (r->fcrdns == 0 && unknown)
			r->fcrdns = -1;
	} else if (r->dns_status != ENRICH_NXDOMAIN &&
	    r->dns_status != ENRICH_NODATA) {
		r->fcrdns = -1;
	}
	st->ips++;
	st->status[r->dns_status]++;
	st->confirmed += r->fcrdns == 1;
	job->res->finish(job->res->user, r);
	g_free(job);
}

static void
job_done_one(struct job *job)
{
	if (--job->pending == 0)
		finish_job(job);
}

/* ---- answers ---- */

/* What a query ended with, as a status of ours. */
static enum enrich_status
status_of(int ares_status, const struct dns_answer *a, gboolean parsed)
{
	switch (ares_status) {
	case ARES_SUCCESS:
		if (!parsed)
			return ENRICH_SERVFAIL;	/* an answer we cannot read */
		return a->n > 0 ? ENRICH_OK : ENRICH_NODATA;
	case ARES_ENODATA:
		return ENRICH_NODATA;
	case ARES_ENOTFOUND:
		return ENRICH_NXDOMAIN;
	case ARES_EREFUSED:
		return ENRICH_REFUSED;
	case ARES_ESERVFAIL:
	case ARES_EFORMERR:
	case ARES_ENOTIMP:
	case ARES_EBADRESP:
		return ENRICH_SERVFAIL;
	default:	/* ETIMEOUT, ECONNREFUSED, EDESTRUCTION, ENOMEM ... */
		return ENRICH_TIMEOUT;
	}
}

static void
got_ptr(struct job *job, enum enrich_status s, struct dns_answer *a)
{
	struct enrich_result *r = job->r;
	int qtype = job->family == AF_INET ? DNS_T_A : DNS_T_AAAA;

	r->dns_status = s;
	if (s != ENRICH_OK)
		return;
	for (guint i = 0; i < a->n && r->ptr_names->len < ENRICH_MAX_PTR;
	    i++) {
		gboolean seen = FALSE;

		for (guint j = 0; j < r->ptr_names->len; j++)
			seen |= strcmp(g_ptr_array_index(r->ptr_names, j),
			    a->items[i]) == 0;
		if (seen)
			continue;
		g_ptr_array_add(r->ptr_names, a->items[i]);
		a->items[i] = NULL;
	}
	for (guint i = 0; i < r->ptr_names->len && i < ENRICH_MAX_CONFIRM;
	    i++) {
		job->fwd[i] = -1;
		queue_query(job->res, job, Q_FWD, qtype,
		    g_strdup(g_ptr_array_index(r->ptr_names, i)), i);
	}
}

static void
got_fwd(struct job *job, guint index, enum enrich_status s,
    const struct dns_answer *a)
{
	size_t len = job->family == AF_INET ? 4 : 16;

	if (s == ENRICH_NXDOMAIN || s == ENRICH_NODATA)
		job->fwd[index] = 0;
	if (s != ENRICH_OK)
		return;
	job->fwd[index] = 0;
	for (guint i = 0; i < a->n; i++)
		if (a->lens[i] == len && memcmp(a->items[i], job->addr, len) == 0)
			job->fwd[index] = 1;
}

/* The fields of a Team Cymru TXT record, split at '|' and trimmed. */
static char **
cymru_fields(const char *txt, guint *n)
{
	char **f = g_strsplit(txt, "|", 8);

	for (guint i = 0; f[i]; i++)
		g_strstrip(f[i]);
	*n = g_strv_length(f);
	return f;
}

/* "15169" or "15169 36040" (several origins): the first; 0 when bad. */
static int64_t
cymru_asn(const char *s)
{
	int64_t v = 0;
	int digits = 0;

	for (; g_ascii_isdigit(*s); s++) {
		if (++digits > 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	if (digits == 0 || (*s != '\0' && *s != ' ') || v > 4294967295LL)
		return 0;
	return v;
}

static void want_asname(struct job *job);

/* "192.0.2.0/24" made canonical (host bits cleared), or NULL when the
 * answer's text is not a network. */
static char *
cymru_network(const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[INET6_ADDRSTRLEN + 1], *end;
	unsigned char bytes[16];
	int family;
	long prefix;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return NULL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	prefix = strtol(slash + 1, &end, 10);
	if (inet_pton(family, addr, bytes) != 1 || end == slash + 1 ||
	    *end != '\0' || prefix < 0 || prefix > 128)
		return NULL;
	return enrich_network_text(family, bytes, (int)prefix);
}

/* "15169 | 8.8.8.0/24 | US | arin | 1992-12-01", maybe several records
 * (announcements of different lengths): the most specific one. */
static void
got_origin(struct job *job, enum enrich_status s, const struct dns_answer *a)
{
	struct enrich_result *r = job->r;
	int best = -1;

	if (s == ENRICH_NXDOMAIN || s == ENRICH_NODATA) {
		r->asn_known = TRUE;	/* not announced */
		r->asn_source = "cymru";
	}
	if (s != ENRICH_OK)
		return;
	r->asn_known = TRUE;
	r->asn_source = "cymru";
	for (guint i = 0; i < a->n; i++) {
		guint n;
		char **f = cymru_fields(a->items[i], &n);
		const char *slash = n >= 2 ? strrchr(f[1], '/') : NULL;
		int64_t asn = n >= 2 ? cymru_asn(f[0]) : 0;
		int prefix = slash ? atoi(slash + 1) : -1;
		char *net = n >= 2 ? cymru_network(f[1]) : NULL;

		if (asn > 0 && net && prefix > best) {
			best = prefix;
			r->asn = asn;
			g_free(r->network);
			r->network = net;
			net = NULL;
			g_free(r->country);
			r->country = n >= 3 && strlen(f[2]) == 2 &&
			    g_ascii_isalpha(f[2][0]) && g_ascii_isalpha(f[2][1]) ?
			    g_ascii_strup(f[2], 2) : NULL;
		}
		g_free(net);
		g_strfreev(f);
	}
	if (r->asn > 0)
		want_asname(job);
}

static void
want_asname(struct job *job)
{
	struct enrich_resolver *res = job->res;
	char key[24];
	struct asname *as;

	snprintf(key, sizeof(key), "%" G_GINT64_FORMAT, job->r->asn);
	if ((as = g_hash_table_lookup(res->asnames, key)) == NULL) {
		struct query *q;

		as = g_new0(struct asname, 1);
		as->waiters = g_ptr_array_new();
		g_hash_table_insert(res->asnames, g_strdup(key), as);
		queue_query(res, NULL, Q_ASNAME, DNS_T_TXT,
		    g_strdup_printf("AS%s.%s", key, CYMRU_ASN), 0);
		q = g_queue_peek_tail(&res->queue);
		q->as = as;
	}
	if (as->done) {
		job->r->as_org = g_strdup(as->org);
		return;
	}
	job->pending++;
	g_ptr_array_add(as->waiters, job);
}

/* "15169 | US | arin | 2000-03-30 | GOOGLE, US": the fifth field. */
static void
got_asname(struct asname *as, enum enrich_status s,
    const struct dns_answer *a)
{
	as->done = TRUE;
	if (s == ENRICH_OK && a->n > 0) {
		guint n;
		char **f = cymru_fields(a->items[0], &n);

		if (n >= 5 && *f[4])
			as->org = g_utf8_make_valid(f[4],
			    (gssize)MIN(strlen(f[4]), MAX_ORG));
		g_strfreev(f);
	}
	for (guint i = 0; i < as->waiters->len; i++) {
		struct job *job = g_ptr_array_index(as->waiters, i);

		job->r->as_org = g_strdup(as->org);
		job_done_one(job);
	}
	g_ptr_array_set_size(as->waiters, 0);
}

/* A query sent after the last answer of any kind timed out: the
 * resolver took it and answered nothing since, not even the queries sent
 * before it.  A query in a dead zone times out while answers to later
 * queries keep coming, so that last_answer is after its sending. */
static void
note_liveness(struct enrich_resolver *res, const struct query *q,
    enum enrich_status s)
{
	if (s != ENRICH_TIMEOUT)
		res->last_answer = g_get_monotonic_time();
	else if (q->sent_at >= res->last_answer)
		res->down = TRUE;
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct enrich_resolver *res = q->res;
	struct dns_answer a;
	gboolean parsed = FALSE;
	enum enrich_status s;

	(void)timeouts;
	res->inflight--;
	memset(&a, 0, sizeof(a));
	if (status == ARES_SUCCESS && abuf && alen > 0)
		parsed = enrich_dns_parse(abuf, (size_t)alen, q->qtype,
		    &a) == 0;
	s = status_of(status, &a, parsed);
	if (status != ARES_EDESTRUCTION)
		note_liveness(res, q, s);
	switch (q->kind) {
	case Q_PTR: got_ptr(q->job, s, &a); break;
	case Q_FWD: got_fwd(q->job, q->index, s, &a); break;
	case Q_ORIGIN: got_origin(q->job, s, &a); break;
	case Q_ASNAME: got_asname(q->as, s, &a); break;
	case Q_PROBE: break;
	}
	enrich_dns_clear(&a);
	if (q->job)
		job_done_one(q->job);
	g_free(q->name);
	g_free(q);
}

/* ---- the loop ---- */

/* Start the next address: its queries join the queue.  FALSE when there
 * is none left (or the resolver is down). */
static gboolean
start_next(struct enrich_resolver *res)
{
	const char *ip;
	struct job *job;
	struct enrich_result *r;

	if (res->down || res->stopped || res->next_ip >= res->ips->len)
		return FALSE;
	ip = g_ptr_array_index(res->ips, res->next_ip++);
	job = g_new0(struct job, 1);
	job->res = res;
	job->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(job->family, ip, job->addr) != 1) {
		res->stats->skipped++;
		g_free(job);
		return TRUE;
	}
	r = job->r = g_new0(struct enrich_result, 1);
	r->ip = g_strdup(ip);
	r->ptr_names = g_ptr_array_new_with_free_func(g_free);
	r->dns_status = ENRICH_TIMEOUT;
	r->fcrdns = -1;
	r->asked_at = g_get_real_time() / G_USEC_PER_SEC;
	queue_query(res, job, Q_PTR, DNS_T_PTR, enrich_reverse_name(
	    job->family, job->addr, "in-addr.arpa", "ip6.arpa"), 0);
	if (res->asn_dns)
		queue_query(res, job, Q_ORIGIN, DNS_T_TXT, enrich_reverse_name(
		    job->family, job->addr, CYMRU_ORIGIN4, CYMRU_ORIGIN6), 0);
	return TRUE;
}

/* Send queued queries, follow-ups before new addresses, while fewer than
 * max_inflight are out.  Not re-entered from an answer's callback. */
static void
pump(struct enrich_resolver *res)
{
	if (res->pumping)
		return;
	res->pumping = TRUE;
	while (res->inflight < res->max_inflight) {
		struct query *q = g_queue_pop_head(&res->queue);

		if (q == NULL) {
			if (!start_next(res))
				break;
			continue;
		}
		res->inflight++;
		res->stats->queries++;
		q->sent_at = g_get_monotonic_time();
		ares_query(res->ch, q->name, CLASS_IN, q->qtype, on_answer, q);
	}
	res->pumping = FALSE;
}

static void
wait_and_process(struct enrich_resolver *res)
{
	struct timeval max = { 1, 0 }, tv, *t;
	struct pollfd *fds;
	guint n;
	int ms, ready;

	t = ares_timeout(res->ch, &max, &tv);
	ms = t ? (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000) : 1000;
	/* Callbacks change res->fds: poll a copy. */
	n = res->fds->len;
	fds = g_memdup2(res->fds->data, n * sizeof(struct pollfd));
	ready = poll(fds, n, ms);
	if (ready <= 0) {
		ares_process_fd(res->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	} else {
		for (guint i = 0; i < n; i++) {
			short ev = fds[i].revents;

			if (ev == 0)
				continue;
			ares_process_fd(res->ch,
			    ev & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd :
			    ARES_SOCKET_BAD,
			    ev & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
		}
	}
	g_free(fds);
}

void
enrich_resolver_run(struct enrich_resolver *res, const GPtrArray *ips,
    enrich_finish_fn finish, void *user, struct enrich_stats *stats)
{
	res->ips = ips;
	res->next_ip = 0;
	res->finish = finish;
	res->user = user;
	res->stats = stats;
	res->down = FALSE;
	res->stopped = FALSE;
	res->last_answer = g_get_monotonic_time();
	/* Any answer to this shows the resolver is up, whatever the zones
	 * of the addresses do: every resolver answers for 127.0.0.1 from
	 * its own data (RFC 6761), at once. */
	queue_query(res, NULL, Q_PROBE, DNS_T_PTR,
	    g_strdup("1.0.0.127.in-addr.arpa"), 0);
	for (;;) {
		pump(res);
		if (res->inflight == 0 && g_queue_is_empty(&res->queue))
			break;
		wait_and_process(res);
	}
	stats->resolver_down = res->down;
}

void
enrich_resolver_stop(struct enrich_resolver *res)
{
	res->stopped = TRUE;
}
