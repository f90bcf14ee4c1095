/* cmd_config.c - mailsift config: the effective settings and their origin.
 *
 *	mailsift config [--format table|csv|json] [--config FILE]
 *	    [COMMAND [OPTIONS]]
 *
 * For COMMAND (or every command) one row per option: its value and where
 * it comes from (flag, env VAR, file PATH:LINE, default; an empty default
 * is the command's built-in one).  The command's own option parsing runs
 * (config.c records what it ends with and stops the command), so this is
 * exactly what the command would see.  Passwords in --db are masked.
 */
#include <string.h>

#include "cli.h"

static char *opt_format;

static const GOptionEntry config_entries[] = {
	{ "format", 0, 0, G_OPTION_ARG_STRING, &opt_format,
	    "table (default), csv or json (one object per line)", "FMT" },
	{ "config", 0, 0, G_OPTION_ARG_FILENAME, &cli_global.config,
	    "the configuration file (else $MAILSIFT_CONFIG, else "
	    "/etc/mailsift/mailsift.conf)", "FILE" },
	G_OPTION_ENTRY_NULL
};

static void
show_one(const struct cli_command *c, int argc, char **argv)
{
	char *def[] = { (char *)c->name, NULL };

	if (argc < 1) {
		argc = 1;
		argv = def;
	}
	c->run(argc, argv);
}

int
cli_cmd_config(int argc, char **argv)
{
	const struct cli_command *all = cli_config_commands(), *only = NULL;
	GOptionContext *ctx = g_option_context_new("[COMMAND [OPTIONS]]");
	struct store_table *t;
	enum cli_format fmt;
	GError *err = NULL;
	int status;

	g_option_context_set_summary(ctx,
	    "The effective settings of COMMAND (or of every command) and\n"
	    "where each comes from: flag, env VAR, file PATH:LINE, or default\n"
	    "(an empty value: the command's built-in default).  COMMAND's\n"
	    "options after it count as flags.");
	g_option_context_add_main_entries(ctx, config_entries, NULL);
	g_option_context_set_strict_posix(ctx, TRUE);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		g_error_free(err);
		g_option_context_free(ctx);
		return EX_USAGE;
	}
	g_option_context_free(ctx);
	if (!cli_parse_format(opt_format, &fmt)) {
		fprintf(stderr, "mailsift: config: unknown format '%s' (table, "
		    "csv, json)\n", opt_format);
		return EX_USAGE;
	}
	if (argc > 1) {
		for (const struct cli_command *c = all; c->name; c++)
			if (strcmp(c->name, argv[1]) == 0 &&
			    strcmp(c->name, "config") != 0)
				only = c;
		if (only == NULL) {
			fprintf(stderr, "mailsift: config: unknown command "
			    "'%s'\n", argv[1]);
			return EX_USAGE;
		}
	}
	t = g_new0(struct store_table, 1);
	t->columns = g_ptr_array_new();
	t->rows = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_ptr_array_unref);
	g_ptr_array_add(t->columns, "command");
	g_ptr_array_add(t->columns, "option");
	g_ptr_array_add(t->columns, "value");
	g_ptr_array_add(t->columns, "source");
	cli_config_show_begin(t);
	if (only)
		show_one(only, argc - 1, argv + 1);
	else
		/* Each command checks its own group as it runs. */
		for (const struct cli_command *c = all; c->name; c++)
			if (strcmp(c->name, "config") != 0)
				show_one(c, 0, NULL);
	if ((status = cli_config_show_end()) == 0)
		cli_print_table(stdout, t, fmt);
	g_ptr_array_free(t->rows, TRUE);
	g_ptr_array_free(t->columns, TRUE);
	g_free(t);
	return status;
}
