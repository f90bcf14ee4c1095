/* limits.c - the default bounds every ingest path checks, and the error
 * domain their violations are reported in.
 *
 * Usage:
 *	struct ingest_limits lim;
 *	ingest_limits_default(&lim);	   then override from the command line
 *
 * max_ratio 0 turns the compression ratio check off; the other limits are
 * taken literally.
 */
#include "ingest.h"

G_DEFINE_QUARK(mailsift-ingest-error-quark, ingest_error)

void
ingest_limits_default(struct ingest_limits *lim)
{
	lim->max_message = (gsize)64 << 20;
	/* 2 GiB does not fit a 32-bit gsize; the largest value then. */
	lim->max_inflated = sizeof(gsize) > 4 ? (gsize)2 << 30 : G_MAXSIZE;
	lim->max_ratio = 2000;
	lim->max_zip_entries = 64;
	lim->max_depth = 16;
	lim->max_parts = 2000;
	/* GMime keeps every header as objects and copies, up to 30 times
	 * its size in memory; real report messages have some 10 kB. */
	lim->max_header = (gsize)1 << 20;
}
