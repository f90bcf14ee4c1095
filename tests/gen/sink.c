/* sink.c - the generator's truth (manifest) and the \copy baseline rows.
 *
 * The manifest, NAME.expected.tsv, sums every record per UTC day of the
 * report and source IP.  Columns, tab-separated, after a header line:
 *
 *	day  source_ip  records  count  dmarc_pass  dmarc_fail
 *
 * day is YYYY-MM-DD of the report's begin; count is the sum of <count>;
 * dmarc_pass sums the counts of records whose policy_evaluated dkim or spf
 * is "pass", dmarc_fail the rest.  Rows are sorted by day, then source_ip
 * as a byte string (LC_ALL=C sort order).
 *
 * copy_row() appends one record as a line for `psql \copy TABLE FROM FILE`
 * (text format, \N for absent values), 19 columns in this order:
 *
 *	report_id org_name domain date_begin date_end source_ip count
 *	disposition policy_dkim policy_spf envelope_to envelope_from
 *	header_from dkim_domain dkim_selector dkim_result spf_domain
 *	spf_scope spf_result
 *
 * dates are epoch seconds; dkim_* is the first <dkim> result, if any.
 */
#include <string.h>
#include <time.h>

#include "gen.h"

struct cell {
	guint64 records, count, pass, fail;
};

struct manifest {
	guint days;
	int64_t start;
	struct cell *cells;	/* days * gen_nsenders */
	struct totals tot;
	int64_t last_report;	/* seq of the last report counted */
};

struct manifest *
manifest_new(guint days, int64_t start)
{
	struct manifest *m = g_new0(struct manifest, 1);

	m->days = days;
	m->start = start;
	m->cells = g_new0(struct cell, (gsize)days * gen_nsenders);
	m->last_report = -1;
	return m;
}

void
manifest_add(struct manifest *m, const struct report *r,
    const struct record *rec)
{
	struct cell *c;

	if (r->day < 0 || (guint)r->day >= m->days)
		die("internal: day %d out of range", r->day);
	if ((int64_t)r->seq != m->last_report) {
		m->last_report = r->seq;
		m->tot.reports++;
	}
	c = &m->cells[(gsize)r->day * gen_nsenders + rec->sender];
	c->records++;
	c->count += rec->count;
	if (record_passes(rec))
		c->pass += rec->count;
	else
		c->fail += rec->count;
	m->tot.records++;
	m->tot.count += rec->count;
	if (record_passes(rec))
		m->tot.pass += rec->count;
	else
		m->tot.fail += rec->count;
}

static int
by_ip(gconstpointer a, gconstpointer b)
{
	return strcmp(gen_senders[*(const guint *)a].ip,
	    gen_senders[*(const guint *)b].ip);
}

void
manifest_write(struct manifest *m, const char *path)
{
	GString *s = g_string_new("day\tsource_ip\trecords\tcount\t"
	    "dmarc_pass\tdmarc_fail\n");
	guint *order = g_new(guint, gen_nsenders);
	guint d, i;
	FILE *fp;

	for (i = 0; i < gen_nsenders; i++)
		order[i] = i;
	qsort(order, gen_nsenders, sizeof(*order), by_ip);
	for (d = 0; d < m->days; d++) {
		time_t t = (time_t)(m->start + (int64_t)d * 86400);
		struct tm tm;
		char day[16];

		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		for (i = 0; i < gen_nsenders; i++) {
			const struct cell *c =
			    &m->cells[(gsize)d * gen_nsenders + order[i]];

			if (c->records == 0)
				continue;
			g_string_append_printf(s, "%s\t%s\t%" G_GUINT64_FORMAT
			    "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%"
			    G_GUINT64_FORMAT "\n", day, gen_senders[order[i]].ip,
			    c->records, c->count, c->pass, c->fail);
		}
	}
	fp = xfopen(path, "w");
	xfwrite(fp, s->str, s->len, path);
	xfclose(fp, path);
	g_string_free(s, TRUE);
	g_free(order);
}

const struct totals *
manifest_totals(const struct manifest *m)
{
	return &m->tot;
}

void
manifest_free(struct manifest *m)
{
	g_free(m->cells);
	g_free(m);
}

static void
col(GString *s, const char *v)
{
	g_string_append(s, v ? v : "\\N");
	g_string_append_c(s, '\t');
}

void
copy_row(GString *s, const struct report *r, const struct record *rec)
{
	const struct auth_dkim *dk = rec->ndkim > 0 ? &rec->dkim_res[0] : NULL;

	col(s, r->id);
	col(s, r->rp->org_name);
	col(s, report_domain(r));
	g_string_append_printf(s, "%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
	    "\t", r->begin, r->end);
	col(s, record_ip(rec));
	g_string_append_printf(s, "%" G_GINT64_FORMAT "\t", rec->count);
	col(s, rec->disposition);
	col(s, rec->dkim);
	col(s, rec->spf);
	col(s, rec->envelope_to);
	col(s, r->rp->idents == IDENT_HFROM ? NULL : rec->envelope_from);
	col(s, rec->header_from);
	col(s, dk ? dk->domain : NULL);
	col(s, dk ? dk->selector : NULL);
	col(s, dk ? dk->result : NULL);
	col(s, rec->spf_domain);
	col(s, "mfrom");
	g_string_append(s, rec->spf_result);
	g_string_append_c(s, '\n');
}
