/* lookup.c - one DNS question at a time, waited for: `mailsift check`.
 *
 *	l = enrich_lookup_open(&cfg, &err);
 *	s = enrich_lookup(l, name, ENRICH_RR_TXT, &items);
 *	enrich_lookup_close(l);
 *
 * The same c-ares set-up as resolve.c (EDNS, no search list, the
 * resolver's own SERVFAIL and REFUSED kept as answers), a poll() loop
 * until the one query ends, and the answer read by dns.c, bounded.  A
 * name longer than DNS_MAX_NAME is not asked: it is a NXDOMAIN.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <ares.h>

#include "internal.h"


struct enrich_lookup {
	ares_channel ch;
	gboolean channel_ok;
	GArray *fds;		/* struct pollfd */
	guint queries;
};

struct pending {
	gboolean done;
	int status;
	unsigned char *buf;
	int len;
};

struct enrich_lookup *
enrich_lookup_open(const struct enrich_config *cfg, GError **err)
{
	struct enrich_lookup *l = g_new0(struct enrich_lookup, 1);

	l->fds = g_array_new(FALSE, FALSE, sizeof(struct pollfd));
	if (enrich_channel_open(cfg, 0, l->fds, &l->ch, err) < 0) {
		enrich_lookup_close(l);
		return NULL;
	}
	l->channel_ok = TRUE;
	return l;
}

void
enrich_lookup_close(struct enrich_lookup *l)
{
	if (l == NULL)
		return;
	if (l->channel_ok)
		ares_destroy(l->ch);
	g_array_unref(l->fds);
	g_free(l);
}

guint
enrich_lookup_count(const struct enrich_lookup *l)
{
	return l->queries;
}

static void
answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct pending *p = arg;

	(void)timeouts;
	p->done = TRUE;
	p->status = status;
	if (abuf && alen > 0) {
		p->buf = g_memdup2(abuf, (gsize)alen);
		p->len = alen;
	}
}

/* One round of the poll loop. */
static void
pump(struct enrich_lookup *l)
{
	struct timeval tv, max = { 1, 0 }, *t;
	struct pollfd *fds;
	guint n = l->fds->len;
	int ms, ready;

	t = ares_timeout(l->ch, &max, &tv);
	ms = t ? (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000) : 1000;
	fds = g_memdup2(l->fds->data, n * sizeof(struct pollfd));
	ready = poll(fds, n, ms);
	if (ready <= 0) {
		ares_process_fd(l->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	} else {
		for (guint i = 0; i < n; i++) {
			short ev = fds[i].revents;

			if (ev == 0)
				continue;
			ares_process_fd(l->ch,
			    ev & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd :
			    ARES_SOCKET_BAD,
			    ev & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
		}
	}
	g_free(fds);
}

static enum enrich_status
status_of(int ares_status, const struct dns_answer *a, gboolean parsed)
{
	switch (ares_status) {
	case ARES_SUCCESS:
		if (!parsed)
			return ENRICH_SERVFAIL;
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
	default:
		return ENRICH_TIMEOUT;
	}
}

/* The records as text: addresses by inet_ntop, the rest as read. */
static GPtrArray *
items_of(struct dns_answer *a, enum enrich_rr type)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < a->n; i++) {
		char buf[INET6_ADDRSTRLEN];

		if (type == ENRICH_RR_A || type == ENRICH_RR_AAAA) {
			int af = a->lens[i] == 4 ? AF_INET : AF_INET6;

			if (inet_ntop(af, a->items[i], buf, sizeof(buf)))
				g_ptr_array_add(out, g_strdup(buf));
			continue;
		}
		g_ptr_array_add(out, a->items[i]);
		a->items[i] = NULL;
	}
	return out;
}

enum enrich_status
enrich_lookup(struct enrich_lookup *l, const char *name, enum enrich_rr type,
    GPtrArray **items)
{
	struct pending p = { FALSE, 0, NULL, 0 };
	struct dns_answer a;
	enum enrich_status s;
	gboolean parsed = FALSE;

	*items = NULL;
	if (name == NULL || *name == '\0' || strlen(name) > DNS_MAX_NAME)
		return ENRICH_NXDOMAIN;
	l->queries++;
	ares_query(l->ch, name, 1, (int)type, answered, &p);
	while (!p.done)
		pump(l);
	memset(&a, 0, sizeof(a));
	if (p.status == ARES_SUCCESS)
		parsed = enrich_dns_parse(p.buf, (size_t)p.len, (int)type,
		    &a) == 0;
	s = status_of(p.status, &a, parsed);
	if (s == ENRICH_OK)
		*items = items_of(&a, type);
	enrich_dns_clear(&a);
	g_free(p.buf);
	return s;
}
