-- demo_sources.sql - names for the demo month's sources of example.com
-- (tests/demo.sh), as `mailsift enrich` and its services file would give
-- them: PTR names, forward confirmation, base domain, network, service.
-- The addresses are documentation ranges, so no resolver knows them; the
-- rows go straight into source_info, under source_v (sql/006_enrich.sql),
-- with the columns enrich writes.
INSERT INTO source_info (source_ip, ptr_names, fcrdns, base_domain,
    dns_status, last_status, asn, as_org, country, service, service_kind,
    asked_at, expires_at, confirmed_name)
SELECT a::inet, CASE WHEN ptr IS NOT NULL THEN ARRAY[ptr] END,
    ptr IS NOT NULL, base, CASE WHEN ptr IS NULL THEN 'nxdomain' ELSE 'ok' END,
    CASE WHEN ptr IS NULL THEN 'nxdomain' ELSE 'ok' END,
    asn, as_org, country, service, kind, now(), now() + interval '1 day',
    ptr
FROM (VALUES
    ('198.51.100.25', 'mail1.example.com', 'example.com', 64500, 'EXAMPLE-HOSTING', 'NL', NULL, 'ours'),
    ('198.51.100.26', 'mail2.example.com', 'example.com', 64500, 'EXAMPLE-HOSTING', 'NL', NULL, 'ours'),
    ('198.51.100.27', 'mail3.example.com', 'example.com', 64500, 'EXAMPLE-HOSTING', 'NL', NULL, 'ours'),
    ('2001:db8:25::25', 'mail1.example.com', 'example.com', 64500, 'EXAMPLE-HOSTING', 'NL', NULL, 'ours'),
    ('2001:db8:25::26', 'mail2.example.com', 'example.com', 64500, 'EXAMPLE-HOSTING', 'NL', NULL, 'ours'),
    ('198.51.100.30', 'shop.example.com', 'example.com', 64501, 'EXAMPLE-CLOUD', 'DE', NULL, 'ours'),
    ('192.0.2.10', 'o1.sendgrid.net', 'sendgrid.net', 11377, 'SENDGRID', 'US', 'SendGrid', 'esp'),
    ('192.0.2.11', 'o2.sendgrid.net', 'sendgrid.net', 11377, 'SENDGRID', 'US', 'SendGrid', 'esp'),
    ('2001:db8:5e:1::10', 'a8-10.smtp-out.amazonses.com', 'amazonses.com', 16509, 'AMAZON-02', 'US', 'Amazon SES', 'esp'),
    ('192.0.2.70', 'mail70.mcsv.net', 'mcsv.net', NULL, NULL, 'US', 'Mailchimp', 'marketing'),
    ('192.0.2.40', 'lists.community.example', 'community.example', 64510, 'COMMUNITY-NET', 'FR', NULL, NULL),
    ('192.0.2.41', 'mx.alumni.university.example', 'university.example', 64511, 'UNIVERSITY-NET', 'GB', 'University alumni forwarding', 'forwarder'),
    ('198.51.100.80', 'crm.vendor.example', 'vendor.example', 64502, 'VENDOR', 'US', 'Vendor CRM', 'crm'),
    ('203.0.113.66', NULL, NULL, 64505, 'EXAMPLE-TRANSIT', NULL, NULL, NULL)
) AS v(a, ptr, base, asn, as_org, country, service, kind);
