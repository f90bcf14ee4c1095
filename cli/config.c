/* config.c - the configuration file and the environment, for every
 * command's options; what `mailsift config` (cmd_config.c) shows.
 *
 *	cli_config_apply(command, entries, argc, argv);   before the parse
 *
 * Every long option of every command can be set in a GLib key file
 * (--config FILE, else MAILSIFT_CONFIG, else /etc/mailsift/mailsift.conf),
 * in the group of the command ([ingest], [check], ...) or in [common],
 * which every command reads and the command's group overrides:
 *
 *	[common]
 *	db = dbname=mailsift user=mailsift
 *	resolver = 127.0.0.1
 *	[check]
 *	dnsbl = zen.spamhaus.org;bl.spamcop.net
 *
 * Precedence: the command line, then the environment (MAILSIFT_DB,
 * MAILSIFT_RESOLVER), then the file, then the built-in default.  Nothing
 * here knows one option from another: before GOptionContext parses the
 * command line, the values of the file and the environment are written
 * where the command's GOptionEntry list says, by the entry's type, so the
 * command line simply overwrites them (a repeatable option given on the
 * command line replaces the file's list).  A key no command of its group
 * accepts is an error (a typo must not be silent), as is a value of the
 * wrong type, a file named by --config or MAILSIFT_CONFIG that cannot be
 * read, or one that is not a key file: all exit 78 (EX_CONFIG), which
 * postfix treats as "try again later", so a broken file defers mail and
 * loses none.  A missing default file is no error.
 *
 * Only [common] and the running command's group are checked at each run
 * (a typo in [check] does not stop the postfix pipe); `mailsift config`
 * with no command checks every group.
 *
 * `mailsift config COMMAND [OPTIONS]` runs COMMAND's own option parsing
 * (this file's apply, then GOptionContext) in a mode where cli_options
 * records the effective value and origin of every option, puts the
 * variables back as they were, and stops the command before it does
 * anything: what it prints is what the command would see.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONFIG_DEFAULT	"/etc/mailsift/mailsift.conf"
#define CONFIG_GROUP	"common"

/* Options that come before the command (main.c sets them) and the
 * settings every command has: here, so that neither the commands nor
 * this file depend on main.c. */
struct cli_global cli_global;

/* The commands (main.c hands them over: no link back to it). */
static const struct cli_command *commands;

void
cli_config_init(const struct cli_command *table)
{
	commands = table;
}

const struct cli_command *
cli_config_commands(void)
{
	return commands;
}

/* Options that an environment variable sets (all strings). */
static const struct {
	const char *option, *var;
} env_vars[] = {
	{ "db", "MAILSIFT_DB" },
	{ "resolver", "MAILSIFT_RESOLVER" },
	{ NULL, NULL },
};

/* What this file allocated into the commands' variables: GOptionContext
 * may replace a value without freeing it (it is the caller's), so they
 * are kept reachable here for the life of the process. */
static GPtrArray *owned;

static gpointer
own(gpointer p)
{
	if (owned == NULL)
		owned = g_ptr_array_new();
	g_ptr_array_add(owned, p);
	return p;
}

/* The file, read once per process. */
static struct {
	gboolean loaded;
	char *path;		/* NULL: no file */
	const char *how;	/* default, flag, env MAILSIFT_CONFIG */
	GKeyFile *kf;
	char **lines;		/* its text, for line numbers */
	GHashTable *all_keys;	/* every option of every command (lazy) */
} cf;

/* What `mailsift config` is collecting, or NULL: cli_options asks. */
static struct config_show {
	struct store_table *t;
	int status;		/* a real parse error of the command */
} show, *showing;

void
cli_config_show_begin(struct store_table *t)
{
	show.t = t;
	show.status = 0;
	showing = &show;
}

int
cli_config_show_end(void)
{
	showing = NULL;
	return show.status;
}

/* Collecting every command's option names (for [common]): cli_options
 * only records the names. */
static GHashTable *collecting;

gboolean
cli_config_collect(const GOptionEntry *entries)
{
	if (collecting == NULL)
		return FALSE;
	for (const GOptionEntry *e = entries; e && e->long_name; e++)
		g_hash_table_add(collecting, (gpointer)e->long_name);
	return TRUE;
}

static G_NORETURN void
config_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static G_NORETURN void
config_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mailsift: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_CONFIG);
}

/* The line of key in group (1-based), 0 when not found: GKeyFile does
 * not say, and an error or `mailsift config` should. */
static int
key_line(const char *group, const char *key)
{
	const char *cur = NULL;
	size_t klen = strlen(key);
	int found = 0;

	for (int i = 0; cf.lines && cf.lines[i]; i++) {
		const char *s = cf.lines[i];

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			const char *end = strchr(s, ']');

			cur = NULL;
			if (end && (size_t)(end - s - 1) == strlen(group) &&
			    strncmp(s + 1, group, strlen(group)) == 0)
				cur = group;
			continue;
		}
		if (cur == NULL || key == NULL || strncmp(s, key, klen) != 0)
			continue;
		s += klen;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '=')
			found = i + 1;
	}
	return found;
}

static char *
where(const char *group, const char *key)
{
	int line = key_line(group, key);

	return line ? g_strdup_printf("%s:%d", cf.path, line) :
	    g_strdup(cf.path);
}

/* --config FILE anywhere before "--" (main.c takes it before the
 * command too), else NULL. */
static const char *
config_arg(int argc, char **argv)
{
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
	}
	return path;
}

static void
config_load(int argc, char **argv)
{
	const char *path = config_arg(argc, argv);
	gboolean named = TRUE;
	GError *err = NULL;
	char *text;
	gsize len;

	if (cf.loaded)
		return;
	cf.loaded = TRUE;
	cf.how = "flag";
	if (path == NULL)
		path = cli_global.config;
	if (path == NULL && (path = g_getenv("MAILSIFT_CONFIG")) != NULL &&
	    *path != '\0')
		cf.how = "env MAILSIFT_CONFIG";
	else if (path == NULL || *path == '\0') {
		path = CONFIG_DEFAULT;
		cf.how = "default";
		named = FALSE;
	}
	if (!g_file_get_contents(path, &text, &len, &err)) {
		if (!named && g_error_matches(err, G_FILE_ERROR,
		    G_FILE_ERROR_NOENT)) {
			g_error_free(err);
			return;		/* no file: the defaults */
		}
		config_fail("configuration: %s", err->message);
	}
	cf.path = g_strdup(path);
	cf.kf = g_key_file_new();
	if (!g_key_file_load_from_data(cf.kf, text, len, G_KEY_FILE_NONE,
	    &err))
		config_fail("%s: %s", path, err->message);
	cf.lines = g_strsplit(text, "\n", -1);
	g_free(text);
}

static gboolean
is_command(const char *name)
{
	for (const struct cli_command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0 && strcmp(name, "config") != 0)
			return TRUE;
	return FALSE;
}

/* The option names of every command, by asking each to parse in the
 * collecting mode (cli_options returns at once: nothing else runs). */
static GHashTable *
every_option(void)
{
	if (cf.all_keys != NULL)
		return cf.all_keys;
	collecting = g_hash_table_new(g_str_hash, g_str_equal);
	for (const struct cli_command *c = commands; c->name; c++) {
		char *argv[] = { (char *)c->name, NULL };

		if (strcmp(c->name, "config") != 0)
			c->run(1, argv);
	}
	cf.all_keys = collecting;
	collecting = NULL;
	return cf.all_keys;
}

static gboolean
settable(const GOptionEntry *e)
{
	return e->long_name && strcmp(e->long_name, "config") != 0 &&
	    strcmp(e->long_name, "help") != 0;
}

static gboolean
in_entries(const GOptionEntry *entries, const char *key)
{
	for (const GOptionEntry *e = entries; e->long_name; e++)
		if (settable(e) && strcmp(e->long_name, key) == 0)
			return TRUE;
	return FALSE;
}

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
accepted_list(const GOptionEntry *entries, GHashTable *names)
{
	GPtrArray *a = g_ptr_array_new();
	GString *s = g_string_new(NULL);

	if (entries)
		for (const GOptionEntry *e = entries; e->long_name; e++)
			if (settable(e))
				g_ptr_array_add(a, (gpointer)e->long_name);
	if (names) {
		GHashTableIter it;
		gpointer k;

		g_hash_table_iter_init(&it, names);
		while (g_hash_table_iter_next(&it, &k, NULL))
			if (strcmp(k, "config") != 0 && strcmp(k, "help") != 0)
				g_ptr_array_add(a, k);
	}
	g_ptr_array_sort(a, cmp_str);
	for (guint i = 0; i < a->len; i++)
		if (i == 0 || strcmp(a->pdata[i], a->pdata[i - 1]) != 0)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "",
			    (char *)a->pdata[i]);
	g_ptr_array_free(a, TRUE);
	return g_string_free(s, FALSE);
}

static void
unknown_key(const char *group, const char *key, const GOptionEntry *entries,
    GHashTable *names)
{
	char *w = where(group, key), *ok = accepted_list(entries, names);

	config_fail("%s: unknown key '%s' in [%s] (accepted: %s)", w, key,
	    group, ok);
}

/* Groups are commands or [common]; [common]'s keys are options of some
 * command; the command's group's keys are its options. */
static void
config_check(const char *command, const GOptionEntry *entries)
{
	char **groups = g_key_file_get_groups(cf.kf, NULL);

	for (guint i = 0; groups[i]; i++) {
		GString *names;
		char **keys;

		if (strcmp(groups[i], CONFIG_GROUP) == 0) {
			keys = g_key_file_get_keys(cf.kf, groups[i], NULL, NULL);
			for (guint k = 0; keys && keys[k]; k++)
				if (!in_entries(entries, keys[k]) &&
				    (strcmp(keys[k], "config") == 0 ||
				    !g_hash_table_contains(every_option(),
				    keys[k])))
					unknown_key(CONFIG_GROUP, keys[k], NULL,
					    every_option());
			g_strfreev(keys);
			continue;
		}
		if (is_command(groups[i])) {
			if (command == NULL || strcmp(groups[i], command) != 0)
				continue;
			keys = g_key_file_get_keys(cf.kf, groups[i], NULL, NULL);
			for (guint k = 0; keys && keys[k]; k++)
				if (!in_entries(entries, keys[k]))
					unknown_key(groups[i], keys[k], entries,
					    NULL);
			g_strfreev(keys);
			continue;
		}
		names = g_string_new(CONFIG_GROUP);
		for (const struct cli_command *c = commands; c->name; c++)
			if (strcmp(c->name, "config") != 0)
				g_string_append_printf(names, ", %s", c->name);
		config_fail("%s: unknown group [%s] (groups: %s)", cf.path,
		    groups[i], names->str);
	}
	g_strfreev(groups);
}

static G_NORETURN void
bad_value(const char *group, const GOptionEntry *e, const char *v,
    const char *want)
{
	char *w = group ? where(group, e->long_name) : g_strdup("environment");

	config_fail("%s: [%s] %s: '%s' is not %s", w, group, e->long_name, v,
	    want);
}

static gboolean
parse_bool(const char *v, gboolean *b)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };

	for (int i = 0; yes[i]; i++)
		if (g_ascii_strcasecmp(v, yes[i]) == 0)
			return *b = TRUE, TRUE;
	for (int i = 0; no[i]; i++)
		if (g_ascii_strcasecmp(v, no[i]) == 0)
			return *b = FALSE, TRUE;
	return FALSE;
}

/* Store text v (from group, or from the environment when group is NULL)
 * into e's variable, by e's type. */
static void
set_value(const GOptionEntry *e, const char *group, const char *v)
{
	gint64 n;
	gboolean b;
	char *end;
	double d;

	switch (e->arg) {
	case G_OPTION_ARG_STRING:
	case G_OPTION_ARG_FILENAME:
		*(char **)e->arg_data = own(g_strdup(v));
		return;
	case G_OPTION_ARG_INT:
		if (!g_ascii_string_to_signed(v, 10, G_MININT, G_MAXINT, &n,
		    NULL))
			bad_value(group, e, v, "an integer");
		*(gint *)e->arg_data = (gint)n;
		return;
	case G_OPTION_ARG_INT64:
		if (!g_ascii_string_to_signed(v, 10, G_MININT64, G_MAXINT64, &n,
		    NULL))
			bad_value(group, e, v, "an integer");
		*(gint64 *)e->arg_data = n;
		return;
	case G_OPTION_ARG_DOUBLE:
		d = g_ascii_strtod(v, &end);
		if (*v == '\0' || *end != '\0')
			bad_value(group, e, v, "a number");
		*(double *)e->arg_data = d;
		return;
	case G_OPTION_ARG_NONE:
		if (!parse_bool(v, &b))
			bad_value(group, e, v, "true or false");
		if (e->flags & G_OPTION_FLAG_REVERSE)
			b = !b;
		*(gboolean *)e->arg_data = b;
		return;
	case G_OPTION_ARG_STRING_ARRAY:
	case G_OPTION_ARG_FILENAME_ARRAY: {
		/* GKeyFile's lists: a;b;c (a trailing ; allowed). */
		char **parts = g_strsplit(v, ";", -1);
		GPtrArray *a = g_ptr_array_new();

		for (guint i = 0; parts[i]; i++) {
			char *s = g_strstrip(parts[i]);

			if (*s)
				g_ptr_array_add(a, g_strdup(s));
		}
		g_ptr_array_add(a, NULL);
		g_strfreev(parts);
		*(char ***)e->arg_data = own(g_ptr_array_free(a, FALSE));
		return;
	}
	case G_OPTION_ARG_CALLBACK: {
		GError *err = NULL;
		char *name = g_strconcat("--", e->long_name, NULL);
		gboolean on = TRUE;

		if ((e->flags & G_OPTION_FLAG_NO_ARG) &&
		    (!parse_bool(v, &on)))
			bad_value(group, e, v, "true or false");
		if (on && !((GOptionArgFunc)e->arg_data)(name,
		    (e->flags & G_OPTION_FLAG_NO_ARG) ? NULL : v, NULL, &err)) {
			if (err == NULL)
				bad_value(group, e, v, "accepted");
			/* The callback's message names the value and why. */
			config_fail("%s: [%s] %s", group ? where(group,
			    e->long_name) : g_strdup("environment"),
			    group ? group : "-", err->message);
		}
		g_free(name);
		return;
	}
	}
}

/* The origin of each entry's value, for `mailsift config`. */
static GHashTable *origins;	/* long name -> char * */

static const char *
env_var(const char *option)
{
	for (int i = 0; env_vars[i].option; i++)
		if (strcmp(env_vars[i].option, option) == 0)
			return env_vars[i].var;
	return NULL;
}

/* Whether the command line names e (for the origin only: GOptionContext
 * does the parsing). */
static gboolean
on_command_line(const GOptionEntry *e, int argc, char **argv)
{
	size_t n = strlen(e->long_name);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, e->long_name,
		    n) == 0 && (a[2 + n] == '\0' || a[2 + n] == '='))
			return TRUE;
		if (e->short_name && a[0] == '-' && a[1] != '-' &&
		    strchr(a + 1, e->short_name) == a + 1)
			return TRUE;
	}
	return FALSE;
}

/* Is the variable set already, by main.c's global options? */
static gboolean
preset(const GOptionEntry *e)
{
	const char *p = e->arg_data, *g = (const char *)&cli_global;

	if (p < g || p >= g + sizeof(cli_global))
		return FALSE;
	if (e->arg == G_OPTION_ARG_NONE)
		return *(gboolean *)e->arg_data;
	return *(char **)e->arg_data != NULL;
}

void
cli_config_apply(const char *command, const GOptionEntry *entries, int argc,
    char **argv)
{
	config_load(argc, argv);
	if (cf.kf)
		config_check(command, entries);
	if (origins)
		g_hash_table_remove_all(origins);
	else
		origins = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
		    g_free);
	for (const GOptionEntry *e = entries; e->long_name; e++) {
		const char *group = NULL, *var;
		char *origin = NULL, *v = NULL;

		if (!settable(e))
			continue;
		if (preset(e)) {
			g_hash_table_insert(origins, (gpointer)e->long_name,
			    g_strdup("flag"));
			continue;
		}
		if (cf.kf && command &&
		    g_key_file_has_key(cf.kf, command, e->long_name, NULL))
			group = command;
		else if (cf.kf && g_key_file_has_key(cf.kf, CONFIG_GROUP,
		    e->long_name, NULL))
			group = CONFIG_GROUP;
		if (group) {
			v = g_key_file_get_string(cf.kf, group, e->long_name,
			    NULL);
			if (v == NULL)	/* not UTF-8, say */
				v = g_key_file_get_value(cf.kf, group,
				    e->long_name, NULL);
			set_value(e, group, v ? v : "");
			g_free(v);
			g_autofree char *w = where(group, e->long_name);

			origin = g_strconcat("file ", w, NULL);
		}
		if ((var = env_var(e->long_name)) != NULL &&
		    (v = (char *)g_getenv(var)) != NULL && *v != '\0') {
			set_value(e, NULL, v);
			g_free(origin);
			origin = g_strconcat("env ", var, NULL);
		}
		if (on_command_line(e, argc, argv)) {
			g_free(origin);
			origin = g_strdup("flag");
		}
		g_hash_table_insert(origins, (gpointer)e->long_name,
		    origin ? origin : g_strdup("default"));
	}
}

/* ---- mailsift config ---- */

/* Passwords stay out of the output: password=..., user:PASS@ in a URI. */
static char *
masked(const char *name, const char *v)
{
	static const char *const pat[2][2] = {
		{ "(password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|[^\\s']\\S*)",
		    "\\1***" },
		{ "(://[^:/@]*:)[^@/]*@", "\\1***@" },
	};
	char *out = g_strdup(v);

	if (strcmp(name, "db") != 0)
		return out;
	for (int i = 0; i < 2; i++) {
		GRegex *re = g_regex_new(pat[i][0], 0, 0, NULL);
		char *next = g_regex_replace(re, out, -1, 0, pat[i][1], 0,
		    NULL);

		g_regex_unref(re);
		if (next) {
			g_free(out);
			out = next;
		}
	}
	return out;
}

static char *
value_text(const GOptionEntry *e)
{
	switch (e->arg) {
	case G_OPTION_ARG_STRING:
	case G_OPTION_ARG_FILENAME:
		return *(char **)e->arg_data ?
		    masked(e->long_name, *(char **)e->arg_data) : NULL;
	case G_OPTION_ARG_INT:
		return *(gint *)e->arg_data ? g_strdup_printf("%d",
		    *(gint *)e->arg_data) : NULL;
	case G_OPTION_ARG_INT64:
		return *(gint64 *)e->arg_data ? g_strdup_printf("%"
		    G_GINT64_FORMAT, *(gint64 *)e->arg_data) : NULL;
	case G_OPTION_ARG_DOUBLE:
		return *(double *)e->arg_data != 0 ? g_strdup_printf("%g",
		    *(double *)e->arg_data) : NULL;
	case G_OPTION_ARG_NONE:
		return g_strdup(((*(gboolean *)e->arg_data != 0) ^
		    ((e->flags & G_OPTION_FLAG_REVERSE) != 0)) ?
		    "true" : "false");
	case G_OPTION_ARG_STRING_ARRAY:
	case G_OPTION_ARG_FILENAME_ARRAY:
		return *(char ***)e->arg_data ?
		    g_strjoinv(";", *(char ***)e->arg_data) : NULL;
	case G_OPTION_ARG_CALLBACK:	/* a numeric option (cli_parse_count) */
		return g_strdup(cli_count_value(e->long_name));
	default:
		return NULL;
	}
}

static void
add_row(struct store_table *t, const char *command, const char *option,
    char *value, const char *source)
{
	GPtrArray *row = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(row, g_strdup(command));
	g_ptr_array_add(row, g_strdup(option));
	g_ptr_array_add(row, value);
	g_ptr_array_add(row, g_strdup(source));
	g_ptr_array_add(t->rows, row);
}

/* The variables' bytes, to put back after showing. */
static gsize
value_size(const GOptionEntry *e)
{
	switch (e->arg) {
	case G_OPTION_ARG_NONE: return sizeof(gboolean);
	case G_OPTION_ARG_INT: return sizeof(gint);
	case G_OPTION_ARG_INT64: return sizeof(gint64);
	case G_OPTION_ARG_DOUBLE: return sizeof(double);
	case G_OPTION_ARG_CALLBACK: return 0;
	default: return sizeof(void *);
	}
}

GBytes *
cli_config_save(const GOptionEntry *entries)
{
	GByteArray *b;

	if (showing == NULL)
		return NULL;
	b = g_byte_array_new();
	for (const GOptionEntry *e = entries; e->long_name; e++)
		g_byte_array_append(b, e->arg_data, (guint)value_size(e));
	return g_byte_array_free_to_bytes(b);
}

void
cli_config_show(const char *command, const GOptionEntry *entries,
    GBytes *saved, gboolean parsed)
{
	const guint8 *p = g_bytes_get_data(saved, NULL);

	if (!parsed)
		showing->status = EX_USAGE;
	else {
		add_row(showing->t, command, "config",
		    g_strdup(cf.path ? cf.path : CONFIG_DEFAULT),
		    cf.path ? cf.how : "default (absent)");
		for (const GOptionEntry *e = entries; e->long_name; e++)
			if (settable(e))
				add_row(showing->t, command, e->long_name,
				    value_text(e), g_hash_table_lookup(origins,
				    e->long_name));
	}
	for (const GOptionEntry *e = entries; e->long_name; e++) {
		/* What the parse allocated stays reachable. */
		if (value_size(e) == sizeof(void *) && e->arg != G_OPTION_ARG_INT64 &&
		    e->arg != G_OPTION_ARG_DOUBLE && *(void **)e->arg_data)
			own(*(void **)e->arg_data);
		memcpy(e->arg_data, p, value_size(e));
		p += value_size(e);
	}
	g_bytes_unref(saved);
}

