Return-Path: <dmarc@mail.example.biz>
Received: from mail.example.net (mail.example.net [203.0.113.5])
	by mx.example.com (Postfix) with ESMTPS id 4SW1Xk2kQJz9sZ
	for <dmarc@example.com>; Thu, 16 Nov 2023 02:15:04 +0000 (UTC)
Date: Thu, 16 Nov 2023 02:15:01 +0000
From: dmarc@mail.example.biz
To: dmarc@example.com
Subject: Report Domain: example.com Submitter: example.biz Report-ID: 7bit-1
Message-ID: <7bit-1@mail.example.biz>
MIME-Version: 1.0
Content-Type: text/xml; charset=us-ascii
Content-Transfer-Encoding: 7bit
Content-Disposition: inline

<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>google.com</org_name>
    <email>noreply-dmarc-support@google.com</email>
    <extra_contact_info>https://support.google.com/a/answer/2466580</extra_contact_info>
    <report_id>4760321455532153651</report_id>
    <date_range>
      <begin>1700006400</begin>
      <end>1700092799</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>none</p>
    <sp>none</sp>
    <pct>100</pct>
  </policy_published>
  <record>
    <row>
      <source_ip>192.0.2.10</source_ip>
      <count>2</count>
      <policy_evaluated>
        <disposition>none</disposition>
        <dkim>pass</dkim>
        <spf>pass</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.com</header_from>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>example.com</domain>
        <result>pass</result>
        <selector>s2023</selector>
      </dkim>
      <spf>
        <domain>example.com</domain>
        <result>pass</result>
      </spf>
    </auth_results>
  </record>
</feedback>
