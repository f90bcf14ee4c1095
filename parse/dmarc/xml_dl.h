/* xml_dl.h - libxml2 is loaded on first use (xml_dl.c).
 *
 * Usage: if ((why = dmarc_xml_error()) != NULL) the report cannot be
 * parsed: why names the library and what failed.  Otherwise the libxml2
 * functions from the headers work as usual.
 */
#ifndef MAILSIFT_PARSE_XML_DL_H
#define MAILSIFT_PARSE_XML_DL_H

const char *dmarc_xml_error(void);

#endif
