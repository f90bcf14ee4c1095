/* common.c - option parsing, database opening, time spans, JSON and table
 * output shared by the commands.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

gboolean
cli_options(int *argc, char ***argv, const char *params, const char *summary,
    const GOptionEntry *entries)
{
	GOptionEntry common[] = {
		{ "db", 0, 0, G_OPTION_ARG_STRING, &cli_global.db,
		    "PostgreSQL connection string (else $MAILSIFT_DB, else PG* defaults)",
		    "CONNINFO" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &cli_global.verbose,
		    "say what happens to every message", NULL },
		G_OPTION_ENTRY_NULL
	};
	GOptionContext *ctx = g_option_context_new(params);
	GError *err = NULL;
	gboolean ok;

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
	return ok;
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

void
cli_json_str(GString *out, const char *s)
{
	char *valid;

	if (s == NULL) {
		g_string_append(out, "null");
		return;
	}
	/* Strings come from the network; never emit invalid UTF-8. */
	valid = g_utf8_make_valid(s, -1);
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)valid; *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
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
print_csv(FILE *fp, const struct store_table *t)
{
	GString *line = g_string_new(NULL);

	for (guint c = 0; c < t->columns->len; c++) {
		if (c)
			g_string_append_c(line, ',');
		print_csv_field(line, g_ptr_array_index(t->columns, c));
	}
	fprintf(fp, "%s\r\n", line->str);
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

static void
print_aligned(FILE *fp, const struct store_table *t)
{
	guint ncol = t->columns->len;
	g_autofree int *width = g_new0(int, ncol);

	for (guint c = 0; c < ncol; c++)
		width[c] = (int)g_utf8_strlen(g_ptr_array_index(t->columns, c), -1);
	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);

		for (guint c = 0; c < row->len && c < ncol; c++) {
			const char *v = g_ptr_array_index(row, c);
			int w = v ? (int)g_utf8_strlen(v, -1) : 0;

			if (w > width[c])
				width[c] = w;
		}
	}
	for (guint c = 0; c < ncol; c++)
		fprintf(fp, "%s%-*s", c ? "  " : "", c + 1 < ncol ? width[c] : 0,
		    (char *)g_ptr_array_index(t->columns, c));
	fputc('\n', fp);
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
	if (t->rows->len == 0)
		fprintf(fp, "(no rows)\n");
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
