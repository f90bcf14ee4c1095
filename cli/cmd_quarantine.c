/* cmd_quarantine.c - mailsift quarantine: the messages that could not be
 * stored, to look at, write out, drop or retry.
 *
 *	mailsift quarantine [list] [--format table|csv|json]
 *	mailsift quarantine show ID [--format table|json]
 *	mailsift quarantine raw ID > message.eml	   the exact bytes
 *	mailsift quarantine drop ID			   the schema owner only
 *	mailsift quarantine requeue [--id N]		   = mailsift requeue
 *
 * ID is the ingest log id `list` prints.  `show` prints the entry, its
 * reason, the message's From, Subject and Date and its MIME structure
 * (parsed here with GMime through ingest/, at most SHOW_PARTS parts and
 * SHOW_DEPTH levels: the bytes are hostile by definition), every text made
 * printable.  Exit 66 when there is no such entry.
 */
#include <inttypes.h>
#include <string.h>
#include <gmime/gmime.h>

#include "cli.h"
#include "../ingest/ingest.h"

#define SHOW_PARTS	200
#define SHOW_DEPTH	16

static char *opt_format;

static const GOptionEntry quarantine_entries[] = {
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default), csv or json (one object per line)", "FMT" },
	G_OPTION_ENTRY_NULL
};

/* Text from a hostile message, safe on a terminal: valid UTF-8, control
 * characters as '?'. */
static char *
printable(const char *s)
{
	char *v;

	if (s == NULL)
		return NULL;
	v = g_utf8_make_valid(s, -1);
	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return v;
}

static gboolean
parse_id(const char *text, int64_t *id)
{
	guint64 n;

	if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 1,
	    G_MAXINT64, &n, NULL)) {
		fprintf(stderr, "mailsift: quarantine: bad ID '%s' (the id "
		    "`mailsift quarantine list` prints)\n", text ? text : "");
		return FALSE;
	}
	*id = (int64_t)n;
	return TRUE;
}

/* One line of the MIME structure: depth, type, file name, size. */
struct part_line {
	int depth;
	char *type, *filename;
	gint64 size;		/* encoded bytes, -1 unknown */
};

static void
part_line_free(gpointer p)
{
	struct part_line *l = p;

	g_free(l->type);
	g_free(l->filename);
	g_free(l);
}

static void
walk_parts(GMimeObject *o, int depth, GPtrArray *lines)
{
	struct part_line *l;
	GMimeContentType *ct;

	if (o == NULL || lines->len >= SHOW_PARTS || depth > SHOW_DEPTH)
		return;
	l = g_new0(struct part_line, 1);
	l->depth = depth;
	l->size = -1;
	ct = g_mime_object_get_content_type(o);
	if (ct != NULL) {
		char *type = g_mime_content_type_get_mime_type(ct);

		l->type = printable(type);
		g_free(type);
	}
	if (l->type == NULL)
		l->type = g_strdup("text/plain");
	g_ptr_array_add(lines, l);
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && lines->len < SHOW_PARTS; i++)
			walk_parts(g_mime_multipart_get_part(mp, i), depth + 1,
			    lines);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(o));

		if (m)
			walk_parts(g_mime_message_get_mime_part(m), depth + 1,
			    lines);
	} else if (GMIME_IS_PART(o)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));

		l->filename = printable(g_mime_part_get_filename(GMIME_PART(o)));
		if (w && g_mime_data_wrapper_get_stream(w))
			l->size = g_mime_stream_length(
			    g_mime_data_wrapper_get_stream(w));
	}
}

static int
skip_payload(void *user, struct ingest_payload *p)
{
	(void)user;
	(void)p;
	return 0;
}

/* From, Subject, Date and the parts; FALSE with *why when there is no
 * tree to show (an empty message, a bare report file, a message over the
 * walk's limits).  The walk, under the default limits, is what parses the
 * tree (payloads are skipped). */
static gboolean
summarize(GBytes *raw, char **hdr, GPtrArray *lines, char **why)
{
	GError *err = NULL;
	struct ingest_message *m = ingest_message_new(raw, "quarantine");
	struct ingest_limits lim;
	GMimeMessage *mime;
	InternetAddressList *from;

	ingest_limits_default(&lim);
	if (g_bytes_get_size(raw) == 0)
		*why = g_strdup("empty message");
	else if (ingest_walk(m, &lim, skip_payload, NULL, &err) < 0 &&
	    err != NULL)
		*why = g_strdup_printf("not read: %s", err->message);
	else
		*why = g_strdup("not a MIME message");
	g_clear_error(&err);
	if ((mime = ingest_message_mime(m)) == NULL) {
		ingest_message_free(m);
		return FALSE;
	}
	from = g_mime_message_get_from(mime);
	hdr[0] = from && internet_address_list_length(from) > 0 ?
	    internet_address_list_to_string(from, NULL, FALSE) : NULL;
	hdr[1] = g_strdup(g_mime_message_get_subject(mime));
	hdr[2] = g_strdup(g_mime_object_get_header(GMIME_OBJECT(mime),
	    "Date"));
	for (int i = 0; i < 3; i++) {
		char *p = printable(hdr[i]);

		g_free(hdr[i]);
		hdr[i] = p;
	}
	walk_parts(g_mime_message_get_mime_part(mime), 0, lines);
	ingest_message_free(m);
	g_clear_pointer(why, g_free);
	return TRUE;
}

static void
show_table(const struct store_table *t, char **hdr, const char *why,
    GPtrArray *lines)
{
	static const char *const names[] = { "from", "subject", "date" };
	GPtrArray *row = g_ptr_array_index(t->rows, 0);

	for (guint c = 0; c < t->columns->len; c++) {
		char *v = printable(g_ptr_array_index(row, c));

		printf("%-12s %s\n", (char *)g_ptr_array_index(t->columns, c),
		    v ? v : "");
		g_free(v);
	}
	if (why) {
		char *w = printable(why);

		printf("%-12s (%s)\n", "mime", w);
		g_free(w);
		return;
	}
	for (int i = 0; i < 3; i++)
		printf("%-12s %s\n", names[i], hdr[i] ? hdr[i] : "");
	printf("mime\n");
	for (guint i = 0; i < lines->len; i++) {
		struct part_line *l = g_ptr_array_index(lines, i);

		printf("  %*s%s", 2 * l->depth, "", l->type);
		if (l->filename)
			printf(" \"%s\"", l->filename);
		if (l->size >= 0)
			printf(" (%" G_GINT64_FORMAT " bytes)", l->size);
		putchar('\n');
	}
	if (lines->len >= SHOW_PARTS)
		printf("  ... (more parts)\n");
}

static void
show_json(const struct store_table *t, char **hdr, const char *why,
    GPtrArray *lines)
{
	static const char *const names[] = { "from", "subject", "date" };
	GPtrArray *row = g_ptr_array_index(t->rows, 0);
	GString *out = g_string_new("{");

	for (guint c = 0; c < t->columns->len; c++) {
		const char *v = g_ptr_array_index(row, c);

		if (c)
			g_string_append_c(out, ',');
		cli_json_key(out, g_ptr_array_index(t->columns, c));
		if (v && t->numeric && g_array_index(t->numeric, gboolean, c))
			g_string_append(out, v);
		else
			cli_json_str(out, v);
	}
	for (int i = 0; i < 3; i++)
		cli_json_field(out, names[i], why ? NULL : hdr[i]);
	cli_json_field(out, "mime_unread", why);
	cli_json_member(out, "mime");
	if (why)
		g_string_append(out, "null");
	else {
		g_string_append_c(out, '[');
		for (guint i = 0; i < lines->len; i++) {
			struct part_line *l = g_ptr_array_index(lines, i);

			g_string_append_printf(out, "%s{\"depth\":%d",
			    i ? "," : "", l->depth);
			cli_json_field(out, "content_type", l->type);
			cli_json_field(out, "filename", l->filename);
			cli_json_count(out, "size", l->size);
			g_string_append_c(out, '}');
		}
		g_string_append_c(out, ']');
	}
	g_string_append(out, "}\n");
	fputs(out->str, stdout);
	g_string_free(out, TRUE);
}

static int
db_failed(GError *err)
{
	int status;

	fprintf(stderr, "mailsift: database: %s\n", err->message);
	status = cli_store_status(err);
	g_error_free(err);
	return status;
}

static int
no_such(int64_t id)
{
	fprintf(stderr, "mailsift: quarantine: no quarantined message %"
	    PRId64 " (see mailsift quarantine list)\n", id);
	return EX_NOINPUT;
}

static int
run_show(struct store *st, int64_t id, gboolean raw_only, enum cli_format fmt)
{
	struct store_table *meta;
	GPtrArray *lines;
	GBytes *raw;
	GError *err = NULL;
	char *hdr[3] = { NULL, NULL, NULL };
	char *why = NULL;
	int rc, status = 0;
	gsize n;
	const char *p;

	if ((rc = store_quarantine_get(st, id, &meta, &raw, &err)) < 0)
		return db_failed(err);
	if (rc == 0)
		return no_such(id);
	if (raw_only) {
		p = g_bytes_get_data(raw, &n);
		if ((n > 0 && fwrite(p, 1, n, stdout) != n) ||
		    fflush(stdout) != 0) {
			fprintf(stderr, "mailsift: quarantine: cannot write "
			    "the message to standard output\n");
			status = EX_IOERR;
		}
	} else {
		lines = g_ptr_array_new_with_free_func(part_line_free);
		summarize(raw, hdr, lines, &why);
		if (fmt == CLI_FORMAT_JSON)
			show_json(meta, hdr, why, lines);
		else
			show_table(meta, hdr, why, lines);
		g_free(why);
		g_ptr_array_free(lines, TRUE);
		for (int i = 0; i < 3; i++)
			g_free(hdr[i]);
	}
	g_bytes_unref(raw);
	store_table_free(meta);
	return status;
}

int
cli_cmd_quarantine(int argc, char **argv)
{
	struct store_table *t;
	enum cli_format fmt;
	struct store *st;
	GError *err = NULL;
	const char *verb;
	int64_t id = 0;
	int status = 0, rc;

	/* requeue keeps its own options (--id), as `mailsift requeue`. */
	if (argc > 1 && strcmp(argv[1], "requeue") == 0)
		return cli_cmd_requeue(argc - 1, argv + 1);
	if (!cli_options(&argc, &argv, "[list | show ID | raw ID | drop ID | "
	    "requeue [--id N]]",
	    "The messages that could not be stored, with their reasons:\n"
	    "list them, show one (its reason, From, Subject, Date and MIME\n"
	    "structure), write its exact bytes to stdout (raw), drop one (the\n"
	    "schema owner only) or ingest them again (requeue).",
	    quarantine_entries))
		return EX_USAGE;
	verb = argc > 1 ? argv[1] : "list";
	if (!cli_parse_format(opt_format, &fmt)) {
		fprintf(stderr, "mailsift: quarantine: unknown format '%s' "
		    "(table, csv, json)\n", opt_format);
		return EX_USAGE;
	}
	if (strcmp(verb, "list") == 0) {
		if (argc > 2) {
			fprintf(stderr, "mailsift: quarantine: unexpected "
			    "argument %s\n", argv[2]);
			return EX_USAGE;
		}
	} else if (strcmp(verb, "show") == 0 || strcmp(verb, "raw") == 0 ||
	    strcmp(verb, "drop") == 0) {
		if (argc != 3) {
			fprintf(stderr, "mailsift: usage: mailsift quarantine "
			    "%s ID\n", verb);
			return EX_USAGE;
		}
		if (!parse_id(argv[2], &id))
			return EX_USAGE;
	} else {
		fprintf(stderr, "mailsift: quarantine: unknown action '%s' "
		    "(list, show, raw, drop, requeue)\n", verb);
		return EX_USAGE;
	}
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	if (strcmp(verb, "list") == 0) {
		if ((t = store_quarantine_list(st, &err)) == NULL)
			status = db_failed(err);
		else {
			cli_print_table(stdout, t, fmt);
			store_table_free(t);
		}
	} else if (strcmp(verb, "drop") == 0) {
		if ((rc = store_quarantine_drop(st, id, &err)) < 0)
			status = db_failed(err);
		else if (rc == 0)
			status = no_such(id);
		else
			fprintf(stderr, "mailsift: quarantine: dropped %"
			    PRId64 " (its ingest log row stays)\n", id);
	} else {
		status = run_show(st, id, strcmp(verb, "raw") == 0, fmt);
	}
	store_close(st);
	return status;
}
