/* arf_internal.h - what the files of parse/arf/ share: the parts of a
 * report found in the MIME tree, the header-block reader, the string
 * helpers that keep every value bounded valid UTF-8.
 */
#ifndef MAILSIFT_ARF_INTERNAL_H
#define MAILSIFT_ARF_INTERNAL_H

#include "arf.h"

#define ARF_LATER_TEXTS	3	/* text parts after the first looked at */
#define ARF_PEEK	65536	/* bytes of a part read to tell whether it
				   is worth reading whole */

/* The parts of one message that matter to a report (arf.c). */
struct arf_parts {
	GMimeObject *feedback;	/* first message/feedback-report */
	GMimeObject *original;	/* first attached message or headers */
	const char *original_type;	/* its type, static */
	GMimeObject *text;	/* first text/plain (or text/html) leaf */
	gboolean text_is_html;
	GMimeObject *later_text[ARF_LATER_TEXTS];	/* text/plain after */
	guint n_later_text;
	gboolean is_report;	/* the message is a multipart/report */
	gboolean dsn;		/* a delivery-status part: a bounce */
	char *subject;		/* the report's own Subject, decoded */
};

/* One field of a header block (arf_util.c): the name (printable ASCII)
 * and the value as written, unfolded and trimmed, but still raw bytes:
 * the caller makes it UTF-8 (arf_value) or decodes it (arf_decoded).
 * NUL bytes in the value are turned to spaces. */
struct arf_hline {
	char *name, *raw;
};

/* Walks a header block: lines end with LF or CRLF, a line starting with
 * blank space continues the field above, the first empty line (after
 * the first field) ends the block.  Lines that are no field are skipped,
 * so one stray line does not hide the fields after it. */
struct arf_hreader {
	const char *p, *end;
	gboolean started;
	gboolean done;		/* an empty line ended the block */
};

void arf_hreader_init(struct arf_hreader *, const char *, gsize);
gboolean arf_hreader_next(struct arf_hreader *, struct arf_hline *);
void arf_hline_clear(struct arf_hline *);
/* Where the block ended: the body starts there. */
const char *arf_hreader_rest(const struct arf_hreader *);

/* Strings (arf_util.c). */
char *arf_text(const char *, gsize, gsize max);	/* valid UTF-8, cut */
char *arf_value(const char *);		/* arf_text(s, -1, ARF_MAX_VALUE) */
char *arf_decoded(const char *);	/* RFC 2047 decoded, then arf_value */
char *arf_unfold(const char *, gsize);	/* folds made one space, trimmed */
char *arf_canonical_ip(const char *);	/* NULL when not an IP */
int64_t arf_date(const char *);		/* epoch seconds, 0 when unreadable */
gboolean arf_list_add(GPtrArray *, char *, guint *dropped);
char *arf_first_word_lower(const char *);
gboolean arf_has_prefix_ci(const char *s, const char *prefix);
const char *arf_find_ci(const char *hay, gsize n, const char *needle);

/* Reading parts (arf_input.c).  1: all of it, 0: cut at max, -1: error. */
int arf_part_bytes(GMimeObject *, gsize max, GByteArray **);
char *arf_part_text(GMimeObject *, gsize max);	/* charset -> UTF-8 */

/* The feedback-report fields (arf_fields.c). */
void arf_fields_read(struct arf_report *, const char *, gsize);
void arf_field_add(struct arf_report *, const char *name,
    const char *value);
gboolean arf_field_known(const char *name);
struct arf_field *arf_field_new(const char *name, const char *value);

/* The returned message (arf_original.c). */
void arf_original_read(struct arf_original *, const char *, gsize,
    gboolean complete, gboolean keep_body);
void arf_original_from_part(struct arf_original *, GMimeObject *,
    const char *type, gboolean keep_body);
void arf_original_init(struct arf_original *);
void arf_original_clear(struct arf_original *);

/* What a report's text states (arf_statement.c). */
const char *arf_next_line(const char *p, const char *end);
gsize arf_line_len(const char *p, const char *end);
char *arf_labelled(const char *text, const char *label);
void arf_stated(struct arf_report *, const char *label, char *v,
    gboolean known);
void arf_set_source_ip(struct arf_report *, const char *);
void arf_set_arrival(struct arf_report *, const char *);
void arf_set_type(struct arf_report *, const char *);
char *arf_opening(const char *text);
gboolean arf_report_sentence(struct arf_report *, const char *text);
const char *arf_quoted_headers(const char *from, const char *end);
const char *arf_field_block(struct arf_report *, const char *text,
    gboolean after_sentence);

/* The layouts without a feedback-report part (arf_layout.c). */
gboolean arf_layout_microsoft(struct arf_report *,
    const struct arf_parts *, gboolean keep_body);
gboolean arf_layout_exim(struct arf_report *, const char *text);
gboolean arf_layout_netease(struct arf_report *, const char *text);
gboolean arf_layout_text(struct arf_report *, const char *text,
    gboolean *block);

/* Which layout, if any (arf_text.c). */
gboolean arf_text_read(struct arf_report *, const struct arf_parts *,
    gboolean keep_body, GError **);

#endif
