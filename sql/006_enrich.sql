-- 006_enrich.sql - who each source IP is: names, networks, services
-- (`mailsift enrich`).
--
-- Applied by `mailsift db migrate` like every sql/ file (one transaction,
-- no BEGIN/COMMIT here).  Ingest never writes here and never waits for
-- DNS: `mailsift enrich` (cron, or `ingest --enrich` after a Maildir or
-- file run) lists the addresses of source_seen_v that have no row yet or
-- whose row expired, resolves them and writes the answers in bulk
-- (store/source.c).  Queries, views and dashboards LEFT JOIN source_v on
-- the address.
--
-- What an answer is worth, and for how long (expires_at - asked_at):
--   ok (PTR names)		7 days
--   nxdomain, nodata		1 day
--   servfail, refused		1 hour
--   timeout			0: the next run asks again
-- A timeout says nothing about the address and is never stored as "no
-- name": without an earlier answer the row says timeout, fcrdns NULL.  A
-- timeout replaces nothing stored, and a failure of the resolver
-- (servfail, refused) no real answer (ok, nxdomain, nodata): the row
-- keeps its answer, names and answered_at, records the failure in
-- last_status and counts it in failures; only expires_at moves, so the
-- address is asked again soon.

CREATE TABLE source_info (
	source_ip	inet PRIMARY KEY,	-- a host address (/32, /128)
	ptr_names	text[],			-- as answered, in order; NULL: none
	confirmed_name	text,			-- first PTR name whose A/AAAA has it
	fcrdns		boolean,		-- NULL: not known (DNS failed)
	base_domain	text,			-- of confirmed_name, by the PSL
	dns_status	text NOT NULL CHECK (dns_status IN
			    ('ok', 'nxdomain', 'nodata', 'servfail', 'refused',
			    'timeout')),
	last_status	text NOT NULL CHECK (last_status IN
			    ('ok', 'nxdomain', 'nodata', 'servfail', 'refused',
			    'timeout')),
	failures	int NOT NULL DEFAULT 0,	-- failed attempts since the last answer
	asn		bigint CHECK (asn > 0 AND asn <= 4294967295),
	as_org		text,
	country		text CHECK (country ~ '^[A-Z]{2}$'),
	network		cidr,			-- the ASN's announced prefix, or the MMDB's
	asn_source	text,			-- mmdb, cymru
	service		text,
	service_kind	text,
	service_basis	text,			-- the services row: "ptr sendgrid.net", ...
	asked_at	timestamptz NOT NULL,	-- last attempt
	answered_at	timestamptz,		-- when the stored DNS answer came
	expires_at	timestamptz NOT NULL
);
-- enrich asks for the expired rows first.
CREATE INDEX source_info_expires ON source_info (expires_at);

-- State of enrichment between runs: the digest of the services table the
-- rows were mapped with ('services_sha256'), so a changed table maps them
-- all again.
CREATE TABLE enrich_state (
	key		text PRIMARY KEY,
	value		text NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- Every source address mailsift has stored, where and by which message:
-- what `enrich` resolves.  A bounce names two (the one the receiver
-- states, the one the returned copy's Received headers show).
CREATE VIEW source_seen_v AS
SELECT host(c.source_ip)::inet AS source_ip, r.ingest_id,
    'dmarc'::text AS seen_in
FROM dmarc_record c JOIN dmarc_report r ON r.id = c.report_id
WHERE c.source_ip IS NOT NULL
UNION ALL
SELECT host(b.auth_sending_ip)::inet, m.ingest_id, 'bounce'
FROM bounce_recipient b JOIN bounce_message m ON m.id = b.bounce_id
WHERE b.auth_sending_ip IS NOT NULL
UNION ALL
SELECT host(m.orig_sending_ip)::inet, m.ingest_id, 'bounce'
FROM bounce_message m
WHERE m.orig_sending_ip IS NOT NULL
UNION ALL
SELECT host(f.sending_mta_ip)::inet, t.ingest_id, 'tls'
FROM tls_failure f JOIN tls_report t ON t.id = f.report_id
WHERE f.sending_mta_ip IS NOT NULL
UNION ALL
SELECT host(a.source_ip)::inet, a.ingest_id, 'arf'
FROM arf_report a
WHERE a.source_ip IS NOT NULL;

COMMENT ON VIEW source_seen_v IS
'Every source address stored, one row per mention: the source_ip of DMARC records, the sending IPs of bounces, sending-mta-ip of TLS failure details, Source-IP of ARF reports. What mailsift enrich resolves.';
COMMENT ON COLUMN source_seen_v.source_ip IS 'The address (host, no netmask).';
COMMENT ON COLUMN source_seen_v.ingest_id IS 'The message that brought it (ingest_log_v.id).';
COMMENT ON COLUMN source_seen_v.seen_in IS 'dmarc, bounce, tls or arf.';

-- The documented view: one row per address enrichment knows.  New
-- columns only ever at the end.
CREATE VIEW source_v AS
SELECT s.source_ip, s.ptr_names[1] AS ptr, s.ptr_names, s.fcrdns,
    s.base_domain, s.dns_status, s.asn, s.as_org, s.country, s.service,
    s.service_kind, s.asked_at, s.expires_at, s.confirmed_name,
    s.last_status, s.failures, s.answered_at, s.network, s.asn_source,
    s.service_basis, s.expires_at <= now() AS expired
FROM source_info s;

COMMENT ON VIEW source_v IS
'Who each source address is, from mailsift enrich: PTR names, forward confirmation, base domain, ASN, AS organization, country, named service. LEFT JOIN it on source_ip; an address enrich has not seen yet has no row.';
COMMENT ON COLUMN source_v.source_ip IS 'The source address (unique).';
COMMENT ON COLUMN source_v.ptr IS 'The first PTR name (lower case, no final dot); NULL when none. Not confirmed unless fcrdns: anyone can publish any PTR name for their own addresses.';
COMMENT ON COLUMN source_v.ptr_names IS 'Every PTR name, in the order answered (at most 16); NULL when none.';
COMMENT ON COLUMN source_v.fcrdns IS 'Forward-confirmed: the A (IPv4) or AAAA (IPv6) records of one of the first 4 PTR names contain the address. false: no name, or none confirms; NULL: not known (the PTR or a forward lookup failed or timed out).';
COMMENT ON COLUMN source_v.base_domain IS 'The base (registrable) domain of the confirmed name by the public suffix list: mail.example.co.uk -> example.co.uk. NULL without a confirmed name.';
COMMENT ON COLUMN source_v.dns_status IS 'What the stored PTR answer was: ok (names), nxdomain (no reverse name), nodata (the name without a PTR record), servfail (the resolver failed), refused (it refused), timeout (no answer: says nothing; asked again at the next run). A failure after an answer keeps the answer (see last_status).';
COMMENT ON COLUMN source_v.asn IS 'Origin AS number, from the MMDB file given with --geoip or from Team Cymru (--asn-dns); NULL when not known or not announced.';
COMMENT ON COLUMN source_v.as_org IS 'The AS organization (MMDB autonomous_system_organization / as_name, or Team Cymru''s AS name).';
COMMENT ON COLUMN source_v.country IS 'ISO 3166 country code: the MMDB''s (geolocation), or the registry''s country of the prefix from Team Cymru.';
COMMENT ON COLUMN source_v.service IS 'The named service it belongs to (Google, SendGrid, Amazon SES, ... or a site''s own servers), from share/mailsift/services.tsv and the site file; NULL when none matches.';
COMMENT ON COLUMN source_v.service_kind IS 'mailbox_provider, esp, marketing, crm, forwarder, security_gateway, hosting, ours (the site''s own), or another word of the services table.';
COMMENT ON COLUMN source_v.asked_at IS 'When it was last asked.';
COMMENT ON COLUMN source_v.expires_at IS 'When the answer expires and enrich asks again: asked_at plus 7 days (ok), 1 day (nxdomain, nodata), 1 hour (servfail, refused), 0 (timeout).';
COMMENT ON COLUMN source_v.confirmed_name IS 'The first PTR name that forward-confirms (what service and base_domain rest on).';
COMMENT ON COLUMN source_v.last_status IS 'What the last attempt ended with; differs from dns_status when a failure followed an answer that was kept.';
COMMENT ON COLUMN source_v.failures IS 'Attempts that failed (timeout, servfail, refused) since the last answer.';
COMMENT ON COLUMN source_v.answered_at IS 'When the stored answer (dns_status) came; NULL for a failure without any answer before.';
COMMENT ON COLUMN source_v.network IS 'The network the ASN data holds for: the announced prefix (Team Cymru) or the MMDB record''s network.';
COMMENT ON COLUMN source_v.asn_source IS 'mmdb or cymru: where asn, as_org and country come from.';
COMMENT ON COLUMN source_v.service_basis IS 'The services row that named it: "net 167.89.0.0/17", "ptr sendgrid.net", "asn 11377", with "local " before a site row.';
COMMENT ON COLUMN source_v.expired IS 'expires_at has passed: the next enrich run asks again.';
