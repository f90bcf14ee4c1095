/* cli.h - what the command modules of the mailsift binary share.
 *
 * main.c parses the global options and dispatches to one cli_cmd_* per
 * command; each command parses its own options with GOptionContext (so
 * every command has --help) and returns a sysexits(3) status.
 */
#ifndef MAILSIFT_CLI_H
#define MAILSIFT_CLI_H

#include <glib.h>
#include <stdio.h>
#include <sysexits.h>
#include "../store/store.h"

#define MAILSIFT_VERSION "0.1.0"

struct cli_global {
	char *db;		/* --db CONNINFO, or NULL */
	gboolean verbose;
	char *config;		/* --config FILE, or NULL */
};

extern struct cli_global cli_global;

int cli_cmd_ingest(int argc, char **argv);
int cli_cmd_requeue(int argc, char **argv);
int cli_cmd_parse(int argc, char **argv);
int cli_cmd_trend(int argc, char **argv);
int cli_cmd_sources(int argc, char **argv);
int cli_cmd_reports(int argc, char **argv);
int cli_cmd_explain(int argc, char **argv);
int cli_cmd_db(int argc, char **argv);
int cli_cmd_bounces(int argc, char **argv);
int cli_cmd_reclassify(int argc, char **argv);
int cli_cmd_tls(int argc, char **argv);
int cli_cmd_failures(int argc, char **argv);
int cli_cmd_enrich(int argc, char **argv);
int cli_cmd_report(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_config(int argc, char **argv);
int cli_cmd_quarantine(int argc, char **argv);

/* The commands, by name: main.c's table, handed to config.c first
 * thing (cli_config_init), which `mailsift config` and the check of the
 * file's groups read back (cli_config_commands). */
struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};
void cli_config_init(const struct cli_command *table);
const struct cli_command *cli_config_commands(void);

/* The configuration file and the environment (config.c), for
 * cli_options: apply sets the variables of entries (NULL-terminated)
 * from them before GOptionContext parses; exits 78 on a bad file.  When
 * `mailsift config` runs a command: collect (every option name, returns
 * TRUE: stop), save (the variables, else NULL) and show (record the
 * effective values, put the variables back). */
void cli_config_apply(const char *command, const GOptionEntry *entries,
    int argc, char **argv);
gboolean cli_config_collect(const GOptionEntry *entries);
GBytes *cli_config_save(const GOptionEntry *entries);
void cli_config_show(const char *command, const GOptionEntry *entries,
    GBytes *saved, gboolean parsed);
/* `mailsift config`: the rows go into t (command, option, value, source)
 * while the commands run; end returns 64 when one's parse failed. */
void cli_config_show_begin(struct store_table *t);
int cli_config_show_end(void);

/* Enrich the addresses stored by messages above after_ingest_id (-1: all)
 * that are new or expired (all: every one), at most limit (0: no bound),
 * with the enrich options of cli_enrich_entries (cmd_enrich.c); returns
 * the exit status `mailsift enrich` would. */
int cli_enrich(struct store *st, int64_t after_ingest_id, gboolean all,
    int64_t limit);
extern const GOptionEntry cli_enrich_entries[];

/* Fork n workers (at most 8) running job(user, k, n), copy their stdout
 * to ours without mixing lines, and return the worst exit status
 * (jobs.c). */
int cli_jobs_run(guint n, int (*job)(void *user, guint k, guint n),
    void *user);

/* Parse the command's options: adds --db, -v and --config to entries, and
 * sets them from the configuration file and the environment first
 * (config.c; a bad file exits 78 here).  Returns FALSE after printing the
 * error (the caller exits EX_USAGE).  Every command calls it first, before
 * doing anything: `mailsift config` and the check of the file's [common]
 * run each command's function and rely on it returning FALSE at once. */
gboolean cli_options(int *argc, char ***argv, const char *params,
    const char *summary, const GOptionEntry *entries);
/* The same for a command that never opens a database: no --db. */
gboolean cli_options_nodb(int *argc, char ***argv, const char *params,
    const char *summary, const GOptionEntry *entries);

/* Open the database; on failure print why and set *status to 75 or 78. */
struct store *cli_store_open(int *status);
/* Map a store error to an exit status: 78 configuration, else 75. */
int cli_store_status(const GError *err);

/* "30d", "12h", "2w", "2026-10-01" -> epoch seconds (now minus the span).
 * Returns FALSE on a malformed value. */
gboolean cli_parse_since(const char *text, int64_t *since);

/* NULL, an address or a CIDR block; else FALSE after saying what is
 * expected ("mailsift: CMD: bad --ip ..."). */
gboolean cli_check_ip(const char *cmd, const char *s);
/* A numeric option's value from min to max, for a GOptionEntry callback
 * (option as given, its long name): FALSE with a G_OPTION_ERROR naming the
 * range (common.c).  cli_count_value: the value last accepted for that
 * long name, else NULL (for `mailsift config`). */
gboolean cli_parse_count(const char *option, const char *name,
    const char *value, gint64 min, gint64 max, gint64 *out, GError **error);
const char *cli_count_value(const char *name);
/* A command's numeric options and their bounds; cli_count_set finds the
 * option (long name, or its short letter as the table's short) and parses
 * its value with cli_parse_count.  The options' GOptionEntry callbacks
 * call it: a value out of range is refused however it was given. */
struct cli_count {
	const char *name;
	char short_name;
	gint64 min, max;
	gint64 *value;
};
gboolean cli_count_set(const struct cli_count *table, size_t n,
    const char *option, const char *value, GError **error);

/* JSON text helpers (always valid UTF-8 out). */
void cli_json_str(GString *out, const char *s);	/* "..." or null */
void cli_json_key(GString *out, const char *key);	/* "key": */
/* Members after the first of an object (json.c): ,"key":value.  Keys are
 * our own ASCII constants: nothing to escape. */
void cli_json_member(GString *out, const char *key);	/* ,"key": */
void cli_json_field(GString *out, const char *key, const char *value);
void cli_json_strings(GString *out, const char *key, const GPtrArray *a);
void cli_json_int(GString *out, const char *key, int64_t v);
void cli_json_int_or_null(GString *out, const char *key, int64_t v);	/* 0: null */
void cli_json_count(GString *out, const char *key, int64_t v);	/* < 0: null */

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };
gboolean cli_parse_format(const char *text, enum cli_format *fmt);
void cli_print_table(FILE *fp, const struct store_table *t,
    enum cli_format fmt);

/* Printing the batches of a streamed query (store_ask): csv's header and
 * the table's once, the table's column widths from the first batch (up to
 * 1000 rows; a wider value later pushes the rest of its line right).
 *	struct cli_stream s = { stdout, fmt };
 *	store_ask(st, q, &f, limit, cli_stream_batch, &s, &err);
 *	cli_stream_end(&s); */
struct cli_stream {
	FILE *fp;
	enum cli_format fmt;
	gboolean started;
	guint64 rows;
	int *width;
};
int cli_stream_batch(void *user, const struct store_table *t);
void cli_stream_end(struct cli_stream *s);

#endif
