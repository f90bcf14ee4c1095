/* mbox.c - read the messages of an mbox file one at a time.
 *
 * Usage:
 *	src = ingest_source_mbox("/var/mail/dmarc", &lim, &err);
 *	... ingest_source_next() gives "mbox:PATH#1", "mbox:PATH#2", ...
 *
 * A message starts at a "From " line at the start of the file or after a
 * blank line; that separator line and the blank line before the next one
 * belong to the mbox, not to the message.  Lines matching ^>+From lose one
 * '>' (mboxrd; for mboxo this is right for every line a writer escaped).
 * The file is read through a fixed buffer, so a multi-gigabyte mbox costs
 * one message of memory; a message over max_message is skipped to the next
 * separator and reported, and reading continues with the next message.
 * A line longer than the buffer arrives in pieces; only the first piece of
 * a line is examined for separators and escapes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MBOX_BUF	65536

struct mbox_source {
	struct ingest_source base;
	char *path;
	int fd;
	guchar buf[MBOX_BUF];
	gsize off, len;		/* unread bytes are buf[off, len) */
	gboolean eof;		/* read() returned 0 */
	gboolean mid_line;	/* the last piece did not end a line */
	gboolean started;	/* the first separator was seen */
	gboolean at_from;	/* a separator was read: a message follows */
	gboolean done;
	guint n;		/* messages begun */
};

/* The next piece of a line: the whole line with its '\n' when it fits the
 * buffer.  0 at end of file, -1 on a read error. */
static gssize
next_piece(struct mbox_source *ms, const guchar **piece,
    gboolean *line_start, GError **err)
{
	gsize n;

	for (;;) {
		guchar *start = ms->buf + ms->off;
		guchar *nl = memchr(start, '\n', ms->len - ms->off);
		ssize_t r;

		if (nl != NULL) {
			n = (gsize)(nl - start) + 1;
			break;
		}
		if (ms->eof || (ms->off == 0 && ms->len == MBOX_BUF)) {
			n = ms->len - ms->off;
			if (n == 0)
				return 0;
			break;
		}
		memmove(ms->buf, start, ms->len - ms->off);
		ms->len -= ms->off;
		ms->off = 0;
		r = read(ms->fd, ms->buf + ms->len, MBOX_BUF - ms->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
			    "%s: read: %s", ms->path, g_strerror(e));
			return -1;
		}
		if (r == 0)
			ms->eof = TRUE;
		ms->len += (gsize)r;
	}
	*piece = ms->buf + ms->off;
	*line_start = !ms->mid_line;
	ms->off += n;
	ms->mid_line = (*piece)[n - 1] != '\n';
	return (gssize)n;
}

static gboolean
is_from(const guchar *p, gsize n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

static gboolean
is_escaped_from(const guchar *p, gsize n)
{
	gsize i = 0;

	while (i < n && p[i] == '>')
		i++;
	return i > 0 && is_from(p + i, n - i);
}

static gboolean
is_blank(const guchar *p, gsize n)
{
	return (n == 1 && p[0] == '\n') ||
	    (n == 2 && p[0] == '\r' && p[1] == '\n');
}

/* Skip blank lines to the first separator; anything else there means the
 * file is not an mbox. */
static int
find_first(struct mbox_source *ms, GError **err)
{
	const guchar *p;
	gboolean ls;
	gssize n;

	ms->started = TRUE;
	while ((n = next_piece(ms, &p, &ls, err)) > 0) {
		if (is_blank(p, (gsize)n))
			continue;
		if (is_from(p, (gsize)n)) {
			ms->at_from = TRUE;
			return 0;
		}
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_FORMAT,
		    "%s: not an mbox (no \"From \" line at the start)",
		    ms->path);
		return -1;
	}
	return n < 0 ? -1 : 0;
}

/* Collect one message after its separator.  Returns FALSE on a read
 * error; *over says it outgrew max_message (a is then empty). */
static gboolean
collect(struct mbox_source *ms, GByteArray *a, gboolean *over, GError **err)
{
	gsize max = ms->base.lim.max_message;
	gboolean skip = ms->mid_line;
	gsize blank = 0;	/* length of the last line when it was blank */
	const guchar *p;
	gboolean ls;
	gssize r;

	ms->at_from = FALSE;
	while ((r = next_piece(ms, &p, &ls, err)) > 0) {
		gsize n = (gsize)r;

		if (skip) {		/* rest of an overlong separator */
			skip = ms->mid_line;
			continue;
		}
		if (ls && blank > 0 && is_from(p, n)) {
			ms->at_from = TRUE;
			break;
		}
		if (ls && is_escaped_from(p, n)) {
			p++;
			n--;
		}
		blank = ls && is_blank(p, n) ? n : 0;
		if (*over)
			continue;
		if (n > max - a->len) {
			*over = TRUE;
			g_byte_array_set_size(a, 0);
			continue;
		}
		g_byte_array_append(a, p, (guint)n);
	}
	if (r < 0)
		return FALSE;
	/* The blank line ending the message is the mbox's, not the mail's. */
	if (blank > 0 && !*over)
		g_byte_array_set_size(a, a->len - (guint)MIN(blank, a->len));
	return TRUE;
}

static int
mbox_next(struct ingest_source *src, struct ingest_message **msg,
    GError **err)
{
	struct mbox_source *ms = (struct mbox_source *)src;
	gboolean over = FALSE;
	GByteArray *a;
	char *label;

	if (ms->done)
		return 0;
	if (!ms->started && find_first(ms, err) < 0) {
		ms->done = TRUE;
		return -1;
	}
	if (!ms->at_from) {
		ms->done = TRUE;
		return 0;
	}
	ms->n++;
	a = g_byte_array_new();
	if (!collect(ms, a, &over, err)) {
		g_byte_array_unref(a);
		ms->done = TRUE;
		return -1;
	}
	label = g_strdup_printf("%s#%u", ms->path, ms->n);
	if (over) {
		char *source = ingest_label("mbox:", label);

		g_byte_array_unref(a);
		*msg = ingest_message_oversize(source, NULL);
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
		    "%s: message larger than %" G_GSIZE_FORMAT
		    " bytes (max_message)", label, src->lim.max_message);
		g_free(source);
		g_free(label);
		return -1;
	}
	*msg = ingest_message_take(g_byte_array_free_to_bytes(a),
	    ingest_label("mbox:", label), NULL);
	g_free(label);
	return 1;
}

static void
mbox_free(struct ingest_source *src)
{
	struct mbox_source *ms = (struct mbox_source *)src;

	close(ms->fd);
	g_free(ms->path);
	g_free(ms);
}

struct ingest_source *
ingest_source_mbox(const char *path, const struct ingest_limits *lim,
    GError **err)
{
	struct mbox_source *ms;
	int fd;

	while ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 &&
	    errno == EINTR)
		;
	if (fd < 0) {
		int e = errno;

		g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
		    "%s: open: %s", path, g_strerror(e));
		return NULL;
	}
	ms = g_new0(struct mbox_source, 1);
	ms->base.next = mbox_next;
	ms->base.free = mbox_free;
	ms->base.lim = *lim;
	ms->path = g_strdup(path);
	ms->fd = fd;
	return &ms->base;
}
