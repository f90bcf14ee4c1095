/* source.c - hand out messages one at a time: the common entry points, and
 * the two simplest sources, standard input and a list of files.
 *
 * Usage: see ingest.h.  Maildir and mbox live in maildir.c and mbox.c.
 *
 * Each source embeds struct ingest_source first and supplies next/free;
 * ingest_source_next() only clears *msg and dispatches.
 */
#include <errno.h>
#include <unistd.h>

#include "internal.h"

int
ingest_source_next(struct ingest_source *src, struct ingest_message **msg,
    GError **err)
{
	*msg = NULL;
	if (src == NULL)
		return 0;
	return src->next(src, msg, err);
}

gboolean
ingest_source_shard(struct ingest_source *src, guint shard, guint nshards)
{
	if (src == NULL || !src->shardable || nshards == 0 || shard >= nshards)
		return FALSE;
	src->shard = shard;
	src->nshards = nshards;
	return TRUE;
}

void
ingest_source_free(struct ingest_source *src)
{
	if (src != NULL)
		src->free(src);
}

/* Standard input: one message. */

struct stdin_source {
	struct ingest_source base;
	gboolean done;
};

/* Read the rest of an oversized message and throw it away, so a delivery
 * agent piping into us sees the exit status we choose, not EPIPE. */
static void
drain(int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0 ||
	    (n < 0 && errno == EINTR))
		;
}

static int
stdin_next(struct ingest_source *src, struct ingest_message **msg,
    GError **err)
{
	struct stdin_source *s = (struct stdin_source *)src;
	GError *e = NULL;
	GBytes *raw;

	if (s->done)
		return 0;
	s->done = TRUE;
	if (ingest_read_fd(STDIN_FILENO, src->lim.max_message, "stdin", &raw,
	    &e) != INGEST_READ_OK) {
		/* Too big: like a file, a message without bytes that the
		 * caller logs as quarantined with the limit as reason.  An MTA
		 * would bounce any other exit status back to the sender. */
		if (g_error_matches(e, INGEST_ERROR, INGEST_ERROR_LIMIT)) {
			drain(STDIN_FILENO);
			*msg = ingest_message_oversize("stdin", NULL);
		}
		g_propagate_error(err, e);
		return -1;
	}
	*msg = ingest_message_take(raw, g_strdup("stdin"), NULL);
	return 1;
}

static void
stdin_free(struct ingest_source *src)
{
	g_free(src);
}

struct ingest_source *
ingest_source_stdin(const struct ingest_limits *lim, GError **err)
{
	struct stdin_source *s = g_new0(struct stdin_source, 1);

	(void)err;		/* nothing can fail before the first read */
	s->base.next = stdin_next;
	s->base.free = stdin_free;
	s->base.lim = *lim;
	return &s->base;
}

/* Files: each path is one message, or a bare report. */

struct files_source {
	struct ingest_source base;
	GPtrArray *paths;	/* char * */
	guint next;
};

static int
files_next(struct ingest_source *src, struct ingest_message **msg,
    GError **err)
{
	struct files_source *s = (struct files_source *)src;
	const char *path;
	GError *e = NULL;
	GBytes *raw;

	while (s->next < s->paths->len && !ingest_in_shard(src, s->next))
		s->next++;
	if (s->next >= s->paths->len)
		return 0;
	path = g_ptr_array_index(s->paths, s->next++);
	if (ingest_read_file(path, src->lim.max_message, FALSE, &raw, &e) ==
	    INGEST_READ_OK) {
		*msg = ingest_message_take(raw, ingest_label("file:", path),
		    g_strdup(path));
		return 1;
	}
	if (g_error_matches(e, INGEST_ERROR, INGEST_ERROR_LIMIT)) {
		char *label = ingest_label("file:", path);

		*msg = ingest_message_oversize(label, path);
		g_free(label);
	}
	g_propagate_error(err, e);
	return -1;
}

static void
files_free(struct ingest_source *src)
{
	struct files_source *s = (struct files_source *)src;

	g_ptr_array_unref(s->paths);
	g_free(s);
}

struct ingest_source *
ingest_source_files(char **paths, int npaths,
    const struct ingest_limits *lim, GError **err)
{
	struct files_source *s = g_new0(struct files_source, 1);
	int i;

	(void)err;		/* each file's errors come from next */
	s->base.next = files_next;
	s->base.free = files_free;
	s->base.shardable = TRUE;
	s->base.lim = *lim;
	s->paths = g_ptr_array_new_with_free_func(g_free);
	for (i = 0; i < npaths; i++)
		g_ptr_array_add(s->paths, g_strdup(paths[i]));
	return &s->base;
}
