#!/usr/bin/env python3
"""evilserver.py: a local HTTP server that misbehaves on demand.

The integration tests of heraldd (tests/it_*.py) point feeds at it.  It
listens on 127.0.0.1 only, on a port the kernel chooses, and prints:

    PORT                  first line: the HTTP port
    sentinel PORT         a TCP listener that only logs connections (the
                          target of the ftp:// and gopher:// redirects:
                          nothing may ever connect to it)
    blackhole PORT        a listener whose accept queue is full, so that a
                          connect() to it gets no answer (catalogue case 18);
                          "blackhole 0" if the queue could not be filled
    ready

It stops on SIGTERM, SIGINT, or after --time-limit seconds (default 300).
Python standard library only; the zstd bomb is built with the zstd(1)
command when it is installed, the brotli bomb is not served at all (Python
has no brotli module here: /bomb-br answers 404 and the tests skip it).

Every request is logged as one JSON object per line to --log:
    {"ev": "req", "t": epoch, "id": n, "path": "/x?y", "route": "/x",
     "method": "GET", "headers": {"user-agent": ...}}
and, when the handler is done with it:
    {"ev": "end", "t": epoch, "id": n, "route": "/x", "status": 200,
     "sent": BODY_BYTES, "secs": DURATION, "why": "done|client-gone|limit"}
A connection to the sentinel logs {"ev": "sentinel", "t": epoch}.

Routes (the query string tunes some of them):
  /ok/NAME        valid RSS 2.0 with n items (?n=5), deterministic: guid
                  NAME-i, link https://news.example/NAME/i, dated hourly back
                  from 2024-06-01; ?pad=BYTES of text per description;
                  ?rev=1 puts the server's revision (see /_ctl/rev) into the
                  descriptions so that the items change
  /trunc.xml      malformed XML: one complete new item, then a cut one
  /garbage.xml    a complete feed (one new item) with garbage after the root
  /html           200 text/html login page
  /truncated      Content-Length larger than the body (which holds one
                  complete new item), then the connection is closed
  /hugetext       a feed whose title is 20 MB (?mb=20), served gzip-encoded
  /hugefield      the same with a 10 MB title (under a 16 MB cap)
  /many           100,000 items (?n=100000), newest first
  /nul            NUL and C0 control bytes in title and description
  /bomb-gz        1 GiB (?mb=1024) decoded from about 1 MB of gzip
  /bomb-gz2       the same, gzip-encoded twice (Content-Encoding: gzip, gzip)
  /bomb-deflate   the same as zlib deflate
  /bomb-zst       the same as zstd (404 if zstd(1) is missing)
  /bomb-br        404: no brotli in Python's standard library
  /bomb-gz-chunked  the gzip bomb streamed with chunked encoding
                  (each bomb decodes to an RSS prefix with one complete new
                  item, then whitespace that never ends the document)
  /big-chunked    an endless chunked body (stops after ?mb=1024 MB)
  /big-cl         Content-Length 100 MB (?mb=100), body streamed
  /slow-body      headers at once, one complete item, then 1 byte per
                  second (?every=1.0)
  /drip           a body at 4 KB/s that never ends (beats a low-speed
                  limit: only the total timeout stops it)
  /slow-headers   the status line, then one header line per second, forever
  /hang           reads the request and never answers
  /slow-ok        a valid feed (?n=5) dribbled over ?secs=6 seconds
  /loop           302 to itself
  /redir-file     302 to file:///etc/passwd
  /redir-ftp      302 to ftp://127.0.0.1:SENTINEL/feed.xml
  /redir-gopher   302 to gopher://127.0.0.1:SENTINEL/1feed
  /redir-ok       301 to /ok/moved
  /redir-308      308 to /ok/moved308
  /redir-temp     302 to /ok/temp
  /gone           410
  /404            404
  /500            500
  /503            503 with Retry-After: 120 (?ra=SECONDS)
  /503-long       503 with Retry-After: 864000 (ten days)
  /429            429 with Retry-After: an HTTP date 2 h ahead (?ahead=7200)
  /feed-cond      ETag and Last-Modified; 304 on a matching If-None-Match
                  (or If-Modified-Since when no If-None-Match was sent)
  /feed-rev       a feed that grows with the revision K (/_ctl/rev):
                  ?n=5 items, then ?add=2 more per revision (?pad=BYTES of
                  text each), ETag "rev-K" and Last-Modified from K; 304 on
                  a matching If-None-Match; ?delay=SECS before answering
  /churn          random GUIDs on every request, constant titles and links
  /dupguid        the same guid twice with different titles
  /escaped        an Atom feed whose text titles were escaped twice by the
                  publisher ("Iraq&amp;#039;s"), and look-alikes that were not
  /dates          items dated 2099, 1970, "yesterday", "+2500", odd but
                  valid offsets, and undated
  /dedup/NAME     one shared article whose link differs only in tracking
                  parameters per NAME, plus one item of NAME's own
  /story/NAME     outlet NAME's article on one story (the 20th sanctions
                  package, press release IP/24/1234), in the words of
                  ?v=0..5, published ?min=M minutes after BASE_DATE; with
                  ?own=1 also an article of NAME's own on another story
Control (not logged):
  /_ctl/override?path=/x&to=/ok/x   serve /x as /ok/x until cleared
  /_ctl/clear                       drop every override
  /_ctl/rev?n=K                     set the revision used by /ok/?rev=1
"""

import argparse
import email.utils
import errno
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

MiB = 1 << 20
BASE_DATE = 1717200000  # 2024-06-01 00:00:00 UTC

STATE = {
    "overrides": {},
    "rev": 0,
    "deadline": 0.0,
    "port": 0,
    "sentinel": 0,
}
LOCK = threading.Lock()
LOG = {"f": None, "n": 0}


def log(rec):
    rec.setdefault("t", round(time.time(), 3))
    line = json.dumps(rec, ensure_ascii=True) + "\n"
    with LOCK:
        if LOG["f"] is not None:
            LOG["f"].write(line)
            LOG["f"].flush()


def time_left():
    return STATE["deadline"] - time.monotonic()


# --- documents -------------------------------------------------------------

def rss_open(title, extra=""):
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0"><channel>'
            "<title>%s</title><link>https://news.example/</link>"
            "<description>evilserver</description>%s\n"
            % (escape(title), extra))


RSS_CLOSE = "</channel></rss>\n"


def rss_item(guid=None, title=None, link=None, desc=None, date=None):
    parts = ["<item>"]
    if guid is not None:
        parts.append('<guid isPermaLink="false">%s</guid>' % escape(guid))
    if title is not None:
        parts.append("<title>%s</title>" % escape(title))
    if link is not None:
        parts.append("<link>%s</link>" % escape(link))
    if desc is not None:
        parts.append("<description>%s</description>" % escape(desc))
    if date is not None:
        parts.append("<pubDate>%s</pubDate>" % escape(date))
    parts.append("</item>\n")
    return "".join(parts)


def rss(title, items, extra=""):
    return rss_open(title, extra) + "".join(items) + RSS_CLOSE


def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


WORDS = ("policy council parliament commission sanctions trade energy "
         "budget market climate agreement summit member states report "
         "vote draft proposal directive regulation").split()


_FILLER = {}


def filler_text(seed, nbytes):
    key = (seed, nbytes)
    if key not in _FILLER:
        _FILLER[key] = _filler_text(seed, nbytes)
    return _FILLER[key]


def _filler_text(seed, nbytes):
    out = []
    size = 0
    i = seed
    while size < nbytes:
        w = WORDS[(i * 7 + 3) % len(WORDS)]
        out.append(w)
        size += len(w) + 1
        i += 1
    return " ".join(out)[:nbytes]


_DATES = {}


def ok_date(i):
    if i not in _DATES:
        _DATES[i] = http_date(BASE_DATE - i * 3600)
    return _DATES[i]


def ok_feed(name, n, pad, rev):
    items = []
    for i in range(n):
        desc = "Item %d of %s." % (i, name)
        if rev is not None:
            desc += " Revision %d." % rev
        if pad > 0:
            desc += " " + filler_text(i, pad)
        items.append(rss_item(
            guid="%s-%d" % (name, i),
            title="%s item %d" % (name, i),
            link="https://news.example/%s/%d" % (name, i),
            desc=desc,
            date=ok_date(i)))
    return rss("feed %s" % name, items)


# One story in six outlets' words: the press release's id and numbers
# carry it across (lib/story.c), the titles and summaries differ.
STORY_TELLINGS = [
    ("EU adopts 20th sanctions package against Russia",
     "IP/24/1234: the package lists 117 more vessels of the shadow fleet "
     "and bans transactions with 22 Russian banks."),
    ("EU agrees 20th Russia sanctions package",
     "The package (IP/24/1234) targets 117 more shadow fleet tankers and "
     "22 banks."),
    ("New EU sanctions hit 117 ships of Russia's shadow fleet",
     "Transactions with 22 banks are banned under the 20th package, "
     "IP/24/1234."),
    ("Shadow fleet: 117 more vessels in the EU's 20th package",
     "IP/24/1234 also bans transactions with 22 banks in third countries."),
    ("Russia: 20th EU package lists 117 shadow fleet ships",
     "The 22 banks named in IP/24/1234 face a transaction ban."),
    ("Council adopts the 20th package of restrictive measures",
     "IP/24/1234: 117 vessels and 22 banks are added to the lists."),
]


def story_feed(name, v, minute, own):
    title, desc = STORY_TELLINGS[v % len(STORY_TELLINGS)]
    items = [rss_item(guid="%s-story" % name, title=title,
                      link="https://%s.example/sanctions-20" % name,
                      desc=desc, date=http_date(BASE_DATE + minute * 60))]
    if own:
        items.append(rss_item(
            guid="%s-own" % name,
            title="%s: sanctions on Iran's drone makers prolonged" % name,
            link="https://%s.example/iran-drones" % name,
            desc="Listings of 8 firms renewed for a year.",
            date=http_date(BASE_DATE + 3 * 86400)))
    return rss("outlet %s" % name, items)


def new_item(name):
    """The complete item that failing documents carry before they fail."""
    return rss_item(guid="%s-new" % name, title="%s new item" % name,
                    link="https://news.example/%s/new" % name,
                    desc="must not be stored: the fetch failed",
                    date=http_date(BASE_DATE + 3600))


BOMB_PREFIX = (rss_open("bomb") + new_item("bomb")).encode()
FILL_CHUNK = b" " * MiB


class Bombs:
    """Decompression bombs built from repeated deflate blocks.

    Each block is one MiB of whitespace compressed alone and ended with a
    full flush, so blocks are byte-aligned, independent, and can be
    repeated any number of times: a 1 GiB bomb costs one MiB of
    compression, not a gigabyte.
    """

    def __init__(self):
        self.ready = threading.Event()
        self.head = self.block = self.tail = b""
        self.sums = {}
        self.zst = None
        self.err = None

    @staticmethod
    def raw(data, mode):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(mode)

    def build(self):
        try:
            self.head = self.raw(BOMB_PREFIX, zlib.Z_FULL_FLUSH)
            self.block = self.raw(FILL_CHUNK, zlib.Z_FULL_FLUSH)
            self.tail = self.raw(b"", zlib.Z_FINISH)
            if shutil.which("zstd"):
                def zst(data):
                    return subprocess.run(
                        ["zstd", "-q", "-c", "-19"], input=data,
                        stdout=subprocess.PIPE, check=True,
                        timeout=60).stdout
                # zstd frames concatenate: the decoder reads them in turn.
                self.zst = (zst(BOMB_PREFIX), zst(FILL_CHUNK))
            self.checksums(1024)
        except Exception as e:  # noqa: BLE001 (reported in the log)
            self.err = repr(e)
        self.ready.set()

    def checksums(self, mb):
        """CRC-32 and Adler-32 of the decoded bomb (cached per size)."""
        if mb not in self.sums:
            crc = zlib.crc32(BOMB_PREFIX)
            adl = zlib.adler32(BOMB_PREFIX)
            for _ in range(mb):
                if time_left() < 0:
                    break
                crc = zlib.crc32(FILL_CHUNK, crc)
                adl = zlib.adler32(FILL_CHUNK, adl)
            self.sums[mb] = (crc, adl)
        return self.sums[mb]

    def gzip_parts(self, mb):
        """Yields the gzip member in pieces (checksums computed last)."""
        yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03" + self.head
        for _ in range(mb):
            yield self.block
        crc, _ = self.checksums(mb)
        size = (len(BOMB_PREFIX) + mb * MiB) & 0xffffffff
        yield self.tail + struct.pack("<II", crc, size)

    def gzip(self, mb):
        return b"".join(self.gzip_parts(mb))

    def zlib(self, mb):
        _, adl = self.checksums(mb)
        return (b"\x78\xda" + self.head + self.block * mb + self.tail +
                struct.pack(">I", adl))


BOMBS = Bombs()
CACHE = {}
CACHE_LOCK = threading.Lock()


def cached(key, make):
    """make() once per key; other keys are not held up meanwhile."""
    with CACHE_LOCK:
        ent = CACHE.get(key)
        if ent is None:
            ent = CACHE[key] = [threading.Lock(), None]
    with ent[0]:
        if ent[1] is None:
            ent[1] = make()
        return ent[1]


# --- the handler -----------------------------------------------------------

class ClientGone(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "evilserver/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet: everything goes to --log
        pass

    # Small helpers that count what they send.

    def out(self, data):
        if isinstance(data, str):
            data = data.encode()
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            raise ClientGone()
        self.sent += len(data)

    def head(self, status, headers=(), length=None, chunked=False):
        self.status = status
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif length is not None:
            self.send_header("Content-Length", str(length))
        try:
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError, OSError):
            raise ClientGone()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        try:
            self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            raise ClientGone()
        self.sent += len(data)

    def chunk_end(self):
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            raise ClientGone()

    def body(self, status, data, ctype="application/rss+xml; charset=utf-8",
             headers=()):
        if isinstance(data, str):
            data = data.encode()
        self.head(status, [("Content-Type", ctype)] + list(headers),
                  length=len(data))
        if self.command != "HEAD":
            self.out(data)

    def redirect(self, status, location):
        self.body(status, "moved\n", ctype="text/plain",
                  headers=[("Location", location)])

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (STATE["port"], path)

    def wait_client_gone(self, secs):
        """Sleeps up to secs; raises ClientGone as soon as the peer closes."""
        end = time.monotonic() + secs
        while True:
            left = min(end - time.monotonic(), time_left())
            if left <= 0:
                return
            r, _, _ = select.select([self.connection], [], [], min(left, 0.5))
            if r:
                try:
                    data = self.connection.recv(4096, socket.MSG_PEEK)
                except OSError:
                    raise ClientGone()
                if not data:
                    raise ClientGone()
                time.sleep(min(left, 0.5))  # a pipelined request: ignore

    # The entry point.

    def do_GET(self):
        self.sent = 0
        self.status = 0
        self.why = "done"
        t0 = time.monotonic()
        parts = urlsplit(self.path)
        route = parts.path
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if route.startswith("/_ctl/"):
            return self.control(route, q)
        with LOCK:
            LOG["n"] += 1
            rid = LOG["n"]
            over = STATE["overrides"].get(route)
        log({"ev": "req", "id": rid, "path": self.path, "route": route,
             "method": self.command, "override": over,
             "headers": {k.lower(): v for k, v in self.headers.items()}})
        if over is not None:
            parts = urlsplit(over)
            route = parts.path
            q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            self.dispatch(route, q)
        except ClientGone:
            self.why = "client-gone"
            self.close_connection = True
        except Exception as e:  # noqa: BLE001 (logged, never fatal)
            self.why = "error: %r" % (e,)
            self.close_connection = True
        log({"ev": "end", "id": rid, "route": route, "status": self.status,
             "sent": self.sent, "secs": round(time.monotonic() - t0, 3),
             "why": self.why})

    do_HEAD = do_GET

    def control(self, route, q):
        with LOCK:
            if route == "/_ctl/override":
                STATE["overrides"][q["path"]] = q["to"]
            elif route == "/_ctl/clear":
                STATE["overrides"].clear()
            elif route == "/_ctl/rev":
                STATE["rev"] = int(q.get("n", "0"))
            else:
                route = None
        if route is None:
            self.body(404, "unknown control\n", ctype="text/plain")
        else:
            self.body(200, "ok\n", ctype="text/plain")

    def dispatch(self, route, q):
        if route.startswith("/ok/"):
            return self.r_ok(route[4:], q)
        if route.startswith("/dedup/"):
            return self.r_dedup(route[7:], q)
        if route.startswith("/story/"):
            return self.body(200, story_feed(
                route[7:], int(q.get("v", "0")), int(q.get("min", "0")),
                q.get("own") == "1"))
        fn = ROUTES.get(route)
        if fn is None:
            return self.body(404, "no such route\n", ctype="text/plain")
        return fn(self, q)

    # Routes.

    def r_ok(self, name, q):
        n = int(q.get("n", "5"))
        pad = int(q.get("pad", "0"))
        rev = STATE["rev"] if q.get("rev") == "1" else None
        if rev is None:
            doc = cached(("ok", name, n, pad),
                         lambda: ok_feed(name, n, pad, None).encode())
        else:
            doc = ok_feed(name, n, pad, rev).encode()
        self.body(200, doc)

    def r_trunc(self, q):
        doc = (rss_open("truncated document") + new_item("trunc") +
               "<item><guid>trunc-cut</guid><title>cut here")
        self.body(200, doc)

    def r_garbage(self, q):
        doc = (rss_open("garbage after the root") + new_item("garbage") +
               RSS_CLOSE + "<rss><junk>trailing</junk>\n")
        self.body(200, doc)

    def r_html(self, q):
        self.body(200, "<!DOCTYPE html><html><head><title>Sign in</title>"
                  "</head><body><form action=/login><input name=user>"
                  "</form><p>Please sign in to continue.</p></body></html>\n",
                  ctype="text/html; charset=utf-8")

    def r_truncated(self, q):
        doc = (rss_open("cut by the server") + new_item("truncated") +
               rss_item(guid="truncated-2", title="second",
                        link="https://news.example/truncated/2")).encode()
        self.head(200, [("Content-Type", "application/rss+xml")],
                  length=len(doc) + 5000)
        self.out(doc)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def r_hugetext(self, q, mb_default=20, name="huge"):
        mb = int(q.get("mb", mb_default))

        def make():
            title = "A" * (mb * MiB)
            doc = rss("huge", [rss_item(guid="huge-1", title=title,
                                        link="https://news.example/huge/1"),
                               new_item(name)])
            return zlib.compress(doc.encode(), 9, 31)  # gzip wrapper

        data = cached(("huge", mb, name), make)
        self.body(200, data, headers=[("Content-Encoding", "gzip")])

    def r_hugefield(self, q):
        self.r_hugetext(q, 10, "hugefield")

    def r_many(self, q):
        n = int(q.get("n", "100000"))

        def make():
            items = ["<item><guid isPermaLink=\"false\">m%d</guid>"
                     "<title>many %d</title>"
                     "<pubDate>%s</pubDate></item>\n"
                     % (i, i, http_date(BASE_DATE - i * 60))
                     for i in range(n)]
            return rss("many", items).encode()

        self.body(200, cached(("many", n), make))

    def r_nul(self, q):
        doc = (rss_open("nul \x00 feed") +
               rss_item(guid="nul-1", title="before\x00after",
                        link="https://news.example/nul/1",
                        desc="c0: \x01\x02\x03\x07\x08\x0b\x0c\x0e\x1b\x1f "
                             "tab\tend") +
               rss_item(guid="nul-2", title="plain",
                        link="https://news.example/nul/2") + RSS_CLOSE)
        self.body(200, doc.encode())

    def bomb_wait(self):
        if not BOMBS.ready.wait(timeout=max(1, time_left())):
            raise ClientGone()

    def r_bomb_gz(self, q):
        self.bomb_wait()
        mb = int(q.get("mb", "1024"))
        self.body(200, cached(("gz", mb), lambda: BOMBS.gzip(mb)),
                  headers=[("Content-Encoding", "gzip")])

    def r_bomb_gz2(self, q):
        self.bomb_wait()
        mb = int(q.get("mb", "1024"))
        data = cached(("gz2", mb), lambda: zlib.compress(
            cached(("gz", mb), lambda: BOMBS.gzip(mb)), 9, 31))
        self.body(200, data, headers=[("Content-Encoding", "gzip, gzip")])

    def r_bomb_deflate(self, q):
        self.bomb_wait()
        mb = int(q.get("mb", "1024"))
        self.body(200, cached(("zlib", mb), lambda: BOMBS.zlib(mb)),
                  headers=[("Content-Encoding", "deflate")])

    def r_bomb_zst(self, q):
        self.bomb_wait()
        if BOMBS.zst is None:
            return self.body(404, "zstd(1) is not installed\n",
                             ctype="text/plain")
        mb = int(q.get("mb", "1024"))
        data = cached(("zst", mb), lambda: BOMBS.zst[0] + BOMBS.zst[1] * mb)
        self.body(200, data, headers=[("Content-Encoding", "zstd")])

    def r_bomb_br(self, q):
        self.body(404, "no brotli compressor in Python's standard library\n",
                  ctype="text/plain", headers=[("X-Skip", "brotli")])

    def r_bomb_gz_chunked(self, q):
        self.bomb_wait()
        mb = int(q.get("mb", "1024"))
        self.head(200, [("Content-Type", "application/rss+xml"),
                        ("Content-Encoding", "gzip")], chunked=True)
        for part in BOMBS.gzip_parts(mb):
            if time_left() < 0:
                self.why = "limit"
                break
            self.chunk(part)
        self.chunk_end()

    def stream_filler(self, total, chunked):
        step = 64 * 1024
        pad = b" " * step
        while total > 0:
            if time_left() < 0:
                self.why = "limit"
                self.close_connection = True
                return
            n = min(step, total)
            if chunked:
                self.chunk(pad[:n])
            else:
                self.out(pad[:n])
            total -= n

    def r_big_chunked(self, q):
        mb = int(q.get("mb", "1024"))
        prefix = (rss_open("big chunked") + new_item("bigchunked")).encode()
        self.head(200, [("Content-Type", "application/rss+xml")],
                  chunked=True)
        self.chunk(prefix)
        self.stream_filler(mb * MiB, True)
        self.chunk_end()

    def r_big_cl(self, q):
        mb = int(q.get("mb", "100"))
        prefix = (rss_open("big content-length") +
                  new_item("bigcl")).encode()
        total = mb * MiB
        self.head(200, [("Content-Type", "application/rss+xml")],
                  length=total)
        self.out(prefix)
        self.stream_filler(total - len(prefix) - len(RSS_CLOSE), False)
        self.out(RSS_CLOSE)

    def r_slow_body(self, q):
        every = float(q.get("every", "1.0"))
        prefix = (rss_open("slow body") + new_item("slowbody")).encode()
        self.head(200, [("Content-Type", "application/rss+xml")],
                  length=len(prefix) + 100000)
        self.out(prefix)
        for _ in range(100000):
            self.wait_client_gone(every)
            if time_left() < 0:
                self.why = "limit"
                break
            self.out(b" ")
        self.close_connection = True

    def r_drip(self, q):
        prefix = (rss_open("drip") + new_item("drip")).encode()
        self.head(200, [("Content-Type", "application/rss+xml")],
                  chunked=True)
        self.chunk(prefix)
        for _ in range(100000):
            self.wait_client_gone(0.25)
            if time_left() < 0:
                self.why = "limit"
                break
            self.chunk(b" " * 1024)
        self.close_connection = True

    def r_slow_headers(self, q):
        self.status = 200
        self.close_connection = True
        self.out(b"HTTP/1.1 200 OK\r\n")
        for i in range(100000):
            self.wait_client_gone(1.0)
            if time_left() < 0:
                self.why = "limit"
                break
            self.out(b"X-Slow-%d: %d\r\n" % (i, i))

    def r_hang(self, q):
        self.close_connection = True
        self.wait_client_gone(1e9)
        self.why = "limit"

    def r_slow_ok(self, q):
        secs = float(q.get("secs", "6"))
        n = int(q.get("n", "5"))
        doc = ok_feed("slowok", n, 0, None).encode()
        pieces = 10
        step = (len(doc) + pieces - 1) // pieces
        self.head(200, [("Content-Type", "application/rss+xml")],
                  length=len(doc))
        for i in range(pieces):
            self.out(doc[i * step:(i + 1) * step])
            if i < pieces - 1:
                self.wait_client_gone(secs / (pieces - 1))

    def r_loop(self, q):
        self.redirect(302, self.url("/loop"))

    def r_redir_file(self, q):
        self.redirect(302, "file:///etc/passwd")

    def r_redir_ftp(self, q):
        self.redirect(302, "ftp://127.0.0.1:%d/feed.xml" % STATE["sentinel"])

    def r_redir_gopher(self, q):
        self.redirect(302, "gopher://127.0.0.1:%d/1feed" % STATE["sentinel"])

    def r_redir_ok(self, q):
        self.redirect(301, self.url("/ok/moved"))

    def r_redir_308(self, q):
        self.redirect(308, self.url("/ok/moved308"))

    def r_redir_temp(self, q):
        self.redirect(302, self.url("/ok/temp"))

    def r_gone(self, q):
        self.body(410, "gone for good\n", ctype="text/plain")

    def r_404(self, q):
        self.body(404, "not here\n", ctype="text/plain")

    def r_500(self, q):
        self.body(500, "internal error\n", ctype="text/plain")

    def r_503(self, q):
        self.body(503, "busy\n", ctype="text/plain",
                  headers=[("Retry-After", q.get("ra", "120"))])

    def r_503_long(self, q):
        self.body(503, "busy for ten days\n", ctype="text/plain",
                  headers=[("Retry-After", "864000")])

    def r_429(self, q):
        ahead = int(q.get("ahead", "7200"))
        self.body(429, "slow down\n", ctype="text/plain",
                  headers=[("Retry-After", http_date(time.time() + ahead))])

    def r_feed_cond(self, q):
        etag = '"cond-v1"'
        lm = http_date(BASE_DATE)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        hdrs = [("ETag", etag), ("Last-Modified", lm)]
        if (inm is not None and etag in [t.strip() for t in inm.split(",")]) \
                or (inm is None and ims == lm):
            return self.not_modified(hdrs)
        self.body(200, ok_feed("cond", 5, 0, None), headers=hdrs)

    def not_modified(self, hdrs):
        self.status = 304
        self.send_response(304)
        for k, v in hdrs:
            self.send_header(k, v)
        self.end_headers()

    def r_feed_rev(self, q):
        time.sleep(float(q.get("delay", "0")))
        with LOCK:
            rev = STATE["rev"]
        n = int(q.get("n", "5")) + int(q.get("add", "2")) * rev
        etag = '"rev-%d"' % rev
        hdrs = [("ETag", etag), ("Last-Modified",
                                 http_date(BASE_DATE + rev * 3600))]
        inm = self.headers.get("If-None-Match")
        if inm is not None and etag in [t.strip() for t in inm.split(",")]:
            return self.not_modified(hdrs)
        self.body(200, ok_feed("rev", n, int(q.get("pad", "0")), None),
                  headers=hdrs)

    def r_churn(self, q):
        items = [rss_item(guid=str(uuid.uuid4()), title="churn item %d" % i,
                          link="https://news.example/churn/%d" % i,
                          desc="the same story, a new guid every time",
                          date=http_date(BASE_DATE - i * 3600))
                 for i in range(5)]
        self.body(200, rss("churn", items))

    def r_dupguid(self, q):
        items = [rss_item(guid="dup-1", title="first",
                          link="https://news.example/dup/1a"),
                 rss_item(guid="dup-1", title="second",
                          link="https://news.example/dup/1b"),
                 rss_item(guid="dup-2", title="other",
                          link="https://news.example/dup/2")]
        self.body(200, rss("dupguid", items))

    def r_escaped(self, q):
        # Atom text constructs (type "text" by default), as the XML has them
        titles = [("e-twice", "Iraq&amp;#039;s World Cup &amp;amp; more"),
                  ("e-hex", "Putin&amp;#x27;s regime"),
                  ("e-named", "Caf&amp;eacute; &amp;quot;Europa&amp;quot;"),
                  ("e-plain", "AT&amp;T &amp; Verizon 5% &amp;c"),
                  ("e-markup", "Use &lt;b&gt; and &amp;#039; in HTML"),
                  ("e-unknown", "Tom &amp;jerry; show")]
        # a text summary escaped twice keeps its lines
        summary = "Line one &amp;#039;s &amp;amp; more\nLine two"
        entries = "".join(
            "<entry><id>urn:x:%s</id><title>%s</title>"
            "<link href='https://news.example/esc/%s'/>%s"
            "<updated>2024-03-01T12:00:00Z</updated></entry>\n"
            % (g, t, g, "<summary>%s</summary>" % summary
               if g == "e-twice" else "") for g, t in titles)
        self.body(200, '<?xml version="1.0" encoding="utf-8"?>\n'
                  '<feed xmlns="http://www.w3.org/2005/Atom">'
                  "<title>escaped</title><id>urn:x:escaped</id>"
                  "<updated>2024-03-01T12:00:00Z</updated>\n%s</feed>\n"
                  % entries, ctype="application/atom+xml")

    def r_charset(self, q):
        # an ISO-8859-7 document (it says so) that the server calls UTF-8,
        # in 7-byte chunks: Greek letters are split across pushes
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "data", "enc", "greek-iso-8859-7.xml")
        with open(path, "rb") as f:
            doc = f.read()
        self.head(200, [("Content-Type",
                         "application/rss+xml; charset=utf-8")], chunked=True)
        for i in range(0, len(doc), 7):
            self.chunk(doc[i:i + 7])
        self.chunk_end()

    def r_dates(self, q):
        cases = [
            ("d-valid", "Fri, 01 Mar 2024 12:00:00 GMT"),
            ("d-offset-ok", "Fri, 01 Mar 2024 12:00:00 +0530"),
            ("d-future", "Thu, 01 Jan 2099 00:00:00 GMT"),
            ("d-1970", "Thu, 01 Jan 1970 00:00:00 GMT"),
            ("d-garbage", "yesterday"),
            ("d-offset-bad", "Tue, 10 Jun 2003 04:00:00 +2500"),
            ("d-missing", None),
        ]
        items = [rss_item(guid=g, title="dated %s" % g,
                          link="https://news.example/dates/%s" % g, date=d)
                 for g, d in cases]
        self.body(200, rss("dates", items))

    def r_dedup(self, name, q):
        track = "utm_source=%s&utm_medium=rss&fbclid=%s" % (name, name)
        items = [rss_item(guid="%s-shared" % name, title="The shared story",
                          link="https://News.Example:443/story?id=7&%s#top"
                          % track if name != "a" else
                          "https://news.example/story?id=7&utm_source=a",
                          desc="one article, two feeds"),
                 rss_item(guid="%s-own" % name, title="%s's own story" % name,
                          link="https://news.example/%s/own" % name)]
        self.body(200, rss("dedup %s" % name, items))


ROUTES = {
    "/trunc.xml": Handler.r_trunc,
    "/garbage.xml": Handler.r_garbage,
    "/html": Handler.r_html,
    "/truncated": Handler.r_truncated,
    "/hugetext": Handler.r_hugetext,
    "/hugefield": Handler.r_hugefield,
    "/many": Handler.r_many,
    "/nul": Handler.r_nul,
    "/bomb-gz": Handler.r_bomb_gz,
    "/bomb-gz2": Handler.r_bomb_gz2,
    "/bomb-br": Handler.r_bomb_br,
    "/bomb-zst": Handler.r_bomb_zst,
    "/bomb-deflate": Handler.r_bomb_deflate,
    "/bomb-gz-chunked": Handler.r_bomb_gz_chunked,
    "/big-chunked": Handler.r_big_chunked,
    "/big-cl": Handler.r_big_cl,
    "/slow-body": Handler.r_slow_body,
    "/drip": Handler.r_drip,
    "/slow-headers": Handler.r_slow_headers,
    "/hang": Handler.r_hang,
    "/slow-ok": Handler.r_slow_ok,
    "/loop": Handler.r_loop,
    "/redir-file": Handler.r_redir_file,
    "/redir-ftp": Handler.r_redir_ftp,
    "/redir-gopher": Handler.r_redir_gopher,
    "/redir-ok": Handler.r_redir_ok,
    "/redir-308": Handler.r_redir_308,
    "/redir-temp": Handler.r_redir_temp,
    "/gone": Handler.r_gone,
    "/404": Handler.r_404,
    "/500": Handler.r_500,
    "/503": Handler.r_503,
    "/503-long": Handler.r_503_long,
    "/429": Handler.r_429,
    "/feed-cond": Handler.r_feed_cond,
    "/feed-rev": Handler.r_feed_rev,
    "/churn": Handler.r_churn,
    "/dupguid": Handler.r_dupguid,
    "/dates": Handler.r_dates,
    "/escaped": Handler.r_escaped,
    "/charset": Handler.r_charset,
}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that hangs up between requests is routine here.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            log({"ev": "error", "error": repr(exc)})


# --- the side listeners ----------------------------------------------------

def sentinel_listener():
    """A listener that logs every connection and closes it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)

    def run():
        while True:
            try:
                c, addr = s.accept()
            except OSError:
                return
            log({"ev": "sentinel", "peer": "%s:%d" % addr})
            c.close()

    threading.Thread(target=run, daemon=True).start()
    return s, s.getsockname()[1]


def blackhole_listener():
    """A listener whose accept queue is full: connect() gets no SYN-ACK.

    listen(0) on Linux keeps an accept queue of one; connections are made
    (never accepted) until one of them no longer completes, so the next
    SYN to the port is dropped and a client's connect() hangs until its
    own timeout.  Returns (listener, clients, port), port 0 on failure.
    """
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    clients = []
    for _ in range(64):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        err = c.connect_ex(("127.0.0.1", port))
        clients.append(c)
        if err not in (0, errno.EINPROGRESS):
            return s, clients, 0
        _, w, _ = select.select([], [c], [], 0.3)
        if not w:
            return s, clients, port  # this one hangs: the queue is full
    return s, clients, 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", required=True, help="JSON-lines request log")
    ap.add_argument("--time-limit", type=float, default=300.0,
                    help="exit after this many seconds (default 300)")
    ap.add_argument("--no-blackhole", action="store_true")
    args = ap.parse_args()

    STATE["deadline"] = time.monotonic() + args.time_limit
    LOG["f"] = open(args.log, "a", encoding="ascii")

    def stop(signum, frame):
        with LOCK:
            if LOG["f"] is not None:
                LOG["f"].flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    timer = threading.Timer(args.time_limit, stop, (0, None))
    timer.daemon = True
    timer.start()

    srv = Server(("127.0.0.1", 0), Handler)
    STATE["port"] = srv.server_address[1]
    sen, STATE["sentinel"] = sentinel_listener()
    keep = [sen]
    bport = 0
    if not args.no_blackhole:
        bl, clients, bport = blackhole_listener()
        keep += [bl] + clients
    threading.Thread(target=BOMBS.build, daemon=True).start()

    print(STATE["port"])
    print("sentinel %d" % STATE["sentinel"])
    print("blackhole %d" % bport, flush=True)
    # "ready" only once the bombs are built: on a loaded machine a client
    # that asked for one earlier would wait past its own timeout.
    BOMBS.ready.wait(timeout=60)
    print("ready", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        for s in keep:
            s.close()


if __name__ == "__main__":
    sys.exit(main())
