-- 006_enrich.sql - PLACEHOLDER of the enrichment migration (issue 11).
--
-- The real 006 comes from the enrichment branch (mailsift enrich: PTR,
-- FCrDNS, base domain, ASN, services) and replaces this file when the
-- branches are merged.  This one only creates the interface the diagnosis
-- (007_diagnosis.sql) is written against: the view source_v, one row per
-- source IP with what enrichment knows, with exactly the agreed columns,
-- over a table source_info that tests and the demo fill by hand.  The
-- table has the columns of the real one that they write (ptr_names,
-- dns_status and last_status, asked_at and expires_at, NOT NULL as there),
-- so that their INSERTs work before and after the merge.  No BEGIN/COMMIT
-- in here.

CREATE TABLE source_info (
	source_ip	inet PRIMARY KEY,
	ptr_names	text[],
	fcrdns		boolean,
	base_domain	text,
	dns_status	text NOT NULL,	-- ok, nxdomain, nodata, servfail,
					-- refused, timeout
	last_status	text NOT NULL,
	asn		bigint,
	as_org		text,
	country		text,
	service		text,
	service_kind	text,	-- mailbox_provider, esp, marketing, crm,
				-- forwarder, security_gateway, ours, ...
	asked_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL
);

CREATE VIEW source_v AS
SELECT source_ip, ptr_names[1] AS ptr, ptr_names, fcrdns, base_domain,
    dns_status, asn, as_org, country, service, service_kind, asked_at,
    expires_at
FROM source_info;

COMMENT ON VIEW source_v IS
'One row per source IP with what enrichment knows about it (placeholder of the enrichment migration: the real one fills it with mailsift enrich).';
COMMENT ON COLUMN source_v.source_ip IS 'The source IP address.';
COMMENT ON COLUMN source_v.ptr IS 'The first PTR name.';
COMMENT ON COLUMN source_v.ptr_names IS 'Every PTR name.';
COMMENT ON COLUMN source_v.fcrdns IS 'True when the PTR name resolves back to the address.';
COMMENT ON COLUMN source_v.base_domain IS 'Registrable domain of the confirmed PTR name.';
COMMENT ON COLUMN source_v.dns_status IS 'ok, nxdomain, nodata, servfail, refused or timeout.';
COMMENT ON COLUMN source_v.asn IS 'Autonomous system number.';
COMMENT ON COLUMN source_v.as_org IS 'Autonomous system organisation.';
COMMENT ON COLUMN source_v.country IS 'Country code.';
COMMENT ON COLUMN source_v.service IS 'Named service (Google, SendGrid, ...), from the services data file.';
COMMENT ON COLUMN source_v.service_kind IS 'mailbox_provider, esp, marketing, crm, forwarder, security_gateway, ours, ...';
COMMENT ON COLUMN source_v.asked_at IS 'When the answer was obtained.';
COMMENT ON COLUMN source_v.expires_at IS 'When it should be asked again.';
