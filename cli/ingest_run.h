/* ingest_run.h - one ingest pass: messages in, outcomes logged, batches
 * committed.  Shared by the ingest and requeue commands.
 *
 *	struct ingest_run run; ingest_run_init(&run, st);
 *	ingest_run_add(&run, msg, reason_or_NULL, requeued_from);  (repeatedly)
 *	status = ingest_run_finish(&run);	   flushes, returns sysexits
 *
 * A message without a report is offered to the ARF reader
 * (parse/arf/arf.h: failure reports and complaints, the returned message's
 * headers and, with keep_bodies, its body) and to the bounce reader
 * (parse/bounce/bounce.h): bounces, auto-replies and complaints are stored too.
 *
 * Messages are gathered into batches; a batch is one transaction, each
 * message in it a savepoint, so a message is stored whole or not at all.
 * A transient database error rolls the batch back and retries it (bounded,
 * reconnecting when needed); when retries run out the run stops with 75 and
 * no message of the failed batch is marked seen.
 */
#ifndef MAILSIFT_INGEST_RUN_H
#define MAILSIFT_INGEST_RUN_H

#include "../ingest/ingest.h"
#include "../store/store.h"

/* What a run stored, counted for committed batches only. */
struct ingest_counts {
	guint stored, duplicate, none, quarantined;	/* messages */
	guint64 reports, records;	/* DMARC and TLS reports, DMARC records */
	guint64 bounces, bounce_rcpts;	/* bounce messages, their recipients */
	guint64 complaints, autoreplies;	/* ARF complaints, RFC 3834 */
	guint64 failure_reports;	/* DMARC failure reports */
};

/* Adds b to a. */
void ingest_counts_add(struct ingest_counts *a, const struct ingest_counts *b);

struct ingest_run {
	struct store *st;
	struct ingest_limits lim;
	guint batch_max;	/* messages per transaction */
	gsize batch_bytes_max;	/* raw bytes per transaction */
	gboolean keep_bodies;	/* keep a failure report's returned body */
	GPtrArray *batch;	/* struct queued_message * */
	gsize batch_bytes;
	int status;		/* 0, or the sysexits status that stopped us */
	gboolean stopped;	/* a fatal database error ended the run */
	gboolean unmoved;	/* a committed Maildir message stayed in new/ */
	struct ingest_counts n;	/* what happened, for the summary line */
};

void ingest_run_init(struct ingest_run *run, struct store *st);
/* Takes ownership of msg.  reason != NULL: the message could not be read
 * whole (limit): log it quarantined with that reason.  Returns FALSE once
 * the run has stopped (then msg was freed unprocessed). */
gboolean ingest_run_add(struct ingest_run *run, struct ingest_message *msg,
    const char *reason, int64_t requeued_from);
int ingest_run_finish(struct ingest_run *run);

#endif
