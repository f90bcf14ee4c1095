/* gmime_warmup.h - LLVMFuzzerInitialize for the harnesses that walk mail.
 *
 * GMime is set up by the first walk, and its type registry drops the two
 * entries ingest/walk.c replaces (message/rfc822 and message/global stay
 * leaves) without freeing them: 32 bytes, once, not ours.  That first walk
 * runs here with LeakSanitizer off, so a leak found later is a real one.
 * Include after ingest/ingest.h.
 */
#ifndef MAILSIFT_FUZZ_GMIME_WARMUP_H
#define MAILSIFT_FUZZ_GMIME_WARMUP_H

#include <sanitizer/lsan_interface.h>

static int
warmup_no_payload(void *user, struct ingest_payload *p)
{
	(void)user;
	(void)p;
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char mail[] = "From: a@example.org\n\nwarm-up\n";
	struct ingest_limits lim;
	struct ingest_message *msg;
	GBytes *raw = g_bytes_new_static(mail, sizeof mail - 1);
	GError *err = NULL;

	(void)argc;
	(void)argv;
	ingest_limits_default(&lim);
	__lsan_disable();
	msg = ingest_message_new(raw, "fuzz");
	ingest_walk(msg, &lim, warmup_no_payload, NULL, &err);
	g_clear_error(&err);
	ingest_message_free(msg);
	__lsan_enable();
	g_bytes_unref(raw);
	return 0;
}

#endif
