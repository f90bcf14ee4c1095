/* error.c - the GError domain of enrich/ (ENRICH_ERROR), in a file of its
 * own so that every other file of the room may use it without a circle.
 */
#include "enrich.h"

G_DEFINE_QUARK(mailsift-enrich-error-quark, enrich_error)
