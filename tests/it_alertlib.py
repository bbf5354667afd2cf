"""it_alertlib.py: what the plugin and alert tests (it_plugins.py,
it_webhook.py, it_exec.py) share on top of it_common.py: feeds with known
texts written as files, configurations with topics and plugins, heraldd
running in the foreground, `herald alerts --json`, and a webhook receiver
on 127.0.0.1 that fails on demand.  Not a test itself.
"""

import hashlib
import hmac
import http.server
import json
import os
import signal
import subprocess
import threading
import time
from xml.sax.saxutils import escape

import it_common as it

TOP = os.environ.get("top_builddir") or os.path.join(it.HERE, "..")
SRC = os.environ.get("top_srcdir") or os.path.join(it.HERE, "..")


def plugin_path(name):
    return os.path.abspath(os.path.join(TOP, "plugins", ".libs",
                                        name + ".so"))


def test_plugin_path(name):
    return os.path.abspath(os.path.join(TOP, "tests", ".libs", name + ".so"))


def herald_cli():
    p = os.environ.get("HERALD") or os.path.join(TOP, "cli", "herald")
    return p if os.access(p, os.X_OK) else None


def write_rss(path, title, items):
    """items: dicts with guid, title, link, desc (and optional date)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0"><channel>',
           "<title>%s</title><link>https://example.test/</link>"
           "<description>test feed</description>" % escape(title)]
    for i in items:
        out.append("<item><title>%s</title><link>%s</link>"
                   "<guid isPermaLink=\"false\">%s</guid>"
                   "<pubDate>%s</pubDate><description>%s</description>"
                   "</item>" % (escape(i["title"]), escape(i["link"]),
                                escape(i["guid"]),
                                i.get("date", "Sat, 28 Nov 2026 10:00:00 GMT"),
                                escape(i["desc"])))
    out.append("</channel></rss>")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    os.rename(tmp, path)


def write_config(h, name, feeds, topics, plugins, **herald):
    """feeds: [(name, path or URL)]; topics: [(name, match)] or (name,
    match, {key: value}); plugins: [(name, {key: value})] with path a
    plugin name or a path."""
    conf, db = h.write_config(name, [(n, p if "://" in p else "file://" + p)
                                     for n, p in feeds], **herald)
    lines = []
    for t in topics:
        lines += ["", '[topic "%s"]' % t[0], "match = %s" % t[1]]
        if len(t) > 2:
            lines += ["%s = %s" % kv for kv in t[2].items()]
    for pname, keys in plugins:
        lines += ["", '[plugin "%s"]' % pname]
        keys = dict(keys)
        path = keys.pop("path", pname)
        if "/" not in path:
            path = plugin_path(path)
        lines.append("path = %s" % path)
        lines += ["%s = %s" % kv for kv in keys.items()]
    with open(conf, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return conf, db


def read_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out


def alerts_json(h, conf, *args):
    cli = herald_cli()
    r = subprocess.run([cli, "alerts", "-c", conf, "--json", "--limit", "0"]
                       + list(args), capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0:
        h.note("herald alerts failed: %s" % r.stderr.strip())
        return None
    doc = json.loads(r.stdout)
    return doc.get("alerts", doc.get("plugins"))


def wait_until(fn, timeout, step=0.1):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


class Daemon:
    """heraldd -f -v over conf, its log in a file; killed at cleanup.
    prefix: a command it runs under (["faketime", ...]).  faketime forks
    heraldd and waits for it without passing signals on, so a prefixed
    daemon gets a process group of its own, and signals go to the group."""

    def __init__(self, h, conf, tag="heraldd", env=None, prefix=()):
        self.h = h
        self.group = bool(prefix)
        self.log = h.path(tag + ".log")
        self.f = open(self.log, "a")
        self.p = subprocess.Popen(list(prefix) +
                                  [h.heraldd, "-c", conf, "-f", "-v", "-v"],
                                  stdout=self.f, stderr=self.f,
                                  stdin=subprocess.DEVNULL,
                                  env=it.clean_env(env),
                                  start_new_session=self.group)
        h.procs.append(self.p)
        if self.group:
            h.cleanups.append(lambda: self.killgroup(signal.SIGKILL))

    def killgroup(self, sig):
        try:
            os.killpg(self.p.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def send(self, sig):
        if self.group:
            self.killgroup(sig)
        elif self.p.poll() is None:
            self.p.send_signal(sig)

    def wait_log(self, needle, timeout):
        return wait_until(lambda: needle in self.text(), timeout)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        self.send(sig)
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(timeout=5)
        if self.group:
            # the prefix may be gone before heraldd: wait for the group
            if not wait_until(lambda: not self.killgroup(0), timeout):
                self.killgroup(signal.SIGKILL)
                wait_until(lambda: not self.killgroup(0), 5)
        if self.p in self.h.procs:
            self.h.procs.remove(self.p)
        self.f.close()
        return self.p.returncode


class Receiver:
    """A webhook endpoint on 127.0.0.1.  For each alert key it answers
    503 with Retry-After: 1 (retry_after: another value, None: none) until
    the key has failed `fail_first` times (fail_all: every time), then
    200, each answer `delay` seconds after the request.  Records every
    request."""

    def __init__(self, secret=None):
        self.secret = secret
        self.lock = threading.Lock()
        self.requests = []      # dicts: t, key, ids, status, sig_ok, body
        self.failures = {}
        self.fail_first = 0
        self.fail_all = False
        self.status_for_path = {}
        self.delay = 0
        self.retry_after = "1"
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                recv.handle(self, body)

            do_PUT = do_POST

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def handle(self, req, body):
        key = req.headers.get("Idempotency-Key")
        ids = req.headers.get("X-Herald-Alert-Ids", "")
        sig = req.headers.get("X-Herald-Signature-256")
        sig_ok = None
        if self.secret is not None:
            want = "sha256=" + hmac.new(self.secret.encode(), body,
                                        hashlib.sha256).hexdigest()
            sig_ok = sig == want
        with self.lock:
            path = req.path
            if path in self.status_for_path:
                status = self.status_for_path[path]
            elif self.fail_all or self.failures.get(key, 0) < self.fail_first:
                self.failures[key] = self.failures.get(key, 0) + 1
                status = 503
            else:
                status = 200
            self.requests.append({"t": time.time(), "key": key, "ids": ids,
                                  "status": status, "sig_ok": sig_ok,
                                  "path": path, "body": body.decode()})
        if self.delay:
            time.sleep(self.delay)
        payload = b"ok" if status == 200 else b"try later"
        req.send_response(status)
        if status == 503 and self.retry_after is not None:
            req.send_header("Retry-After", self.retry_after)
        req.send_header("Content-Length", str(len(payload)))
        req.end_headers()
        req.wfile.write(payload)

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def known_feeds(h):
    """Two feeds with known texts.  The Russia article is in both (same
    link, other GUIDs): it must give one alert per topic."""
    a = h.path("feed-a.xml")
    b = h.path("feed-b.xml")
    write_rss(a, "Feed A", [
        {"guid": "a1", "title": "Council agrees sanctions against Russia",
         "link": "https://news.test/russia-sanctions",
         "desc": "EU ambassadors agreed on the package against the Kremlin."},
        {"guid": "a2", "title": "Commission opens probe under the Digital "
         "Markets Act", "link": "https://news.test/dma-probe",
         "desc": "Gatekeepers must open their platforms."},
        {"guid": "a3", "title": "Weather in Brussels",
         "link": "https://news.test/weather",
         "desc": "Rain, then more rain."},
    ])
    write_rss(b, "Feed B", [
        {"guid": "b1", "title": "Council agrees sanctions against Russia",
         "link": "https://news.test/russia-sanctions",
         "desc": "EU ambassadors agreed on the package against the Kremlin."},
        {"guid": "b2", "title": "Trade talks with China resume",
         "link": "https://news.test/china-trade",
         "desc": "Beijing and Brussels meet again."},
    ])
    return [("feed-a", a), ("feed-b", b)]


KNOWN_TOPICS = [("russia", "russia OR kremlin"),
                ("digital", '"digital markets act" OR dma'),
                ("china", "china OR beijing"),
                ("climate", "climate")]

# (topic, link) of every alert the known feeds give.
KNOWN_ALERTS = {("russia", "https://news.test/russia-sanctions"),
                ("digital", "https://news.test/dma-probe"),
                ("china", "https://news.test/china-trade")}
