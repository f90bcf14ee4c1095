/* cmd_ingest.c - the ingest and requeue commands.
 *
 *	mailsift ingest -			   one message on stdin (postfix pipe)
 *	mailsift ingest --maildir DIR	   every message in new/ and cur/
 *	mailsift ingest --mbox FILE
 *	mailsift ingest FILE...		   e-mails or bare .xml/.gz/.zip
 *	mailsift ingest --enrich ...	   then enrich what the run stored
 *	mailsift requeue [--id N]		   retry quarantined messages
 *
 * Exit 0 when every message ended stored, duplicate, not a report or
 * quarantined; 75 when the database could not take them (retry later);
 * 74 when some input could not be read, or a committed Maildir message
 * could not be moved out of new/ (the others were processed).
 *
 * A Maildir or a list of files is shared by --jobs processes (one per CPU
 * by default), each taking every N-th message with its own connection, so
 * parsing in one overlaps database work in another.  The report identity
 * makes the jobs safe against each other and against other ingesters.
 *
 * --enrich (Maildir, mbox or files, never stdin: the postfix pipe must
 * not wait on DNS) resolves afterwards the source addresses of the
 * messages this run stored (cmd_enrich.c, with its options); whatever the
 * resolver does, the exit status is ingest's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "ingest_run.h"

static char *opt_maildir, *opt_mbox;
static gint64 opt_max_message, opt_max_inflated, opt_batch;
static gint64 opt_max_ratio, opt_max_zip_entries, opt_jobs;
static gboolean opt_keep_bodies;
static gboolean opt_enrich;

/* The numeric options and their bounds: 0 or a negative number is no
 * size, no batch, no process, so each is refused when parsed (on the
 * command line or from the configuration file), not taken as "default". */
static const struct cli_count count_options[] = {
	{ "max-message-size", 0, 1, G_MAXINT64, &opt_max_message },
	{ "max-inflated-size", 0, 1, G_MAXINT64, &opt_max_inflated },
	{ "max-ratio", 0, 1, G_MAXUINT32, &opt_max_ratio },
	{ "max-zip-entries", 0, 1, G_MAXUINT32, &opt_max_zip_entries },
	{ "batch", 0, 1, 1000000, &opt_batch },
	{ "jobs", 'j', 1, 64, &opt_jobs },
};

static gboolean
set_count(const char *option, const char *value, gpointer data,
    GError **error)
{
	return cli_count_set(count_options, G_N_ELEMENTS(count_options),
	    option, value, error);
}

static const GOptionEntry ingest_entries[] = {
	{ "maildir", 0, 0, G_OPTION_ARG_FILENAME, &opt_maildir,
	    "ingest every message in DIR/new and DIR/cur", "DIR" },
	{ "mbox", 0, 0, G_OPTION_ARG_FILENAME, &opt_mbox,
	    "ingest every message of an mbox file", "FILE" },
	{ "max-message-size", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "largest message accepted, bytes (default 64 MiB)", "N" },
	{ "max-inflated-size", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "most bytes unpacked per report and per message (default 2 GiB)", "N" },
	{ "max-ratio", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "largest compression ratio (default 2000)", "N" },
	{ "max-zip-entries", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "most zip entries read in one message (default 64)", "N" },
	{ "batch", 0, 0, G_OPTION_ARG_CALLBACK, set_count,
	    "messages per transaction (default 500)", "N" },
	{ "jobs", 'j', 0, G_OPTION_ARG_CALLBACK, set_count,
	    "processes sharing a Maildir or file list (default: one per CPU, "
	    "at most 8)", "N" },
	{ "keep-failure-bodies", 0, 0, G_OPTION_ARG_NONE, &opt_keep_bodies,
	    "keep the body of the message a DMARC failure report returns "
	    "(private mail: only its headers are kept by default)", NULL },
	{ "enrich", 0, 0, G_OPTION_ARG_NONE, &opt_enrich,
	    "then resolve the source IPs of what this run stored (not with -; "
	    "the enrich options apply)", NULL },
	G_OPTION_ENTRY_NULL
};

static void
apply_limits(struct ingest_limits *lim)
{
	if (opt_max_message > 0)
		lim->max_message = (gsize)opt_max_message;
	if (opt_max_inflated > 0)
		lim->max_inflated = (gsize)opt_max_inflated;
	if (opt_max_ratio > 0)
		lim->max_ratio = (guint)opt_max_ratio;
	if (opt_max_zip_entries > 0)
		lim->max_zip_entries = (guint)opt_max_zip_entries;
}

static struct ingest_source *
open_source(int argc, char **argv, GError **err)
{
	struct ingest_limits limits, *lim = &limits;

	ingest_limits_default(lim);
	apply_limits(lim);
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

/* One line on stderr: what the run stored, each kind by its name. */
static void
print_summary(const struct ingest_counts *n)
{
	fprintf(stderr, "mailsift: %u stored (%" G_GUINT64_FORMAT " reports, %"
	    G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT " bounces, %"
	    G_GUINT64_FORMAT " bounce recipients, %" G_GUINT64_FORMAT
	    " complaints, %" G_GUINT64_FORMAT " auto-replies, %"
	    G_GUINT64_FORMAT " failure reports), %u duplicate, %u not a "
	    "report, %u quarantined\n", n->stored, n->reports, n->records,
	    n->bounces, n->bounce_rcpts, n->complaints, n->autoreplies,
	    n->failure_reports, n->duplicate, n->none, n->quarantined);
}

/* What one process did, passed from a job to the parent. */
struct job_result {
	int status;
	gboolean unreadable;
	struct ingest_counts n;
};

/* One ingest process over its shard of src, or over the whole input
 * when src is NULL (then opened here, after the database). */
static void
run_job(int argc, char **argv, struct ingest_source *src, guint shard,
    guint nshards, struct job_result *res)
{
	struct ingest_run run;
	struct store *st;
	GError *err = NULL;

	memset(res, 0, sizeof(*res));
	if ((st = cli_store_open(&res->status)) == NULL)
		return;
	ingest_run_init(&run, st);
	apply_limits(&run.lim);
	if (opt_batch > 0)
		run.batch_max = (guint)opt_batch;
	run.keep_bodies = opt_keep_bodies;
	if (src == NULL &&
	    (src = open_source(argc, argv, &err)) == NULL) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		g_error_free(err);
		ingest_run_finish(&run);
		store_close(st);
		res->status = EX_NOINPUT;
		return;
	}
	if (nshards > 1)
		ingest_source_shard(src, shard, nshards);
	res->unreadable = feed(&run, src);
	res->status = ingest_run_finish(&run);
	/* A message committed but left in new/ is an input error too. */
	res->unreadable |= run.unmoved;
	ingest_source_free(src);
	store_close(st);
	res->n = run.n;
}

/* The status that matters most to the caller: retry beats the rest. */
static int
worse_status(int a, int b)
{
	if (a == EX_TEMPFAIL || b == EX_TEMPFAIL)
		return EX_TEMPFAIL;
	return a ? a : b;
}

static void
add_result(struct job_result *sum, const struct job_result *r)
{
	sum->status = worse_status(sum->status, r->status);
	sum->unreadable |= r->unreadable;
	ingest_counts_add(&sum->n, &r->n);
}

/* Fork nshards processes, each with its own database connection, over
 * disjoint shards of the Maildir or file list: the parsing of one overlaps
 * the database work of another.  The input is listed once, here, before
 * the fork: were each job to list it, a message moved from new/ to cur/
 * by one job would shift the others' numbering, and a message could fall
 * between the shards.  Results come back through a pipe. */
static void
run_jobs(int argc, char **argv, guint nshards, struct job_result *sum)
{
	struct ingest_source *src;
	GError *err = NULL;
	int fds[2];
	guint started = 0;
	struct job_result r;
	int wstatus;

	memset(sum, 0, sizeof(*sum));
	if ((src = open_source(argc, argv, &err)) == NULL) {
		fprintf(stderr, "mailsift: %s\n", err->message);
		g_error_free(err);
		sum->status = EX_NOINPUT;
		return;
	}
	if (pipe(fds) < 0) {
		run_job(argc, argv, src, 0, 1, sum);
		return;
	}
	fflush(NULL);
	for (guint k = 0; k < nshards; k++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(fds[0]);
			run_job(argc, argv, src, k, nshards, &r);
			if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
				_exit(EX_OSERR);
			_exit(0);
		}
		if (pid < 0) {
			/* The shards of the jobs not started would be
			 * lost: the caller must retry them. */
			sum->status = worse_status(sum->status, EX_TEMPFAIL);
			break;
		}
		started++;
	}
	ingest_source_free(src);
	close(fds[1]);
	for (guint k = 0; k < started; k++) {
		if (read(fds[0], &r, sizeof(r)) == (ssize_t)sizeof(r))
			add_result(sum, &r);
		else
			sum->status = worse_status(sum->status, EX_SOFTWARE);
	}
	close(fds[0]);
	while (wait(&wstatus) > 0)
		if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
			sum->status = worse_status(sum->status, EX_SOFTWARE);
}

static guint
job_count(int argc, char **argv)
{
	guint n;

	if (opt_jobs > 0)
		n = (guint)opt_jobs;
	else if (opt_maildir || argc > 2)
		n = g_get_num_processors();
	else
		n = 1;
	if (opt_mbox || (argc == 2 && strcmp(argv[1], "-") == 0))
		n = 1;
	return CLAMP(n, 1, 8);
}

/* ingest's options and enrich's, for one GOptionContext. */
static GOptionEntry *
all_entries(void)
{
	GArray *a = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));

	for (const GOptionEntry *o = ingest_entries; o->long_name; o++)
		g_array_append_val(a, *o);
	for (const GOptionEntry *o = cli_enrich_entries; o->long_name; o++)
		g_array_append_val(a, *o);
	return (GOptionEntry *)g_array_free(a, FALSE);
}

/* The ingest log id the run will store above, or -1 after printing why
 * it cannot be had (then no enrichment: ingest goes on regardless). */
static int64_t
enrich_mark(void)
{
	struct store *st;
	GError *err = NULL;
	int64_t id;
	int status;

	if ((st = cli_store_open(&status)) == NULL)
		return -1;
	if ((id = store_last_ingest_id(st, &err)) < 0) {
		fprintf(stderr, "mailsift: database: %s\n", err->message);
		g_error_free(err);
	}
	store_close(st);
	return id;
}

/* After the run: enrich what it stored.  Its status is only reported. */
static void
enrich_after(int64_t mark)
{
	struct store *st;
	int status;

	if (mark < 0 || (st = cli_store_open(&status)) == NULL)
		return;
	if (cli_enrich(st, mark, FALSE, 0) != 0)
		fprintf(stderr, "mailsift: ingest is done; enrichment is not "
		    "(run mailsift enrich later)\n");
	store_close(st);
}

int
cli_cmd_ingest(int argc, char **argv)
{
	GOptionEntry *entries = all_entries();
	struct job_result res;
	int64_t mark = -1;
	guint jobs;
	gboolean ok;

	ok = cli_options(&argc, &argv, "[- | FILE...]",
	    "Store DMARC reports found in e-mails.", entries);
	g_free(entries);
	if (!ok)
		return EX_USAGE;
	if ((opt_maildir != NULL) + (opt_mbox != NULL) + (argc > 1) != 1) {
		fprintf(stderr, "mailsift: ingest needs exactly one of -, "
		    "--maildir DIR, --mbox FILE, FILE...\n");
		return EX_USAGE;
	}
	if (opt_enrich && argc == 2 && strcmp(argv[1], "-") == 0) {
		fprintf(stderr, "mailsift: --enrich is not for stdin: the "
		    "pipe must not wait on DNS (run mailsift enrich from "
		    "cron)\n");
		return EX_USAGE;
	}
	if (opt_enrich)
		mark = enrich_mark();
	jobs = job_count(argc, argv);
	if (jobs > 1)
		run_jobs(argc, argv, jobs, &res);
	else
		run_job(argc, argv, NULL, 0, 1, &res);
	if (cli_global.verbose || res.n.stored + res.n.duplicate + res.n.none +
	    res.n.quarantined > 1)
		print_summary(&res.n);
	if (opt_enrich)
		enrich_after(mark);
	if (res.status == 0 && res.unreadable)
		return EX_IOERR;
	return res.status;
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
	    run.n.stored + run.n.duplicate + run.n.none + run.n.quarantined,
	    run.n.stored, run.n.duplicate, run.n.none, run.n.quarantined);
	store_close(st);
	return status;
}
