/* fuzz_tlsrpt.c - libFuzzer harness for the TLS report parser.
 *
 * Feeds arbitrary bytes to tlsrpt_sniff and tlsrpt_parse, then reads
 * every string of the report and formats both dates, so ASan sees any bad
 * pointer or length.  The input is copied into a buffer of its exact
 * size, so a read past len is caught too.  Built and run by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/tlsrpt/tlsrpt.h"

static size_t
touch(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

static size_t
touch_all(const GPtrArray *a)
{
	size_t sum = 0;
	guint i;

	for (i = 0; i < a->len; i++)
		sum += touch(g_ptr_array_index(a, i));
	return sum;
}

static size_t
touch_policy(const struct tlsrpt_policy *p)
{
	size_t sum = touch(p->policy_type) + touch(p->policy_domain) +
	    touch_all(p->policy_string) + touch_all(p->mx_host);
	guint i;

	for (i = 0; i < p->failure_details->len; i++) {
		const struct tlsrpt_failure *f =
		    g_ptr_array_index(p->failure_details, i);

		sum += touch(f->result_type) + touch(f->sending_mta_ip) +
		    touch(f->receiving_mx_hostname) +
		    touch(f->receiving_mx_helo) + touch(f->receiving_ip) +
		    touch(f->additional_information) +
		    touch(f->failure_reason_code) +
		    (size_t)(f->failed_session_count & 1);
	}
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrpt_report *r;
	GError *err = NULL;
	char *copy = malloc(size ? size : 1), when[32];
	volatile size_t sum = 0;
	guint i;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	sum += tlsrpt_sniff(copy, size);
	r = tlsrpt_parse(copy, size, "fuzz", &err);
	if (r != NULL) {
		sum += touch(r->organization_name) + touch(r->report_id) +
		    touch(r->contact_info) + touch_all(r->fixups);
		sum += strlen(tlsrpt_format_time(r->start_datetime, when));
		sum += strlen(tlsrpt_format_time(r->end_datetime, when));
		for (i = 0; i < r->policies->len; i++)
			sum += touch_policy(g_ptr_array_index(r->policies, i));
		tlsrpt_report_free(r);
	} else if (err == NULL || err->domain != TLSRPT_ERROR) {
		abort();	/* a failure must say why */
	}
	g_clear_error(&err);
	free(copy);
	return 0;
}
