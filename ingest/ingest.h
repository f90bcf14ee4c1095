/* ingest.h - read messages and find the report payloads inside them.
 *
 * Two halves.  Sources hand out whole messages, one at a time, from stdin,
 * a Maildir (new/ and cur/), an mbox, or plain files.  The walker takes one
 * message, walks every MIME part with GMime (nested message/rfc822
 * included), and hands each candidate payload to a callback as a byte
 * stream of XML or JSON, after unpacking gzip (nested, trailing bytes
 * ignored) and zip (every entry).  Payloads are found by content (gzip/zip
 * magic, XML, a JSON object), never by label.  A file that is not a
 * message (bare .xml, .json, .gz, .zip) is itself the payload.
 *
 * Every size is bounded by struct ingest_limits; exceeding a limit is an
 * error whose message names the limit, never a crash or unbounded memory.
 *
 * Usage:
 *	struct ingest_limits lim; ingest_limits_default(&lim);
 *	struct ingest_source *src = ingest_source_maildir(dir, &lim, &err);
 *	struct ingest_message *m;
 *	while ((r = ingest_source_next(src, &m, &err)) != 0) {
 *		if (r < 0) { report err; continue; }	   (m may be NULL)
 *		ingest_walk(m, &lim, on_payload, user, &err);
 *		... commit ...; ingest_maildir_mark_seen(m, &err);
 *		ingest_message_free(m);
 *	}
 */
#ifndef MAILSIFT_INGEST_H
#define MAILSIFT_INGEST_H

#include <glib.h>

struct _GMimeMessage;

#define INGEST_ERROR (ingest_error_quark())
GQuark ingest_error_quark(void);

enum ingest_error_code {
	INGEST_ERROR_IO,	/* cannot read a file or directory */
	INGEST_ERROR_LIMIT,	/* a configured limit was exceeded */
	INGEST_ERROR_FORMAT,	/* corrupt gzip/zip/MIME that cannot be read */
};

struct ingest_limits {
	gsize max_message;	/* bytes of one message as received */
	gsize max_inflated;	/* bytes after unpacking, per payload and
				   for all payloads of a message together */
	guint max_ratio;	/* inflated / compressed, checked past 1 MiB */
	guint max_zip_entries;	/* zip entries in one message */
	guint max_depth;	/* MIME nesting and compression layers */
	guint max_parts;	/* MIME parts in one message */
	gsize max_header;	/* bytes of MIME headers in one message */
};

/* Safe defaults: 64 MiB, 2 GiB, 2000, 64, 16, 2000, 1 MiB. */
void ingest_limits_default(struct ingest_limits *lim);

struct ingest_message {
	GBytes *raw;		/* the message exactly as received */
	char *source;		/* "stdin", "maildir:PATH", "mbox:PATH#N", "file:PATH" */
	char *path;		/* file path when the message is a file, else NULL */
	char *message_id;	/* set by ingest_walk when the header exists */
	char digest[65];	/* private: see ingest_message_sha256 */
	gboolean no_digest;	/* private: oversize, never digested */
	gboolean in_maildir_new;	/* lives in a Maildir's new/ */
	struct _GMimeMessage *mime;	/* private: see ingest_message_mime */
	void *mime_view;	/* private: the byte view mime reads */
};

struct ingest_source;

struct ingest_source *ingest_source_stdin(const struct ingest_limits *lim,
    GError **err);
struct ingest_source *ingest_source_maildir(const char *dir,
    const struct ingest_limits *lim, GError **err);
struct ingest_source *ingest_source_mbox(const char *path,
    const struct ingest_limits *lim, GError **err);
struct ingest_source *ingest_source_files(char **paths, int npaths,
    const struct ingest_limits *lim, GError **err);
/* A message built from bytes already in memory (requeue); takes its own
 * reference to raw, the caller keeps (and drops) its own. */
struct ingest_message *ingest_message_new(GBytes *raw, const char *source);

/* 1: *msg is the next message; 0: no more; -1: this item failed (*err set,
 * *msg may be NULL, e.g. unreadable file, or set when the message exists but
 * exceeds max_message), the caller may continue with the next.
 * An oversized message, from any source, comes with an empty raw and an
 * empty digest (source, path, in_maildir_new set: log it, mark it seen);
 * stdin is read to its end first, so the sender sees our exit status. */
int ingest_source_next(struct ingest_source *src, struct ingest_message **msg,
    GError **err);
void ingest_source_free(struct ingest_source *src);
/* Take only every nshards-th message, starting at shard, so that several
 * processes can share one Maildir or file list.  FALSE (nothing changed)
 * for sources that cannot be split: stdin, mbox. */
gboolean ingest_source_shard(struct ingest_source *src, guint shard,
    guint nshards);
void ingest_message_free(struct ingest_message *msg);
/* The hex SHA-256 of raw, computed on first use (parsing never needs
 * it); "" for an oversized message.  Owned by msg. */
const char *ingest_message_sha256(struct ingest_message *msg);

/* Maildir: move the message from new/ to cur/ with the S flag.  Call only
 * after the message's transaction committed.  No-op for other messages. */
int ingest_maildir_mark_seen(struct ingest_message *msg, GError **err);

struct ingest_payload {
	const char *part_name;	/* MIME filename (RFC 2231 joined) or file name */
	const char *member;	/* zip entry name, or NULL */
	const char *content_type;	/* of the MIME part, or NULL */
	const char *container;	/* unpack chain: "xml", "json", "gzip", "zip",
				   "gzip+gzip" */
	const char *format;	/* the unpacked bytes: "xml" (DMARC) or "json"
				   (an object: SMTP TLS report) */
	GBytes *raw;		/* what to keep: the decoded attachment (gz/zip/xml) */
	void *stream;		/* private: the XML byte stream */
};

/* Read the payload's unpacked bytes; signature matches dmarc_read_fn.
 * 0 at the end; -1 with INGEST_ERROR_FORMAT (corrupt gzip/zip data) or
 * INGEST_ERROR_LIMIT (max_inflated, max_ratio), and again on every later
 * call.  The payload and its stream live only during the callback. */
gssize ingest_payload_read(void *payload, char *buf, gsize len, GError **err);
/* The whole unpacked payload in memory, for parsers that need it whole
 * (JSON); NULL with INGEST_ERROR_LIMIT when it holds more than max bytes,
 * or with the read's error. */
GBytes *ingest_payload_slurp(struct ingest_payload *p, gsize max,
    GError **err);

/* Called for each candidate payload.  Return < 0 to stop the walk. */
typedef int (*ingest_payload_fn)(void *user, struct ingest_payload *p);

/* Walk one message.  Returns the number of payloads handed to fn, or -1
 * with *err set when the message cannot be walked (limit, corrupt
 * container) or fn returned < 0 (then *err may be unset). */
int ingest_walk(struct ingest_message *msg, const struct ingest_limits *lim,
    ingest_payload_fn fn, void *user, GError **err);

/* The message as GMime parsed it during ingest_walk (kept, not parsed
 * again), for the bounce reader; NULL when the bytes were a bare report
 * file or not a MIME message.  Owned by msg, valid until
 * ingest_message_free.  Forward-declared so that this header does not
 * pull in GMime. */
struct _GMimeMessage *ingest_message_mime(struct ingest_message *msg);

#endif
