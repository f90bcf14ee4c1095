#!/usr/bin/env python3
"""report_read.py - read the figures back out of a `mailsift report` page.

Usage: report_read.py FILE.html

Prints one line per figure, for tests/t/report.sh to compare with the
database:
  headline KEY VALUE          the headline's data-k cells (this period)
  day DOMAIN YYYY-MM-DD PASS FAIL   every chart bar with messages
  bounceday - YYYY-MM-DD OTHER AUTH  every bar of the bounce chart
  head TABLE-ID COL|COL|...   a table's visible column names
  row TABLE-ID CELL|CELL|...  a row's cells (the warning sign stripped)
  action TABLE-ID TEXT        a row's action line
Only the standard library: html.parser.
"""
import html.parser
import sys

MARK = "\u26a0 "


class Reader(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.domain = None
        self.table = None
        self.cells = None
        self.cell = None
        self.key = None
        self.kind = None
        self.prefix = "day"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("class") == "chart":
            self.domain = a.get("data-domain")
            self.prefix = "day"
        elif tag == "div" and a.get("class") == "bounce-chart":
            self.domain = "-"
            self.prefix = "bounceday"
        elif tag == "g" and a.get("class") == "day":
            p, f = int(a["data-pass"]), int(a["data-fail"])
            if p or f:
                self.out.append("%s %s %s %d %d" % (self.prefix, self.domain,
                                a["data-day"], p, f))
        elif tag == "table":
            self.table = a.get("id")
        elif tag == "tr" and self.table:
            self.cells = []
            self.kind = "action" if a.get("class") == "action" else "row"
        elif tag in ("td", "th") and self.cells is not None:
            self.cell = ""
            self.key = a.get("data-k")
            if tag == "th":
                self.kind = "head"

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            text = self.cell
            if text.startswith(MARK):
                text = text[len(MARK):]
            self.cells.append(text)
            if self.table == "headline" and self.key:
                self.out.append("headline %s %s" % (self.key, text))
            self.cell = None
        elif tag == "tr" and self.cells is not None:
            if self.table != "headline":
                self.out.append("%s %s %s" % (self.kind, self.table,
                                              "|".join(self.cells)))
            self.cells = None
        elif tag == "table":
            self.table = None


r = Reader()
r.feed(open(sys.argv[1], encoding="utf-8").read())
print("\n".join(r.out))
