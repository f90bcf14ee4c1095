/* fuzz_regress_test.c - every input the fuzzers ever crashed on, replayed.
 *
 * Each file in tests/data/fuzz/ is walked as a message, every payload
 * parsed as a DMARC report, and the message read as a bounce when it has
 * no report, as ingest does.  The test passes when each one
 * finishes; under `make check-asan` a sanitizer report aborts it.  Add a
 * fuzzer's crash-* file here once the bug is fixed.
 */
#include <string.h>

#include "ingest/ingest.h"
#include "parse/dmarc/dmarc.h"
#include "parse/bounce/bounce.h"
#include "tap.h"

#define FUZZ_DIR "tests/data/fuzz"

static int
on_begin(void *u, const struct dmarc_report *r)
{
	return 0;
}

static int
on_record(void *u, const struct dmarc_report *r, const struct dmarc_record *rec)
{
	return 0;
}

static const struct dmarc_callbacks callbacks = { on_begin, on_record, on_begin };

static int
on_payload(void *user, struct ingest_payload *p)
{
	GError *err = NULL;

	dmarc_parse(ingest_payload_read, p, "fuzz", &callbacks, NULL, &err);
	g_clear_error(&err);
	(*(int *)user)++;
	return 0;
}

int
main(void)
{
	struct ingest_limits lim;
	GDir *dir = g_dir_open(FUZZ_DIR, 0, NULL);
	const char *name;

	TAP_OK(dir != NULL, "the regression inputs are in " FUZZ_DIR);
	if (dir == NULL)
		return tap_done();
	ingest_limits_default(&lim);
	while ((name = g_dir_read_name(dir)) != NULL) {
		char *path = g_build_filename(FUZZ_DIR, name, NULL);
		gchar *data;
		gsize len;
		GBytes *raw;
		struct ingest_message *msg;
		GError *err = NULL;
		int payloads = 0, rc;

		if (!g_file_get_contents(path, &data, &len, NULL)) {
			TAP_OK(0, "read %s", path);
			g_free(path);
			continue;
		}
		raw = g_bytes_new_take(data, len);
		msg = ingest_message_new(raw, path);
		g_bytes_unref(raw);
		rc = ingest_walk(msg, &lim, on_payload, &payloads, &err);
		TAP_OK(rc >= 0 || err != NULL, "%s: walked to the end (%s)", name,
		    rc >= 0 ? "ok" : err->message);
		g_clear_error(&err);
		if (rc == 0 && ingest_message_mime(msg) != NULL) {
			struct bounce_report *b;

			b = bounce_parse(ingest_message_mime(msg), &err);
			TAP_OK(b != NULL || err != NULL,
			    "%s: read as a bounce (%s)", name,
			    b != NULL ? "ok" : err->message);
			bounce_report_free(b);
			g_clear_error(&err);
		}
		ingest_message_free(msg);
		g_free(path);
	}
	g_dir_close(dir);
	return tap_done();
}
