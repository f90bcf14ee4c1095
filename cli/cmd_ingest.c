/* cmd_ingest.c - the ingest and requeue commands.
 *
 *	mailsift ingest -			   one message on stdin (postfix pipe)
 *	mailsift ingest --maildir DIR	   every message in new/ and cur/
 *	mailsift ingest --mbox FILE
 *	mailsift ingest FILE...		   e-mails or bare .xml/.gz/.zip
 *	mailsift requeue [--id N]		   retry quarantined messages
 *
 * Exit 0 when every message ended stored, duplicate, not a report or
 * quarantined; 75 when the database could not take them (retry later);
 * 74 when some input could not be read (the others were processed).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ingest_run.h"

static char *opt_maildir, *opt_mbox;
static gint64 opt_max_message, opt_max_inflated, opt_batch;
static gint opt_max_ratio, opt_max_zip_entries;

static const GOptionEntry ingest_entries[] = {
	{ "maildir", 0, 0, G_OPTION_ARG_FILENAME, &opt_maildir,
	    "ingest every message in DIR/new and DIR/cur", "DIR" },
	{ "mbox", 0, 0, G_OPTION_ARG_FILENAME, &opt_mbox,
	    "ingest every message of an mbox file", "FILE" },
	{ "max-message-size", 0, 0, G_OPTION_ARG_INT64, &opt_max_message,
	    "largest message accepted, bytes (default 64 MiB)", "N" },
	{ "max-inflated-size", 0, 0, G_OPTION_ARG_INT64, &opt_max_inflated,
	    "largest unpacked report, bytes (default 2 GiB)", "N" },
	{ "max-ratio", 0, 0, G_OPTION_ARG_INT, &opt_max_ratio,
	    "largest compression ratio (default 2000)", "N" },
	{ "max-zip-entries", 0, 0, G_OPTION_ARG_INT, &opt_max_zip_entries,
	    "most entries read from one zip (default 64)", "N" },
	{ "batch", 0, 0, G_OPTION_ARG_INT64, &opt_batch,
	    "messages per transaction (default 500)", "N" },
	G_OPTION_ENTRY_NULL
};

static void
apply_limits(struct ingest_run *run)
{
	if (opt_max_message > 0)
		run->lim.max_message = (gsize)opt_max_message;
	if (opt_max_inflated > 0)
		run->lim.max_inflated = (gsize)opt_max_inflated;
	if (opt_max_ratio > 0)
		run->lim.max_ratio = (guint)opt_max_ratio;
	if (opt_max_zip_entries > 0)
		run->lim.max_zip_entries = (guint)opt_max_zip_entries;
	if (opt_batch > 0)
		run->batch_max = (guint)opt_batch;
}

static struct ingest_source *
open_source(int argc, char **argv, const struct ingest_limits *lim,
    GError **err)
{
	if (opt_maildir)
		return ingest_source_maildir(opt_maildir, lim, err);
	if (opt_mbox)
		return ingest_source_mbox(opt_mbox, lim, err);
	if (argc == 2 && strcmp(argv[1], "-") == 0)
		return ingest_source_stdin(lim, err);
	return ingest_source_files(argv + 1, argc - 1, lim, err);
}

/* Feed every message of src to the run.  Returns TRUE when some input
 * could not be read at all. */
static gboolean
feed(struct ingest_run *run, struct ingest_source *src)
{
	struct ingest_message *msg;
	GError *err = NULL;
	gboolean unreadable = FALSE;
	int r;

	while (!run->stopped && (r = ingest_source_next(src, &msg, &err)) != 0) {
		if (r > 0) {
			ingest_run_add(run, msg, NULL, 0);
			continue;
		}
		if (msg != NULL) {
			/* Exists but too large to hold: log it quarantined;
			 * the file itself stays where it is. */
			ingest_run_add(run, msg, err->message, 0);
		} else {
			fprintf(stderr, "mailsift: %s\n", err->message);
			unreadable = TRUE;
		}
		g_clear_error(&err);
	}
	return unreadable;
}

static void
print_summary(const struct ingest_run *run)
{
	if (!cli_global.verbose && run->n_stored + run->n_duplicate +
	    run->n_none + run->n_quarantined <= 1)
		return;
	fprintf(stderr, "mailsift: %u stored (%" G_GUINT64_FORMAT " reports, %"
	    G_GUINT64_FORMAT " records), %u duplicate, %u not a report, "
	    "%u quarantined\n", run->n_stored, run->n_reports, run->n_records,
	    run->n_duplicate, run->n_none, run->n_quarantined);
}

int
cli_cmd_ingest(int argc, char **argv)
{
	struct ingest_run run;
	struct ingest_source *src;
	struct store *st;
	GError *err = NULL;
	gboolean unreadable;
	int status = 0;

	if (!cli_options(&argc, &argv, "[- | FILE...]",
	    "Store DMARC reports found in e-mails.", ingest_entries))
		return EX_USAGE;
	if ((opt_maildir != NULL) + (opt_mbox != NULL) + (argc > 1) != 1) {
		fprintf(stderr, "mailsift: ingest needs exactly one of -, "
		    "--maildir DIR, --mbox FILE, FILE...\n");
		return EX_USAGE;
	}
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	ingest_run_init(&run, st);
	apply_limits(&run);
	if ((src = open_source(argc, argv, &run.lim, &err)) == NULL) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		g_error_free(err);
		ingest_run_finish(&run);
		store_close(st);
		return EX_NOINPUT;
	}
	unreadable = feed(&run, src);
	status = ingest_run_finish(&run);
	ingest_source_free(src);
	store_close(st);
	print_summary(&run);
	if (status == 0 && unreadable)
		status = EX_IOERR;
	return status;
}

static gint64 opt_requeue_id;

static const GOptionEntry requeue_entries[] = {
	{ "id", 0, 0, G_OPTION_ARG_INT64, &opt_requeue_id,
	    "only the quarantined message with this ingest log id", "N" },
	G_OPTION_ENTRY_NULL
};

struct requeue_item {
	int64_t id;
	char *source;
	GBytes *raw;
};

static int
collect_quarantined(void *user, int64_t id, const char *source,
    const char *reason, GBytes *raw)
{
	GPtrArray *items = user;
	struct requeue_item *it = g_new0(struct requeue_item, 1);

	it->id = id;
	it->source = g_strdup(source);
	it->raw = g_bytes_ref(raw);
	g_ptr_array_add(items, it);
	return 0;
}

int
cli_cmd_requeue(int argc, char **argv)
{
	struct ingest_run run;
	struct store *st;
	GPtrArray *items;
	GError *err = NULL;
	int status = 0;

	if (!cli_options(&argc, &argv, "",
	    "Ingest quarantined messages again (after an upgrade or a limit change).",
	    requeue_entries))
		return EX_USAGE;
	if ((st = cli_store_open(&status)) == NULL)
		return status;
	items = g_ptr_array_new();
	if (store_quarantine_each(st, opt_requeue_id, collect_quarantined,
	    items, &err) < 0) {
		fprintf(stderr, "mailsift: database: %s\n", err->message);
		status = cli_store_status(err);
		g_error_free(err);
		store_close(st);
		g_ptr_array_free(items, TRUE);
		return status;
	}
	ingest_run_init(&run, st);
	for (guint i = 0; i < items->len; i++) {
		struct requeue_item *it = g_ptr_array_index(items, i);

		ingest_run_add(&run, ingest_message_new(it->raw, it->source),
		    NULL, it->id);
		g_bytes_unref(it->raw);
		g_free(it->source);
		g_free(it);
	}
	g_ptr_array_free(items, TRUE);
	status = ingest_run_finish(&run);
	fprintf(stderr, "mailsift: requeued %u: %u stored, %u duplicate, "
	    "%u not a report, %u still quarantined\n",
	    run.n_stored + run.n_duplicate + run.n_none + run.n_quarantined,
	    run.n_stored, run.n_duplicate, run.n_none, run.n_quarantined);
	store_close(st);
	return status;
}
