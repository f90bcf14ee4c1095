/* rowbuf.c - rows waiting to be sent, and the ways of quoting them.
 *
 *	rowbuf_init(&rb, ncols);
 *	rowbuf_add(&rb, "text"); rowbuf_add(&rb, NULL); ...	   row by row
 *	off = rowbuf_copy_text(&rb, off, "42\t", out, 65536);	   COPY text
 *	cols = rowbuf_arrays(&rb);	   one array literal per column
 *	cols = rowbuf_arrays_bin(&rb, "itl");	   the same in binary
 *	pg_bin_begin(out, 'l', n); pg_bin_int8(out, 42); ...   a binary
 *					   array element by element
 *	pg_bin_head(out->str, 'l', n);	   its header, written last
 *	lit = pg_array_literal(strv);	   text[] literal for a GPtrArray
 *	pg_composite_elem(out, fields, n);   a composite value as an element
 *					   of an array literal
 *
 * Values are kept packed in one GString (a NUL-terminated C string can
 * never hold a NUL, so NUL ends a value), so a 5,000-record chunk costs a
 * few allocations, not one per value.
 *
 * COPY text format: a value is the text with backslash, tab, newline and
 * carriage return written as \\ \t \n \r; NULL is \N; tab separates, newline
 * ends a row.  Array literal: {"a","b\"c",NULL}, every element quoted with
 * " and \ escaped by a backslash, so commas, braces, spaces and the word
 * NULL inside a value mean nothing.  Composite literal (a row of a type
 * like dmarc_dkim_result): ("a","b\"c",), every non-NULL field quoted the
 * same way, a NULL field empty, so "" is the empty string and nothing at all
 * is NULL.  A composite inside an array is quoted once more as an array
 * element.  These are the only ways values reach SQL text; everything else
 * goes as parameters.
 *
 * Binary arrays (array_send's format: dimensions, element type, then each
 * element as a length and its bytes, -1 for NULL) need no quoting at all,
 * and spare the server array_in's parse of every element, a tenth of its
 * work per record when the arrays were text.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

void
rowbuf_init(struct rowbuf *rb, guint ncols)
{
	rb->data = g_string_sized_new(4096);
	rb->ncols = ncols;
	rb->nvals = 0;
}

void
rowbuf_clear(struct rowbuf *rb)
{
	g_string_truncate(rb->data, 0);
	rb->nvals = 0;
}

void
rowbuf_free(struct rowbuf *rb)
{
	if (rb->data)
		g_string_free(rb->data, TRUE);
	rb->data = NULL;
}

void
rowbuf_add(struct rowbuf *rb, const char *value)
{
	if (value == NULL)
		g_string_append_c(rb->data, '\0');
	else {
		g_string_append_c(rb->data, '\1');
		g_string_append_len(rb->data, value, strlen(value) + 1);
	}
	rb->nvals++;
}

/* Two per record: printf's format parsing cost more than the digits. */
void
rowbuf_add_int(struct rowbuf *rb, int64_t value)
{
	char buf[24], *p = buf + sizeof(buf);
	guint64 u = value < 0 ? -(guint64)value : (guint64)value;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (value < 0)
		*--p = '-';
	rowbuf_add(rb, p);
}

guint
rowbuf_rows(const struct rowbuf *rb)
{
	return rb->nvals / rb->ncols;
}

/* Next value at *off: returns it (NULL for SQL NULL) and advances *off. */
static const char *
next_value(const struct rowbuf *rb, gsize *off)
{
	const char *p = rb->data->str + *off;

	if (*p == '\0') {
		*off += 1;
		return NULL;
	}
	*off += strlen(p + 1) + 2;
	return p + 1;
}

static void
copy_escape(GString *out, const char *s)
{
	const char *run = s;

	/* Copy unescaped runs in one go: most values need no escape. */
	for (; *s; s++) {
		const char *esc;

		switch (*s) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		g_string_append_len(out, run, s - run);
		g_string_append(out, esc);
		run = s + 1;
	}
	g_string_append_len(out, run, s - run);
}

/* Append COPY text rows starting at byte offset off, each led by prefix
 * (already COPY text, e.g. "42\t"), until out holds at least limit bytes or
 * the rows end.  Returns the offset to continue from (data->len: done). */
gsize
rowbuf_copy_text(const struct rowbuf *rb, gsize off, const char *prefix,
    GString *out, gsize limit)
{
	while (off < rb->data->len && out->len < limit) {
		guint c;

		g_string_append(out, prefix);
		for (c = 0; c < rb->ncols; c++) {
			const char *v = next_value(rb, &off);

			if (c > 0)
				g_string_append_c(out, '\t');
			if (v == NULL)
				g_string_append(out, "\\N");
			else
				copy_escape(out, v);
		}
		g_string_append_c(out, '\n');
	}
	return off;
}

void
pg_array_elem(GString *out, const char *s)
{
	const char *run;

	if (s == NULL) {
		g_string_append(out, "NULL");
		return;
	}
	g_string_append_c(out, '"');
	for (run = s; *s; s++)
		if (*s == '"' || *s == '\\') {
			g_string_append_len(out, run, s - run);
			g_string_append_c(out, '\\');
			run = s;
		}
	g_string_append_len(out, run, s - run);
	g_string_append_c(out, '"');
}

/* Append one composite value of n fields (NULL: a NULL field) as an
 * element of an array literal: the caller writes the braces and commas.
 * Two layers of quoting in one pass: the composite quotes each field and
 * escapes " and \ in it with a backslash, then the array element quotes
 * the composite text and escapes its " and \ again.  So a " in a value
 * becomes \\\" and a \ becomes four, and the field's own quotes \".
 * Quoting every field costs two bytes and spares the rules of when
 * record_in needs quotes (spaces, commas, parentheses, empty strings). */
void
pg_composite_elem(GString *out, const char *const *fields, guint n)
{
	gsize start = out->len, need = 4 + n;
	guint i;
	char *p;

	/* Written in place, room made first for the worst case (every byte
	 * a quote, four bytes out): one per record and list, and appending
	 * piece by piece cost a call per piece. */
	for (i = 0; i < n; i++)
		if (fields[i] != NULL)
			need += 4 + 4 * strlen(fields[i]);
	g_string_set_size(out, start + need);
	p = out->str + start;
	*p++ = '"';
	*p++ = '(';
	for (i = 0; i < n; i++) {
		const char *s = fields[i];

		if (i > 0)
			*p++ = ',';
		if (s == NULL)
			continue;
		*p++ = '\\';
		*p++ = '"';
		for (; *s; s++) {
			if (*s == '"' || *s == '\\') {
				/* \\\" or \\\\: escaped for the composite,
				 * then again for the array element. */
				*p++ = '\\';
				*p++ = '\\';
				*p++ = '\\';
			}
			*p++ = *s;
		}
		*p++ = '\\';
		*p++ = '"';
	}
	*p++ = ')';
	*p++ = '"';
	g_string_truncate(out, p - out->str);
}

/* One array literal per column, for INSERT ... SELECT FROM unnest(...).
 * Free each with g_string_free and the vector with g_free. */
GString **
rowbuf_arrays(const struct rowbuf *rb)
{
	GString **cols = g_new(GString *, rb->ncols);
	gsize off = 0;
	guint c, row = 0;

	for (c = 0; c < rb->ncols; c++)
		cols[c] = g_string_new("{");
	while (off < rb->data->len) {
		for (c = 0; c < rb->ncols; c++) {
			if (row > 0)
				g_string_append_c(cols[c], ',');
			pg_array_elem(cols[c], next_value(rb, &off));
		}
		row++;
	}
	for (c = 0; c < rb->ncols; c++)
		g_string_append_c(cols[c], '}');
	return cols;
}

/* text[] literal of a string array; NULL for a missing or empty one. */
char *
pg_array_literal(const GPtrArray *strv)
{
	GString *s;
	guint i;

	if (strv == NULL || strv->len == 0)
		return NULL;
	s = g_string_new("{");
	for (i = 0; i < strv->len; i++) {
		if (i > 0)
			g_string_append_c(s, ',');
		pg_array_elem(s, g_ptr_array_index(strv, i));
	}
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

/* Element types of binary arrays, PostgreSQL's fixed OIDs. */
#define OID_INT8 20
#define OID_INT4 23
#define OID_TEXT 25

/* Append n bytes.  In place while there is room: a binary array is
 * written four and eight bytes at a time, and g_string_append_len's call
 * per piece was most of the cost of building one. */
static inline void
put_bytes(GString *out, const void *p, gsize n)
{
	if (out->len + n < out->allocated_len) {
		memcpy(out->str + out->len, p, n);
		out->len += n;
		out->str[out->len] = '\0';
	} else
		g_string_append_len(out, p, n);
}

static inline void
put32(GString *out, guint32 v)
{
	v = GUINT32_TO_BE(v);
	put_bytes(out, &v, 4);
}

static inline void
put64(GString *out, guint64 v)
{
	v = GUINT64_TO_BE(v);
	put_bytes(out, &v, 8);
}

/* The header of a one-dimensional binary array of n elements of type
 * elem ('i' int4, 'l' int8, 't' text); the n elements follow.  The
 * has-null flag is set whether or not a NULL comes: array_recv only
 * checks it is 0 or 1. */
void
pg_bin_begin(GString *out, char elem, guint32 n)
{
	put32(out, n > 0 ? 1 : 0);		/* dimensions */
	put32(out, 1);				/* may hold NULLs */
	put32(out, elem == 'i' ? OID_INT4 : elem == 'l' ? OID_INT8 : OID_TEXT);
	if (n > 0) {
		put32(out, n);
		put32(out, 1);			/* lower bound */
	}
}

/* The same header, of n > 0 elements, over the PG_BIN_HEAD bytes at p: for
 * an array whose elements were written before their count was known. */
void
pg_bin_head(char *p, char elem, guint32 n)
{
	GString *h = g_string_sized_new(PG_BIN_HEAD + 1);

	g_assert(n > 0);
	pg_bin_begin(h, elem, n);
	g_assert(h->len == PG_BIN_HEAD);
	memcpy(p, h->str, PG_BIN_HEAD);
	g_string_free(h, TRUE);
}

void
pg_bin_int4(GString *out, int32_t v)
{
	put32(out, 4);
	put32(out, (guint32)v);
}

void
pg_bin_int8(GString *out, int64_t v)
{
	put32(out, 8);
	put64(out, (guint64)v);
}

/* A text element, or NULL. */
void
pg_bin_text(GString *out, const char *s)
{
	gsize n;

	if (s == NULL) {
		put32(out, (guint32)-1);
		return;
	}
	n = strlen(s);
	put32(out, (guint32)n);
	put_bytes(out, s, n);
}

/* One binary array per column, for a parameter sent with format 1; elem
 * says each column's element type as for pg_bin_begin (the numbers are
 * the text rowbuf_add_int wrote).  Free as rowbuf_arrays' result. */
GString **
rowbuf_arrays_bin(const struct rowbuf *rb, const char *elem)
{
	GString **cols = g_new(GString *, rb->ncols);
	guint32 nrows = rowbuf_rows(rb);
	gsize off = 0;
	guint c;

	for (c = 0; c < rb->ncols; c++) {
		cols[c] = g_string_sized_new(64 + nrows * 16);
		pg_bin_begin(cols[c], elem[c], nrows);
	}
	while (off < rb->data->len) {
		for (c = 0; c < rb->ncols; c++) {
			const char *v = next_value(rb, &off);

			if (v == NULL)
				put32(cols[c], (guint32)-1);
			else if (elem[c] == 'i')
				pg_bin_int4(cols[c],
				    (int32_t)g_ascii_strtoll(v, NULL, 10));
			else if (elem[c] == 'l')
				pg_bin_int8(cols[c], g_ascii_strtoll(v, NULL, 10));
			else
				pg_bin_text(cols[c], v);
		}
	}
	return cols;
}
