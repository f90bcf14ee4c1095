/* channel.c - one c-ares channel set up the way every resolver of enrich/
 * wants it: no search list, EDNS with a 1232-byte buffer, the resolver's
 * own answers kept (SERVFAIL, REFUSED), its sockets watched through poll.
 *
 *	GArray *fds = g_array_new(FALSE, FALSE, sizeof(struct pollfd));
 *	if (enrich_channel_open(cfg, 0, fds, &ch, &err) < 0) ...
 *	... poll(fds->data, fds->len, ...); ares_process_fd(ch, ...) ...
 *	ares_destroy(ch);
 *
 * Used by resolve.c (the many-address resolver of `mailsift enrich`) and
 * lookup.c (the one-question-at-a-time lookups of `mailsift check`).
 */
#include <poll.h>
#include <string.h>

#include <ares.h>

#include "internal.h"

#define EDNS_SIZE	1232	/* no fragments (DNS flag day 2020) */

/* c-ares tells which sockets to watch for what; data is the fds array. */
static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	GArray *fds = data;
	guint i;

	for (i = 0; i < fds->len; i++)
		if (g_array_index(fds, struct pollfd, i).fd == fd)
			break;
	if (!readable && !writable) {
		if (i < fds->len)
			g_array_remove_index_fast(fds, i);
		return;
	}
	if (i == fds->len) {
		struct pollfd p = { fd, 0, 0 };

		g_array_append_val(fds, p);
	}
	g_array_index(fds, struct pollfd, i).events =
	    (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
}

int
enrich_channel_open(const struct enrich_config *cfg, int rcvbuf, GArray *fds,
    ares_channel *ch, GError **err)
{
	struct ares_options o;
	int rc, mask;

	if (enrich_ares_error()) {
		g_set_error(err, ENRICH_ERROR, ENRICH_ERROR_LIBRARY, "%s",
		    enrich_ares_error());
		return -1;
	}
	memset(&o, 0, sizeof(o));
	/* NOCHECKRESP: a SERVFAIL or REFUSED is the resolver's answer, to
	 * be stored as such, not a reason to ask it again and again until
	 * the tries run out and c-ares calls it a timeout. */
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS |
	    ARES_FLAG_NOCHECKRESP;
	o.timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	o.tries = cfg->tries > 0 ? cfg->tries : 2;
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = fds;
	o.ednspsz = EDNS_SIZE;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_SOCK_STATE_CB | ARES_OPT_EDNSPSZ;
	if (rcvbuf > 0) {
		o.socket_receive_buffer_size = rcvbuf;
		mask |= ARES_OPT_SOCK_RCVBUF;
	}
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS ||
	    (rc = ares_init_options(ch, &o, mask)) != ARES_SUCCESS) {
		g_set_error(err, ENRICH_ERROR, ENRICH_ERROR_CONFIG,
		    "c-ares: %s", ares_strerror(rc));
		return -1;
	}
	if (cfg->resolver && *cfg->resolver &&
	    (rc = ares_set_servers_ports_csv(*ch, cfg->resolver)) !=
	    ARES_SUCCESS) {
		g_set_error(err, ENRICH_ERROR, ENRICH_ERROR_CONFIG,
		    "resolver '%s': %s (want ADDR[:PORT], [IPv6]:PORT, "
		    "comma-separated)", cfg->resolver, ares_strerror(rc));
		ares_destroy(*ch);
		return -1;
	}
	return 0;
}
