#!/usr/bin/env python3
"""enrich_data.py - the data of `make bench`'s enrich step.

Usage: enrich_data.py DIR N

Writes, for N distinct addresses 10.a.b.c (a from 1):
  DIR/zones.conf   unbound local-data: each address's PTR hN.bench.test
                   and that name's A record (every name confirms)
  DIR/queries.txt  the same PTR and A queries for dnsperf (the floor)
  DIR/report.xml   one DMARC aggregate report with a record per address
"""
import sys

d, n = sys.argv[1], int(sys.argv[2])
with open(d + "/zones.conf", "w") as z, open(d + "/queries.txt", "w") as q, \
        open(d + "/report.xml", "w") as x:
    x.write('<?xml version="1.0"?><feedback><report_metadata>'
            '<org_name>bench.example</org_name><email>b@bench.example</email>'
            '<report_id>enrich-bench</report_id><date_range>'
            '<begin>1760000000</begin><end>1760086399</end></date_range>'
            '</report_metadata><policy_published><domain>example.com</domain>'
            '<p>none</p></policy_published>\n')
    for i in range(n):
        a, b, c = 1 + (i >> 16), (i >> 8) & 255, i & 255
        ip = "10.%d.%d.%d" % (a, b, c)
        rev = "%d.%d.%d.10.in-addr.arpa" % (c, b, a)
        name = "h%d.bench.test" % i
        z.write('\tlocal-data: "%s. 3600 IN PTR %s."\n'
                '\tlocal-data: "%s. 3600 IN A %s"\n' % (rev, name, name, ip))
        q.write("%s PTR\n%s A\n" % (rev, name))
        x.write('<record><row><source_ip>%s</source_ip><count>1</count>'
                '<policy_evaluated><disposition>none</disposition>'
                '<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>'
                '<identifiers><header_from>example.com</header_from>'
                '</identifiers></record>\n' % ip)
    x.write('</feedback>\n')
