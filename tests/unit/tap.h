/* tap.h - the smallest test harness: TAP lines the runner counts.
 *
 *	TAP_OK(cond, "what %s", arg);	   prints "ok - ..." or "not ok - ..."
 *	TAP_IS(got, want, "what");	   string equality, NULL-safe, shows both
 *	return tap_done();		   exit status 1 when anything failed
 */
#ifndef MAILSIFT_TAP_H
#define MAILSIFT_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_failed;

#define TAP_OK(cond, ...) do { \
	int tap_c_ = !!(cond); \
	printf("%s - ", tap_c_ ? "ok" : "not ok"); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!tap_c_) { tap_failed++; \
	    printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define TAP_IS(got, want, ...) do { \
	const char *tap_g_ = (got), *tap_w_ = (want); \
	int tap_e_ = (tap_g_ == NULL && tap_w_ == NULL) || \
	    (tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0); \
	TAP_OK(tap_e_, __VA_ARGS__); \
	if (!tap_e_) printf("#   got '%s', want '%s'\n", \
	    tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
} while (0)

static inline int
tap_done(void)
{
	return tap_failed ? 1 : 0;
}

#endif
