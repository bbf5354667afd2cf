#!/usr/bin/env python3
"""it_digest.py: [digest] sections run by heraldd (issue 10).

1. Daylight saving time in Europe/Brussels, under libfaketime: heraldd
   fetches at 00:50 UTC on the day the clocks go forward (and back), then
   runs from just before 01:30 UTC (00:30 in October).  The 02:30 digest of
   the spring day, a time that does not exist, goes at 03:30 CEST; the
   autumn one at the first 02:30 and not again at the second; each covers
   its real period (23 and 24 hours), with every story once under each of
   its topics; the next slots are the right instants.
2. A slot missed while heraldd was down: the next start sends one digest
   from the last one to the last slot passed, by mail into a Maildir; the
   message parses back with Python's email package (multipart/alternative,
   text and HTML, an encoded Subject, Date, Message-ID from the key, no
   header line over 998 octets); a start right after sends nothing again.
   At a slot, heraldd decides and arms by one clock: with time() 50 ms
   behind ev_time() (tests/coarsetime.so), -v says "next at" once.
3. A restart between a digest's assembly and its delivery: `herald digest
   --send` queues it, the webhook answers 503, heraldd is killed with
   SIGKILL; started again it delivers the queued digest, once by its key,
   and the jsonl plugin (delivered before the kill) gets no second line;
   the next digest starts where that one ended.
4. SMTP: the mail plugin sends through herald-smtp to a server on
   127.0.0.1 that offers STARTTLS, with the login from a netrc file;
   the login comes only after TLS; a server without STARTTLS gets nothing
   and the delivery is dead; a netrc file others can read is refused.
5. A plugin built for ABI 1.0 (tests/abi-1.0, the old header) loads and
   delivers alerts; a digest queued for its name before (a build that
   took digests) is given up at max-age; a [digest] that names it is a
   configuration error.
6. The HTML digest in headless Chromium (Debian's chromium; skipped with a
   message when absent): --dump-dom holds every story and topic, no
   script, no remote asset, even for a title that is a script.
7. Stories: two outlets' articles of one story (other links, other words)
   are one story of the digest, listed once with both outlets; each item
   carries the story herald stories shows.
"""

import base64
import calendar
import email
import email.utils
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

FAKETIME = it.FAKETIME_LIB
CHROMIUM = shutil.which("chromium")


def utc(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M"))


def count_items(db):
    try:
        with sqlite3.connect("file:%s?mode=ro" % db, uri=True) as c:
            return c.execute("SELECT count(*) FROM items").fetchone()[0]
    except sqlite3.Error:
        return 0


def digest_lines(path):
    return [d for d in al.read_jsonl(path) if "key" in d and "topics" in d]


def story_check(h, d, what):
    """Each story once under each topic; the Russia article (both feeds)
    is one story with two outlets."""
    ok = True
    for t in d["topics"]:
        ids = [s["id"] for s in t["stories"]]
        ok = ok and len(ids) == len(set(ids))
    got = {t["topic"]: sorted(s["title"] for s in t["stories"])
           for t in d["topics"]}
    want = {"russia": ["Council agrees sanctions against Russia"],
            "digital": ["Commission opens probe under the Digital Markets "
                        "Act"],
            "china": ["Trade talks with China resume"]}
    h.check(ok and got == want, what + ": every story once under each of "
            "its topics", got)
    russia = [s for t in d["topics"] if t["topic"] == "russia"
              for s in t["stories"]]
    h.check(len(russia) == 1 and russia[0]["outlets"] == ["Feed A", "Feed B"],
            what + ": the article of both feeds is one story, two outlets",
            russia)


def Heraldd(h, conf, tag, at=None, env=None):
    """heraldd in the foreground, under libfaketime when `at` is given."""
    if at is not None:
        env = dict(env or {}, **it.faketime_env(at))
    return al.Daemon(h, conf, tag, env=env)


def once(h, conf, at):
    """heraldd --once (under libfaketime at `at`), in a process group of
    its own: a timeout kills the group, heraldd with it."""
    argv = [h.heraldd, "-c", conf, "--once", "-v", "-v"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True,
                         env=it.clean_env(it.faketime_env("@" + at)
                                          if at is not None else None),
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        err += "\n(killed after 120 s)"
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


def far_slot():
    """A digest time twelve hours away in UTC: heraldd's own schedule
    never fires while a part that sends with --send runs."""
    return {"at": time.strftime("%H:%M", time.gmtime(time.time() + 43200)),
            "timezone": "UTC"}


def digest_conf(h, name, plugins, digests):
    feeds = al.known_feeds(h)
    conf, db = al.write_config(h, name, feeds, al.KNOWN_TOPICS, plugins)
    lines = []
    for dname, keys in digests:
        lines += ["", '[digest "%s"]' % dname]
        lines += ["%s = %s" % kv for kv in keys.items()]
    with open(conf, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    h.check_config(conf)
    return conf, db


# ---- 1. daylight saving time ----

def dst(h, season, fetch_at, run_at, slot, key, nexts):
    out = h.path("dst-%s.jsonl" % season)
    conf, db = digest_conf(h, "dst-" + season, [
        ("jsonl", {"file": out})], [
        ("night", {"at": "02:30", "timezone": "Europe/Brussels",
                   "plugins": "jsonl"}),
        ("morning", {"at": "07:30", "timezone": "Europe/Brussels",
                     "plugins": "jsonl"})])
    if season == "spring":
        r = subprocess.run([h.heraldd, "-n", "-c", conf],
                           capture_output=True, text=True, timeout=30)
        h.check(r.returncode == 0 and r.stdout.endswith(
            ": configuration ok (2 feeds, 4 topics, 1 plugin, 2 digests)\n"),
            "heraldd -n counts the [digest] sections", r.stdout + r.stderr)
    r = once(h, conf, fetch_at)
    h.check(r.returncode == 0 and "digest night: starts from" in r.stderr,
            "%s: a first run fetches and starts the watermarks" % season,
            it.tail(r.stderr))
    d = Heraldd(h, conf, "dst-" + season, at="@%s x5" % run_at)
    ok = d.wait_log("digest night delivered", 30)
    d.stop()
    h.check(ok, "%s: the 02:30 digest goes out at its slot" % season,
            it.tail(d.text()))
    lines = digest_lines(out)
    h.check([x["key"] for x in lines] == [key],
            "%s: one digest, %s" % (season, key), [x["key"] for x in lines])
    if lines:
        story_check(h, lines[0], season)
    for name, when in nexts:
        h.check("digest %s: next at %s" % (name, time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))) in d.text(),
                "%s: digest %s is next due at %s" % (season, name,
                time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))),
                [line for line in d.text().splitlines()
                 if "next at" in line])
    h.check(slot in d.text(), "%s: it was sent at %s" % (season, slot))


# ---- 2. a slot missed while heraldd was down ----

def missed(h):
    maildir = h.path("Maildir")
    out = h.path("missed.jsonl")
    conf, db = digest_conf(h, "missed", [
        ("mail", {"to": "desk@example.org, Me <me@example.org>",
                  "from": "herald <herald@example.org>",
                  "maildir": maildir, "topics": "climate"}),
        ("jsonl", {"file": out})], [
        ("morning", {"at": "07:30", "timezone": "Europe/Brussels",
                     "days": "mon-fri", "plugins": "mail jsonl"})])
    r = once(h, conf, "2026-11-26 10:00:00")
    h.check(r.returncode == 0, "missed: the first run (Thursday)",
            it.tail(r.stderr))
    # down from Thursday 10:00 UTC to Monday 12:00: Friday's and Monday's
    # 07:30 passed; one digest covers both
    r = once(h, conf, "2026-11-30 12:00:00")
    h.check("passed while heraldd was down" in r.stderr,
            "missed: the restart sees the slot it missed", it.tail(r.stderr))
    key = "morning/2026-11-26T06:30:00Z/2026-11-30T06:30:00Z"
    lines = digest_lines(out)
    h.check([x["key"] for x in lines] == [key],
            "missed: one digest from the last one to Monday's slot",
            [x["key"] for x in lines])
    if lines:
        story_check(h, lines[0], "missed")
    r = once(h, conf, "2026-11-30 12:00:30")
    h.check(len(digest_lines(out)) == 1, "missed: a start right after "
            "sends nothing again", it.tail(r.stderr))

    msgs = [os.path.join(maildir, "new", f)
            for f in sorted(os.listdir(os.path.join(maildir, "new")))]
    digests = []
    for p in msgs:
        with open(p, "rb") as f:
            raw = f.read()
        m = email.message_from_bytes(raw, policy=email.policy.default)
        if m["X-Herald-Digest-Key"] is not None:
            digests.append((raw, m))
    h.check(len(digests) == 1, "missed: one digest mail in the Maildir",
            len(digests))
    if not digests:
        return
    raw, m = digests[0]
    head = raw.split(b"\n\n", 1)[0]
    h.check(max(len(x) for x in raw.split(b"\n")) <= 998,
            "mail: no line over 998 octets")
    subj = re.search(rb"^Subject:.*?\n(?! )", head + b"\n", re.M | re.S)
    h.check(subj is not None and max(len(x) for x in
                                     subj.group(0).split(b"\n")) <= 78,
            "mail: the Subject folded at 78", subj and subj.group(0))
    h.check(re.search(rb"^Subject: =\?UTF-8\?B\?", head, re.M) is not None,
            "mail: the Subject is RFC 2047 encoded", head[:300])
    subj = str(m["Subject"])
    h.check(subj == "herald morning digest · Mon 30 Nov · 3 stories: "
            "russia, china, digital" or (subj.startswith(
                "herald morning digest · Mon 30 Nov · 3 stories: ") and
                sorted(subj.split(": ", 1)[1].split(", ")) ==
                ["china", "digital", "russia"]),
            "mail: the Subject decodes to the digest's", subj)
    h.check(m.get_content_type() == "multipart/alternative" and
            [p.get_content_type() for p in m.iter_parts()] ==
            ["text/plain", "text/html"],
            "mail: multipart/alternative, text/plain then text/html",
            [p.get_content_type() for p in m.iter_parts()])
    h.check(m["X-Herald-Digest-Key"] == key and m["Message-ID"] ==
            "<herald.digest.morning.20261126T063000Z.20261130T063000Z"
            ".mail@%s>" % socket.gethostname(),
            "mail: the Message-ID is made from the key",
            (m["Message-ID"], m["X-Herald-Digest-Key"]))
    h.check(m["Date"] is not None and m["Date"].datetime is not None and
            m["To"].addresses[1].addr_spec == "me@example.org",
            "mail: Date and To parse", (m["Date"], m["To"]))
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content()
    h.check("Council agrees sanctions against Russia" in text and
            "Feed A, Feed B" in text and "━━ russia" in text,
            "mail: the text part has the stories", text[:400])
    h.check("<script" not in html and "Commission opens probe under the "
            "Digital Markets Act" in html, "mail: the HTML part",
            html[:200])


# ---- 2b. one clock at the slot ----

def one_clock(h):
    """At a slot, heraldd decides and arms by one clock.  time() runs a
    few milliseconds behind libev's ev_time() (glibc reads the kernel's
    coarse clock); when the timer fired by ev_time() and the slot was
    looked for by time(), no slot had passed yet, the timer was armed at
    0 s, and -v logged "next at" the same slot some 300 times until time()
    caught up (review7 D17).  libfaketime alone cannot show it: its time()
    is its clock_gettime(); tests/coarsetime.so, preloaded before it, puts
    time() 50 ms behind."""
    shim = al.test_plugin_path("coarsetime")
    if not os.path.exists(shim):
        h.check(False, "one clock: tests/.libs/coarsetime.so is built "
                "(make check builds it)")
        return
    out = h.path("clock.jsonl")
    conf, db = digest_conf(h, "clock", [("jsonl", {"file": out})], [
        ("tick", {"at": "00:00", "timezone": "UTC", "plugins": "jsonl"})])
    env = it.faketime_env("@2026-12-09 23:59:56")
    env["LD_PRELOAD"] = shim + ":" + env["LD_PRELOAD"]
    d = Heraldd(h, conf, "clock", env=env)
    ok = d.wait_log("digest tick delivered", 30)
    d.stop()
    h.check(ok, "one clock: the 00:00 digest goes out", it.tail(d.text()))
    nexts = [line for line in d.text().splitlines()
             if "digest tick: next at" in line]
    h.check(len(nexts) == 2 and
            nexts[0].endswith("next at 2026-12-10T00:00:00Z") and
            nexts[1].endswith("next at 2026-12-11T00:00:00Z"),
            "one clock: -v says the next slot once at start and once after "
            "the slot, not once a loop until time() catches up",
            "%d lines: %s" % (len(nexts), nexts[:3] + ["..."] + nexts[-2:]))
    h.check([x["key"] for x in digest_lines(out)] ==
            ["tick/2026-12-09T00:00:00Z/2026-12-10T00:00:00Z"],
            "one clock: one digest, of the day to the slot",
            [x["key"] for x in digest_lines(out)])


# ---- 3. a restart between assembly and delivery ----

def send(h, conf, sock, name):
    return subprocess.run([al.herald_cli(), "digest", "--send", name, "-s",
                           sock, "-c", conf], capture_output=True, text=True,
                          timeout=30)


def restart(h):
    recv = al.Receiver()
    h.cleanups.append(recv.close)
    recv.fail_all = True
    out = h.path("restart.jsonl")
    rundir = h.path("run")
    os.mkdir(rundir)
    sock = os.path.join(rundir, "heraldd.sock")
    env = {"RUNTIME_DIRECTORY": rundir}
    conf, db = digest_conf(h, "restart", [
        ("hook", {"path": "webhook", "url": recv.url("/hook"),
                  "timeout": "5s", "topics": "climate"}),
        ("jsonl", {"file": out})], [
        ("now", dict(far_slot(), plugins="hook jsonl"))])
    d = Heraldd(h, conf, "restart1", env=env)
    h.check(d.wait_log("started:", 15) and al.wait_until(
        lambda: os.path.exists(sock), 10), "restart: heraldd runs",
        it.tail(d.text()))
    d.p.send_signal(signal.SIGUSR1)
    al.wait_until(lambda: count_items(db) >= 4, 15)
    r = send(h, conf, sock, "now")
    h.check(r.returncode == 0 and "digest now queued" in r.stdout,
            "restart: herald digest --send queues it", r.stdout + r.stderr)

    def hook(status=None):
        return [q for q in recv.snapshot() if q["path"] == "/hook" and
                (status is None or q["status"] == status)]
    al.wait_until(lambda: len(hook()) >= 1 and digest_lines(out), 15)
    d.stop(signal.SIGKILL)
    first = digest_lines(out)
    h.check(len(first) == 1 and len(hook()) >= 1,
            "restart: killed with the webhook's delivery pending",
            (len(first), len(hook())))
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT b.plugin, b.state FROM digest_outbox b"
                         " ORDER BY b.plugin").fetchall()
    h.check(rows == [("hook", "pending"), ("jsonl", "sent")],
            "restart: the outbox holds it", rows)
    with recv.lock:
        recv.fail_all = False
    d = Heraldd(h, conf, "restart2", env=env)
    ok = al.wait_until(lambda: hook(200), 30)
    h.check(ok, "restart: delivered after the restart", it.tail(d.text()))
    time.sleep(1)
    key = first[0]["key"] if first else None
    keys200 = [q["key"] for q in hook(200)]
    h.check(keys200 == [key], "restart: the webhook accepted it once, by "
            "its key", (keys200, key))
    h.check(len(digest_lines(out)) == 1, "restart: the jsonl plugin got "
            "no second line")
    if hook(200):
        body = json.loads(hook(200)[0]["body"])
        h.check(body["key"] == key, "restart: the webhook got the digest "
                "as herald's JSON", body.get("key"))
    # the next one starts where that one ended
    time.sleep(1.1)
    r = send(h, conf, sock, "now")
    al.wait_until(lambda: len(digest_lines(out)) == 2, 15)
    lines = digest_lines(out)
    h.check(len(lines) == 2 and lines[1]["since"] == lines[0]["until"],
            "restart: the next digest starts at the last one's end: no gap, "
            "no overlap", [(x["since"], x["until"]) for x in lines])
    with sqlite3.connect(db) as c:
        n = c.execute("SELECT count(*) FROM digest_runs").fetchone()[0]
    h.check(n == 2, "restart: two runs in the store", n)
    r = subprocess.run([al.herald_cli(), "digest", "--list", "--json", "-c",
                        conf], capture_output=True, text=True, timeout=30)
    states = sorted((x["plugin"], x["state"]) for x in
                    json.loads(r.stdout)["digests"]) if r.returncode == 0 \
        else None
    h.check(states is not None and ("hook", "sent") in states,
            "restart: herald digest --list shows the deliveries", states)
    r = subprocess.run([al.herald_cli(), "digest", "--list", "-c", conf],
                       capture_output=True, text=True, timeout=30,
                       env=dict(it.clean_env(), TZ="UTC"))
    rows = r.stdout.splitlines()
    h.check(r.returncode == 0 and len(rows) == 5 and
            all(len(x) <= 80 for x in rows) and all(re.search(
                r" \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? to "
                r"(\d{4}-\d\d-\d\d )?\d\d:\d\d(:\d\d)? UTC +\w+ +"
                r"(sent|pending|dead) ", x)
                for x in rows[1:]),
            "restart: herald digest --list in 80 columns, each period whole",
            r.stdout)
    d.stop()
    return conf


# ---- 4. SMTP with STARTTLS and a login ----

class SmtpSink:
    """A small SMTP server on 127.0.0.1: EHLO, STARTTLS (when offered),
    AUTH PLAIN and LOGIN (only after TLS), MAIL, RCPT, DATA, QUIT."""

    def __init__(self, certfile, keyfile, user, password, starttls=True):
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.user, self.password = user, password
        self.starttls = starttls
        self.sessions = []
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.srv.settimeout(0.5)
        self.port = self.srv.getsockname()[1]
        self.stop_ = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def close(self):
        self.stop_ = True
        self.t.join(5)
        self.srv.close()

    def loop(self):
        while not self.stop_:
            try:
                c, _ = self.srv.accept()
            except socket.timeout:
                continue
            c.settimeout(10)
            s = {"tls": False, "auth": None, "from": None, "rcpt": [],
                 "data": None, "events": []}
            self.sessions.append(s)
            try:
                self.session(c, s)
            except (OSError, ssl.SSLError) as e:
                s["events"].append("error %r" % (e,))
            finally:
                c.close()

    def session(self, c, s):
        f = c.makefile("rb")

        def say(line):
            c.sendall(line.encode() + b"\r\n")
        say("220 sink ESMTP")
        while True:
            line = f.readline()
            if not line:
                return
            cmd = line.decode().strip()
            up = cmd.upper()
            s["events"].append(cmd.split(" ")[0].upper())
            if up.startswith("EHLO"):
                caps = ["250-sink"]
                if self.starttls and not s["tls"]:
                    caps.append("250-STARTTLS")
                if s["tls"]:
                    caps.append("250-AUTH PLAIN LOGIN")
                caps.append("250 8BITMIME")
                c.sendall(("\r\n".join(caps) + "\r\n").encode())
            elif up == "STARTTLS" and self.starttls:
                say("220 go ahead")
                c = self.ctx.wrap_socket(c, server_side=True)
                f = c.makefile("rb")
                s["tls"] = True
            elif up.startswith("AUTH PLAIN") and s["tls"]:
                arg = cmd.split(" ", 2)[2] if cmd.count(" ") >= 2 else None
                if arg is None:
                    say("334 ")
                    arg = f.readline().decode().strip()
                parts = base64.b64decode(arg).split(b"\0")
                if parts[1:] == [self.user.encode(), self.password.encode()]:
                    s["auth"] = parts[1].decode()
                    say("235 ok")
                else:
                    say("535 no")
            elif up.startswith("AUTH LOGIN") and s["tls"]:
                say("334 VXNlcm5hbWU6")
                u = base64.b64decode(f.readline().strip()).decode()
                say("334 UGFzc3dvcmQ6")
                p = base64.b64decode(f.readline().strip()).decode()
                if (u, p) == (self.user, self.password):
                    s["auth"] = u
                    say("235 ok")
                else:
                    say("535 no")
            elif up.startswith("MAIL FROM:"):
                if s["auth"] is None:
                    say("530 authenticate first")
                    continue
                s["from"] = cmd[10:].strip()
                say("250 ok")
            elif up.startswith("RCPT TO:"):
                s["rcpt"].append(cmd[8:].strip())
                say("250 ok")
            elif up == "DATA":
                say("354 go")
                data = []
                while True:
                    ln = f.readline()
                    if ln in (b".\r\n", b".\n", b""):
                        break
                    if ln.startswith(b".."):
                        ln = ln[1:]
                    data.append(ln)
                s["data"] = b"".join(data)
                say("250 queued")
            elif up == "QUIT":
                say("221 bye")
                return
            else:
                say("502 no")


def smtp(h):
    key, cert = h.path("key.pem"), h.path("cert.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        h.note("SKIP part: openssl req failed: " + r.stderr.strip())
        return
    good = SmtpSink(cert, key, "herald", "pa ss:word")
    plain = SmtpSink(cert, key, "herald", "pa ss:word", starttls=False)
    h.cleanups.append(good.close)
    h.cleanups.append(plain.close)
    netrc = h.path("smtp.netrc")
    with open(netrc, "w") as f:
        f.write('machine 127.0.0.1 login herald password "pa ss:word"\n')
    os.chmod(netrc, 0o600)
    helper = os.path.join(al.TOP, "plugins", "herald-smtp")
    rundir = h.path("run-smtp")
    os.mkdir(rundir)
    sock = os.path.join(rundir, "heraldd.sock")
    common = {"path": "mail", "to": "me@example.org",
              "from": "herald <herald@example.org>",
              "smtp-auth-file": netrc, "smtp-ca": cert,
              "smtp-helper": helper, "timeout": "10s", "topics": "climate"}
    conf, db = digest_conf(h, "smtp", [
        ("mail", dict(common, smtp="smtp://127.0.0.1:%d" % good.port)),
        ("cleartext", dict(common, smtp="smtp://127.0.0.1:%d" %
                           plain.port))], [
        ("now", dict(far_slot(), plugins="mail cleartext"))])
    d = Heraldd(h, conf, "smtp", env={"RUNTIME_DIRECTORY": rundir})
    h.check(d.wait_log("started:", 15) and al.wait_until(
        lambda: os.path.exists(sock), 10), "smtp: heraldd runs",
        it.tail(d.text()))
    d.p.send_signal(signal.SIGUSR1)
    al.wait_until(lambda: count_items(db) >= 4, 15)
    send(h, conf, sock, "now")
    ok = al.wait_until(lambda: any(s["data"] for s in good.sessions) and
                       "digest now failed" in d.text(), 30)
    d.stop()
    s = [x for x in good.sessions if x["data"]]
    h.check(ok and len(s) == 1, "smtp: the digest went out by SMTP",
            it.tail(d.text()))
    if s:
        ev = s[0]["events"]
        h.check(s[0]["tls"] and ev.index("STARTTLS") < ev.index("AUTH"),
                "smtp: STARTTLS before the login", ev)
        h.check(s[0]["auth"] == "herald" and s[0]["from"] ==
                "<herald@example.org>" and s[0]["rcpt"] ==
                ["<me@example.org>"], "smtp: the login from the netrc "
                "file, the envelope from the plugin's from and to",
                (s[0]["auth"], s[0]["from"], s[0]["rcpt"]))
        m = email.message_from_bytes(s[0]["data"],
                                     policy=email.policy.default)
        h.check(m.get_content_type() == "multipart/alternative" and
                str(m["Subject"]).startswith("herald now digest") and
                b"\r\n" in s[0]["data"] and b"\n" not in
                s[0]["data"].replace(b"\r\n", b""),
                "smtp: the message arrives whole, CRLF line ends",
                m["Subject"])
    h.check(all(x["from"] is None and x["auth"] is None
                for x in plain.sessions) and plain.sessions,
            "smtp: a server without STARTTLS gets no login and no mail",
            [x["events"] for x in plain.sessions])
    with sqlite3.connect(db) as c:
        dead = c.execute("SELECT state, last_error FROM digest_outbox WHERE"
                         " plugin = 'cleartext'").fetchall()
    h.check(len(dead) == 1 and dead[0][0] == "dead",
            "smtp: that delivery is given up, not retried", dead)
    os.chmod(netrc, 0o644)
    r = subprocess.run([h.heraldd, "-n", "-c", conf], capture_output=True,
                       text=True, timeout=30)
    h.check(r.returncode != 0 and "smtp-auth-file: " + netrc +
            " must belong to heraldd's user and be readable by it alone"
            in r.stderr, "smtp: a netrc file others can read is a "
            "configuration error", r.stderr)


# ---- 5. a plugin built for ABI 1.0 ----

def old_abi(h):
    so = al.test_plugin_path("oldabi")
    if not os.path.exists(so):
        h.note("SKIP part: tests/.libs/oldabi.so is not built")
        return
    keys = h.path("old.keys")
    conf, db = digest_conf(h, "oldabi", [("old", {"path": so,
                                                   "file": keys})], [])
    r = once(h, conf, None)
    with open(keys) as f:
        got = f.read().split()
    h.check(r.returncode == 0 and len(got) == len(al.KNOWN_ALERTS),
            "ABI 1.0: the old plugin loads and gets every alert",
            (r.returncode, got, it.tail(r.stderr)))
    # a digest queued for "old" while it was a build that takes digests,
    # two days ago: the 1.0 build gives it up at max-age (one day), not
    # never
    with sqlite3.connect(db) as c:
        made = int(time.time()) - 2 * 86400
        run = c.execute("INSERT INTO digest_runs (name, since, until,"
                        " payload, created) VALUES ('gone', ?, ?, '{}', ?)",
                        (made - 86400, made, made)).lastrowid
        c.execute("INSERT INTO digest_outbox (run_id, plugin, next_attempt,"
                  " created) VALUES (?, 'old', ?, ?)", (run, made, made))
    c.close()
    r = once(h, conf, None)
    with sqlite3.connect("file:%s?mode=ro" % db, uri=True) as c:
        row = c.execute("SELECT state, last_error FROM digest_outbox"
                        " WHERE run_id = ?", (run,)).fetchone()
    c.close()
    h.check(r.returncode == 0 and row is not None and row[0] == "dead" and
            "expired" in (row[1] or "") and "1 digest older than max-age"
            in r.stderr, "ABI 1.0: a digest queued before the plugin was "
            "reloaded as a 1.0 build is given up at max-age",
            (r.returncode, row, it.tail(r.stderr)))
    with open(conf, "a") as f:
        f.write('\n[digest "d"]\nat = 07:00\nplugins = old\n')
    r = subprocess.run([h.heraldd, "-n", "-c", conf], capture_output=True,
                       text=True, timeout=30)
    h.check(r.returncode == 1 and 'plugins: [digest "d"]: plugin "old" (%s)'
            ' takes no digests' % so in r.stderr, "ABI 1.0: a digest for "
            "it is refused", r.stderr)


# ---- 6. the HTML in a real browser ----

def browser(h, conf):
    if CHROMIUM is None:
        print("# SKIP part: no chromium (apt-get install chromium; "
              "scripts/quickstart test installs it)", flush=True)
        return
    page = h.path("digest.html")
    r = subprocess.run([al.herald_cli(), "digest", "--format", "html",
                        "--since", "2d", "-c", conf], capture_output=True,
                       text=True, timeout=30)
    with open(page, "w", encoding="utf-8") as f:
        f.write(r.stdout)
    prof = h.path("chromium-profile")
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox",
                        "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + prof, "--dump-dom",
                        "file://" + page], capture_output=True, text=True,
                       timeout=120)
    dom = r.stdout
    h.check(r.returncode == 0 and "</html>" in dom,
            "chromium loads the HTML digest", r.stderr[-500:])
    titles = ["Council agrees sanctions against Russia",
              "Commission opens probe under the Digital Markets Act",
              "Trade talks with China resume",
              "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more climate"]
    h.check(all(t in dom for t in titles) and
            all('class="tp"' in dom and ">%s</h2>" % t in dom
                for t in ("russia", "digital", "china", "climate")),
            "chromium: every story and topic is in the DOM",
            [t for t in titles if t not in dom])
    h.check("<script" not in dom.lower(), "chromium: no script element")
    h.check(re.search(r'\bsrc\s*=|<link\b|url\(|@import', dom, re.I) is
            None, "chromium: no remote asset (src, link, url(), @import)")


# ---- 7. stories: one story told by two outlets ----

def stories(h):
    """Two outlets' articles of one story (other links, other words) and
    another story: the digest lists the first once, its lead article with
    both outlets, and its items carry the story that herald stories shows."""
    when = email.utils.formatdate(time.time() - 3 * 3600, usegmt=True)
    arts = [("Outlet A", "EU adopts 20th sanctions package against Russia",
             "It lists 117 more vessels of the shadow fleet and bans "
             "transactions with 22 Russian banks."),
            ("Outlet B", "EU agrees 20th Russia sanctions package",
             "The package targets 117 more shadow fleet tankers and 22 "
             "banks."),
            ("Outlet C", "Iran: Council sanctions judges over executions",
             "Restrictive measures now apply to 247 individuals and 44 "
             "entities responsible for human rights violations in Iran.")]
    feeds = []
    for i, (title, head, desc) in enumerate(arts):
        path = h.path("story-%d.xml" % i)
        al.write_rss(path, title, [{"guid": "s%d" % i, "title": head,
                                    "link": "https://news%d.test/a" % i,
                                    "desc": desc, "date": when}])
        feeds.append(("outlet-%d" % i, path))
    conf, db = al.write_config(h, "stories", feeds,
                               [("sanctions", "sanctions OR sanction")], [])
    h.check_config(conf)
    r = once(h, conf, None)
    h.check(r.returncode == 0 and count_items(db) == 3,
            "stories: heraldd --once stores the three articles", r.stderr)
    r = subprocess.run([al.herald_cli(), "stories", "-c", conf, "--json"],
                       capture_output=True, text=True, timeout=30)
    told = {}
    if r.returncode == 0:
        for s in json.loads(r.stdout)["stories"]:
            for i in s["items"]:
                told[i["id"]] = s["id"]
    r = subprocess.run([al.herald_cli(), "digest", "-c", conf, "--json"],
                       capture_output=True, text=True, timeout=30)
    d = json.loads(r.stdout) if r.returncode == 0 else {"topics": []}
    got = [(t["topic"], sorted(s["outlets"]), len(s["items"]))
           for t in d["topics"] for s in t["stories"]]
    h.check(got == [("sanctions", ["Outlet A", "Outlet B"], 2),
                    ("sanctions", ["Outlet C"], 1)],
            "stories: the story of two outlets is listed once, with both",
            got)
    items = [i for t in d["topics"] for s in t["stories"]
             for i in s["items"]]
    h.check(len(items) == 3 and all(
        i["story"] == s["id"] == told.get(i["id"]) for t in d["topics"]
        for s in t["stories"] for i in s["items"]),
        "stories: each item carries its story, the one herald stories shows",
        (items, told))
    r = subprocess.run([al.herald_cli(), "digest", "-c", conf, "--no-color"],
                       capture_output=True, text=True, timeout=30)
    heads = [a[1] for a in arts[:2]]
    h.check(sum(r.stdout.count("• " + x) for x in heads) == 1 and
            re.search(r"^  Outlet [AB], Outlet [AB] \(en\) · first seen ",
                      r.stdout, re.M) is not None,
            "stories: the text shows the lead article once, then the "
            "outlets and languages", r.stdout)


def main():
    h = it.Harness("it_digest")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    for p in ("jsonl", "mail", "webhook"):
        if not os.path.exists(al.plugin_path(p)):
            it.skip("plugins/.libs/%s.so is not built" % p)
    if FAKETIME is None:
        print("# SKIP part: faketime is not installed: no DST or missed-slot "
              "checks (apt-get install faketime)", flush=True)
    else:
        dst(h, "spring", "2026-03-29 00:50:00", "2026-03-29 01:29:45",
            "(night/2026-03-28T01:30:00Z/2026-03-29T01:30:00Z)",
            "night/2026-03-28T01:30:00Z/2026-03-29T01:30:00Z",
            [("night", utc("2026-03-30 00:30")),
             ("morning", utc("2026-03-29 05:30"))])
        dst(h, "autumn", "2026-10-25 00:10:00", "2026-10-25 00:29:45",
            "(night/2026-10-24T00:30:00Z/2026-10-25T00:30:00Z)",
            "night/2026-10-24T00:30:00Z/2026-10-25T00:30:00Z",
            [("night", utc("2026-10-26 01:30")),
             ("morning", utc("2026-10-25 06:30"))])
        missed(h)
        one_clock(h)
    conf = restart(h)
    smtp(h)
    old_abi(h)
    # a title that is markup, for the browser
    al.write_rss(h.path("feed-c.xml"), "Feed C", [
        {"guid": "c1", "title": "<script>alert(1)</script> & more climate",
         "link": "https://news.test/climate", "desc": "climate"}])
    with open(conf, "a") as f:
        f.write('\n[feed "feed-c"]\nurl = file://%s\n' % h.path("feed-c.xml"))
    once(h, conf, None)
    browser(h, conf)
    stories(h)
    h.finish()


if __name__ == "__main__":
    main()
