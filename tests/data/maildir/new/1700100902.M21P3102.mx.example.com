Return-Path: <dmarchelp@yahooinc.com>
Received: from mail.example.net (mail.example.net [203.0.113.5])
	by mx.example.com (Postfix) with ESMTPS id 4SW1Xk2kQJz9sZ
	for <dmarc@example.com>; Thu, 16 Nov 2023 02:15:04 +0000 (UTC)
Date: Thu, 16 Nov 2023 02:15:01 +0000
From: dmarchelp@yahooinc.com
To: dmarc@example.com
Subject: Report Domain: example.com Submitter: yahoo.com Report-ID: <1700092800.371984>
Message-ID: <1700092800.371984@yahoo.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="----=_Part_1849273_1204588345.1700100901123"

------=_Part_1849273_1204588345.1700100901123
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

This is an aggregate report from Yahoo.

------=_Part_1849273_1204588345.1700100901123
Content-Type: application/gzip; name="yahoo.com!example.com!1700006400!1700092799.xml.gz"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="yahoo.com!example.com!1700006400!1700092799.xml.gz"

H4sICORbVWUC/3lhaG9vLmNvbSFleGFtcGxlLmNvbSExNzAwMDA2NDAwITE3MDAwOTI3OTkueG1s
AGWSyXLDIAyG732KTO41uE2bZEahPfUJ2kNPHoJlm8YgBnCXty82cZbJxaDt1ycZePk1/eIbfdBk
d8uy4MsFWkW1tu1u+fH+dr9Zvog7aBDrvVQHAR4d+VgZjLKWUQog31ZWGhSfsiMCdrIBjdS9qI30
qsPevf6NCdqqQpEBlqOznq5Fueacbx82nBeP63K7WQE7ByE1w8pL2ybhPbba5nz+vOIcWPYA2pPM
ertNPZIN7LKU3fA76rX6q9yw73XocGxFCc0K/JXG9Zhpjz6Q9UEb4YHlC8jgmskcT3DC4xeqCMwl
Q0VRjnDjJX1v+nhU5MeTfgQEGrzCSjuRRi+eyiKVFmtgZz8oGmySBJYvMzl+y35II47kOjgKOqaf
eSK59MEE3aTFJ//EP2JnexqA3WqyCU/XaKNudHopAjqUNfqq8WSut3QZAHZVI4fYVR7D0MeQ2857
TnjUoC+OSudd52wRqIkZ8eiYWa8l2bxOdnqsd/8+C4cr3wIAAA==
------=_Part_1849273_1204588345.1700100901123--
