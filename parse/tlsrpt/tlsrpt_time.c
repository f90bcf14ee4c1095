/* tlsrpt_time.c - the date-times of a TLS report (RFC 3339, as RFC 8460
 * asks) to epoch seconds and back, in UTC, without the C library's time
 * zone machinery (timegm is not C11 and gmtime_r is not needed).
 *
 * Usage: tlsrpt_time_parse(s, &t, rules) and tlsrpt_format_time(t, buf).
 *
 * What is read: YYYY-MM-DD, a "T" (or "t" or a space, as RFC 3339 allows),
 * HH:MM:SS, an optional fraction (dropped: the store keeps seconds), then
 * "Z", "z" or an offset +HH:MM / -HH:MM (applied) or +HHMM.  Also read,
 * with a rule saying so: no zone at all (taken as UTC, the only sensible
 * reading for a report about UTC days), a date alone (its midnight, UTC).
 * A leap second (:60) is the next second, as timegm would count it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tlsrpt_internal.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse: y-m-d of a day number. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* n decimal digits at *p into *v; advances *p.  FALSE when not digits. */
static gboolean
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!g_ascii_isdigit((*p)[i]))
			return FALSE;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return TRUE;
}

static void
add_rule(GString *rules, const char *rule)
{
	if (rules == NULL)
		return;
	if (rules->len > 0)
		g_string_append(rules, ", ");
	g_string_append(rules, rule);
}

/* The zone after the seconds, into *offset seconds east of UTC; FALSE
 * when it is none of the forms above. */
static gboolean
parse_zone(const char *p, int *offset, GString *rules)
{
	int sign, hh, mm;

	*offset = 0;
	if (*p == '\0') {
		add_rule(rules, "no time zone: UTC");
		return TRUE;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		if (*p == 'z')
			add_rule(rules, "lower-case z");
		return TRUE;
	}
	if (*p != '+' && *p != '-')
		return FALSE;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &hh))
		return FALSE;
	if (*p == ':')
		p++;
	if (!digits(&p, 2, &mm) || *p != '\0' || hh > 23 || mm > 59)
		return FALSE;
	*offset = sign * (hh * 3600 + mm * 60);
	add_rule(rules, "offset applied");
	return TRUE;
}

int
tlsrpt_time_parse(const char *s, int64_t *t, GString *rules)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, offset = 0;
	gsize mark = rules ? rules->len : 0;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		goto bad;
	if (*p == '\0') {
		add_rule(rules, "date alone: its midnight, UTC");
	} else {
		if (*p == 't' || *p == ' ')
			add_rule(rules, "separator");
		else if (*p != 'T')
			goto bad;
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
		    *p++ != ':' || !digits(&p, 2, &sec))
			goto bad;
		if (h > 23 || mi > 59 || sec > 60)
			goto bad;
		if (sec == 60)
			add_rule(rules, "leap second");
		if (*p == '.') {
			if (!g_ascii_isdigit(p[1]))
				goto bad;
			for (p++; g_ascii_isdigit(*p); p++)
				;
			add_rule(rules, "fraction dropped");
		}
		if (!parse_zone(p, &offset, rules))
			goto bad;
	}
	*t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - offset;
	return rules == NULL || rules->len == mark ? 0 : 1;
bad:
	if (rules != NULL)
		g_string_truncate(rules, mark);
	return -1;
}

const char *
tlsrpt_format_time(int64_t t, char buf[32])
{
	int64_t days = t / 86400, secs = t % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, 32, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}
