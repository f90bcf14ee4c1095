/* common.c - option parsing, database opening, time spans, JSON and table
 * output shared by the commands.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gio/gio.h>

#include "cli.h"

/* The command's entries, then the common ones, in one array. */
static GOptionEntry *
join_entries(const GOptionEntry *a, const GOptionEntry *b)
{
	GArray *all = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));

	for (const GOptionEntry *o = a; o && o->long_name; o++)
		g_array_append_val(all, *o);
	for (const GOptionEntry *o = b; o && o->long_name; o++)
		g_array_append_val(all, *o);
	return (GOptionEntry *)g_array_free(all, FALSE);
}

/* with_db: the command opens a database, so it takes --db; a command
 * that never does (parse) does not offer it. */
static gboolean
parse_options(int *argc, char ***argv, const char *params, const char *summary,
    const GOptionEntry *entries, gboolean with_db)
{
	GOptionEntry common[] = {
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &cli_global.verbose,
		    "say what happens to every message", NULL },
		{ "config", 0, 0, G_OPTION_ARG_FILENAME, &cli_global.config,
		    "configuration file (else $MAILSIFT_CONFIG, else "
		    "/etc/mailsift/mailsift.conf)", "FILE" },
		{ "db", 0, 0, G_OPTION_ARG_STRING, &cli_global.db,
		    "PostgreSQL connection string (else $MAILSIFT_DB, else PG* defaults)",
		    "CONNINFO" },
		G_OPTION_ENTRY_NULL
	};
	g_autofree GOptionEntry *all = NULL;
	g_autofree char *command = g_strdup((*argv)[0]);
	GOptionContext *ctx;
	GError *err = NULL;
	GBytes *saved;
	gboolean ok;

	if (!with_db)
		common[2] = (GOptionEntry)G_OPTION_ENTRY_NULL;
	all = join_entries(entries, common);
	if (cli_config_collect(all))
		return FALSE;	/* `mailsift config` only wanted the names */
	saved = cli_config_save(all);
	/* The file and the environment first: the command line overrides. */
	cli_config_apply(command, all, *argc, *argv);
	ctx = g_option_context_new(params);
	g_option_context_set_summary(ctx, summary);
	if (entries)
		g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, common, NULL);
	ok = g_option_context_parse(ctx, argc, argv, &err);
	if (!ok) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		g_error_free(err);
	}
	g_option_context_free(ctx);
	if (saved) {
		/* `mailsift config COMMAND`: show, and stop the command. */
		cli_config_show(command, all, saved, ok);
		return FALSE;
	}
	return ok;
}

gboolean
cli_options(int *argc, char ***argv, const char *params, const char *summary,
    const GOptionEntry *entries)
{
	return parse_options(argc, argv, params, summary, entries, TRUE);
}

gboolean
cli_options_nodb(int *argc, char ***argv, const char *params,
    const char *summary, const GOptionEntry *entries)
{
	return parse_options(argc, argv, params, summary, entries, FALSE);
}

/* A database error never tells the MTA to bounce: anything not known to be
 * configuration is "try again later" (postfix maps 75 to a deferral and
 * 78 to a soft 4.3.5 error too), so a message is never lost to a bug or a
 * state we did not foresee; the queue lifetime bounds the retries. */
int
cli_store_status(const GError *err)
{
	if (err != NULL && err->domain == STORE_ERROR &&
	    err->code == STORE_ERROR_CONFIG)
		return EX_CONFIG;
	return EX_TEMPFAIL;
}

struct store *
cli_store_open(int *status)
{
	GError *err = NULL;
	struct store *st = store_open(cli_global.db, &err);

	if (st == NULL) {
		fprintf(stderr, "mailsift: database: %s\n", err->message);
		*status = cli_store_status(err);
		g_error_free(err);
	}
	return st;
}

gboolean
cli_parse_since(const char *text, int64_t *since)
{
	char *end;
	long long n;
	int64_t unit;

	if (text == NULL || *text == '\0')
		return FALSE;
	if (strlen(text) == 10 && text[4] == '-' && text[7] == '-') {
		GDateTime *dt;
		char *iso = g_strconcat(text, "T00:00:00Z", NULL);

		dt = g_date_time_new_from_iso8601(iso, NULL);
		g_free(iso);
		if (dt == NULL)
			return FALSE;
		*since = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
		return TRUE;
	}
	n = strtoll(text, &end, 10);
	if (end == text || n < 0 || n > 100000)
		return FALSE;
	if (strcmp(end, "d") == 0 || *end == '\0')
		unit = 86400;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "w") == 0)
		unit = 7 * 86400;
	else
		return FALSE;
	*since = (int64_t)time(NULL) - n * unit;
	return TRUE;
}

/* An address or a CIDR block, checked before any query so that the
 * database never sees (and never answers with SQL about) anything else. */
gboolean
cli_check_ip(const char *cmd, const char *s)
{
	GInetAddressMask *m;
	GInetAddress *a;

	if (s == NULL)
		return TRUE;
	if (strchr(s, '/') != NULL) {
		m = g_inet_address_mask_new_from_string(s, NULL);
		if (m != NULL) {
			g_object_unref(m);
			return TRUE;
		}
	} else if ((a = g_inet_address_new_from_string(s)) != NULL) {
		g_object_unref(a);
		return TRUE;
	}
	fprintf(stderr, "mailsift: %s: bad --ip '%s' (an IPv4 or IPv6 "
	    "address, or a CIDR block like 192.0.2.0/24)\n", cmd, s);
	return FALSE;
}

/* What a byte becomes inside a JSON string: 0 itself, else the letter of
 * its two-character escape, or 'u' for \u00XX (control characters but
 * the three common ones, as before).  Bytes of 0x80 and up are UTF-8,
 * validated before, and go out as they are. */
static const char json_escape[256] = {
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x08] = 'u', [0x0b] = 'u',
	[0x0c] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u',
	[0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
	[0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',
	[0x1c] = 'u', [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u',
	['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r', ['"'] = '"', ['\\'] = '\\',
};

/* g_utf8_validate_len(s, n), eight bytes at a time while they are
 * ASCII (no NUL can occur: n is s's strlen). */
static gboolean
utf8_valid(const char *s, gsize n)
{
	const guint64 high = UINT64_C(0x8080808080808080);
	guint64 w;
	gsize i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if ((w & high) != 0)
			break;
	}
	return g_utf8_validate_len(s + i, n - i, NULL);
}

/* s as a JSON string.  Runs of bytes that need no escape are appended
 * at once: a field is mostly one run, and parse output is made of them. */
void
cli_json_str(GString *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p, *run, *end;
	char *valid = NULL, esc[6] = { '\\', 'u', '0', '0' };
	gsize n;

	if (s == NULL) {
		g_string_append_len(out, "null", 4);
		return;
	}
	/* Strings come from the network; never emit invalid UTF-8.  Most
	 * are valid: validating costs no copy. */
	n = strlen(s);
	if (!utf8_valid(s, n)) {
		valid = g_utf8_make_valid(s, (gssize)n);
		s = valid;
		n = strlen(s);
	}
	g_string_append_c(out, '"');
	p = (const unsigned char *)s;
	end = p + n;
	while (p < end) {
		for (run = p; p < end && json_escape[*p] == 0; p++)
			;
		if (p > run)
			g_string_append_len(out, (const char *)run,
			    (gssize)(p - run));
		if (p == end)
			break;
		esc[1] = json_escape[*p];
		if (esc[1] == 'u') {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			g_string_append_len(out, esc, 6);
		} else {
			g_string_append_len(out, esc, 2);
		}
		p++;
	}
	g_string_append_c(out, '"');
	g_free(valid);
}

void
cli_json_key(GString *out, const char *key)
{
	cli_json_str(out, key);
	g_string_append_c(out, ':');
}

gboolean
cli_parse_format(const char *text, enum cli_format *fmt)
{
	if (text == NULL || strcmp(text, "table") == 0)
		*fmt = CLI_FORMAT_TABLE;
	else if (strcmp(text, "csv") == 0)
		*fmt = CLI_FORMAT_CSV;
	else if (strcmp(text, "json") == 0)
		*fmt = CLI_FORMAT_JSON;
	else
		return FALSE;
	return TRUE;
}

/* A value is printed as a JSON number only when the column is numeric. */
static gboolean
column_numeric(const struct store_table *t, guint col)
{
	return t->numeric != NULL && col < t->numeric->len &&
	    g_array_index(t->numeric, gboolean, col);
}

static void
print_csv_field(GString *line, const char *v)
{
	if (v == NULL)
		return;
	if (strpbrk(v, ",\"\r\n") == NULL) {
		g_string_append(line, v);
		return;
	}
	g_string_append_c(line, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			g_string_append_c(line, '"');
		g_string_append_c(line, *p);
	}
	g_string_append_c(line, '"');
}

static void
print_csv_header(FILE *fp, const struct store_table *t)
{
	GString *line = g_string_new(NULL);

	for (guint c = 0; c < t->columns->len; c++) {
		if (c)
			g_string_append_c(line, ',');
		print_csv_field(line, g_ptr_array_index(t->columns, c));
	}
	fprintf(fp, "%s\r\n", line->str);
	g_string_free(line, TRUE);
}

static void
print_csv_rows(FILE *fp, const struct store_table *t)
{
	GString *line = g_string_new(NULL);

	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);

		g_string_truncate(line, 0);
		for (guint c = 0; c < row->len; c++) {
			if (c)
				g_string_append_c(line, ',');
			print_csv_field(line, g_ptr_array_index(row, c));
		}
		fprintf(fp, "%s\r\n", line->str);
	}
	g_string_free(line, TRUE);
}

static void
print_csv(FILE *fp, const struct store_table *t)
{
	print_csv_header(fp, t);
	print_csv_rows(fp, t);
}

/* One JSON object per line, so the output pipes into jq -c / grep. */
static void
print_json(FILE *fp, const struct store_table *t)
{
	GString *line = g_string_new(NULL);

	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);

		g_string_assign(line, "{");
		for (guint c = 0; c < row->len; c++) {
			const char *v = g_ptr_array_index(row, c);

			if (c)
				g_string_append_c(line, ',');
			cli_json_key(line, g_ptr_array_index(t->columns, c));
			if (v != NULL && column_numeric(t, c))
				g_string_append(line, v);
			else
				cli_json_str(line, v);
		}
		g_string_append_c(line, '}');
		fprintf(fp, "%s\n", line->str);
	}
	g_string_free(line, TRUE);
}

/* Widths: the header's and those of the rows given (the first batch of a
 * stream); a later, wider value pushes the rest of its line right. */
static void
aligned_widths(const struct store_table *t, int *width)
{
	guint ncol = t->columns->len;

	for (guint c = 0; c < ncol; c++) {
		int w = (int)g_utf8_strlen(g_ptr_array_index(t->columns, c), -1);

		if (w > width[c])
			width[c] = w;
	}
	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);

		for (guint c = 0; c < row->len && c < ncol; c++) {
			const char *v = g_ptr_array_index(row, c);
			int w = v ? (int)g_utf8_strlen(v, -1) : 0;

			if (w > width[c])
				width[c] = w;
		}
	}
}

static void
aligned_header(FILE *fp, const struct store_table *t, const int *width)
{
	guint ncol = t->columns->len;

	for (guint c = 0; c < ncol; c++)
		fprintf(fp, "%s%-*s", c ? "  " : "", c + 1 < ncol ? width[c] : 0,
		    (char *)g_ptr_array_index(t->columns, c));
	fputc('\n', fp);
}

static void
aligned_rows(FILE *fp, const struct store_table *t, const int *width)
{
	guint ncol = t->columns->len;

	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);

		for (guint c = 0; c < row->len && c < ncol; c++) {
			const char *v = g_ptr_array_index(row, c);

			if (v == NULL)
				v = "";
			if (column_numeric(t, c))
				fprintf(fp, "%s%*s", c ? "  " : "", width[c], v);
			else
				fprintf(fp, "%s%-*s", c ? "  " : "",
				    c + 1 < ncol ? width[c] : 0, v);
		}
		fputc('\n', fp);
	}
}

static void
print_aligned(FILE *fp, const struct store_table *t)
{
	g_autofree int *width = g_new0(int, t->columns->len + 1);

	aligned_widths(t, width);
	aligned_header(fp, t, width);
	aligned_rows(fp, t, width);
	if (t->rows->len == 0)
		fprintf(fp, "(no rows)\n");
}

/* A stream of batches (store_ask): the header of csv and table once, the
 * table's widths from the first batch. */
int
cli_stream_batch(void *user, const struct store_table *t)
{
	struct cli_stream *s = user;

	switch (s->fmt) {
	case CLI_FORMAT_JSON:
		print_json(s->fp, t);
		break;
	case CLI_FORMAT_CSV:
		if (!s->started)
			print_csv_header(s->fp, t);
		print_csv_rows(s->fp, t);
		break;
	default:
		if (!s->started) {
			s->width = g_new0(int, t->columns->len + 1);
			aligned_widths(t, s->width);
			aligned_header(s->fp, t, s->width);
		}
		aligned_rows(s->fp, t, s->width);
		break;
	}
	s->started = TRUE;
	s->rows += t->rows->len;
	return ferror(s->fp) ? -1 : 0;
}

void
cli_stream_end(struct cli_stream *s)
{
	if (s->fmt == CLI_FORMAT_TABLE && s->started && s->rows == 0)
		fprintf(s->fp, "(no rows)\n");
	g_clear_pointer(&s->width, g_free);
	fflush(s->fp);
}

void
cli_print_table(FILE *fp, const struct store_table *t, enum cli_format fmt)
{
	switch (fmt) {
	case CLI_FORMAT_CSV: print_csv(fp, t); break;
	case CLI_FORMAT_JSON: print_json(fp, t); break;
	default: print_aligned(fp, t); break;
	}
}
