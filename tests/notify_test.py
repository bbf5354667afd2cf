#!/usr/bin/env python3
"""notify_test.py: the real heraldd under a fake service manager.

A datagram socket stands in for $NOTIFY_SOCKET; heraldd runs in the
foreground over file:// feeds (tests/data/feeds) with WATCHDOG_USEC=2 s for
its own pid.  Checked: READY=1 with STATUS=, WATCHDOG=1 about every second,
a STATUS= naming the ended cycle, RELOADING=1 then READY=1 around SIGHUP; a
broken configuration is refused (the running one stays, the log and STATUS=
say why, fetches go on); a good one adds a feed that is then fetched and
drops one; SIGTERM sends STOPPING=1 and heraldd exits 0 within 5 s.  Then
notify_builtin (daemon/notify.c with its own protocol, no libsystemd) to a
path socket and to an abstract one, and with a WATCHDOG_PID of another
process (no pings).

Usage: notify_test.py TOP_SRCDIR TOP_BUILDDIR.  Prints TAP-like lines, exits 0
when every check passed, 1 otherwise.  Everything is bounded by timeouts.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP_SRCDIR, TOP_BUILDDIR = sys.argv[1], sys.argv[2]
HERALDD = os.path.join(TOP_BUILDDIR, "daemon", "heraldd")
HERALD = os.path.join(TOP_BUILDDIR, "cli", "herald")
BUILTIN = os.path.join(TOP_BUILDDIR, "tests", "notify_builtin")
FEEDS = os.path.join(TOP_SRCDIR, "tests", "data", "feeds")

n = 0
failed = 0


def check(desc, cond, info=None):
    global n, failed
    n += 1
    if cond:
        print("ok %d - %s" % (n, desc))
    else:
        failed += 1
        print("not ok %d - %s" % (n, desc))
        if info:
            for line in str(info).splitlines()[-30:]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


class Listener:
    """The service manager's end: every datagram, with its arrival time."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.msgs = []          # (time, {key: value}, raw)
        self.seen = 0           # messages already consumed by wait()

    def poll(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        raw = data.decode("utf-8", "replace")
        kv = {}
        for line in raw.split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                kv[k] = v
        self.msgs.append((time.monotonic(), kv, raw))
        return True

    def wait(self, pred, timeout):
        """The first message not yet consumed for which pred holds."""
        end = time.monotonic() + timeout
        while True:
            while self.seen < len(self.msgs):
                m = self.msgs[self.seen]
                self.seen += 1
                if pred(m[1]):
                    return m
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.poll(left)

    def drain(self, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            self.poll(end - time.monotonic())

    def raw(self):
        return "\n".join(repr(m[2]) for m in self.msgs[-20:])

    def close(self):
        self.sock.close()


def feeds_json(db):
    r = subprocess.run([HERALD, "feeds", "--json", "-d", db],
                       capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        return {}
    j = json.loads(r.stdout)
    if isinstance(j, dict):
        j = j.get("feeds", [])
    return {f["name"]: f for f in j}


def wait_fetched(db, name, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        f = feeds_json(db).get(name)
        if f and f.get("last_success") and f.get("items", 0) > 0:
            return f
        time.sleep(0.2)
    return None


def write_config(path, db, names, extra=""):
    with open(path, "w") as fp:
        fp.write("[herald]\ndatabase = %s\ninterval = 1h\n%s\n" % (db, extra))
        for name in names:
            fp.write('[feed "%s"]\nurl = file://%s/%s\n\n'
                     % (name.split(".")[0], FEEDS, name))


def test_heraldd(tmp):
    db = os.path.join(tmp, "herald.db")
    conf = os.path.join(tmp, "herald.conf")
    sockpath = os.path.join(tmp, "notify.sock")
    errpath = os.path.join(tmp, "heraldd.err")
    write_config(conf, db, ["council-rdf.xml", "thinktank-warts.xml"])
    lst = Listener(sockpath)
    env = dict(os.environ, NOTIFY_SOCKET=sockpath, WATCHDOG_USEC="2000000")
    env.pop("WATCHDOG_PID", None)
    errf = open(errpath, "w")
    # WATCHDOG_PID must be heraldd's pid: sh sets it to its own, then execs.
    p = subprocess.Popen(["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; '
                          'exec "$0" -f -v -c "$1"', HERALDD, conf],
                         env=env, stdout=subprocess.DEVNULL, stderr=errf)

    def log():
        errf.flush()
        with open(errpath, errors="replace") as fp:
            return fp.read()

    try:
        m = lst.wait(lambda kv: "READY" in kv, 10)
        check("READY=1 after start", m is not None and m[1]["READY"] == "1",
              lst.raw() + "\n" + log())
        check("STATUS= with READY=1 names the feeds",
              m is not None and m[1].get("STATUS", "").startswith("2 feeds"),
              m and m[2])

        # every feed due now (the start spreads them over 30 s)
        p.send_signal(signal.SIGUSR1)
        m = lst.wait(lambda kv: "last cycle ended" in kv.get("STATUS", ""),
                     10)
        check("STATUS= says when the first cycle ended",
              m is not None and "0 in error" in m[1]["STATUS"],
              lst.raw() + "\n" + log())
        check("both feeds stored",
              wait_fetched(db, "council-rdf", 5) is not None and
              wait_fetched(db, "thinktank-warts", 5) is not None,
              log())

        # the watchdog: 2 s asked, a ping every second
        t0 = time.monotonic()
        lst.drain(3.2)
        pings = [t for t, kv, _ in lst.msgs
                 if kv.get("WATCHDOG") == "1" and t >= t0]
        check("WATCHDOG=1 at least twice in 3.2 s (%d)" % len(pings),
              len(pings) >= 2, lst.raw())
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        check("WATCHDOG=1 every ~1 s (gaps %s)"
              % ", ".join("%.2f" % g for g in gaps),
              gaps and all(0.3 < g < 1.9 for g in gaps))

        # a broken configuration: refused, the running one stays
        good = open(conf).read()
        with open(conf, "a") as fp:
            fp.write('\n[feed "broken"]\nurl = file://%s/eu-observer.rss\n'
                     'no-such-key = 1\n' % FEEDS)
        lst.seen = len(lst.msgs)
        p.send_signal(signal.SIGHUP)
        m1 = lst.wait(lambda kv: "RELOADING" in kv, 5)
        m2 = lst.wait(lambda kv: "READY" in kv, 5)
        check("SIGHUP (broken): RELOADING=1 then READY=1",
              m1 is not None and m2 is not None and m1[0] <= m2[0],
              lst.raw())
        st = m2[1].get("STATUS", "") if m2 else ""
        check("STATUS= says the reload was refused and why",
              "reload refused" in st and "no-such-key" in st and
              st.startswith("2 feeds"), st)
        time.sleep(0.3)
        check("the log says why the reload was refused",
              "reload refused" in log() and "no-such-key" in log(), log())
        check("heraldd still running after the refused reload",
              p.poll() is None)
        before = feeds_json(db)
        p.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        fetched = None
        end = time.monotonic() + 5
        while time.monotonic() < end:
            after = feeds_json(db)
            if after.get("council-rdf", {}).get("fetches", 0) > \
                    before.get("council-rdf", {}).get("fetches", 0):
                fetched = after
                break
            time.sleep(0.2)
        check("the running configuration still fetches", fetched is not None
              and "broken" not in fetched, fetched)

        # a good one: eu-observer added, thinktank-warts removed
        write_config(conf, db, ["council-rdf.xml", "eu-observer.rss"])
        lst.seen = len(lst.msgs)
        p.send_signal(signal.SIGHUP)
        m1 = lst.wait(lambda kv: "RELOADING" in kv, 5)
        m2 = lst.wait(lambda kv: "READY" in kv, 5)
        check("SIGHUP (good): RELOADING=1 then READY=1",
              m1 is not None and m2 is not None, lst.raw())
        st = m2[1].get("STATUS", "") if m2 else ""
        check("STATUS= after the reload: 2 feeds, no refusal",
              st.startswith("2 feeds") and "refused" not in st, st)
        p.send_signal(signal.SIGUSR1)
        check("the added feed is fetched",
              wait_fetched(db, "eu-observer", 10) is not None, log())
        time.sleep(0.2)
        check("the removed feed stops",
              "feed thinktank-warts: removed from the configuration" in log(),
              log())
        check("no errors in STATUS= (%s)" % st, "0 in error" in st)

        # SIGTERM: STOPPING=1, exit 0 within 5 s
        lst.seen = len(lst.msgs)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        m = lst.wait(lambda kv: "STOPPING" in kv, 5)
        check("STOPPING=1 after SIGTERM", m is not None, lst.raw())
        try:
            rc = p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rc = None
        check("exit 0 within 5 s (%.2f s)" % (time.monotonic() - t0),
              rc == 0, "rc %s\n%s" % (rc, log()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=5)
        errf.close()
        lst.close()


def run_builtin(tmp, address, env_address, watchdog_pid=None, secs=2.5):
    lst = Listener(address)
    env = dict(os.environ, NOTIFY_SOCKET=env_address, WATCHDOG_USEC="1000000")
    env.pop("WATCHDOG_PID", None)
    if watchdog_pid is None:
        cmd = ["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; '
               'exec "$0" "$1"', BUILTIN, str(secs)]
    else:
        env["WATCHDOG_PID"] = str(watchdog_pid)
        cmd = [BUILTIN, str(secs)]
    # read while it runs: a full queue would make it drop messages
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + secs + 10
        while p.poll() is None and time.monotonic() < end:
            lst.poll(0.05)
        if p.poll() is None:
            p.kill()
        err = p.communicate(timeout=5)[1]
        lst.drain(0.2)
    finally:
        lst.close()
    return subprocess.CompletedProcess(cmd, p.returncode, "", err), lst


def test_builtin(tmp):
    if not os.access(BUILTIN, os.X_OK):
        check("notify_builtin built", False, BUILTIN)
        return
    path = os.path.join(tmp, "builtin.sock")
    abstract = "herald-notify-test-%d" % os.getpid()
    for what, addr, env_addr in (("path", path, path),
                                 ("abstract", "\0" + abstract,
                                  "@" + abstract)):
        r, lst = run_builtin(tmp, addr, env_addr)
        kvs = [kv for _, kv, _ in lst.msgs]
        raws = [raw for _, _, raw in lst.msgs]
        check("builtin, %s socket: exit 0" % what, r.returncode == 0,
              r.stderr)
        check("builtin, %s socket: READY=1 with STATUS=" % what,
              len(kvs) > 0 and any(kv.get("READY") == "1" and
                                   kv.get("STATUS", "").startswith(
                                       "3 feeds, 1 in error, 7 fetches")
                                   for kv in kvs[:3]), "\n".join(raws))
        check("builtin, %s socket: cycle end in STATUS=" % what,
              any("last cycle ended" in kv.get("STATUS", "") for kv in kvs))
        w = sum(1 for kv in kvs if kv.get("WATCHDOG") == "1")
        check("builtin, %s socket: WATCHDOG=1 x%d in 2.5 s" % (what, w),
              w >= 3, "\n".join(raws))
        ref = [kv.get("STATUS", "") for kv in kvs if "READY" in kv][-1:]
        check("builtin, %s socket: a refused reload on one clean line"
              % what, ref and "reload refused" in ref[0] and
              "x.conf:3: bogus: unknown key \u00e9 " in ref[0] and
              "second" not in ref[0] and "\n" not in ref[0], ref)
        longs = [kv.get("STATUS", "") for kv in kvs
                 if "\u00e9\u00e9\u00e9" in kv.get("STATUS", "")]
        check("builtin, %s socket: long errors cut on a character boundary"
              % what, len(longs) == 2 and
              longs[0].endswith(": x" + "\u00e9" * 79 + "...") and
              longs[1].endswith(": " + "\u00e9" * 80 + "...") and
              not any("\ufffd" in t for t in longs), longs)
        check("builtin, %s socket: RELOADING=1, STOPPING=1 in order" % what,
              [k for kv in kvs for k in kv
               if k in ("RELOADING", "STOPPING")] == ["RELOADING",
                                                        "STOPPING"],
              "\n".join(raws))

    # WATCHDOG_PID of another process: the pings are not ours to send
    r, lst = run_builtin(tmp, path + "2", path + "2", watchdog_pid=1,
                         secs=1.5)
    kvs = [kv for _, kv, _ in lst.msgs]
    check("builtin: no WATCHDOG=1 for another WATCHDOG_PID",
          r.returncode == 0 and any("READY" in kv for kv in kvs) and
          not any("WATCHDOG" in kv for kv in kvs), lst.raw())

    # a manager that never reads: the queue fills, the loop goes on
    deaf = Listener(os.path.join(tmp, "deaf.sock"))
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(tmp, "deaf.sock"),
               WATCHDOG_USEC="100000")
    env.pop("WATCHDOG_PID", None)
    t0 = time.monotonic()
    try:
        r = subprocess.run([BUILTIN, "1.5"], env=env, capture_output=True,
                           text=True, timeout=10)
        rc, err = r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        rc, err = None, "blocked"
    took = time.monotonic() - t0
    deaf.close()
    check("builtin: a manager that does not read never blocks it (%.2f s)"
          % took, rc == 0 and took < 4, err)

    # no NOTIFY_SOCKET: nothing sent, nothing complained about
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    r = subprocess.run([BUILTIN, "0.3"], env=env, capture_output=True,
                       text=True, timeout=10)
    check("builtin: quiet without NOTIFY_SOCKET",
          r.returncode == 0 and "notify" not in r.stderr, r.stderr)
    # a socket nobody listens on: one warning, no crash
    env["NOTIFY_SOCKET"] = os.path.join(tmp, "nobody.sock")
    env["WATCHDOG_USEC"] = "200000"
    r = subprocess.run([BUILTIN, "1"], env=env, capture_output=True,
                       text=True, timeout=10)
    check("builtin: a dead socket is one warning, not a crash",
          r.returncode == 0 and r.stderr.count("notify socket") == 1,
          r.stderr)


def main():
    for exe in (HERALDD, HERALD):
        if not os.access(exe, os.X_OK):
            print("SKIP: %s is not built" % exe)
            return 77
    with tempfile.TemporaryDirectory(prefix="herald-notify.") as tmp:
        test_heraldd(tmp)
        test_builtin(tmp)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
