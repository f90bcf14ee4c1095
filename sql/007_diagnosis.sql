-- 007_diagnosis.sql - what each source is to a domain, and what to fix.
--
-- For every policy domain and source IP over a period of UTC days, the
-- function source_diagnosis(domain, since, until) puts the source in one
-- category, gives the evidence and one sentence saying what to do; the
-- view source_diagnosis_v is the same over the last 30 days, for
-- dashboards; `mailsift explain` reads the function.  Applied by
-- `mailsift db migrate` like every sql/ file (no BEGIN/COMMIT here).
--
--	SELECT category, source_ip, messages, dmarc_pass, action
--	FROM source_diagnosis('example.com', date '2026-10-23', NULL);
--
-- Input: the DMARC aggregate records (dmarc_record_v with dmarc_dkim_v,
-- dmarc_spf_v, dmarc_reason_v and the report's policy from
-- dmarc_report_v) and what enrichment knows of the IP (source_v).  A
-- record counts on the UTC day its report begins (reports cover one day,
-- nearly all; dmarc_daily_v spreads the rare longer ones instead).  Only
-- the reports of the period are read: the date filter reaches the index
-- on dmarc_report (date_end), and the records, their DKIM, SPF and reason
-- lists are reached from those reports, so the cost follows the window
-- asked for, not the size of the tables.
--
-- DMARC pass is the receiver's verdict, as in every other view: aligned
-- DKIM or aligned SPF passed (policy_evaluated).  The receiver knows the
-- public suffix list; we do not, so our own alignment test only explains
-- a verdict (which signature or Return-Path is someone else's), never
-- overrides it.
--
-- Alignment without a public suffix list (domain_aligned): strict (s)
-- means equal; relaxed (r, the default) means equal, or one a subdomain
-- of the other, or both inside the report's policy domain.  So
-- news.example.com and example.com align, mail.example.com and
-- bounce.example.com align when the policy domain is example.com, and
-- sendgrid.net never aligns with example.com.  Approximation: two sibling
-- subdomains of an organizational domain that is not the policy domain
-- (policy news.example.com, d=mail.example.com) are taken as not aligned,
-- and a parent that is a public suffix (co.uk for example.co.uk) as
-- aligned; neither occurs in real signatures often, and the receiver's
-- verdict is what counts.  Domains are compared lower-cased, without a
-- trailing dot.  SPF results of scope helo are left out: DMARC uses the
-- MAIL FROM identity.
--
-- Categories, the first rule that holds wins (shares are of the source's
-- messages in the period):
--   forwarded      the source is a known forwarder (source_v.service_kind
--                  'forwarder'), or receivers gave an override reason of
--                  forwarded, mailing_list, trusted_forwarder, or
--                  local_policy with ARC in its comment, for at least a
--                  quarter of the messages that failed DMARC (for any
--                  message, when none failed);
--   partial        it changed on a day D: it broke (D is a failing day,
--                  under 50 % of its messages passing DMARC; the days
--                  before D together pass 90 % or more, D and the days
--                  after it together under 50 %) or it was fixed (D is a
--                  passing day, 90 % or more; the days before together
--                  under 50 %, D and after together 90 % or more); the
--                  failing side holds at least 1 % of the source's
--                  messages.  change_day is D (the first such day, a break
--                  before a fix).  So a rotated key or an SPF change is
--                  partial from its first day, while one bad day among
--                  passing ones (a DNS outage, a reporter's glitch) is not:
--                  the days after it pass again;
--   compliant      90 % or more of the messages pass DMARC;
--   esp_unaligned  of the messages that failed DMARC (and were not
--                  forwarded), at least as many had a DKIM or SPF pass for
--                  another domain (unaligned: an ESP's own d= or
--                  Return-Path) as had no pass at all;
--   unauthorized   the rest: most failing messages pass neither SPF nor
--                  DKIM.  The action tells your own server (service_kind
--                  'ours', or a forward-confirmed PTR name under the
--                  policy domain) from spoofing.
-- affected: the messages that failed DMARC, for the categories with
-- something to fix (partial, esp_unaligned, unauthorized); 0 for
-- compliant and forwarded.  `mailsift explain` lists the problems with the
-- most affected messages first.

-- a and b align under mode ('s' strict, anything else relaxed); see the
-- approximation above.  The domains are expected lower-cased without a
-- trailing dot (source_diagnosis passes them so); NULL or empty ones never
-- align.  One expression without FROM, so that the planner inlines it
-- into the query instead of calling a function per row.
CREATE FUNCTION domain_aligned(a text, b text, mode text, policy_domain text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
	WHEN coalesce(a, '') = '' OR coalesce(b, '') = '' THEN false
	WHEN a = b THEN true
	WHEN mode = 's' THEN false
	ELSE (strpos(b, '.') > 0 AND right(a, length(b) + 1) = '.' || b)
	    OR (strpos(a, '.') > 0 AND right(b, length(a) + 1) = '.' || a)
	    OR coalesce(strpos(policy_domain, '.') > 0
		AND (a = policy_domain
		    OR right(a, length(policy_domain) + 1) = '.' || policy_domain)
		AND (b = policy_domain
		    OR right(b, length(policy_domain) + 1) = '.' || policy_domain),
		false)
	END
$$;

COMMENT ON FUNCTION domain_aligned(text, text, text, text) IS
'DMARC identifier alignment of two domains: mode s (strict) equal, else (relaxed) equal, one a subdomain of the other, or both within policy_domain. An approximation of the organizational-domain rule without a public suffix list (see sql/007_diagnosis.sql).';

-- One row per policy domain and source IP with messages on the UTC days
-- [p_since, p_until] (NULL: unbounded).  p_domain NULL: every domain.
-- One SELECT, so the planner inlines it into the caller's query with the
-- caller's values.
CREATE FUNCTION source_diagnosis(p_domain text, p_since date, p_until date)
RETURNS TABLE (
	policy_domain text, source_ip inet, period_since date,
	period_until date, category text, action text, messages bigint,
	dmarc_pass bigint, dmarc_fail bigint, affected bigint,
	forwarded bigint, unaligned_pass bigint, no_pass bigint,
	dkim_aligned_pass bigint, spf_aligned_pass bigint,
	dkim_signatures text[], spf_domains text[], override_reasons text[],
	header_from text[], reporters text[], first_day date, last_day date,
	days int, passing_days int, failing_days int, change_day date,
	service text, service_kind text, ptr text, fcrdns boolean,
	base_domain text, asn bigint, as_org text, country text)
LANGUAGE sql STABLE
AS $$
WITH rep AS MATERIALIZED (
	-- The period's reports.  The date_end bound is implied by the
	-- date_begin one (a report ends after it begins) and lets the index
	-- on date_end find them.
	SELECT r.report_pk, lower(rtrim(r.policy_domain, '.')) AS policy_domain,
	    r.org_name, r.date_begin, (r.date_begin AT TIME ZONE 'UTC')::date AS day,
	    r.p, r.sp, coalesce(r.adkim, 'r') AS adkim,
	    coalesce(r.aspf, 'r') AS aspf
	FROM dmarc_report_v r
	WHERE (p_since IS NULL
		OR (r.date_end >= p_since::timestamp AT TIME ZONE 'UTC'
		AND r.date_begin >= p_since::timestamp AT TIME ZONE 'UTC'))
	    AND (p_until IS NULL
		OR r.date_begin < (p_until + 1)::timestamp AT TIME ZONE 'UTC')
	    AND (p_domain IS NULL
		OR lower(rtrim(r.policy_domain, '.')) = lower(rtrim(p_domain, '.')))
), rec AS MATERIALIZED (
	SELECT c.report_pk, c.rec_no, r.policy_domain, r.org_name, r.day,
	    r.date_begin, r.p, r.sp, r.adkim, r.aspf, c.source_ip, c.count,
	    c.dmarc_pass, c.policy_dkim IS NOT DISTINCT FROM 'pass' AS dkim_ok,
	    c.policy_spf IS NOT DISTINCT FROM 'pass' AS spf_ok,
	    lower(rtrim(coalesce(nullif(c.header_from, ''), r.policy_domain),
		'.')) AS header_from
	FROM rep r
	JOIN dmarc_record_v c ON c.report_pk = r.report_pk
	WHERE c.source_ip IS NOT NULL AND c.count > 0
), dkim AS MATERIALIZED (
	-- Each DKIM result with its alignment to the record's From domain:
	-- under the policy's mode (aligned), and relaxed but not under the
	-- policy's mode (relaxed_only: strict alignment refused it).
	SELECT y.*,
	    CASE WHEN adkim = 's' THEN equal ELSE relaxed END AS aligned,
	    adkim = 's' AND relaxed AND NOT equal AS relaxed_only
	FROM (SELECT x.*, domain = header_from AS equal,
	    domain_aligned(domain, header_from, 'r', policy_domain) AS relaxed
	FROM (SELECT c.report_pk, c.rec_no, c.policy_domain, c.source_ip,
		c.count, c.header_from, c.adkim,
		lower(rtrim(k.domain, '.')) AS domain,
		coalesce(k.selector, '') AS selector, k.result = 'pass' AS pass
	    FROM rep r
	    JOIN dmarc_dkim_v k ON k.report_pk = r.report_pk
	    JOIN rec c ON c.report_pk = k.report_pk AND c.rec_no = k.rec_no
	    WHERE coalesce(k.domain, '') <> '') x
	    OFFSET 0) y	-- evaluate domain_aligned once per row
), spf AS MATERIALIZED (
	SELECT y.*,
	    CASE WHEN aspf = 's' THEN equal ELSE relaxed END AS aligned,
	    aspf = 's' AND relaxed AND NOT equal AS relaxed_only
	FROM (SELECT x.*, domain = header_from AS equal,
	    domain_aligned(domain, header_from, 'r', policy_domain) AS relaxed
	FROM (SELECT c.report_pk, c.rec_no, c.policy_domain, c.source_ip,
		c.count, c.header_from, c.aspf,
		lower(rtrim(s.domain, '.')) AS domain, s.result = 'pass' AS pass
	    FROM rep r
	    JOIN dmarc_spf_v s ON s.report_pk = r.report_pk
	    JOIN rec c ON c.report_pk = s.report_pk AND c.rec_no = s.rec_no
	    WHERE coalesce(s.domain, '') <> ''
		AND coalesce(s.scope, 'mfrom') = 'mfrom') x
	    OFFSET 0) y
), fwd AS MATERIALIZED (
	-- Records a receiver says were forwarded.
	SELECT e.report_pk, e.rec_no,
	    array_agg(DISTINCT CASE WHEN e.type = 'local_policy'
		THEN 'local_policy (arc)' ELSE e.type END) AS reasons
	FROM rep r
	JOIN dmarc_reason_v e ON e.report_pk = r.report_pk
	WHERE e.type IN ('forwarded', 'mailing_list', 'trusted_forwarder')
	    OR (e.type = 'local_policy' AND e.comment ~* '\marc\M')
	GROUP BY 1, 2
), auth AS (
	-- Per record: any DKIM or SPF pass (for a failing record: a pass
	-- for someone else's domain), a pass refused only by strict
	-- alignment, a signature of the From domain that failed.
	SELECT report_pk, rec_no, bool_or(pass) AS any_pass,
	    bool_or(pass AND relaxed_only) AS strict_pass,
	    bool_or(NOT pass AND aligned) AS own_fail
	FROM (SELECT report_pk, rec_no, pass, relaxed_only, aligned FROM dkim
	    UNION ALL
	    SELECT report_pk, rec_no, pass, relaxed_only, false FROM spf) x
	GROUP BY 1, 2
), f AS MATERIALIZED (
	SELECT c.*, w.reasons IS NOT NULL AS fwd, w.reasons,
	    coalesce(a.any_pass, false) AS any_pass,
	    coalesce(a.strict_pass, false) AS strict_pass,
	    coalesce(a.own_fail, false) AS own_fail
	FROM rec c
	LEFT JOIN auth a ON a.report_pk = c.report_pk AND a.rec_no = c.rec_no
	LEFT JOIN fwd w ON w.report_pk = c.report_pk AND w.rec_no = c.rec_no
), src AS (
	SELECT f.policy_domain, f.source_ip,
	    sum(f.count)::bigint AS messages,
	    coalesce(sum(f.count) FILTER (WHERE f.dmarc_pass), 0)::bigint
		AS dmarc_pass,
	    coalesce(sum(f.count) FILTER (WHERE f.fwd), 0)::bigint AS forwarded,
	    coalesce(sum(f.count) FILTER (WHERE NOT f.dmarc_pass AND NOT f.fwd
		AND f.any_pass), 0)::bigint AS unaligned_pass,
	    coalesce(sum(f.count) FILTER (WHERE NOT f.dmarc_pass AND NOT f.fwd
		AND NOT f.any_pass), 0)::bigint AS no_pass,
	    coalesce(sum(f.count) FILTER (WHERE NOT f.dmarc_pass AND NOT f.fwd
		AND f.strict_pass), 0)::bigint AS strict_pass,
	    coalesce(sum(f.count) FILTER (WHERE NOT f.dmarc_pass AND NOT f.fwd
		AND NOT f.any_pass AND f.own_fail), 0)::bigint AS own_fail,
	    coalesce(sum(f.count) FILTER (WHERE f.dkim_ok), 0)::bigint
		AS dkim_aligned_pass,
	    coalesce(sum(f.count) FILTER (WHERE f.spf_ok), 0)::bigint
		AS spf_aligned_pass,
	    array_agg(DISTINCT f.org_name ORDER BY f.org_name)
		FILTER (WHERE f.org_name IS NOT NULL) AS reporters,
	    min(f.day) AS first_day, max(f.day) AS last_day,
	    count(DISTINCT f.day)::int AS days,
	    -- the policy of the latest report
	    (array_agg(f.p ORDER BY f.date_begin DESC))[1] AS p,
	    (array_agg(f.sp ORDER BY f.date_begin DESC))[1] AS sp,
	    (array_agg(f.adkim ORDER BY f.date_begin DESC))[1] AS adkim,
	    (array_agg(f.aspf ORDER BY f.date_begin DESC))[1] AS aspf
	FROM f
	GROUP BY 1, 2
), reasons AS (
	SELECT f.policy_domain, f.source_ip,
	    array_agg(DISTINCT x ORDER BY x) AS override_reasons
	FROM f CROSS JOIN LATERAL unnest(f.reasons) AS x
	GROUP BY 1, 2
), froms AS (
	-- The From domains, the biggest first.
	SELECT policy_domain, source_ip,
	    array_agg(header_from ORDER BY n DESC, header_from) AS header_from
	FROM (SELECT policy_domain, source_ip, header_from, sum(count) AS n
	    FROM rec GROUP BY 1, 2, 3) x
	GROUP BY 1, 2
), dk_sig AS (
	SELECT policy_domain, source_ip, domain, selector,
	    sum(count) FILTER (WHERE pass) AS pass, sum(count) AS n,
	    bool_or(aligned) AS aligned, bool_or(relaxed_only) AS relaxed_only
	FROM dkim
	GROUP BY 1, 2, 3, 4
), dk_ev AS (
	-- "d=example.com s=s1 pass 40/42", the most messages first; and the
	-- lists the actions name.
	SELECT policy_domain, source_ip,
	    array_agg(format('d=%s s=%s pass %s/%s', domain,
		nullif(selector, ''), coalesce(pass, 0), n)
		ORDER BY n DESC, domain, selector) AS sigs,
	    string_agg(format('d=%s s=%s', domain, nullif(selector, '')), ', '
		ORDER BY n DESC, domain, selector)
		FILTER (WHERE aligned AND pass > 0) AS aligned_pass,
	    string_agg(format('d=%s s=%s', domain, nullif(selector, '')), ', '
		ORDER BY n DESC, domain, selector)
		FILTER (WHERE aligned AND coalesce(pass, 0) < n) AS aligned_fail,
	    string_agg(format('%s (s=%s)', domain, nullif(selector, '')), ', '
		ORDER BY n DESC, domain, selector)
		FILTER (WHERE NOT aligned AND NOT relaxed_only AND pass > 0)
		AS other_pass,
	    string_agg(domain, ', ' ORDER BY n DESC, domain, selector)
		FILTER (WHERE relaxed_only AND pass > 0) AS relaxed_pass
	FROM dk_sig
	GROUP BY 1, 2
), sp_dom AS (
	SELECT policy_domain, source_ip, domain,
	    sum(count) FILTER (WHERE pass) AS pass, sum(count) AS n,
	    bool_or(aligned) AS aligned, bool_or(relaxed_only) AS relaxed_only
	FROM spf
	GROUP BY 1, 2, 3
), sp_ev AS (
	SELECT policy_domain, source_ip,
	    array_agg(format('%s pass %s/%s', domain, coalesce(pass, 0), n)
		ORDER BY n DESC, domain) AS doms,
	    string_agg(domain, ', ' ORDER BY n DESC, domain)
		FILTER (WHERE aligned AND pass > 0) AS aligned_pass,
	    string_agg(domain, ', ' ORDER BY n DESC, domain)
		FILTER (WHERE NOT aligned AND NOT relaxed_only AND pass > 0)
		AS other_pass,
	    string_agg(domain, ', ' ORDER BY n DESC, domain)
		FILTER (WHERE relaxed_only AND pass > 0) AS relaxed_pass
	FROM sp_dom
	GROUP BY 1, 2
), dd AS (
	-- Days: passing (90 % or more pass DMARC), failing (under 50 %).
	SELECT policy_domain, source_ip, day, sum(count) AS n,
	    coalesce(sum(count) FILTER (WHERE dmarc_pass), 0) AS pass,
	    coalesce(sum(count) FILTER (WHERE dkim_ok), 0) AS dkim,
	    coalesce(sum(count) FILTER (WHERE spf_ok), 0) AS spf
	FROM rec
	GROUP BY 1, 2, 3
), d1 AS (
	-- Each day with the sums of the days before it (b_) and of it and
	-- the days after it (a_), for the change point.
	SELECT day, policy_domain, source_ip, n, pass,
	    10 * pass >= 9 * n AS good, 2 * pass < n AS bad,
	    lag(day) OVER w AS prev_day,
	    coalesce(sum(n) OVER wb, 0) AS b_n,
	    coalesce(sum(pass) OVER wb, 0) AS b_pass,
	    coalesce(sum(dkim) OVER wb, 0) AS b_dkim,
	    coalesce(sum(spf) OVER wb, 0) AS b_spf,
	    sum(n) OVER wa AS a_n, sum(pass) OVER wa AS a_pass,
	    sum(dkim) OVER wa AS a_dkim, sum(spf) OVER wa AS a_spf,
	    sum(n) OVER wt AS total
	FROM dd
	WINDOW w AS (PARTITION BY policy_domain, source_ip ORDER BY day),
	    wb AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
	    wa AS (w ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING),
	    wt AS (PARTITION BY policy_domain, source_ip)
), d2 AS (
	-- A day where it broke: a failing day, the days before it passing
	-- (90 % together), it and the days after failing (under 50 %
	-- together); or where it was fixed: the reverse.  Either side that
	-- fails must hold 1 % of the messages.
	SELECT d1.*,
	    bad AND b_n > 0 AND 10 * b_pass >= 9 * b_n AND 2 * a_pass < a_n
		AND 100 * (a_n - a_pass) >= total AS broke,
	    good AND b_n > 0 AND 2 * b_pass < b_n AND 10 * a_pass >= 9 * a_n
		AND 100 * (b_n - b_pass) >= total AS fixed
	FROM d1
), d3 AS (
	SELECT d2.*,
	    min(day) FILTER (WHERE broke) OVER wt AS break_day,
	    min(day) FILTER (WHERE fixed) OVER wt AS fixed_day
	FROM d2
	WINDOW wt AS (PARTITION BY policy_domain, source_ip)
), ds AS (
	SELECT policy_domain, source_ip,
	    count(*) FILTER (WHERE good)::int AS good_days,
	    count(*) FILTER (WHERE bad)::int AS bad_days,
	    min(break_day) AS break_day, min(fixed_day) AS fixed_day,
	    -- the day with data before the change
	    min(prev_day) FILTER (WHERE day = coalesce(break_day, fixed_day))
		AS before_day,
	    count(*) FILTER (WHERE day >= break_day)::int AS days_since,
	    count(*) FILTER (WHERE day >= break_day AND bad)::int AS bad_since,
	    count(*) FILTER (WHERE day >= break_day AND NOT bad)::int
		AS other_since,
	    -- what stopped passing at the break: aligned DKIM (or SPF)
	    -- passed for more than half the messages before, less than half
	    -- from then on
	    coalesce(bool_or(2 * b_dkim > b_n AND 2 * a_dkim < a_n)
		FILTER (WHERE day = break_day), false) AS dkim_stopped,
	    coalesce(bool_or(2 * b_spf > b_n AND 2 * a_spf < a_n)
		FILTER (WHERE day = break_day), false) AS spf_stopped
	FROM d3
	GROUP BY 1, 2
), cat AS (
	SELECT s.*, ds.good_days, ds.bad_days, ds.break_day, ds.fixed_day,
	    ds.before_day, ds.days_since, ds.bad_since, ds.other_since,
	    ds.dkim_stopped, ds.spf_stopped,
	    rs.override_reasons, fr.header_from, fr.header_from[1] AS main_from,
	    dk.sigs, dk.aligned_pass AS dk_aligned_pass,
	    dk.aligned_fail AS dk_aligned_fail, dk.other_pass AS dk_other,
	    dk.relaxed_pass AS dk_relaxed, sp.doms,
	    sp.aligned_pass AS sp_aligned_pass, sp.other_pass AS sp_other,
	    sp.relaxed_pass AS sp_relaxed,
	    v.service, v.service_kind, v.ptr, v.fcrdns, v.base_domain, v.asn,
	    v.as_org, v.country,
	    coalesce(v.service_kind = 'ours'
		OR (v.fcrdns AND domain_aligned(lower(rtrim(v.base_domain, '.')),
		    s.policy_domain,
		    'r', s.policy_domain)), false) AS ours,
	    host(s.source_ip) || coalesce(' (' || nullif(concat_ws(', ',
		v.service, v.ptr), '') || ')', '') AS who,
	    CASE
	    WHEN v.service_kind = 'forwarder' OR (s.forwarded > 0
		AND 4 * s.forwarded >= s.messages - s.dmarc_pass)
		THEN 'forwarded'
	    WHEN ds.break_day IS NOT NULL OR ds.fixed_day IS NOT NULL
		THEN 'partial'
	    WHEN 10 * s.dmarc_pass >= 9 * s.messages THEN 'compliant'
	    WHEN s.unaligned_pass > 0 AND s.unaligned_pass >= s.no_pass
		THEN 'esp_unaligned'
	    ELSE 'unauthorized'
	    END AS category
	FROM src s
	JOIN ds USING (policy_domain, source_ip)
	JOIN froms fr USING (policy_domain, source_ip)
	LEFT JOIN reasons rs USING (policy_domain, source_ip)
	LEFT JOIN dk_ev dk USING (policy_domain, source_ip)
	LEFT JOIN sp_ev sp USING (policy_domain, source_ip)
	LEFT JOIN source_v v ON v.source_ip = s.source_ip
)
SELECT c.policy_domain, c.source_ip, p_since, p_until, c.category,
    CASE c.category
    WHEN 'compliant' THEN CASE
	WHEN 2 * c.dkim_aligned_pass >= c.dmarc_pass
	    AND 2 * c.spf_aligned_pass >= c.dmarc_pass THEN format(
	    'Nothing to fix: DMARC passes through aligned DKIM%s and aligned SPF%s.',
	    ' (' || c.dk_aligned_pass || ')', ' (' || c.sp_aligned_pass || ')')
	WHEN 2 * c.dkim_aligned_pass >= c.dmarc_pass THEN format(
	    'Nothing to fix: DMARC passes through aligned DKIM%s; SPF is not aligned%s, so keep DKIM signing on.',
	    ' (' || c.dk_aligned_pass || ')',
	    ' (Return-Path ' || c.sp_other || ')')
	ELSE format(
	    'DMARC passes through aligned SPF%s only: sign its mail with DKIM for %s too, or forwarded copies will fail.',
	    ' (' || c.sp_aligned_pass || ')', c.main_from)
	END
    WHEN 'forwarded' THEN format(
	'Nothing to fix on your side: %s %s, which breaks SPF; %s%% of its messages still passed through DKIM, so keep every message DKIM-signed for %s.',
	c.who, CASE WHEN c.service_kind = 'forwarder'
	    THEN 'is a known forwarder'
	    ELSE 'forwards mail (receivers said '
		|| array_to_string(c.override_reasons, ', ') || ')' END,
	(100 * c.dkim_aligned_pass / c.messages), c.main_from)
    WHEN 'partial' THEN CASE
	WHEN c.break_day IS NULL THEN format(
	    'Failed DMARC until %s and passes since %s: fixed, nothing to do unless it fails again.',
	    c.before_day, c.fixed_day)
	ELSE format('Passed DMARC until %s and %s since %s (%s): %s.',
	    c.before_day,
	    CASE WHEN c.other_since > 0 THEN format('fails on %s of the %s days',
		c.bad_since, c.days_since) ELSE 'fails' END,
	    c.break_day,
	    coalesce(nullif(concat_ws(' and ',
		CASE WHEN c.dkim_stopped THEN 'aligned DKIM'
		    || coalesce(' ' || c.dk_aligned_pass, '') END,
		CASE WHEN c.spf_stopped THEN 'aligned SPF'
		    || coalesce(' for ' || c.sp_aligned_pass, '') END), '')
		|| ' stopped passing', 'DMARC stopped passing'),
	    concat_ws('; ',
		CASE WHEN c.dkim_stopped OR NOT c.spf_stopped THEN
		    'check the DKIM key published for that selector and the signer (a rotated key?)' END,
		CASE WHEN c.spf_stopped OR NOT c.dkim_stopped THEN format(
		    'check that the SPF record of %s still lists %s',
		    c.policy_domain, host(c.source_ip)) END))
	END
    WHEN 'esp_unaligned' THEN CASE
	WHEN 2 * c.strict_pass >= c.unaligned_pass THEN format(
	    'It passes for %s, which aligns with %s only under relaxed alignment, but %s publishes %s: sign with d=%s and use a Return-Path in %s, or publish adkim=r and aspf=r.',
	    concat_ws(', ', c.dk_relaxed, c.sp_relaxed), c.main_from,
	    c.policy_domain, concat_ws(' ',
		CASE WHEN c.adkim = 's' THEN 'adkim=s' END,
		CASE WHEN c.aspf = 's' THEN 'aspf=s' END),
	    c.main_from, c.main_from)
	ELSE format('Set up DKIM signing with %s and a custom Return-Path under %s at %s: it %s, so DMARC fails for %s messages.',
	    c.policy_domain, c.policy_domain,
	    CASE WHEN c.ours THEN 'your own server ' || c.who
		ELSE coalesce(c.service, 'the service behind ' || c.who) END,
	    coalesce(nullif(concat_ws(' and ',
		'signs as ' || c.dk_other,
		'uses the Return-Path ' || c.sp_other), ''),
		'passes for another domain'),
	    CASE WHEN c.dmarc_pass = 0 THEN 'all ' || c.messages
		ELSE (c.messages - c.dmarc_pass) || ' of its ' || c.messages END)
	END
    WHEN 'unauthorized' THEN CASE
	WHEN c.ours THEN format(
	    '%s is your own server but passes neither SPF nor DKIM for %s: add %s to the SPF record of %s and sign its mail with DKIM for %s%s.',
	    c.who, c.main_from,
	    CASE WHEN family(c.source_ip) = 6 THEN 'ip6:' ELSE 'ip4:' END
		|| host(c.source_ip), c.policy_domain, c.policy_domain,
	    ' (its signature ' || c.dk_aligned_fail
		|| ' fails: publish that selector''s key)')
	WHEN c.dmarc_pass > 0 THEN format(
	    '%s of its %s messages pass neither SPF nor DKIM for %s while the others pass: find the mail it sends unsigned or with another Return-Path, and sign it with DKIM for %s.',
	    c.messages - c.dmarc_pass, c.messages, c.main_from, c.policy_domain)
	WHEN c.own_fail > 0 AND 2 * c.own_fail >= c.no_pass THEN format(
	    '%s signs as %s (%s) but the signatures fail and SPF does not pass: if it is your server, publish that selector''s key and add it to the SPF record of %s; if not, it is spoofing.',
	    c.who, c.main_from, c.dk_aligned_fail, c.policy_domain)
	ELSE format('Spoofing: %s sends as %s without passing SPF or DKIM; %s',
	    c.who, c.main_from,
	    CASE coalesce(CASE WHEN c.main_from = c.policy_domain THEN c.p
		ELSE coalesce(c.sp, c.p) END, 'none')
	    WHEN 'reject' THEN 'your policy (reject) has receivers refuse it, so there is nothing to fix on your side.'
	    WHEN 'quarantine' THEN 'your policy (quarantine) sends it to spam, and p=reject would have it refused.'
	    ELSE 'with p=none receivers deliver it, so once your own sources pass, publish p=quarantine, then p=reject.'
	    END)
	END
    END,
    c.messages, c.dmarc_pass, c.messages - c.dmarc_pass,
    CASE WHEN c.category IN ('compliant', 'forwarded') THEN 0
	ELSE c.messages - c.dmarc_pass END::bigint,
    c.forwarded, c.unaligned_pass, c.no_pass, c.dkim_aligned_pass,
    c.spf_aligned_pass, c.sigs, c.doms, c.override_reasons, c.header_from,
    c.reporters, c.first_day, c.last_day, c.days, c.good_days, c.bad_days,
    CASE WHEN c.category = 'partial'
	THEN coalesce(c.break_day, c.fixed_day) END,
    c.service, c.service_kind, c.ptr, c.fcrdns, c.base_domain, c.asn,
    c.as_org, c.country
FROM cat c
$$;

COMMENT ON FUNCTION source_diagnosis(text, date, date) IS
'Per policy domain and source IP with messages on the UTC days p_since to p_until (NULL: unbounded; p_domain NULL: every domain): the category (compliant, forwarded, partial, esp_unaligned, unauthorized), the evidence and the action. The rules and thresholds are in sql/007_diagnosis.sql and the README; the columns are those of source_diagnosis_v.';

CREATE VIEW source_diagnosis_v AS
SELECT *
FROM source_diagnosis(NULL, (now() AT TIME ZONE 'UTC')::date - 30, NULL);

COMMENT ON VIEW source_diagnosis_v IS
'What each source is to each policy domain over the last 30 UTC days and today, and what to fix: source_diagnosis(NULL, current UTC date - 30, NULL). For another period or one domain, select from source_diagnosis(domain, since, until) instead: it has these columns. Categories, first rule that holds: forwarded (known forwarder, or receivers said forwarded/mailing_list/trusted_forwarder/local_policy with ARC for at least a quarter of the failing messages), partial (on change_day it broke: the days before pass 90 % or more together, that day is failing and it and the days after pass under 50 % together; or the reverse, it was fixed; the failing side holds at least 1 % of the messages), compliant (90 % or more pass DMARC), esp_unaligned (most failing messages pass SPF or DKIM for another domain), unauthorized (most pass neither). Problems first:
  SELECT category, host(source_ip), affected, action FROM source_diagnosis_v
  WHERE policy_domain = ''example.com'' ORDER BY affected DESC';
COMMENT ON COLUMN source_diagnosis_v.policy_domain IS 'The domain whose policy was evaluated, lower-cased without a trailing dot.';
COMMENT ON COLUMN source_diagnosis_v.source_ip IS 'Sending IP address.';
COMMENT ON COLUMN source_diagnosis_v.period_since IS 'First UTC day of the period (the view: 30 days before today).';
COMMENT ON COLUMN source_diagnosis_v.period_until IS 'Last UTC day of the period, NULL: up to now.';
COMMENT ON COLUMN source_diagnosis_v.category IS 'compliant, forwarded, partial, esp_unaligned or unauthorized (rules in the view''s comment).';
COMMENT ON COLUMN source_diagnosis_v.action IS 'One sentence saying what to do, with the specifics: service, selector, Return-Path, the day it changed.';
COMMENT ON COLUMN source_diagnosis_v.messages IS 'Messages from this source for this domain in the period (a record counts on the UTC day its report begins).';
COMMENT ON COLUMN source_diagnosis_v.dmarc_pass IS 'Messages that passed DMARC (the receiver''s aligned DKIM or aligned SPF).';
COMMENT ON COLUMN source_diagnosis_v.dmarc_fail IS 'messages - dmarc_pass.';
COMMENT ON COLUMN source_diagnosis_v.affected IS 'Messages the problem affects: dmarc_fail for partial, esp_unaligned and unauthorized; 0 for compliant and forwarded (nothing to fix).';
COMMENT ON COLUMN source_diagnosis_v.forwarded IS 'Messages with a forwarding override reason (forwarded, mailing_list, trusted_forwarder, local_policy with ARC).';
COMMENT ON COLUMN source_diagnosis_v.unaligned_pass IS 'Messages that failed DMARC, not forwarded, with a DKIM or SPF pass for another domain.';
COMMENT ON COLUMN source_diagnosis_v.no_pass IS 'Messages that failed DMARC, not forwarded, passing neither DKIM nor SPF for any domain.';
COMMENT ON COLUMN source_diagnosis_v.dkim_aligned_pass IS 'Messages whose aligned DKIM passed (the receiver''s policy_evaluated dkim).';
COMMENT ON COLUMN source_diagnosis_v.spf_aligned_pass IS 'Messages whose aligned SPF passed (the receiver''s policy_evaluated spf).';
COMMENT ON COLUMN source_diagnosis_v.dkim_signatures IS 'DKIM signatures seen, "d=DOMAIN s=SELECTOR pass N/M" (N of the M messages carrying it passed), the most messages first.';
COMMENT ON COLUMN source_diagnosis_v.spf_domains IS 'SPF (MAIL FROM) domains checked, "DOMAIN pass N/M", the most messages first.';
COMMENT ON COLUMN source_diagnosis_v.override_reasons IS 'Forwarding override reasons receivers gave, NULL when none.';
COMMENT ON COLUMN source_diagnosis_v.header_from IS 'RFC5322.From domains, the most messages first.';
COMMENT ON COLUMN source_diagnosis_v.reporters IS 'Reporting organisations.';
COMMENT ON COLUMN source_diagnosis_v.first_day IS 'First UTC day with messages.';
COMMENT ON COLUMN source_diagnosis_v.last_day IS 'Last UTC day with messages.';
COMMENT ON COLUMN source_diagnosis_v.days IS 'Days with messages.';
COMMENT ON COLUMN source_diagnosis_v.passing_days IS 'Days on which 90 % or more of its messages passed DMARC.';
COMMENT ON COLUMN source_diagnosis_v.failing_days IS 'Days on which less than 50 % passed.';
COMMENT ON COLUMN source_diagnosis_v.change_day IS 'partial only: the day it broke (the first failing day, the days before passing) or, when it was fixed, the first passing day.';
COMMENT ON COLUMN source_diagnosis_v.service IS 'Named service (source_v), NULL when unknown.';
COMMENT ON COLUMN source_diagnosis_v.service_kind IS 'Its kind (source_v): esp, forwarder, ours, ...';
COMMENT ON COLUMN source_diagnosis_v.ptr IS 'PTR name (source_v).';
COMMENT ON COLUMN source_diagnosis_v.fcrdns IS 'True when the PTR name is forward-confirmed (source_v).';
COMMENT ON COLUMN source_diagnosis_v.base_domain IS 'Registrable domain of the confirmed PTR name (source_v).';
COMMENT ON COLUMN source_diagnosis_v.asn IS 'Autonomous system number (source_v).';
COMMENT ON COLUMN source_diagnosis_v.as_org IS 'Autonomous system organisation (source_v).';
COMMENT ON COLUMN source_diagnosis_v.country IS 'Country code (source_v).';
