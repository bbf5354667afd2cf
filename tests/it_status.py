#!/usr/bin/env python3
"""it_status.py: heraldd's control socket and the commands that use it.

A real heraldd runs in the foreground (not --once) with RUNTIME_DIRECTORY
in the temporary directory and file:// feeds from tests/data/feeds: the
socket appears with mode 0660; `herald status` (text and --json) says it
runs, with its feeds and alerts; `herald fetch NAME` fetches that feed
again and only it; `herald reload` applies a changed configuration (a new
feed) and refuses a broken one; `herald metrics` and the metrics file parse
as the Prometheus text format with a line per feed; an unknown request gets
an error.  After SIGTERM the socket is gone and `herald status` says the
daemon is not running, exit 3.  `heraldd --once` makes no socket.
"""

import calendar
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from it_common import Harness, clean_env, open_db, tail  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FEEDS = os.path.join(os.environ.get("TESTDATA", os.path.join(HERE, "data")),
                     "feeds")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*='
                    r'"(?:[^"\\\n]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*='
                    r'"(?:[^"\\\n]|\\.)*")*\})? (-?[0-9][0-9.e+-]*|NaN)$')
META = re.compile(r'^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE '
                  r'[a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|untyped))$')

GLOBAL = ["herald_start_time_seconds",
          "herald_last_cycle_end_timestamp_seconds", "herald_feeds",
          "herald_feeds_in_error", "herald_fetches_total",
          "herald_fetch_bytes_total", "herald_fetches_busy"]
PER_FEED = ["herald_feed_last_success_timestamp_seconds",
            "herald_feed_consecutive_failures", "herald_feed_fetches_total",
            "herald_feed_errors_total", "herald_feed_not_modified_total",
            "herald_feed_new_items_total", "herald_feed_bytes_total",
            "herald_feed_items"]


def find_herald():
    for c in (os.environ.get("HERALD"),
              os.path.join(os.environ.get("top_builddir", ""), "cli",
                           "herald"),
              os.path.join(HERE, "..", "cli", "herald")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def parse_prom(text):
    """(samples {name: {labels-string: value}}, bad lines)."""
    samples, bad = {}, []
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("#"):
            if not META.match(line):
                bad.append(line)
            continue
        m = SAMPLE.match(line)
        if not m:
            bad.append(line)
            continue
        samples.setdefault(m.group(1), {})[m.group(2) or ""] = \
            float(m.group(5))
        # a label value is "..." with \\ \" \n escapes
    return samples, bad


def main():
    h = Harness("it_status")
    herald = find_herald()
    if herald is None:
        h.check(False, "herald is built")
        h.finish()
    rundir = h.path("run")
    os.mkdir(rundir, 0o750)
    sock = os.path.join(rundir, "heraldd.sock")
    env = clean_env({"RUNTIME_DIRECTORY": rundir})
    metrics_file = h.path("herald.prom")

    feeds = [("eu", "file://" + os.path.join(FEEDS, "eu-observer.rss")),
             ("ep", "file://" + os.path.join(FEEDS,
                                             "parliament-press.atom"))]
    conf, db = h.write_config("status", feeds, metrics_file=metrics_file)
    h.check_config(conf)

    def cli(*args, timeout=40):
        p = subprocess.run([herald] + list(args), env=env, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        return p

    def request(line, timeout=10):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(sock)
            try:
                s.sendall(line.encode() + b"\n")
            except OSError:
                pass  # the daemon answered a request too long and closed
            out = b""
            while True:
                try:
                    d = s.recv(65536)
                except ConnectionResetError:
                    break
                if not d:
                    break
                out += d
            return out.decode()
        finally:
            s.close()

    def wait_for(pred, secs, step=0.1):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            v = pred()
            if v:
                return v
            time.sleep(step)
        return pred()

    def fetches():
        try:
            with open_db(db) as d:
                return {r["name"]: r["n_fetches"] or 0
                        for r in d.q("SELECT name, n_fetches FROM feeds")}
        except Exception:  # noqa: BLE001 (not there yet)
            return {}

    errpath = h.path("daemon.err")
    with open(errpath, "w") as fe:
        # no timeout(1) in between: the pid is heraldd's (the harness
        # stops it at exit)
        p = subprocess.Popen([h.heraldd, "-f", "-v", "-c", conf], env=env,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=fe)
    h.procs.append(p)

    def daemon_log():
        with open(errpath, errors="replace") as f:
            return f.read()

    ok = wait_for(lambda: os.path.exists(sock), 20)
    if not h.check(ok, "the control socket appears in RUNTIME_DIRECTORY",
                   tail(daemon_log())):
        h.finish()
    st = os.stat(sock)
    h.check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660,
            "the socket is a socket with mode 0660",
            "mode %o" % st.st_mode)
    h.check(st.st_uid == os.geteuid() and st.st_gid == os.getegid(),
            "the socket belongs to the daemon's user and group")

    # herald feeds during the spread: a feed not fetched yet says when it
    # will be (its timer, armed within the 30 s), not "-"
    t0 = time.time()
    r = cli("feeds", "--json", "-c", conf)
    try:
        fl = json.loads(r.stdout)["feeds"]
    except (ValueError, KeyError):
        fl = []
    waiting = [f for f in fl if f.get("last_fetch") is None]
    bad = [f for f in waiting if f.get("next_fetch") is None or not
           t0 - 2 <= calendar.timegm(time.strptime(
               f["next_fetch"], "%Y-%m-%dT%H:%M:%SZ")) <= t0 + 32]
    h.check(len(fl) == 2 and waiting and not bad,
            "herald feeds --json: a feed waiting in the start-up spread has "
            "its next_fetch (%d waiting)" % len(waiting),
            r.stdout + r.stderr)
    r = cli("feeds", "-c", conf)
    lines = r.stdout.splitlines()
    col = lines[0].find("NEXT") if lines else -1
    end = lines[0].find("ITEMS") if lines else -1
    nexts = [ln[col:end].strip() for ln in lines[1:]
             if "not fetched yet" in ln]
    h.check(r.returncode == 0 and 0 <= col < end and len(lines) == 3 and
            nexts and all(x.startswith("in ") or x == "due" for x in nexts),
            "herald feeds: NEXT of a feed not fetched yet is a time, not -",
            r.stdout + r.stderr)

    # the start-up spread: until each feed due at start was fetched once,
    # the first cycle has not ended (between two of those fetches nothing
    # is in flight, and status said a cycle had ended)
    wrong, mid, st = [], 0, {}
    deadline = time.time() + 90     # the spread is 30 s; a loaded machine
    while time.time() < deadline:
        st = json.loads(request("status"))
        if st.get("unfetched", 0) > 0 and st.get("fetches", 0) > 0:
            mid += 1
            if st.get("last_cycle"):
                wrong.append(st)
        if st.get("unfetched") == 0 and st.get("busy") == 0:
            break
        time.sleep(0.1)
    h.check(not wrong and st.get("unfetched") == 0 and st.get("last_cycle"),
            "herald status: no cycle ended while a feed due at start waits "
            "(%d looks between the first fetch and the last)" % mid,
            "%s / %s" % (wrong[:1], st))

    # every feed now, so that the start-up spread does not fetch later
    r = cli("fetch")
    h.check(r.returncode == 0 and "every feed" in r.stdout,
            "herald fetch: every feed due now", r.stdout + r.stderr)
    ok = wait_for(lambda: len(fetches()) == 2 and
                  all(v >= 1 for v in fetches().values()), 30)
    h.check(ok, "both feeds fetched", fetches())
    wait_for(lambda: json.loads(request("status")).get("busy") == 0, 20)

    # status, text and JSON
    r = cli("status", "-c", conf)
    h.check(r.returncode == 0 and "running, pid %d" % p.pid in r.stdout
            and "feeds:   2" in r.stdout and "alerts:" in r.stdout and
            "database: " + db in r.stdout,
            "herald status: running, its pid, 2 feeds, alerts, database",
            "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    r = cli("status", "--json", "-c", conf)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
    dm = j.get("daemon") or {}
    dbj = j.get("database") or {}
    h.check(r.returncode == 0 and j.get("running") is True and
            dm.get("pid") == p.pid and dm.get("feeds") == 2 and
            dm.get("feeds_in_error") == 0 and dm.get("fetches", 0) >= 2 and
            dm.get("last_cycle") and dbj.get("alerts_pending") == 0 and
            dbj.get("alerts_dead") == 0 and dbj.get("size", 0) > 0 and
            dbj.get("feeds") == 2,
            "herald status --json: running, pid, feeds, last cycle, alerts, "
            "database size", r.stdout + r.stderr)

    # fetch one feed: its n_fetches grows, the other's does not
    before = fetches()
    r = cli("fetch", "eu")
    h.check(r.returncode == 0 and "eu" in r.stdout,
            "herald fetch eu: accepted", r.stdout + r.stderr)
    ok = wait_for(lambda: fetches().get("eu", 0) > before["eu"], 20)
    h.check(ok, "herald fetch eu: eu fetched again (n_fetches %d -> %s)"
            % (before["eu"], fetches().get("eu")))
    time.sleep(0.5)
    h.check(fetches().get("ep") == before["ep"],
            "herald fetch eu: ep not fetched", fetches())
    r = cli("fetch", "nosuchfeed")
    h.check(r.returncode == 1 and "no feed named" in r.stderr,
            "herald fetch nosuchfeed: exit 1 and why", r.stderr)

    # the protocol itself
    out = request("bogus request")
    h.check(out.startswith("error:"), "an unknown request: an error line",
            out)
    out = request("x" * 4000)
    h.check(out.startswith("error:"), "a request too long: an error line",
            out[:200])

    # metrics on the socket and in the file
    r = cli("metrics")
    samples, bad = parse_prom(r.stdout)
    h.check(r.returncode == 0 and not bad and samples,
            "herald metrics parses as Prometheus text (%d metrics)"
            % len(samples), bad[:5])
    missing = [n for n in GLOBAL + PER_FEED if n not in samples]
    h.check(not missing, "herald metrics: every expected metric", missing)
    perfeed = all(set(samples.get(n, {})) == {'{feed="eu"}', '{feed="ep"}'}
                  for n in PER_FEED)
    h.check(perfeed, "herald metrics: one line per feed of each feed metric",
            {n: list(samples.get(n, {})) for n in PER_FEED})
    h.check(samples.get("herald_feed_fetches_total", {}).get('{feed="eu"}')
            == fetches().get("eu") and
            samples.get("herald_feed_items", {}).get('{feed="eu"}', 0) > 0 and
            samples.get("herald_feed_bytes_total", {}).get('{feed="eu"}', 0)
            > 0,
            "herald metrics: eu's fetches match the database, items and "
            "bytes > 0", r.stdout[-600:])
    ok = wait_for(lambda: os.path.exists(metrics_file), 10)
    text = open(metrics_file).read() if ok else ""
    fs, fbad = parse_prom(text)
    h.check(ok and not fbad and all(n in fs for n in GLOBAL + PER_FEED) and
            stat.S_IMODE(os.stat(metrics_file).st_mode) == 0o644,
            "the metrics file is written, mode 0644, and parses", fbad[:5])
    h.check(not [f for f in os.listdir(h.tmp) if f.endswith(".tmp")],
            "no temporary metrics file left")

    # reload: a new feed appears; a broken file is refused
    feeds3 = feeds + [("council", "file://" + os.path.join(
        FEEDS, "council-rdf.xml"))]
    h.write_config("status", feeds3, db=db, metrics_file=metrics_file)
    r = cli("reload")
    h.check(r.returncode == 0 and "applied (3 feeds)" in r.stdout,
            "herald reload: the changed configuration is applied",
            r.stdout + r.stderr)
    j = json.loads(request("status"))
    h.check(j.get("feeds") == 3, "status says 3 feeds after the reload", j)
    # a feed the reload added waits, but the last cycle stays as it was
    h.check(j.get("last_cycle") and j.get("unfetched") == 0,
            "after the reload the last cycle stays (the new feed does not "
            "make the first cycle run again)", j)
    ok = wait_for(lambda: "council" in fetches(), 10)
    h.check(ok, "the new feed has a row in the database", fetches())
    r = cli("fetch", "council")
    ok = wait_for(lambda: fetches().get("council", 0) >= 1, 20)
    h.check(r.returncode == 0 and ok, "the new feed is fetched",
            r.stdout + r.stderr)
    # a failing feed counts once however often the daemon reloads, and
    # not at all once it is taken out (review7: each reload added the
    # failing feeds again to feeds_in_error)
    feeds4 = feeds3 + [("missing", "file://" + h.path("no-such-feed.xml"))]
    h.write_config("status", feeds4, db=db, metrics_file=metrics_file)
    r = cli("reload")
    h.check(r.returncode == 0 and "applied (4 feeds)" in r.stdout,
            "herald reload: a feed that fails added", r.stdout + r.stderr)
    cli("fetch", "missing")
    ok = wait_for(lambda: json.loads(request("status")).get(
        "feeds_in_error") == 1, 20)
    h.check(ok, "status: 1 feed in error", request("status"))
    for _ in range(3):
        cli("reload")
    j = json.loads(request("status"))
    samples, _ = parse_prom(cli("metrics").stdout)
    h.check(j.get("feeds_in_error") == 1 and samples.get(
        "herald_feeds_in_error", {}).get("") == 1,
            "after three reloads: still 1 feed in error (status, metrics)",
            "%s %s" % (j, samples.get("herald_feeds_in_error")))
    # the failing feed turned off (the last section of the file): not
    # watched, not in error (review8)
    with open(conf, "a") as f:
        f.write("enabled = no\n")
    r = cli("reload")
    j = json.loads(request("status"))
    h.check(r.returncode == 0 and j.get("feeds_in_error") == 0,
            "the failing feed turned off (enabled = no): 0 feeds in error",
            (j, r.stdout, r.stderr))
    h.write_config("status", feeds3, db=db, metrics_file=metrics_file)
    r = cli("reload")
    j = json.loads(request("status"))
    h.check(r.returncode == 0 and j.get("feeds_in_error") == 0,
            "the failing feed taken out: 0 feeds in error", j)
    # ... and off in the database: not in error there either (review7 D3)
    r = cli("feeds", "--errors", "-d", db)
    h.check(r.returncode == 0 and "missing" not in r.stdout,
            "herald feeds --errors: the feed taken out is not listed",
            r.stdout + r.stderr)
    r = cli("feeds", "--json", "-d", db)
    st = {f["name"]: f["state"] for f in json.loads(r.stdout)["feeds"]}
    h.check(st.get("missing") == "off" and st.get("eu") == "ok",
            "herald feeds: the feed taken out is off", st)
    r = cli("digest", "--json", "-d", db)
    fl = [f.get("feed") for f in json.loads(r.stdout or "{}").get(
        "failing_feeds", [None])]
    h.check(r.returncode == 0 and "missing" not in fl,
            "herald digest: the feed taken out is not failing", fl)

    # a new database and control-socket take a restart: the answer says
    # so, not only the log (review7 D10)
    other_db = h.path("other.db")
    other_sock = h.path("other.sock")
    h.write_config("status", feeds3, db=other_db, metrics_file=metrics_file,
                   control_socket=other_sock)
    a = request("reload")
    want = ("ok: configuration applied (3 feeds), but the new database path "
            "takes a restart: still using %s; the new control-socket takes "
            "a restart: still listening on %s\n" % (db, sock))
    h.check(a == want, "reload: the answer says the database and "
            "control-socket take a restart", "%r\nwant %r" % (a, want))
    h.write_config("status", feeds3, db=db, metrics_file=metrics_file)
    a = request("reload")
    h.check(a == "ok: configuration applied (3 feeds)\n",
            "reload: without them, applied alone", a)

    with open(conf, "a") as f:
        f.write("\n[feed \"broken\"]\nurl = gopher://nope/\nbogus-key = 1\n")
    r = cli("reload")
    h.check(r.returncode == 1 and "refused" in r.stderr and
            "bogus-key" in r.stderr,
            "herald reload of a broken file: exit 1 and every error",
            r.stdout + r.stderr)
    j = json.loads(request("status"))
    h.check(j.get("feeds") == 3, "the running configuration stays", j)
    log = daemon_log()
    h.check("reload: configuration applied (3 feeds)" in log and
            "reload refused" in log, "the log has the reload applied and "
            "the reload refused", tail(log))

    # SIGTERM: the socket goes
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        rc = None
    h.check(rc == 0, "heraldd exits 0 on SIGTERM", rc)
    h.check(not os.path.exists(sock), "the socket is removed on exit")
    # the database keeps the feed taken out above, off: not counted
    r = cli("status", "-d", db)
    h.check(r.returncode == 3 and "heraldd is not running (no answer on %s)"
            % sock in r.stdout and "feeds:   3" in r.stdout and
            "in error" not in r.stdout,
            "herald status without a daemon: not running, exit 3, the "
            "database's feeds", "rc=%d\n%s%s" % (r.returncode, r.stdout,
                                                  r.stderr))
    r = cli("status", "--json", "-d", db)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
    h.check(r.returncode == 3 and j.get("running") is False and
            j.get("daemon") is None and (j.get("database") or {}).get(
                "feeds") == 3,
            "herald status --json without a daemon", r.stdout + r.stderr)
    r = cli("reload")
    h.check(r.returncode == 1 and "not running" in r.stderr,
            "herald reload without a daemon: exit 1 and why", r.stderr)
    r = cli("status", "-c", conf)
    h.check(r.returncode == 1 and "feeds:" not in r.stdout and
            "cannot read the configuration" in r.stderr,
            "herald status, no daemon and an unreadable configuration: "
            "exit 1, no made-up figures", r.stdout + r.stderr)

    # --once: no socket
    h.write_config("status", feeds3, db=db)
    run = h.run(["-c", conf, "--once"], timeout=60,
                env={"RUNTIME_DIRECTORY": rundir})
    h.check(run.rc == 0 and not os.path.exists(sock),
            "heraldd --once makes no control socket", run)

    # a start with no feed due (each fetched a moment ago, interval 15m):
    # nothing is left to fetch, so the start ends a cycle (status said
    # "the first is running" until the first feed's interval passed)
    with open(errpath, "a") as fe:
        p = subprocess.Popen([h.heraldd, "-f", "-v", "-c", conf], env=env,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=fe)
    h.procs.append(p)
    ok = wait_for(lambda: os.path.exists(sock), 20)
    j = {}
    if ok:
        j = wait_for(lambda: json.loads(request("status")).get(
            "last_cycle") and json.loads(request("status")), 5) or \
            json.loads(request("status"))
    h.check(ok and j.get("last_cycle") and j.get("unfetched") == 0 and
            j.get("fetches") == 0,
            "a start with no feed due: status has a last cycle at once",
            j or tail(daemon_log()))
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    h.finish()


if __name__ == "__main__":
    main()
