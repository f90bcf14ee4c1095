#!/usr/bin/env python3
# mk.py - hostile inputs for tests/t/hostile.sh, written to standard output.
#
#   python3 tests/hostile/mk.py CASE [ARG] > FILE	   or | mailsift ingest -
#   python3 tests/hostile/mk.py expect-sql		   the values sql must store
#
# Every case is deterministic (fixed dates, gzip mtime 0), so the small ones
# are committed in tests/data/hostile/ as this script writes them; the large
# ones (records, big-attr, zip-entries, mime-parts, dsn, long-header,
# oversize, flat-bomb, zip-overlap) are only ever streamed at test time,
# never written whole into memory here, so a 1 GB case costs no disk.
#
# The reports inside are small and valid unless the case is about breaking
# them, so that a case tests exactly one hostile thing.
import base64
import io
import struct
import sys
import zipfile
import zlib

OUT = sys.stdout.buffer
DATE = (2026, 10, 1, 0, 0, 0)
BEGIN, END = 1790812800, 1790899199


def gz(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


class Deflate:
    """Raw deflate handed to out() as it is produced.  repeat() writes the
    same bytes many times for the price of compressing them once: after a
    full flush the compressor has forgotten everything, so compressing the
    same data again would give the same block, which is simply repeated."""

    def __init__(self, out, level=6):
        self.c = zlib.compressobj(level, zlib.DEFLATED, -15)
        self.out = out
        self.crc = 0
        self.size = 0

    def write(self, b):
        self.crc = zlib.crc32(b, self.crc)
        self.size += len(b)
        self.out(self.c.compress(b))

    def repeat(self, b, n):
        # Units of 64 kB or more, or the flushes would cost the ratio.
        k = max(1, 65536 // len(b))
        unit, n, rest = b * k, n // k, n % k
        if n > 0:
            self.out(self.c.flush(zlib.Z_FULL_FLUSH))
            block = self.c.compress(unit) + self.c.flush(zlib.Z_FULL_FLUSH)
            for _ in range(n):
                self.out(block)
                self.crc = zlib.crc32(unit, self.crc)
            self.size += n * len(unit)
        if rest > 0:
            self.write(b * rest)

    def finish(self):
        self.out(self.c.flush())


class GzOut(Deflate):
    """One gzip member written to OUT as it is produced."""

    def __init__(self, level=6):
        Deflate.__init__(self, OUT.write, level)
        OUT.write(b'\x1f\x8b\x08\0\0\0\0\0\0\x03')

    def close(self):
        self.finish()
        OUT.write(struct.pack('<II', self.crc, self.size & 0xffffffff))


def esc(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;')
            .replace('>', '&gt;').replace('"', '&quot;'))


def record(ip='192.0.2.1', count=3, hf='example.com', extra=''):
    return ('<record><row><source_ip>%s</source_ip><count>%d</count>'
            '<policy_evaluated><disposition>none</disposition><dkim>pass'
            '</dkim><spf>pass</spf></policy_evaluated></row><identifiers>'
            '<header_from>%s</header_from>%s</identifiers><auth_results>'
            '<dkim><domain>example.com</domain><result>pass</result></dkim>'
            '<spf><domain>example.com</domain><result>pass</result></spf>'
            '</auth_results></record>\n' % (ip, count, hf, extra))


def head(org='Hostile Inc', rid='hostile-1', domain='example.com',
         email='dmarc@hostile.example', extra='', doctype=''):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n%s<feedback>\n'
            '<report_metadata><org_name>%s</org_name><email>%s</email>%s'
            '<report_id>%s</report_id><date_range><begin>%d</begin>'
            '<end>%d</end></date_range></report_metadata>\n'
            '<policy_published><domain>%s</domain><adkim>r</adkim>'
            '<aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>'
            '</policy_published>\n' % (doctype, org, email, extra, rid,
                                        BEGIN, END, domain))


def report(rid='hostile-1', org='Hostile Inc', records=None, **kw):
    body = ''.join(records if records is not None else [record()])
    return (head(org=org, rid=rid, **kw) + body + '</feedback>\n').encode()


def b64(data):
    s = base64.b64encode(data).decode()
    return ''.join(s[i:i + 76] + '\n' for i in range(0, len(s), 76))


def message(parts, subject='Report domain: example.com', msgid=None,
            extra_headers=''):
    """parts: list of (headers, body) strings; one part: a single-part
    message, else multipart/mixed."""
    h = ('From: dmarc@hostile.example\nTo: dmarc-reports@example.com\n'
         'Subject: %s\nMessage-ID: <%s>\nDate: Thu, 01 Oct 2026 06:00:00'
         ' +0000\nMIME-Version: 1.0\n%s' % (subject, msgid or 'hostile@'
                                            'hostile.example',
                                            extra_headers))
    if len(parts) == 1:
        return h + parts[0][0] + '\n' + parts[0][1]
    s = h + 'Content-Type: multipart/mixed; boundary="=b="\n\n'
    for ph, pb in parts:
        s += '--=b=\n' + ph + '\n' + pb
    return s + '--=b=--\n'


def text_part(t='This is a DMARC aggregate report.\n'):
    return ('Content-Type: text/plain; charset=us-ascii\n', t)


def gzip_part(data, name='report.xml.gz'):
    return ('Content-Type: application/gzip; name="%s"\n'
            'Content-Disposition: attachment; filename="%s"\n'
            'Content-Transfer-Encoding: base64\n' % (name, name), b64(gz(data)))


def zip_bytes(entries, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w') as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, DATE)
            zi.compress_type = method
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return b.getvalue()


def zip_part(data, name='report.zip'):
    return ('Content-Type: application/zip; name="%s"\n'
            'Content-Disposition: attachment; filename="%s"\n'
            'Content-Transfer-Encoding: base64\n' % (name, name), b64(data))


def put(s):
    OUT.write(s.encode() if isinstance(s, str) else s)


# ---- the report fields crafted as SQL (and COPY, and format strings) ----

SQL = {
    'org_name': "Evil'); DROP TABLE dmarc_report; --",
    'report_id': "1'; DROP TABLE ingest_log CASCADE; SELECT '",
    'email': 'x@hostile.example"); DELETE FROM quarantine; --',
    'policy_domain': 'example.com\\N',
    'extra_contact_info': 'tab\there\\back\\\\slash\nline\n\\.\nend $$; '
                          'DROP TABLE x; $$ %s%n%x',
    'header_from': '\\N',
    'envelope_from': "'||pg_sleep(10)||'",
    'envelope_to': '\\x00\\\\0 \r\u2028 NUL-ish',
    'dkim_selector': "s1\\'); COPY ingest_log TO '/tmp/pwned'; --\"},"
                     "{\"(x,y)\"",
    # A second DKIM result: empty and NULL-looking values, array and
    # composite literal syntax, for a store that writes arrays of rows.
    'dkim2_domain': '',
    'dkim2_selector': 'NULL',
    'dkim2_human': '{"(,)",NULL}\\',
    'dkim_human': '\u00dcn\u00efc\u00f6d\u00e9 \u2014 \U0001f680 '
                  '\u202eRTL\u202c',
    'reason_comment': '<script>alert(1)</script> & "quoted"',
}
SQL_MSGID = "'); DROP TABLE ingest_log; --@hostile.example"
SQL_NAME = "x'); DROP TABLE dmarc_report_raw; --.xml.gz"


SQL_COPY_RECORDS = 6000


def case_sql():
    """Two reports with every text field crafted: one of a single record
    (the store INSERTs it) and one of SQL_COPY_RECORDS (the store COPYs
    them, where tab, newline, backslash and \\. mean something)."""
    s = SQL
    rec = ('<record><row><source_ip>192.0.2.66</source_ip><count>7</count>'
           '<policy_evaluated><disposition>none</disposition><dkim>pass'
           '</dkim><spf>fail</spf><reason><type>other</type><comment>%s'
           '</comment></reason></policy_evaluated></row><identifiers>'
           '<envelope_to>%s</envelope_to><envelope_from>%s</envelope_from>'
           '<header_from>%s</header_from></identifiers><auth_results><dkim>'
           '<domain>example.com</domain><selector>%s</selector><result>pass'
           '</result><human_result>%s</human_result></dkim><dkim><domain>'
           '%s</domain><selector>%s</selector><result>pass</result>'
           '<human_result>%s</human_result></dkim><spf><domain>'
           'example.com</domain><result>fail</result></spf></auth_results>'
           '</record>\n' % (esc(s['reason_comment']), esc(s['envelope_to']).
                            replace('\r', '&#13;'), esc(s['envelope_from']),
                            esc(s['header_from']), esc(s['dkim_selector']),
                            esc(s['dkim_human']), esc(s['dkim2_domain']),
                            esc(s['dkim2_selector']), esc(s['dkim2_human'])))
    parts = [text_part()]
    for rid, n in ((s['report_id'], 1),
                   (s['report_id'] + ' (copy)', SQL_COPY_RECORDS)):
        xml = report(rid=esc(rid), org=esc(s['org_name']),
                     email=esc(s['email']), domain=esc(s['policy_domain']),
                     extra='<extra_contact_info>%s</extra_contact_info>' %
                     esc(s['extra_contact_info']), records=[rec] * n)
        parts.append(gzip_part(xml, SQL_NAME))
    put(message(parts, msgid=SQL_MSGID,
                subject="'; DROP TABLE ingest_log; --"))


def case_expect_sql():
    """column<TAB>hex of the UTF-8 value, for the test to compare."""
    for k, v in sorted(SQL.items()):
        print('%s\t%s' % (k, v.encode().hex()))
    print('message_id\t%s' % SQL_MSGID.encode().hex())
    print('part_name\t%s' % SQL_NAME.encode().hex())


# ---- XML: entities, depth, huge tokens, encodings ----

def case_laughs():
    ents = '<!ENTITY lol "lol">\n' + ''.join(
        '<!ENTITY lol%d "%s">\n' % (i, ('&lol%s;' % ('' if i == 1 else
                                                     i - 1)) * 10)
        for i in range(1, 10))
    # Quadratic blow-up too: one 100 kB entity referenced 10,000 times.
    ents += '<!ENTITY big "%s">\n' % ('B' * 100000)
    xml = report(rid='laughs-1', org='&lol9;', records=[
        record(hf='&big;' * 10000)], doctype='<!DOCTYPE feedback [\n%s]>\n'
        % ents)
    put(message([text_part(), gzip_part(xml, 'laughs.xml.gz')],
                msgid='laughs@hostile.example'))


def case_xxe(port='9'):
    url = 'http://127.0.0.1:%s' % port
    dt = ('<!DOCTYPE feedback SYSTEM "%s/dtd" [\n'
          '<!ENTITY file SYSTEM "file:///etc/passwd">\n'
          '<!ENTITY net SYSTEM "%s/entity">\n'
          '<!ENTITY %% pe SYSTEM "%s/pe">\n%%pe;\n]>\n'
          '<?xml-stylesheet href="%s/xsl"?>\n' % (url, url, url, url))
    rec = record(hf='&file;', extra='<envelope_from>&net;</envelope_from>')
    xml = report(rid='xxe-1', org='XXE &file; Corp', records=[rec],
                 doctype=dt)
    xml = xml.replace(b'</feedback>', b'<xi:include xmlns:xi="http://www.w3'
                      b'.org/2001/XInclude" href="file:///etc/passwd" '
                      b'parse="text"/>\n<xi:include xmlns:xi="http://www.w3.'
                      b'org/2001/XInclude" href="' + url.encode() +
                      b'/xinclude"/>\n</feedback>')
    put(message([text_part(), gzip_part(xml, 'xxe.xml.gz')],
                msgid='xxe@hostile.example'))


def case_deep_xml(n='100000'):
    n = int(n)
    xml = (head(rid='deep-1').encode() + b'<a>' * n + b'x' + b'</a>' * n +
           b'</feedback>\n')
    put(message([text_part(), gzip_part(xml, 'deep.xml.gz')],
                msgid='deep-xml@hostile.example'))


def case_big_attr(mib='1024'):
    """One line: <feedback a="AAAA..."> with a mib MiB attribute, gzip."""
    g = GzOut(9)
    g.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<feedback a="')
    g.repeat(b'A' * (1 << 20), int(mib))
    g.write(b'"><report_metadata/></feedback>\n')
    g.close()


PERIOD = 64


def records_period():
    """PERIOD distinct records of about 175 bytes (no <identifiers>, so that
    10 million stay below max_inflated's 2 GiB), repeated: deflate sees the
    period inside its 32 kB window, so 10 million records make a message of
    about 12 MB."""
    out = []
    for i in range(PERIOD):
        out.append('<record><row><source_ip>192.0.2.%d</source_ip><count>%d'
                   '</count><policy_evaluated><disposition>none</disposition>'
                   '<dkim>pass</dkim><spf>%s</spf></policy_evaluated></row>'
                   '</record>\n' % (i + 1, i % 7 + 1,
                                     'pass' if i % 5 else 'fail'))
    return [r.encode() for r in out]


def case_records(n='10000000'):
    """A report of n records (gzip, streamed).  Expected: n records whose
    counts sum to sum-counts n."""
    n = int(n)
    g = GzOut(6)
    g.write(head(org='Big Reporter', rid='records-%d' % n).encode())
    recs = records_period()
    full, rest = divmod(n, PERIOD * 16)
    g.repeat(b''.join(recs) * 16, full)
    g.write(b''.join((recs * 16)[:rest]))
    g.write(b'</feedback>\n')
    g.close()


def case_sum_counts(n='10000000'):
    n = int(n)
    counts = [i % 7 + 1 for i in range(PERIOD)] * 16
    full, rest = divmod(n, len(counts))
    print(full * sum(counts) + sum(counts[:rest]))


def case_fat_record():
    """One record of 1000 <dkim> whose four values are 60 kB each: 240 MB
    held for a record if nothing bounded it."""
    g = GzOut(9)
    g.write(head(rid='fat-1').encode())
    big = 'D' * 60000
    g.write(b'<record><row><source_ip>192.0.2.1</source_ip><count>1</count>'
            b'</row><auth_results>')
    dk = ('<dkim><domain>%s</domain><selector>%s</selector><result>%s'
          '</result><human_result>%s</human_result></dkim>' %
          (big, big, big, big)).encode()
    g.repeat(dk, 999)
    g.write(b'</auth_results></record>\n</feedback>\n')
    g.close()


def case_pending(n='99999', fat='0'):
    """n records before report_metadata, which the parser must hold until
    the report's identity is known; fat=1 gives each 20 values of 40 kB,
    0.8 MB a record, within the bound of one record."""
    g = GzOut(9)
    g.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n')
    if fat == '1':
        rec = ('<record><row><source_ip>192.0.2.1</source_ip><count>1'
               '</count></row><auth_results>' + ('<dkim><domain>%s</domain>'
                                                 '</dkim>' % ('D' * 40000))
               * 20 + '</auth_results></record>\n').encode()
    else:
        rec = record().encode()
    g.repeat(rec, int(n))
    g.write(head(rid='pending-%s-%s' % (n, fat)).encode().split(
        b'<feedback>\n', 1)[1] + b'</feedback>\n')
    g.close()


def case_bad_utf8_xml():
    xml = report(rid='utf8-1', org='Bad \xff\xfe UTF-8 Corp')
    xml = xml.replace('Bad \xff\xfe'.encode(), b'Bad \xff\xfe')
    put(message([text_part(), gzip_part(xml, 'bad-utf8.xml.gz')],
                msgid='bad-utf8-xml@hostile.example'))


def case_bad_utf8_headers():
    """Invalid UTF-8 in Subject, Message-ID, filename; the report is fine."""
    xml = report(rid='utf8-2', org='Fine Corp')
    m = message([text_part(), gzip_part(xml, 'NAME.xml.gz')],
                msgid='MSGID@hostile.example', subject='SUBJ')
    b = m.encode()
    b = b.replace(b'SUBJ', b'bad \xc3\x28 \xa0\xa1 \xf0\x28\x8c\x28 subj')
    b = b.replace(b'MSGID', b'bad-\xe2\x82-\xff')
    b = b.replace(b'NAME', b'r\xe9port-\xc0\xaf..')
    OUT.write(b)


def case_nul_headers():
    """NUL bytes in header names and values; the report itself is fine."""
    xml = report(rid='nul-1', org='NUL Corp')
    m = message([text_part(), gzip_part(xml, 'NAME.xml.gz')],
                msgid='MSGID@hostile.example', subject='SUBJ',
                extra_headers='X-NUL: HDR\n')
    b = m.encode()
    b = b.replace(b'SUBJ', b'nul \x00 in \x00\x00 subject')
    b = b.replace(b'MSGID', b'nul\x00id')
    b = b.replace(b'NAME', b'nul\x00name')
    b = b.replace(b'X-NUL: HDR', b'X-N\x00UL: a\x00b')
    OUT.write(b)


def case_nul_xml():
    xml = report(rid='nul-2', org='NUL\x00Corp')
    put(message([text_part(), gzip_part(xml, 'nul.xml.gz')],
                msgid='nul-xml@hostile.example'))


# ---- transfer encodings ----

def case_bad_base64_junk():
    """Base64 with characters outside the alphabet sprinkled in: decoders
    skip them, the report is intact."""
    xml = report(rid='b64-junk-1')
    body = b64(gz(xml))
    junk = ''.join(c + ('!*~ ' if i % 17 == 0 else '')
                   for i, c in enumerate(body))
    put(message([text_part(), ('Content-Type: application/gzip; name="r.xml'
                               '.gz"\nContent-Transfer-Encoding: base64\n',
                               junk)], msgid='b64-junk@hostile.example'))


def case_bad_base64_cut():
    """Base64 that stops in the middle of a quantum and of the gzip."""
    xml = report(rid='b64-cut-1', records=[record(ip='192.0.2.%d' % i)
                                           for i in range(1, 60)])
    body = b64(gz(xml))
    body = body[:len(body) // 2 - 3] + '=\n=x=\n'
    put(message([text_part(), ('Content-Type: application/gzip; name="r.xml'
                               '.gz"\nContent-Transfer-Encoding: base64\n',
                               body)], msgid='b64-cut@hostile.example'))


def case_bad_qp():
    """Quoted-printable with invalid escapes (=ZZ, =\\xff, lone =) inside a
    value, soft line breaks inside tags, and lower-case hex."""
    xml = report(rid='qp-1', org='QP ORGNAME Corp').decode()
    xml = xml.replace('ORGNAME', '=ZZ =4 =3d =')
    qp = ''
    for i in range(0, len(xml), 60):
        qp += xml[i:i + 60] + '=\n'
    qp = qp.replace('<report_id>', '<repo=\nrt_id>')
    put(message([('Content-Type: text/xml; charset=utf-8\n'
                  'Content-Transfer-Encoding: quoted-printable\n', qp)],
                msgid='bad-qp@hostile.example').encode('latin-1'))


# ---- MIME structure ----

def case_mime_deep(n='1000'):
    n = int(n)
    s = ('From: a@hostile.example\nSubject: deep\nMessage-ID: <mime-deep@'
         'hostile.example>\nMIME-Version: 1.0\n')
    for i in range(n):
        s += ('Content-Type: multipart/mixed; boundary="d%d"\n\n--d%d\n'
              % (i, i))
    s += 'Content-Type: text/plain\n\nbottom\n'
    for i in reversed(range(n)):
        s += '--d%d--\n' % i
    put(s)


def case_mime_rfc822_deep(n='100000'):
    s = ('From: a@hostile.example\nSubject: deep\nMessage-ID: <rfc822-deep@'
         'hostile.example>\n')
    put(s)
    for _ in range(int(n)):
        put('Content-Type: message/rfc822\n\nFrom: b@hostile.example\n')
    put('Content-Type: text/plain\n\nbottom\n')


def case_mime_parts(n='100000'):
    put('From: a@hostile.example\nSubject: parts\nMessage-ID: <mime-parts@'
        'hostile.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed;'
        ' boundary="p"\n\n')
    part = '--p\nContent-Type: text/plain\n\nx\n'
    for _ in range(int(n) // 1000):
        put(part * 1000)
    put(part * (int(n) % 1000) + '--p--\n')


def case_dsn(n='100000'):
    """A delivery status notification with n per-recipient blocks."""
    n = int(n)
    put('From: MAILER-DAEMON@hostile.example\nTo: dmarc-reports@example.com\n'
        'Subject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn@'
        'hostile.example>\nMIME-Version: 1.0\nContent-Type: multipart/report;'
        ' report-type=delivery-status; boundary="d"\n\n--d\nContent-Type: '
        'text/plain\n\nDelivery failed for %d recipients.\n\n--d\n'
        'Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.'
        'hostile.example\nArrival-Date: Thu, 01 Oct 2026 06:00:00 +0000\n\n'
        % n)
    for i in range(0, n, 1000):
        put(''.join('Final-Recipient: rfc822; user%d@example.com\nAction: '
                    'failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 '
                    'no such user\n\n' % j for j in range(i, min(n, i + 1000))
                    ))
    put('--d\nContent-Type: text/rfc822-headers\n\nFrom: dmarc-reports@'
        'example.com\nSubject: hello\n\n--d--\n')


def case_long_header(kind='line', kib='8192'):
    """Headers of kib KiB: one line (line), one field folded over many
    lines (folded), or many small fields (many); a valid report follows."""
    size = int(kib) << 10
    xml = report(rid='long-header-%s' % kind)
    put('From: a@hostile.example\nMessage-ID: <long-%s@hostile.example>\n'
        % kind)
    if kind == 'line':
        put('Subject: ')
        for _ in range(size >> 10):
            put('A' * 1024)
        put('\n')
    elif kind == 'folded':
        put('Subject: x')
        for _ in range(size >> 10):
            put('\n AAAAAAAAA' * (1024 // 11))
        put('\n')
    else:
        line = 'X-H: v\n'
        for _ in range(size >> 10):
            put(line * (1024 // len(line)))
    put('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="=b="\n\n'
        '--=b=\n')
    ph, pb = gzip_part(xml)
    put(ph + '\n' + pb + '--=b=--\n')


def case_oversize(mib='65'):
    """A message of mib MiB: headers, then base64 of nothing in particular."""
    put('From: a@hostile.example\nSubject: big\nMessage-ID: <oversize@'
        'hostile.example>\nMIME-Version: 1.0\nContent-Type: application/'
        'octet-stream\nContent-Transfer-Encoding: base64\n\n')
    lines = ('A' * 76 + '\n') * 13797
    for _ in range(int(mib) + 1):
        put(lines)


# ---- compression bombs ----

def case_gzip_bomb():
    """Nested gzip (three layers) over a report whose body is 4 GiB of
    empty elements: a few kilobytes that each layer alone passes, but
    together they expand past any sane ratio.  The innermost gzip is 4096
    equal members of 1 MiB each, which mk.py can write in no time."""
    chunk = gz(b'<x/>' * (1 << 18))
    inner = (gz(head(rid='bomb-1').encode()) + chunk * 4096 +
             gz(b'</feedback>\n'))
    data = gz(gz(inner))
    put(message([text_part(), ('Content-Type: application/gzip; name="bomb'
                               '.xml.gz"\nContent-Transfer-Encoding: base64'
                               '\n', b64(data))],
                msgid='gzip-bomb@hostile.example'))


def case_flat_bomb(mib='4096'):
    """One gzip layer, about 1000:1 (deflate's best), of a report whose
    body is mib MiB of empty elements; streamed as a bare .gz."""
    g = GzOut(9)
    g.write(head(rid='flat-bomb-1').encode())
    g.repeat(b'<x/>' * (1 << 18), int(mib))
    g.write(b'</feedback>\n')
    g.close()


def case_zip_bzip2(mib='4'):
    """A zip whose entry uses bzip2: mib MiB of empty elements in a few
    hundred bytes, 20,000:1 and more (deflate cannot pass 1032:1)."""
    import bz2
    c = bz2.BZ2Compressor(9)
    data = [c.compress(head(rid='bzip2-1').encode())]
    chunk = b'<x/>' * (1 << 18)
    for _ in range(int(mib)):
        data.append(c.compress(chunk))
    data.append(c.compress(b'</feedback>\n') + c.flush())
    comp = b''.join(data)
    size = len(head(rid='bzip2-1').encode()) + int(mib) * len(chunk) + 12
    crc = zlib.crc32(head(rid='bzip2-1').encode())
    for _ in range(int(mib)):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(b'</feedback>\n', crc)
    put(message([text_part(), zip_part(raw_zip([(b'bomb.xml', 12, comp,
                                                 size, crc)]),
                                       'bzip2.zip')],
                msgid='zip-bzip2@hostile.example'))


def raw_zip(entries, cd_entries=None):
    """A zip written by hand: entries (name, method, compressed, size,
    crc32), zip64 sizes when needed.  cd_entries: central directory
    records (name, local header index); default one per entry."""
    out = io.BytesIO()
    offs = []
    for name, method, comp, size, crc in entries:
        offs.append(out.tell())
        z64 = size >= 0xffffffff or len(comp) >= 0xffffffff
        extra = struct.pack('<HHQQ', 1, 16, size, len(comp)) if z64 else b''
        out.write(struct.pack('<IHHHHHIIIHH', 0x04034b50, 45 if z64 else 20,
                              0, method, 0, 0x5b21, crc,
                              0xffffffff if z64 else len(comp),
                              0xffffffff if z64 else size, len(name),
                              len(extra)) + name + extra + comp)
    cd = io.BytesIO()
    for name, idx in cd_entries or [(e[0], i) for i, e in enumerate(entries)]:
        _, method, comp, size, crc = entries[idx]
        z64 = size >= 0xffffffff or len(comp) >= 0xffffffff
        extra = struct.pack('<HHQQ', 1, 16, size, len(comp)) if z64 else b''
        cd.write(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 0x031e,
                             45 if z64 else 20, 0, method, 0, 0x5b21, crc,
                             0xffffffff if z64 else len(comp),
                             0xffffffff if z64 else size, len(name),
                             len(extra), 0, 0, 0, 0o644 << 16, offs[idx]) +
                 name + extra)
    n = len(cd_entries or entries)
    cdb = cd.getvalue()
    start = out.tell()
    out.write(cdb)
    out.write(struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, len(cdb),
                          start, 0))
    return out.getvalue()


def case_zip_overlap(n='64', mib='256'):
    """n central directory entries that all point at one deflated entry of
    mib MiB: the 'overlapping' zip bomb.  The empty elements come before
    the report's identity, so that no entry ends early as a duplicate."""
    n, mib = int(n), int(mib)
    comp = []
    d = Deflate(comp.append, 9)
    d.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n')
    d.repeat(b'<x/>' * (1 << 18), mib)
    d.write(head(rid='overlap-1').encode().split(b'<feedback>\n', 1)[1] +
            record().encode() + b'</feedback>\n')
    d.finish()
    z = raw_zip([(b'r.xml', 8, b''.join(comp), d.size, d.crc)],
                [(b'r%d.xml' % i, 0) for i in range(n)])
    OUT.write(z)


def case_zip_entries(n='100000'):
    """A bare zip of n empty stored entries (bounded by the message size:
    100,000 entries are about 9 MB)."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_STORED) as z:
        for i in range(int(n)):
            z.writestr(zipfile.ZipInfo('%d.xml' % i, DATE), b'')
    OUT.write(b.getvalue())


def case_zip_nested():
    """42.zip in small: 16 zips of 16 zips of 16 reports (4096 entries)."""
    leaf = zip_bytes([('r%d.xml' % i, report(rid='nested-%d' % i))
                      for i in range(16)])
    mid = zip_bytes([('m%d.zip' % i, leaf) for i in range(16)])
    top = zip_bytes([('t%d.zip' % i, mid) for i in range(16)])
    put(message([text_part(), zip_part(top, 'nested.zip')],
                msgid='zip-nested@hostile.example'))


EVIL = ['../../../../../../tmp/hostile-pwned-zip', '/tmp/hostile-pwned-abs',
        '..\\..\\..\\hostile-pwned-win', 'a/../../../hostile-pwned-rel',
        'C:\\hostile-pwned.xml', './../hostile-pwned-dot',
        '\u2025/\u2025/hostile-pwned-unicode']


def case_zip_names():
    """Zip entries named like paths out of any directory, each a report;
    and a MIME filename doing the same."""
    z = zip_bytes([(n, report(rid='names-%d' % i))
                   for i, n in enumerate(EVIL)])
    put(message([text_part(),
                 zip_part(z, '../../../../tmp/hostile-pwned-att.zip'),
                 gzip_part(report(rid='names-att'),
                           '/tmp/hostile-pwned-att2.xml.gz')],
                msgid='zip-names@hostile.example'))


def case_expect_names():
    for i, n in enumerate(EVIL):
        print('names-%d\t%s' % (i, n.encode().hex()))


# ---- SMTP TLS reports (JSON) and ARF reports ----

TLS_HEAD = ('{"organization-name":"Hostile Inc","date-range":{"start-datetime":'
            '"2026-10-01T00:00:00Z","end-datetime":"2026-10-01T23:59:59Z"},'
            '"contact-info":"x@hostile.example","report-id":"%s",')


def tls_message(name='report.json.gz'):
    """The head of a TLS report mail whose base64 gzip attachment the
    caller streams: (header text, a Deflate that writes base64)."""
    put(message([text_part('This is an aggregate TLS report.\n'),
                 ('Content-Type: application/tlsrpt+gzip; name="%s"\n'
                  'Content-Disposition: attachment; filename="%s"\n'
                  'Content-Transfer-Encoding: base64\n' % (name, name),
                  '@@BODY@@\n')]).split('@@BODY@@')[0])


class B64Out:
    """Bytes to base64 lines on OUT, as they come."""

    def __init__(self):
        self.pend = b''

    def write(self, b):
        self.pend += b
        n = len(self.pend) // 57 * 57
        if n:
            put(base64.encodebytes(self.pend[:n]))
            self.pend = self.pend[n:]

    def close(self):
        if self.pend:
            put(base64.encodebytes(self.pend))
        self.pend = b''


def tls_stream(parts):
    """A TLS report mail whose gzipped JSON is the concatenation of parts
    (bytes, or (bytes, count) to repeat), streamed."""
    tls_message()
    b = B64Out()
    b.write(b'\x1f\x8b\x08\0\0\0\0\0\0\x03')
    d = Deflate(b.write, 1)
    for p in parts:
        if isinstance(p, tuple):
            d.repeat(p[0], p[1])
        else:
            d.write(p)
    d.finish()
    b.write(struct.pack('<II', d.crc, d.size & 0xffffffff))
    b.close()
    put('--=b=--\n')


def case_tls_details(n='1000000'):
    """One TLS policy with n failure details (compact: 50 bytes each)."""
    detail = b'{"result-type":"validation-failure","failed-session-count":1},'
    tls_stream([(TLS_HEAD % 'details-1').encode() +
                b'"policies":[{"policy":{"policy-type":"sts",'
                b'"policy-domain":"example.com"},"summary":{'
                b'"total-successful-session-count":0,'
                b'"total-failure-session-count":1},"failure-details":[',
                (detail, int(n) - 1),
                b'{"result-type":"validation-failure",'
                b'"failed-session-count":1}]}]}'])


def case_tls_string(mib='1024'):
    """A TLS report whose organization-name is a mib MiB string."""
    tls_stream([b'{"report-id":"string-1","organization-name":"',
                (b'A' * 65536, int(mib) * 16), b'","policies":[]}'])


def case_tls_deep(n='100000'):
    """policies nested n arrays deep (the parser must not recurse n times)."""
    tls_stream([(TLS_HEAD % 'deep-1').encode() + b'"policies":',
                (b'[', int(n)), (b']', int(n)), b'}'])


def case_arf_flood(n='100000', encoding='8bit'):
    """A DMARC failure report whose feedback-report part has n
    Authentication-Results fields, as they are or in base64 (which the
    walk's header bound does not see)."""
    fields = ('Feedback-Type: auth-failure\nUser-Agent: hostile/1\n'
              'Version: 1\nSource-IP: 192.0.2.9\n'
              'Reported-Domain: example.com\nAuth-Failure: dmarc\n')
    ar = 'Authentication-Results: mx.hostile.example; dmarc=fail header.from=example.com\n'
    put('From: ruf@hostile.example\nTo: ruf@example.com\n'
        'Subject: failure report\nMessage-ID: <flood@hostile.example>\n'
        'MIME-Version: 1.0\nContent-Type: multipart/report; '
        'report-type=feedback-report; boundary="=b="\n\n'
        '--=b=\nContent-Type: text/plain\n\nA failure report.\n'
        '--=b=\nContent-Type: message/feedback-report\n'
        'Content-Transfer-Encoding: %s\n\n' % encoding)
    if encoding == 'base64':
        put(b64((fields + ar * int(n)).encode()))
    else:
        put(fields)
        for _ in range(int(n)):
            put(ar)
    put('\n--=b=\nContent-Type: text/rfc822-headers\n\n'
        'From: a@example.com\nSubject: x\n\n--=b=--\n')


CASES = {
    'sql': case_sql, 'expect-sql': case_expect_sql,
    'laughs': case_laughs, 'xxe': case_xxe, 'deep-xml': case_deep_xml,
    'big-attr': case_big_attr, 'records': case_records,
    'sum-counts': case_sum_counts, 'fat-record': case_fat_record,
    'pending': case_pending,
    'bad-utf8-xml': case_bad_utf8_xml,
    'bad-utf8-headers': case_bad_utf8_headers,
    'nul-headers': case_nul_headers, 'nul-xml': case_nul_xml,
    'bad-base64-junk': case_bad_base64_junk,
    'bad-base64-cut': case_bad_base64_cut, 'bad-qp': case_bad_qp,
    'mime-deep': case_mime_deep, 'mime-rfc822-deep': case_mime_rfc822_deep,
    'mime-parts': case_mime_parts, 'dsn': case_dsn,
    'long-header': case_long_header, 'oversize': case_oversize,
    'gzip-bomb': case_gzip_bomb, 'flat-bomb': case_flat_bomb,
    'zip-bzip2': case_zip_bzip2, 'zip-overlap': case_zip_overlap,
    'zip-entries': case_zip_entries, 'zip-nested': case_zip_nested,
    'zip-names': case_zip_names, 'expect-names': case_expect_names,
    'tls-details': case_tls_details, 'tls-string': case_tls_string,
    'tls-deep': case_tls_deep, 'arf-flood': case_arf_flood,
}

if __name__ == '__main__':
    if len(sys.argv) < 2 or sys.argv[1] not in CASES:
        sys.exit('usage: mk.py CASE [ARG...]; cases: ' + ' '.join(CASES))
    CASES[sys.argv[1]](*sys.argv[2:])
    OUT.flush()
