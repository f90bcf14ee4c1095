/* bounce_fixture.h - shared by the recognizer unit tests: read a fixture
 * through the same path as ingest (ingest_walk, then bounce_parse on the
 * tree it kept) and compare optional string fields.
 *
 * Include after defining DATA, the fixture directory with a trailing '/'.
 */
#ifndef MAILSIFT_TESTS_BOUNCE_FIXTURE_H
#define MAILSIFT_TESTS_BOUNCE_FIXTURE_H

static int
no_payload(void *user, struct ingest_payload *p)
{
	(void)user;
	(void)p;
	return 0;
}

/* The report for raw bytes, through the same path as ingest. */
static struct bounce_report *
parse_bytes(GBytes *raw, const char *name)
{
	struct ingest_limits lim;
	struct ingest_message *m = ingest_message_new(raw, name);
	struct bounce_report *b = NULL;
	GError *err = NULL;

	ingest_limits_default(&lim);
	if (ingest_walk(m, &lim, no_payload, NULL, &err) < 0) {
		TAP_OK(0, "%s: walk: %s", name, err ? err->message : "?");
		g_clear_error(&err);
	} else if (ingest_message_mime(m) == NULL) {
		TAP_OK(0, "%s: not parsed as MIME", name);
	} else {
		b = bounce_parse((GMimeMessage *)ingest_message_mime(m), &err);
		TAP_OK(b != NULL, "%s: bounce_parse %s", name,
		    err ? err->message : "");
		g_clear_error(&err);
	}
	ingest_message_free(m);
	return b;
}

static struct bounce_report *
parse_file(const char *file)
{
	char *path = g_strconcat(DATA, file, NULL), *data = NULL;
	struct bounce_report *b = NULL;
	GError *err = NULL;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		TAP_OK(0, "read %s: %s", path, err->message);
		g_clear_error(&err);
	} else {
		GBytes *raw = g_bytes_new_take(data, len);

		b = parse_bytes(raw, file);
		g_bytes_unref(raw);
	}
	g_free(path);
	return b;
}

/* want NULL: not checked; "": must be NULL. */
static void
check_str(const char *file, guint i, const char *what, const char *got,
    const char *want)
{
	if (want == NULL)
		return;
	TAP_IS(got, *want ? want : NULL, "%s #%u %s", file, i + 1, what);
}

/* The status: want "~5.1.1" for one inferred from the reason (status_source
 * "inferred", none stated); any other non-empty want must be stated; ""
 * must be NULL; NULL: not checked. */
static void
check_status(const char *file, guint i, const struct bounce_recipient *r,
    const char *want)
{
	if (want == NULL)
		return;
	if (*want == '~') {
		TAP_IS(r->status, want + 1, "%s #%u status", file, i + 1);
		TAP_IS(r->status_source, "inferred", "%s #%u status inferred",
		    file, i + 1);
		return;
	}
	TAP_IS(r->status, *want ? want : NULL, "%s #%u status", file, i + 1);
	TAP_IS(r->status_source, *want ? "stated" : NULL, "%s #%u status "
	    "source", file, i + 1);
}

#endif
