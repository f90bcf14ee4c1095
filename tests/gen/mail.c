/* mail.c - the e-mail around one report, laid out as its reporter does.
 *
 *	Google		multipart/mixed: text/plain, application/zip (base64)
 *			"google.com!DOMAIN!BEGIN!END.zip"
 *	Yahoo, AOL	single part application/gzip "...xml.gz"
 *	Microsoft	multipart/mixed > related > alternative > text/html,
 *			then application/gzip whose filename is split per
 *			RFC 2231 (filename*0=...; filename*1=...)
 *	Mimecast	multipart/mixed: text/plain, application/octet-stream .xml.gz
 *	others		multipart/mixed: text/plain, application/gzip
 *	small ones	text/xml, inline in a multipart or as the whole body
 *
 * Headers: Return-Path, Received, DKIM-Signature (a plausible fake),
 * MIME-Version, Date, From, To, Subject "Report Domain: X Submitter: Y
 * Report-ID: <id>", Message-ID.  Everything that looks random (boundaries,
 * queue ids, signatures) is a SHA-256 of the report id, so output is
 * reproducible.  Lines end in LF, as in a Maildir.
 *
 * Usage: mail_render(out, &report, xml); mail_maildir_name(buf, len, &r).
 */
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "gen.h"

/* 256 bytes that look random, fixed by the report id. */
struct noise {
	guchar b[256];
	char hex[65];
};

static void
noise_init(struct noise *n, const struct report *r)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	gsize len, i;

	for (i = 0; i < sizeof(n->b) / 32; i++) {
		g_checksum_reset(ck);
		g_checksum_update(ck, (const guchar *)r->id, -1);
		g_checksum_update(ck, (const guchar *)r->rp->mail_domain, -1);
		g_checksum_update(ck, (const guchar *)&i, sizeof(i));
		len = 32;
		g_checksum_get_digest(ck, n->b + i * 32, &len);
	}
	for (i = 0; i < 32; i++)
		g_snprintf(n->hex + 2 * i, 3, "%02x", n->b[i]);
	g_checksum_free(ck);
}

static void
rfc5322_date(char *buf, gsize len, int64_t when, int offset_min)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(when + offset_min * 60);
	int off = offset_min < 0 ? -offset_min : offset_min;
	struct tm tm;

	gmtime_r(&t, &tm);
	g_snprintf(buf, len, "%s, %02d %s %d %02d:%02d:%02d %c%02d%02d",
	    wd[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, offset_min < 0 ? '-' : '+',
	    off / 60, off % 60);
}

static void
b64_line(GString *out, const guchar *b, gsize len)
{
	pack_base64(out, (const char *)b, len, 1u << 30);
	g_string_truncate(out, out->len - 1);	/* the final LF */
}

static void
trace_headers(GString *out, const struct report *r, const struct noise *n)
{
	const struct reporter *rp = r->rp;
	const char *dom = report_domain(r);
	char date[64];

	rfc5322_date(date, sizeof(date), r->sent + 2, 0);
	g_string_append_printf(out, "Return-Path: <dmarc-bounces+%.12s@%s>\n"
	    "Received: from out-%.6s.%s (out-%.6s.%s [198.18.%u.%u])\n"
	    "\tby mx.%s (Postfix) with ESMTPS id %.10s\n"
	    "\tfor <dmarc-reports@%s>; %s (UTC)\n",
	    n->hex, rp->mail_domain, n->hex + 12, rp->mail_domain,
	    n->hex + 12, rp->mail_domain, n->b[40], n->b[41] | 1,
	    dom, n->hex + 20, dom, date);
	g_string_append_printf(out, "DKIM-Signature: v=1; a=rsa-sha256; "
	    "c=relaxed/relaxed; d=%s;\n\ts=dkim2026; t=%" G_GINT64_FORMAT
	    "; h=from:to:subject:date:message-id:mime-version;\n\tbh=",
	    rp->mail_domain, r->sent);
	b64_line(out, n->b + 32, 32);
	g_string_append(out, ";\n\tb=");
	b64_line(out, n->b + 64, 63);
	g_string_append(out, "\n\t ");
	b64_line(out, n->b + 127, 63);
	g_string_append(out, "\n\t ");
	b64_line(out, n->b + 190, 63);
	g_string_append_c(out, '\n');
}

static void
subject(GString *out, const struct report *r)
{
	char *s = g_strdup_printf("Report Domain: %s Submitter: %s "
	    "Report-ID: <%s>", report_domain(r), r->rp->file_org,
	    r->id);

	g_string_append(out, "Subject: ");
	if (r->rp->layout == LAYOUT_MS) {	/* Exchange encodes it */
		g_string_append(out, "=?utf-8?B?");
		b64_line(out, (const guchar *)s, strlen(s));
		g_string_append(out, "?=");
	} else {
		g_string_append(out, s);
	}
	g_string_append_c(out, '\n');
	g_free(s);
}

static void
main_headers(GString *out, const struct report *r)
{
	const struct reporter *rp = r->rp;
	char date[64];

	rfc5322_date(date, sizeof(date), r->sent, rp->utc_offset);
	g_string_append(out, "MIME-Version: 1.0\n");
	g_string_append_printf(out, "Date: %s\n", date);
	if (rp->from_name)
		g_string_append_printf(out, "From: \"%s\" <%s>\n",
		    rp->from_name, rp->email);
	else
		g_string_append_printf(out, "From: %s\n", rp->email);
	g_string_append_printf(out, "To: dmarc-reports@%s\n",
	    report_domain(r));
	subject(out, r);
	g_string_append_printf(out, "Message-ID: <%s@%s>\n", r->id,
	    rp->mail_domain);
}

/* The compressed attachment and its file name. */
static void
payload(GString *bin, char *name, gsize len, const struct report *r,
    const GString *xml)
{
	char inner[256];

	if (r->rp->layout == LAYOUT_ZIP) {
		report_file_name(inner, sizeof(inner), r, ".xml");
		report_file_name(name, len, r, ".zip");
		pack_zip(bin, inner, xml->str, xml->len, r->sent);
	} else {
		report_file_name(inner, sizeof(inner), r, ".xml");
		report_file_name(name, len, r, ".xml.gz");
		pack_gzip(bin, xml->str, xml->len, Z_DEFAULT_COMPRESSION,
		    inner, r->sent);
	}
}

static void
base64_part(GString *out, const GString *bin)
{
	g_string_append(out, "Content-Transfer-Encoding: base64\n\n");
	pack_base64(out, bin->str, bin->len, 76);
}

static void
render_google(GString *out, const struct report *r, const GString *bin,
    const char *name, const char *bnd)
{
	g_string_append_printf(out, "Content-Type: multipart/mixed; "
	    "boundary=\"%s\"\n\n--%s\n", bnd, bnd);
	g_string_append_printf(out, "Content-Type: text/plain; "
	    "charset=\"UTF-8\"; format=flowed; delsp=yes\n\n"
	    "This is an aggregate report from %s.\n\n", r->rp->file_org);
	g_string_append_printf(out, "--%s\nContent-Type: application/zip; "
	    "\n\tname=\"%s\"\nContent-Disposition: attachment; "
	    "\n\tfilename=\"%s\"\n", bnd, name, name);
	base64_part(out, bin);
	g_string_append_printf(out, "--%s--\n", bnd);
}

static void
render_yahoo(GString *out, const GString *bin, const char *name)
{
	g_string_append_printf(out, "Content-Type: application/gzip; "
	    "name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\n",
	    name, name);
	base64_part(out, bin);
}

static void
ms_html(GString *out, const struct report *r)
{
	char *html = g_strdup_printf("<div style=\"font-family:Segoe UI; "
	    "font-size:14px;\">This is a DMARC aggregate report from "
	    "Microsoft Corporation for mail received between %" G_GINT64_FORMAT
	    " and %" G_GINT64_FORMAT " (UTC).</div><br /><br />You receive "
	    "this e-mail because your DMARC record for %s lists this address "
	    "in its rua tag.<br /><br /><div style=\"font-size:12px; "
	    "color:#666666;\">Please do not reply to this message: the "
	    "mailbox is not monitored.</div>", r->begin, r->end + 1,
	    report_domain(r));

	g_string_append(out, "Content-Type: text/html; charset=us-ascii\n"
	    "Content-Transfer-Encoding: base64\n\n");
	pack_base64(out, html, strlen(html), 76);
	g_free(html);
}

static void
render_ms(GString *out, const struct report *r, const GString *bin,
    const char *name, const char *hex)
{
	gsize half = strlen(name) / 2;

	g_string_append_printf(out, "Content-Type: multipart/mixed;\n"
	    "\tboundary=\"_mpm_%.32spiotk5m200exchangecorpm_\"\n\n"
	    "This is a multi-part message in MIME format.\n\n", hex);
	g_string_append_printf(out, "--_mpm_%.32spiotk5m200exchangecorpm_\n"
	    "Content-Type: multipart/related;\n"
	    "\tboundary=\"_rv_%.32spiotk5m200exchangecorpm_\"\n\n", hex, hex);
	g_string_append_printf(out, "--_rv_%.32spiotk5m200exchangecorpm_\n"
	    "Content-Type: multipart/alternative;\n"
	    "\tboundary=\"_av_%.32spiotk5m200exchangecorpm_\"\n\n"
	    "--_av_%.32spiotk5m200exchangecorpm_\n", hex, hex, hex);
	ms_html(out, r);
	g_string_append_printf(out, "\n--_av_%.32spiotk5m200exchangecorpm_--\n"
	    "\n--_rv_%.32spiotk5m200exchangecorpm_--\n\n", hex, hex);
	g_string_append_printf(out, "--_mpm_%.32spiotk5m200exchangecorpm_\n"
	    "Content-Type: application/gzip\n", hex);
	g_string_append_printf(out, "Content-ID: <%.8s-%.4s-%.4s-%.4s-%.12s>\n"
	    "Content-Description: %s\n", hex + 32, hex + 40, hex + 44,
	    hex + 48, hex + 52, name);
	g_string_append_printf(out, "Content-Disposition: attachment;\n"
	    "\tfilename*0=\"%.*s\";\n\tfilename*1=\"%s\"\n", (int)half, name,
	    name + half);
	base64_part(out, bin);
	g_string_append_printf(out, "\n--_mpm_%.32spiotk5m200exchangecorpm_--\n",
	    hex);
}

/* text/plain, then the report as octet-stream or gzip. */
static void
render_text_and(GString *out, const struct report *r, const GString *bin,
    const char *name, const char *bnd, const char *type)
{
	g_string_append_printf(out, "Content-Type: multipart/mixed; "
	    "boundary=\"%s\"\n\n--%s\n", bnd, bnd);
	g_string_append_printf(out, "Content-Type: text/plain; "
	    "charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n"
	    "This is a DMARC aggregate report for %s\nfrom %s, covering "
	    "%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ".\n\n",
	    report_domain(r), r->rp->org_name, r->begin, r->end);
	g_string_append_printf(out, "--%s\nContent-Type: %s; name=\"%s\"\n"
	    "Content-Disposition: attachment; filename=\"%s\"\n", bnd, type,
	    name, name);
	base64_part(out, bin);
	g_string_append_printf(out, "--%s--\n", bnd);
}

static void
render_inline(GString *out, const struct report *r, const GString *xml,
    const char *bnd)
{
	char name[256];

	report_file_name(name, sizeof(name), r, ".xml");
	if (r->rp->layout == LAYOUT_INLINE_PART) {
		g_string_append_printf(out, "Content-Type: multipart/mixed; "
		    "boundary=\"%s\"\n\n--%s\nContent-Type: text/plain; "
		    "charset=us-ascii\n\nDMARC aggregate report for %s.\n\n"
		    "--%s\n", bnd, bnd, report_domain(r), bnd);
	}
	g_string_append_printf(out, "Content-Type: text/xml; charset=utf-8; "
	    "name=\"%s\"\nContent-Disposition: inline; filename=\"%s\"\n"
	    "Content-Transfer-Encoding: 7bit\n\n", name, name);
	g_string_append_len(out, xml->str, xml->len);
	if (r->rp->layout == LAYOUT_INLINE_PART)
		g_string_append_printf(out, "\n--%s--\n", bnd);
}

void
mail_render(GString *out, const struct report *r, const GString *xml)
{
	struct noise n;
	GString *bin = g_string_sized_new(xml->len / 4 + 256);
	char name[256], bnd[80];

	noise_init(&n, r);
	trace_headers(out, r, &n);
	main_headers(out, r);
	if (r->rp->layout == LAYOUT_ZIP)
		g_snprintf(bnd, sizeof(bnd), "000000000000%.12s", n.hex + 30);
	else
		g_snprintf(bnd, sizeof(bnd), "----=_Part_%u_%u.%" G_GINT64_FORMAT,
		    r->seq, (guint)n.b[50] << 8 | n.b[51], r->sent * 1000);
	switch (r->rp->layout) {
	case LAYOUT_INLINE_PART:
	case LAYOUT_INLINE_BODY:
		render_inline(out, r, xml, bnd);
		break;
	default:
		payload(bin, name, sizeof(name), r, xml);
		if (r->rp->layout == LAYOUT_ZIP)
			render_google(out, r, bin, name, bnd);
		else if (r->rp->layout == LAYOUT_GZIP)
			render_yahoo(out, bin, name);
		else if (r->rp->layout == LAYOUT_MS)
			render_ms(out, r, bin, name, n.hex);
		else
			render_text_and(out, r, bin, name, bnd,
			    r->rp->layout == LAYOUT_OCTET ?
			    "application/octet-stream" : "application/gzip");
	}
	g_string_free(bin, TRUE);
}

/* Maildir style unique name, fixed by the report: time.MusecPpidQseq.host */
void
mail_maildir_name(char *buf, gsize len, const struct report *r)
{
	g_snprintf(buf, len, "%" G_GINT64_FORMAT ".M%06uP%uQ%u.mx.%s",
	    r->sent + 2, (r->seq * 7919u) % 1000000u, 4000u + r->seq % 60000u,
	    r->seq + 1, report_domain(r));
}
