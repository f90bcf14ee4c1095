/* message.c - one message as received, and the bounded readers that load
 * it from a file descriptor or a path.
 *
 * Usage:
 *	m = ingest_message_new(bytes, "requeue:42");	   refs bytes
 *	... ingest_walk(m, ...) ...
 *	ingest_message_free(m);
 *
 * Readers never hold more than the limit plus one read buffer: the message
 * is refused as soon as it grows past max_message.  Files are read, not
 * mapped, because a mapped file truncated under us would kill the process
 * with SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "internal.h"

#define READ_CHUNK	65536

/* The digest costs as much as parsing a bounce: only the database
 * needs it, so it is computed when first asked for. */
const char *
ingest_message_sha256(struct ingest_message *m)
{
	gsize len;
	const guchar *data;
	char *hex;

	if (m->digest[0] != '\0' || m->no_digest)
		return m->digest;
	data = g_bytes_get_data(m->raw, &len);
	hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	g_strlcpy(m->digest, hex, sizeof m->digest);
	g_free(hex);
	return m->digest;
}

/* Takes ownership of all three. */
struct ingest_message *
ingest_message_take(GBytes *raw, char *source, char *path)
{
	struct ingest_message *m = g_new0(struct ingest_message, 1);

	m->raw = raw;
	m->source = source;
	m->path = path;
	return m;
}

struct ingest_message *
ingest_message_new(GBytes *raw, const char *source)
{
	g_return_val_if_fail(raw != NULL, NULL);
	return ingest_message_take(g_bytes_ref(raw),
	    g_strdup(source ? source : "memory"), NULL);
}

/* A message too large to load: no bytes and no digest (so it can never be
 * mistaken for another message by hash), but a source and path the caller
 * can log, and for a Maildir mark as seen. */
struct ingest_message *
ingest_message_oversize(const char *source, const char *path)
{
	struct ingest_message *m = g_new0(struct ingest_message, 1);

	m->raw = g_bytes_new(NULL, 0);
	m->source = g_strdup(source);
	m->path = g_strdup(path);
	m->no_digest = TRUE;
	return m;
}

/* The parsed tree first, then the view its streams read. */
void
ingest_message_drop_mime(struct ingest_message *msg)
{
	if (msg->mime != NULL)
		g_object_unref(msg->mime);
	msg->mime = NULL;
	g_free(msg->mime_view);
	msg->mime_view = NULL;
}

void
ingest_message_free(struct ingest_message *msg)
{
	if (msg == NULL)
		return;
	ingest_message_drop_mime(msg);
	g_bytes_unref(msg->raw);
	g_free(msg->source);
	g_free(msg->path);
	g_free(msg->message_id);
	g_free(msg);
}

/* prefix + text as valid UTF-8: sources and labels end up in logs and in
 * text columns, while file names and headers may be any bytes. */
char *
ingest_label(const char *prefix, const char *text)
{
	char *valid = g_utf8_make_valid(text, -1);
	char *label = g_strconcat(prefix, valid, NULL);

	g_free(valid);
	return label;
}

static void
set_limit_error(GError **err, const char *name, gsize max)
{
	g_set_error(err, INGEST_ERROR, INGEST_ERROR_LIMIT,
	    "%s: message larger than %" G_GSIZE_FORMAT " bytes (max_message)",
	    name, max);
}

/*
 * A regular file of known size is read into a buffer kept from message
 * to message: a fresh one of a few KiB per message is malloc's first
 * large request after the parsed tree of the last message was freed, and
 * makes it sweep every small chunk that tree left (5% of parsing a
 * bounce).  The GBytes hands the buffer back when the message goes; one
 * is kept, at most SPARE_MAX bytes.  A file that grew while it was read
 * goes on in read_fd.
 */
#define SPARE_MAX	(256 * 1024)

struct spare {
	gsize size;		/* bytes at data */
	guint8 data[];
};

G_LOCK_DEFINE_STATIC(spare_lock);
static struct spare *spare_kept;

static struct spare *
spare_take(gsize size)
{
	struct spare *s;

	G_LOCK(spare_lock);
	s = spare_kept;
	if (s != NULL && s->size >= size)
		spare_kept = NULL;
	else
		s = NULL;
	G_UNLOCK(spare_lock);
	/* Exactly the size: while messages are held (an ingest batch)
	 * each has its own, and the largest given back is kept. */
	if (s == NULL) {
		s = g_malloc(sizeof *s + size);
		s->size = size;
	}
	return s;
}

static void
spare_give(gpointer data)
{
	struct spare *s = data;

	G_LOCK(spare_lock);
	if (spare_kept == NULL || spare_kept->size < s->size) {
		struct spare *old = spare_kept;

		spare_kept = s;
		s = old;
	}
	G_UNLOCK(spare_lock);
	g_free(s);
}

/* Read a regular file of hint bytes: 1 and *out when it ended there, 0
 * when it gave more (it grew: *got bytes at *buf are read, the caller
 * goes on), -1 on a read error (errno set).  As in read_fd, a file that
 * gives less than asked for is at its end. */
static int
read_sized(int fd, gsize hint, struct spare **buf, gsize *got,
    GBytes **out)
{
	struct spare *s = spare_take(hint + 1);
	ssize_t n;

	while ((n = read(fd, s->data, hint + 1)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		int e = errno;

		spare_give(s);
		errno = e;
		return -1;
	}
	if ((gsize)n <= hint) {
		*out = g_bytes_new_with_free_func(s->data, (gsize)n,
		    spare_give, s);
		return 1;
	}
	*buf = s;
	*got = (gsize)n;
	return 0;
}

/* Read to the end into one array, sized for hint bytes (a regular
 * file's size) and one more, so that a file is read in place, without
 * copies.  A regular file that gives less than asked for is at its end:
 * no second read to see it (a file that grew fills the array, and the
 * reading goes on). */
static enum ingest_read
read_fd(int fd, gsize max, const char *name, gsize hint, GBytes **out,
    GError **err)
{
	GByteArray *a;
	struct spare *s = NULL;
	gsize have, want, got = 0;
	ssize_t n;
	int r;

	*out = NULL;
	if (hint > 0 && hint < SPARE_MAX && hint < max) {
		r = read_sized(fd, hint, &s, &got, out);
		if (r > 0)
			return INGEST_READ_OK;
		if (r < 0) {
			int e = errno;

			g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
			    "%s: read: %s", name, g_strerror(e));
			return INGEST_READ_FAIL;
		}
	}
	a = g_byte_array_sized_new((guint)MIN(MAX(hint, got), max) + 1);
	if (s != NULL) {
		g_byte_array_append(a, s->data, (guint)got);
		spare_give(s);
	}
	for (;;) {
		have = a->len;
		want = have < hint ? hint - have + 1 : READ_CHUNK;
		g_byte_array_set_size(a, (guint)(have + want));
		n = read(fd, a->data + have, want);
		g_byte_array_set_size(a, (guint)(have + (n > 0 ? (gsize)n : 0)));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (a->len > max) {
			g_byte_array_unref(a);
			set_limit_error(err, name, max);
			return INGEST_READ_FAIL;
		}
		if (hint > 0 && (gsize)n < want)
			break;
	}
	if (n < 0) {
		int e = errno;

		g_byte_array_unref(a);
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
		    "%s: read: %s", name, g_strerror(e));
		return INGEST_READ_FAIL;
	}
	*out = g_byte_array_free_to_bytes(a);
	return INGEST_READ_OK;
}

enum ingest_read
ingest_read_fd(int fd, gsize max, const char *name, GBytes **out,
    GError **err)
{
	return read_fd(fd, max, name, 0, out, err);
}

/* Maildir: only regular files count, opened without following symlinks and
 * without blocking on a FIFO; a file gone since the listing was taken by
 * another reader.  Plain files may be FIFOs (a shell's <(...)). */
static int
open_message(int dirfd, const char *name, const char *path, gsize max,
    gboolean maildir, gsize *size, enum ingest_read *skip, GError **err)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
	struct stat st;
	int fd, e;

	if (maildir)
		flags |= O_NOFOLLOW | O_NONBLOCK;
	while ((fd = openat(dirfd, name, flags)) < 0 && errno == EINTR)
		;
	if (fd < 0) {
		e = errno;
		/* Vanished: another ingester took it first.  Not an error. */
		if (maildir && e == ENOENT) {
			*skip = INGEST_READ_SKIP;
			return -1;
		}
		/* A symbolic link in a Maildir is not followed (it could point
		 * anywhere), but it is said, so nobody wonders where a
		 * message went. */
		if (maildir && e == ELOOP) {
			g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
			    "%s: a symbolic link, not a message: skipped", path);
			return -1;
		}
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
		    "%s: open: %s", path, g_strerror(e));
		return -1;
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) ||
	    (maildir && !S_ISREG(st.st_mode))) {
		close(fd);
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
		    "%s: not a regular file%s", path,
		    maildir ? ", not a message: skipped" : "");
		return -1;
	}
	/* Refuse a huge file without reading it; growth is caught later. */
	if (S_ISREG(st.st_mode) && (guint64)st.st_size > (guint64)max) {
		close(fd);
		set_limit_error(err, path, max);
		return -1;
	}
	*size = S_ISREG(st.st_mode) ? (gsize)st.st_size : 0;
	return fd;
}

/* name is opened in the directory dirfd (AT_FDCWD: name is a path);
 * path names it in errors. */
enum ingest_read
ingest_read_file_at(int dirfd, const char *name, const char *path,
    gsize max, gboolean maildir, GBytes **out, GError **err)
{
	enum ingest_read r = INGEST_READ_FAIL;
	gsize size = 0;
	int fd;

	*out = NULL;
	fd = open_message(dirfd, name, path, max, maildir, &size, &r, err);
	if (fd < 0)
		return r;
	r = read_fd(fd, max, path, size, out, err);
	close(fd);
	return r;
}

enum ingest_read
ingest_read_file(const char *path, gsize max, gboolean maildir,
    GBytes **out, GError **err)
{
	return ingest_read_file_at(AT_FDCWD, path, path, max, maildir, out,
	    err);
}
