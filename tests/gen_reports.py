#!/usr/bin/env python3
"""gen_reports.py - generated SMTP TLS reports and DMARC failure reports.

  gen_reports.py tls DIR [--messages N] [--seed S] [--days D] [--start EPOCH]
  gen_reports.py arf DIR [--messages N] [--seed S] [--days D] [--start EPOCH]

Writes a Maildir DIR (new/, cur/, tmp/) of N report e-mails and the
manifest DIR.expected.tsv: one line per report with what the database must
show for it.  Reports vary the way real reporters do:

  tls  RFC 8460 reports as Google, Microsoft, Mail.ru, Comcast and a small
       Postfix reporter send them: application/tlsrpt+gzip (some plain JSON
       wrongly labelled +gzip, some gzip labelled +json), file names with
       "!001", report-ids "<datetime>_<domain>", "<digits>+<domain>" or a
       UUID, contact-info null, sts / tlsa / no-policy-found policies, a
       TLSA policy-string that is a JSON array inside a string, mx-host
       with an "mx:" prefix, failure details with or without IPs and MX.
       Manifest: org, report_id, policy_domain, start (epoch), policies,
       successful, failed, failure_details.
  arf  RFC 6591 / RFC 9991 DMARC failure reports (auth-failure) as
       Google, Yahoo, Mail.ru, Netease and OpenDMARC send them:
       message/feedback-report with Auth-Failure dmarc, dkim or spf, DKIM
       and SPF fields, several Authentication-Results and Reported-Domain,
       Arrival-Date or Received-Date, the original as text/rfc822-headers
       or message/rfc822.  Manifest: message_id (of the report), source_ip,
       from_domain, auth_failure, dkim_domain, dkim_selector, arrival
       (epoch).

Deterministic for a seed.  Python standard library only.
"""
import argparse
import email.utils
import gzip
import json
import os
import random
import uuid

DOMAINS = ["example.com", "example.org", "shop.example.net", "example.io",
           "news.example.com"]


def maildir(path):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)


def b64_lines(data):
    import base64
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def iso(t):
    return email.utils.formatdate(t, usegmt=True)


def rfc3339(t, frac=False):
    import time
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
    return s + (".000Z" if frac else "Z")


# --- TLS reports ----------------------------------------------------------

REPORTERS = [
    ("Google Inc.", "smtp-tls-reporting@google.com", "google"),
    ("Microsoft Corporation", "tlsrpt-noreply@microsoft.com", "microsoft"),
    ("Mail.Ru", "tlsrpt@corp.mail.ru", "mailru"),
    ("Comcast", None, "comcast"),
    ("mx.small.example", "postmaster@small.example", "uuid"),
]
RESULTS = ["starttls-not-supported", "certificate-expired",
           "certificate-host-mismatch", "validation-failure",
           "sts-policy-fetch-error", "sts-webpki-invalid", "tlsa-invalid",
           "dnssec-invalid"]


def tls_policy(rng, domain, kind):
    mxs = ["mx%d.%s" % (i, domain) for i in range(1, rng.randint(1, 3) + 1)]
    if kind == "sts":
        pol = {"policy-type": "sts",
               "policy-string": ["version: STSv1", "mode: enforce"] +
               ["mx: " + m for m in mxs] + ["max_age: 604800"],
               "policy-domain": domain,
               "mx-host": [("mx:" + m) if rng.random() < 0.3 else m
                           for m in mxs]}
    elif kind == "tlsa":
        rec = ["3 1 1 %064x" % rng.getrandbits(256)]
        pol = {"policy-type": "tlsa",
               "policy-string": [json.dumps(rec)] if rng.random() < 0.5
               else rec,
               "policy-domain": domain, "mx-host": mxs[:1]}
    else:
        pol = {"policy-type": "no-policy-found", "policy-domain": domain}
    ok = rng.randint(0, 5000)
    details, failed = [], 0
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        n = rng.randint(1, 50)
        d = {"result-type": rng.choice(RESULTS), "failed-session-count": n}
        if rng.random() < 0.8:
            d["sending-mta-ip"] = "203.0.113.%d" % rng.randint(1, 254)
        if rng.random() < 0.7:
            d["receiving-mx-hostname"] = rng.choice(mxs)
            d["receiving-ip"] = "198.51.100.%d" % rng.randint(1, 254)
        if rng.random() < 0.2:
            d["receiving-mx-helo"] = rng.choice(mxs)
        if rng.random() < 0.2:
            d["additional-information"] = "https://tls.example/info?id=%d" % n
        failed += n
        details.append(d)
    entry = {"policy": pol,
             "summary": {"total-successful-session-count": ok,
                         "total-failure-session-count": failed}}
    if details:
        entry["failure-details"] = details
    return entry, ok, failed, len(details)


def tls_report(rng, start, k):
    org, contact, style = rng.choice(REPORTERS)
    domain = rng.choice(DOMAINS)
    end = start + 86399
    if style == "google":
        rid = "%s_%s" % (rfc3339(start), domain)
    elif style == "microsoft":
        rid = "%d+%s" % (133000000000000000 + k, domain)
    else:
        rid = str(uuid.UUID(int=rng.getrandbits(128)))
    kinds = rng.choice([["sts"], ["sts"], ["tlsa"], ["no-policy-found"],
                        ["sts", "no-policy-found"]])
    policies, ok, failed, nfd = [], 0, 0, 0
    for kind in kinds:
        p, a, b, c = tls_policy(rng, domain, kind)
        policies.append(p)
        ok, failed, nfd = ok + a, failed + b, nfd + c
    report = {"organization-name": org,
              "date-range": {"start-datetime": rfc3339(start),
                             "end-datetime": rfc3339(end, style == "mailru")},
              "contact-info": contact, "report-id": rid,
              "policies": policies}
    return report, (org, rid, domain, start, len(policies), ok, failed, nfd)


def tls_mail(rng, report, start, k, org_domain="reporter.example"):
    body = json.dumps(report, indent=None if rng.random() < 0.5 else 2)
    domain = report["policies"][0]["policy"]["policy-domain"]
    name = "%s!%s!%d!%d!001.json.gz" % (org_domain, domain, start,
                                        start + 86399)
    packed = gzip.compress(body.encode(), mtime=0)
    ctype = "application/tlsrpt+gzip"
    r = rng.random()
    if r < 0.1:
        packed = body.encode()		# plain JSON labelled +gzip
    elif r < 0.2:
        ctype = "application/tlsrpt+json"	# gzip labelled +json
    msgid = "<tls-%d-%d@%s>" % (start, k, org_domain)
    return ("From: TLS reporting <noreply-tlsrpt@%s>\r\n"
            "To: tls-reports@%s\r\n"
            "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\r\n"
            "Date: %s\r\nMessage-ID: %s\r\nTLS-Report-Domain: %s\r\n"
            "TLS-Report-Submitter: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n"
            " boundary=\"tls-b\"\r\n\r\n"
            "--tls-b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            "This is an aggregate TLS report from %s\r\n\r\n"
            "--tls-b\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment;\r\n filename=\"%s\"\r\n\r\n"
            "%s\r\n--tls-b--\r\n") % (
        org_domain, domain, domain, org_domain, report["report-id"],
        iso(start + 90000), msgid, domain, org_domain, org_domain, ctype,
        name, b64_lines(packed))


# --- DMARC failure reports ------------------------------------------------

FAILURE_REPORTERS = [("google.com", "Google DMARC failure reporter"),
                     ("yahoo.com", "Yahoo!-Mail-DMARC/1.0"),
                     ("corp.mail.ru", "Mail.Ru DMARC reporter"),
                     ("126.com", "NtesDmarcReporter/1.0"),
                     ("mx.small.example", "OpenDMARC-Filter/1.4.2")]


def arf_mail(rng, arrival, k):
    rep, agent = rng.choice(FAILURE_REPORTERS)
    domain = rng.choice(DOMAINS)
    ip = "192.0.2.%d" % rng.randint(1, 254)
    failure = rng.choice(["dmarc", "dkim", "spf"])
    sel = "s%d" % rng.randint(1, 3)
    orig_id = "<orig-%d-%d@%s>" % (arrival, k, domain)
    subject = rng.choice(["Your invoice", "Newsletter %d" % k, "Hello"])
    headers = ("Received: from mail.%s ([%s]) by mx.%s; %s\r\n"
               "DKIM-Signature: v=1; a=rsa-sha256; d=%s; s=%s; h=from:to;"
               " bh=AAAA; b=BBBB\r\n"
               "Authentication-Results: mx.%s; dkim=fail header.d=%s\r\n"
               "From: Sender <news@%s>\r\nTo: user@%s\r\n"
               "Subject: %s\r\nMessage-ID: %s\r\nDate: %s\r\n") % (
        domain, ip, rep, iso(arrival), domain, sel, rep, domain, domain,
        rep, subject, orig_id, iso(arrival - 5))
    date_field = ("Arrival-Date" if rng.random() < 0.7 else "Received-Date")
    fields = ["Feedback-Type: auth-failure", "User-Agent: " + agent,
              "Version: 1", "Original-Mail-From: <bounce@%s>" % domain,
              "Original-Rcpt-To: <user@%s>" % rep,
              "%s: %s" % (date_field, iso(arrival)),
              "Reporting-MTA: dns; mx.%s" % rep, "Source-IP: " + ip,
              "Authentication-Results: mx.%s; dmarc=fail header.from=%s" %
              (rep, domain),
              "Authentication-Results: mx.%s; spf=%s smtp.mailfrom=%s" %
              (rep, "fail" if failure == "spf" else "pass", domain),
              "Reported-Domain: " + domain, "Auth-Failure: " + failure,
              "Identity-Alignment: %s" % rng.choice(["none", "dkim", "spf"]),
              "Delivery-Result: %s" % rng.choice(["delivered", "spam",
                                                    "reject"])]
    if failure == "dkim" or rng.random() < 0.5:
        fields += ["DKIM-Domain: " + domain, "DKIM-Identity: @" + domain,
                   "DKIM-Selector: " + sel]
    if failure == "spf":
        fields.append("SPF-DNS: txt : %s : \"v=spf1 -all\"" % domain)
    if rng.random() < 0.5:
        original = ("--f-b\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
                    headers)
    else:
        original = ("--f-b\r\nContent-Type: message/rfc822\r\n"
                    "Content-Disposition: inline\r\n\r\n" + headers +
                    "\r\nThe body of the original.\r\n")
    msgid = "<ruf-%d-%d@%s>" % (arrival, k, rep)
    mail = ("From: DMARC failure <noreply-dmarc@%s>\r\nTo: ruf@%s\r\n"
            "Subject: FW: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=feedback-report;\r\n"
            " boundary=\"f-b\"\r\n\r\n"
            "--f-b\r\nContent-Type: text/plain\r\n\r\n"
            "This is an authentication failure report for an email message"
            " received from IP %s on %s.\r\n\r\n"
            "--f-b\r\nContent-Type: message/feedback-report\r\n\r\n"
            "%s\r\n\r\n%s\r\n--f-b--\r\n") % (
        rep, domain, subject, iso(arrival + 60), msgid, ip, iso(arrival),
        "\r\n".join(fields), original)
    row = (msgid.strip("<>"), ip, domain, failure,
           domain if any(f.startswith("DKIM-Domain") for f in fields) else "",
           sel if any(f.startswith("DKIM-Selector") for f in fields) else "",
           arrival)
    return mail, row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=("tls", "arf"))
    ap.add_argument("dir")
    ap.add_argument("--messages", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--start", type=int, default=1790812800)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    maildir(a.dir)
    rows = []
    for k in range(a.messages):
        day = a.start + 86400 * (k % a.days)
        if a.kind == "tls":
            report, row = tls_report(rng, day, k)
            mail = tls_mail(rng, report, day, k)
        else:
            mail, row = arf_mail(rng, day + rng.randint(0, 86000), k)
        rows.append(row)
        name = "%d.%06d.gen" % (a.start + k, k)
        with open(os.path.join(a.dir, "new", name), "w", newline="") as f:
            f.write(mail)
    with open(a.dir.rstrip("/") + ".expected.tsv", "w") as f:
        for r in rows:
            f.write("\t".join(str(x) if x is not None else "" for x in r)
                    + "\n")


if __name__ == "__main__":
    main()
