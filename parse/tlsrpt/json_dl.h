/* json_dl.h - json-c is loaded on first use (json_dl.c).
 *
 * Usage: if ((why = tlsrpt_json_error()) != NULL) no TLS report can be
 * parsed: why names the library and what failed.  Otherwise the json-c
 * functions listed in json_dl.c work as usual.
 */
#ifndef MAILSIFT_TLSRPT_JSON_DL_H
#define MAILSIFT_TLSRPT_JSON_DL_H

#define TLSRPT_JSON_SONAME	"libjson-c.so.5"

const char *tlsrpt_json_error(void);

#endif
