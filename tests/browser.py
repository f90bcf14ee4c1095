#!/usr/bin/env python3
"""browser.py - look at a page the way a person would: headless Chromium.

Usage: browser.py PAGE.html OUT.png [OUT.pdf]

Opens the page in Debian's chromium through the DevTools protocol on a
pipe (--remote-debugging-pipe: no port, no websocket library), waits for
the load, then prints one line each, for tests/t/report_browser.sh:
  console N        console messages of level error or warning, exceptions
  failed N         requests that failed
  external N       requests to anything but the page itself
  size W H         the page's size in CSS pixels
  pixels N INK BLUE VERMILION   pixels of a quarter-size screenshot: all,
                   ink (text, lines: neither white nor pale),
                   Okabe-Ito blue (pass bars), vermilion (fail bars)
  pdf-pages N      pages of the A4 print (with OUT.pdf)
  pdf-a4 BOOL      every page 595 x 842 points
and the messages themselves as "# ..." lines.  The screenshot (the whole
page, 800 pixels wide) goes to OUT.png, the print to OUT.pdf.  Only the
standard library; PNG pixels are read with zlib.
"""
import base64
import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

page, png_out = os.path.abspath(sys.argv[1]), sys.argv[2]
pdf_out = sys.argv[3] if len(sys.argv) > 3 else None
url = "file://" + page
exe = shutil.which("chromium") or shutil.which("chromium-browser")
if exe is None:
    sys.exit("browser.py: chromium not found")


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="mailsift-chromium-")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            # Chromium reads commands on fd 3 and answers on fd 4;
            # through high numbers first, so one cannot clobber the other.
            r = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)
        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--no-first-run",
             "--user-data-dir=" + self.profile, "--hide-scrollbars",
             "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The child has its copies on 3 and 4.
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.deadline = time.time() + 90

    def recv(self):
        while b"\0" not in self.buf:
            if time.time() > self.deadline:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        m = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.to_w, json.dumps(m).encode() + b"\0")
        while True:
            r = self.recv()
            if r.get("id") == self.next_id:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r["result"]
            self.events.append(r)

    def wait_event(self, name):
        for e in self.events:
            if e.get("method") == name:
                return e
        while True:
            e = self.recv()
            self.events.append(e)
            if e.get("method") == name:
                return e

    def close(self):
        try:
            self.call("Browser.close")
        except (EOFError, RuntimeError, TimeoutError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def png_pixels(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, bpp = zlib.decompress(idat), 3 if ctype == 2 else 4
    stride, prev, out = w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        out.append(line)
        prev = line
    return w, h, out, bpp


def near(px, rgb, tol=40):
    return all(abs(px[k] - rgb[k]) <= tol for k in range(3))


def count_pixels(data):
    w, h, rows, bpp = png_pixels(data)
    dark = blue = verm = 0
    for line in rows:
        for x in range(0, w * bpp, bpp):
            px = line[x:x + 3]
            if near(px, (0x00, 0x72, 0xB2)):
                blue += 1
            elif near(px, (0xD5, 0x5E, 0x00)):
                verm += 1
            elif px[0] + px[1] + px[2] < 600:
                dark += 1
    return w * h, dark, blue, verm


b = Browser()
try:
    target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = b.call("Target.attachToTarget", {"targetId": target,
                                         "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        b.call(domain + ".enable", session=s)
    b.call("Emulation.setDeviceMetricsOverride", {
        "width": 800, "height": 1100, "deviceScaleFactor": 1,
        "mobile": False}, session=s)
    b.events.clear()
    b.call("Page.navigate", {"url": url}, session=s)
    b.wait_event("Page.loadEventFired")
    scroll = b.call("Runtime.evaluate", {"expression":
                    "Math.max(document.documentElement.scrollWidth, "
                    "document.body.scrollWidth)", "returnByValue": True},
                    session=s)["result"]["value"]
    metrics = b.call("Page.getLayoutMetrics", session=s)
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = b.call("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 800,
                 "height": min(int(size["height"]), 16000), "scale": 1}},
        session=s)
    png = base64.b64decode(shot["data"])
    # The pixels are counted on a quarter-size copy: pure Python is slow.
    small = base64.b64decode(b.call("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 800,
                 "height": min(int(size["height"]), 16000), "scale": 0.25}},
        session=s)["data"])
    with open(png_out, "wb") as f:
        f.write(png)
    pdf = None
    if pdf_out:
        pdf = base64.b64decode(b.call("Page.printToPDF", {
            "paperWidth": 8.27, "paperHeight": 11.69,
            "printBackground": True}, session=s)["data"])
        with open(pdf_out, "wb") as f:
            f.write(pdf)
finally:
    b.close()

console, failed, external = [], [], []
for e in b.events:
    m, p = e.get("method"), e.get("params", {})
    if m == "Runtime.consoleAPICalled" and p.get("type") in ("error",
                                                              "warning"):
        console.append("console %s: %s" % (p["type"], p.get("args")))
    elif m == "Runtime.exceptionThrown":
        console.append("exception: %s" % p.get("exceptionDetails"))
    elif m == "Log.entryAdded" and p["entry"]["level"] in ("error",
                                                           "warning"):
        console.append("log %s: %s" % (p["entry"]["level"],
                                       p["entry"].get("text")))
    elif m == "Network.loadingFailed":
        failed.append("failed: %s" % p.get("errorText"))
    elif m == "Network.requestWillBeSent":
        u = p["request"]["url"]
        if u != url:
            external.append("request: %s" % u)
print("console %d" % len(console))
print("failed %d" % len(failed))
print("external %d" % len(external))
print("size %d %d" % (max(size["width"], scroll), size["height"]))
print("pixels %d %d %d %d" % count_pixels(small))
if pdf is not None:
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+"
                       rb"([\d.]+)\s*\]", pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    print("pdf-pages %d" % pages)
    print("pdf-a4 %s" % bool(boxes and all(
        abs(float(x[2]) - 595) < 2 and abs(float(x[3]) - 842) < 2
        for x in boxes)))
for line in console + failed + external:
    print("# " + line)
