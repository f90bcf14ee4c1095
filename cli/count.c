/* count.c - numeric options: a whole number within bounds, checked when
 * GOption (or the configuration file, config.c) hands the value over.
 *
 *	static const struct cli_count counts[] = {
 *		{ "jobs", 'j', 1, 64, &opt_jobs }, ...
 *	};
 *	... { "jobs", 'j', 0, G_OPTION_ARG_CALLBACK, set_count, ... }
 *	set_count(): return cli_count_set(counts, G_N_ELEMENTS(counts), ...);
 *
 * 0 or a negative number is no process, no batch, no size: refused as a
 * usage error naming the range, never read as "the default".  Depends on
 * no other file of cli/ (config.c reads the values back from here).
 */
#include <string.h>

#include "cli.h"

/* The value of a numeric option (--jobs 4): a whole number from min to
 * max, else a GOption error naming the range (usage, exit 64).  The value
 * is kept by the option's long name for `mailsift config`, which cannot
 * read a callback's variable (cli_count_value). */
static GHashTable *count_values;	/* long name -> the value given */

gboolean
cli_parse_count(const char *option, const char *name, const char *value,
    gint64 min, gint64 max, gint64 *out, GError **error)
{
	if (value != NULL && g_ascii_string_to_signed(value, 10, min, max, out,
	    NULL)) {
		if (count_values == NULL)
			count_values = g_hash_table_new_full(g_str_hash,
			    g_str_equal, g_free, g_free);
		g_hash_table_insert(count_values, g_strdup(name),
		    g_strdup_printf("%" G_GINT64_FORMAT, *out));
		return TRUE;
	}
	if (max == G_MAXINT64)
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "bad %s '%s' (a whole number, %" G_GINT64_FORMAT
		    " or more)", option, value ? value : "", min);
	else
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "bad %s '%s' (a whole number from %" G_GINT64_FORMAT
		    " to %" G_GINT64_FORMAT ")", option, value ? value : "",
		    min, max);
	return FALSE;
}

gboolean
cli_count_set(const struct cli_count *table, size_t n, const char *option,
    const char *value, GError **error)
{
	const char *name = option + strspn(option, "-");

	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0 ||
		    (name[0] == table[i].short_name && name[1] == '\0'))
			return cli_parse_count(option, table[i].name, value,
			    table[i].min, table[i].max, table[i].value, error);
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
	    "%s: not a numeric option", option);
	return FALSE;
}

const char *
cli_count_value(const char *name)
{
	return count_values ? g_hash_table_lookup(count_values, name) : NULL;
}
