/* maildir.c - read every message of a Maildir, and mark one seen.
 *
 * Usage:
 *	src = ingest_source_maildir("/home/u/Maildir/.dmarc", &lim, &err);
 *	... ingest_source_next() ...; after commit:
 *	ingest_maildir_mark_seen(msg, &err);	   new/NAME -> cur/NAME:2,S
 *
 * The files of new/ and cur/ are listed once, when the source is opened,
 * and handed out sorted by name (Maildir names start with the delivery
 * time, so this is roughly arrival order and always the same order).
 * tmp/ holds deliveries in progress and dotfiles are not messages; both are
 * ignored.  Files are opened relative to new/ and cur/, held open, which
 * spares the kernel a walk of the whole path per message.  A file that vanished since the listing (another reader moved
 * it) or is not a regular file is skipped without error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct maildir_entry {
	char *name;		/* file name inside new/ or cur/ */
	char *path;
	gboolean is_new;
};

struct maildir_source {
	struct ingest_source base;
	GPtrArray *entries;	/* struct maildir_entry * */
	guint next;
	int dirfd[2];		/* cur/ and new/, or AT_FDCWD */
};

static void
entry_free(gpointer p)
{
	struct maildir_entry *e = p;

	g_free(e->name);
	g_free(e->path);
	g_free(e);
}

static gint
entry_cmp(gconstpointer a, gconstpointer b)
{
	const struct maildir_entry *x = *(struct maildir_entry *const *)a;
	const struct maildir_entry *y = *(struct maildir_entry *const *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (int)y->is_new - (int)x->is_new;
}

static gboolean
list_dir(GPtrArray *entries, const char *dir, const char *sub,
    gboolean is_new, GError **err)
{
	char *path = g_build_filename(dir, sub, NULL);
	GError *e = NULL;
	const char *name;
	GDir *d;

	d = g_dir_open(path, 0, &e);
	if (d == NULL) {
		g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
		    "%s is not a Maildir: %s", dir, e->message);
		g_error_free(e);
		g_free(path);
		return FALSE;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		struct maildir_entry *me;

		if (name[0] == '.')
			continue;
		me = g_new0(struct maildir_entry, 1);
		me->name = g_strdup(name);
		me->path = g_build_filename(path, name, NULL);
		me->is_new = is_new;
		g_ptr_array_add(entries, me);
	}
	g_dir_close(d);
	g_free(path);
	return TRUE;
}

static int
maildir_next(struct ingest_source *src, struct ingest_message **msg,
    GError **err)
{
	struct maildir_source *s = (struct maildir_source *)src;

	while (s->next < s->entries->len) {
		guint index = s->next++;
		struct maildir_entry *me = g_ptr_array_index(s->entries, index);
		GError *e = NULL;
		GBytes *raw;
		char *label;

		if (!ingest_in_shard(src, index))
			continue;
		switch (s->dirfd[me->is_new] == AT_FDCWD ?
		    ingest_read_file(me->path, src->lim.max_message, TRUE,
		    &raw, &e) : ingest_read_file_at(s->dirfd[me->is_new],
		    me->name, me->path, src->lim.max_message, TRUE, &raw, &e)) {
		case INGEST_READ_SKIP:
			continue;
		case INGEST_READ_OK:
			*msg = ingest_message_take(raw,
			    ingest_label("maildir:", me->path),
			    g_strdup(me->path));
			(*msg)->in_maildir_new = me->is_new;
			return 1;
		case INGEST_READ_FAIL:
			if (g_error_matches(e, INGEST_ERROR,
			    INGEST_ERROR_LIMIT)) {
				label = ingest_label("maildir:", me->path);
				*msg = ingest_message_oversize(label,
				    me->path);
				(*msg)->in_maildir_new = me->is_new;
				g_free(label);
			}
			g_propagate_error(err, e);
			return -1;
		}
	}
	return 0;
}

static void
maildir_free(struct ingest_source *src)
{
	struct maildir_source *s = (struct maildir_source *)src;

	for (int i = 0; i < 2; i++)
		if (s->dirfd[i] != AT_FDCWD)
			close(s->dirfd[i]);
	g_ptr_array_unref(s->entries);
	g_free(s);
}

struct ingest_source *
ingest_source_maildir(const char *dir, const struct ingest_limits *lim,
    GError **err)
{
	GPtrArray *entries = g_ptr_array_new_with_free_func(entry_free);
	struct maildir_source *s;

	if (!list_dir(entries, dir, "cur", FALSE, err) ||
	    !list_dir(entries, dir, "new", TRUE, err)) {
		g_ptr_array_unref(entries);
		return NULL;
	}
	g_ptr_array_sort(entries, entry_cmp);
	s = g_new0(struct maildir_source, 1);
	s->base.next = maildir_next;
	s->base.free = maildir_free;
	s->base.shardable = TRUE;
	s->base.lim = *lim;
	s->entries = entries;
	for (int i = 0; i < 2; i++) {
		char *sub = g_build_filename(dir, i ? "new" : "cur", NULL);

		s->dirfd[i] = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dirfd[i] < 0)
			s->dirfd[i] = AT_FDCWD;	/* then by path */
		g_free(sub);
	}
	return &s->base;
}

/* NAME -> NAME:2,S; NAME:2,FLAGS -> NAME:2,FLAGS with S added in ASCII
 * order, as the Maildir specification asks. */
static char *
seen_name(const char *name)
{
	const char *info = strstr(name, ":2,");
	const char *flags, *p;

	if (info == NULL)
		return g_strconcat(name, ":2,S", NULL);
	flags = info + 3;
	if (strchr(flags, 'S') != NULL)
		return g_strdup(name);
	for (p = flags; *p != '\0' && (guchar)*p < 'S'; p++)
		;
	return g_strdup_printf("%.*sS%s", (int)(p - name), name, p);
}

int
ingest_maildir_mark_seen(struct ingest_message *msg, GError **err)
{
	char *newdir, *root, *name, *seen, *target;
	int rc = 0;

	if (msg == NULL || !msg->in_maildir_new || msg->path == NULL)
		return 0;
	newdir = g_path_get_dirname(msg->path);
	root = g_path_get_dirname(newdir);
	name = g_path_get_basename(msg->path);
	seen = seen_name(name);
	target = g_build_filename(root, "cur", seen, NULL);
	if (rename(msg->path, target) < 0) {
		int e = errno;

		g_set_error(err, INGEST_ERROR, INGEST_ERROR_IO,
		    "cannot move %s to %s: %s", msg->path, target,
		    g_strerror(e));
		g_free(target);
		rc = -1;
	} else {
		g_free(msg->path);
		msg->path = target;
		msg->in_maildir_new = FALSE;
	}
	g_free(newdir);
	g_free(root);
	g_free(name);
	g_free(seen);
	return rc;
}
