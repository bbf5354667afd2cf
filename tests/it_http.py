#!/usr/bin/env python3
"""it_http.py: heraldd and what HTTP status codes ask of it.

Catalogue cases (../shared/RELIABILITY.md) 21 (301/308 permanent vs 302
temporary redirects, 410 Gone), 22 (500, 503 with Retry-After in seconds,
429 with Retry-After as an HTTP date, a Retry-After of ten days clamped to
one), 23 (conditional GET: ETag, Last-Modified, 304), plus the request
itself (a User-Agent naming herald) and `heraldd -n` on a bad file.

Asserted from the database and the server's request log, run by run:
 - 301 and 308: the stored url stays the configured one after one and two
   fetches and becomes the target after the third consecutive one; the
   fourth fetch asks the target directly; the feed's items are not
   duplicated by the move.  302: never updated, every fetch asks the
   configured URL.
 - 410: error_class gone, disabled_reason set, items kept; the next run
   does not request it at all and does not count a fetch.
 - 404 (http4xx) and 500 (http5xx): failures count up, items unchanged,
   backoff from the interval (4xx) or one minute (5xx), doubling.
 - 503 + Retry-After: 120 and 429 + Retry-After: date 2 h ahead: next_fetch
   is at least that far ahead (and at most a day); ten days become one
   day (+-10%).  Each runs with its own database: Retry-After applies to
   the whole host, which would hold the other feeds of a shared run.
 - That hold under --once (review7 D4): per-host = 1, a feed answering 503
   + Retry-After: 120 first, two more on its host.  The two are not
   requested; the log says, without -v, which feeds were not fetched, why
   and until when, the "done:" line counts them, the exit status is 75
   (EX_TEMPFAIL, heraldd(8)), and their next fetch is the host's time.
 - 304: the second request carries If-None-Match (and If-Modified-Since),
   the answer counts in n_not_modified, last_status 304, no error, and no
   item row is written (count and max(changed) unchanged).
"""

import calendar
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

INTERVAL = 900


def main():
    h = it.Harness("it_http")
    srv = h.start_server()
    check_n(h, srv)

    feeds = [("r301", srv.url("/redir-ok")),
             ("r308", srv.url("/redir-308")),
             ("r302", srv.url("/redir-temp")),
             ("gone", srv.url("/gone")),
             ("e404", srv.url("/404")),
             ("e500", srv.url("/500")),
             ("cond", srv.url("/feed-cond")),
             ("plain", srv.url("/ok/plain"))]
    conf, db = h.write_config("http", feeds)
    h.check_config(conf)
    overridden = {"gone": "/gone", "e404": "/404", "e500": "/500"}
    for name, route in overridden.items():
        h.ctl(srv, "override", path=route, to="/ok/%s" % name)

    cfg = dict(feeds)
    runs = []
    before = {}
    for n in range(1, 5):
        if n == 2:
            h.ctl(srv, "clear")
        mark = srv.last_id()
        r = h.once(conf, "run %d" % n)
        runs.append(r)
        reqs = srv.requests(since=mark)
        with it.open_db(db) as d:
            check_redirects(h, d, srv, n, cfg, reqs)
            if n == 1:
                for name in overridden:
                    before[name] = sorted(i["fguid"] for i in d.items(name))
                before["cond"] = (d.count_items(),
                                  d.one("SELECT max(changed) FROM items"),
                                  d.feed("cond"))
            else:
                check_gone(h, d, n, reqs, before)
                check_errors(h, d, n, before)
                check_cond(h, d, n, reqs, before)
        check_agent(h, reqs, "run %d" % n)

    # review7 D18: the 410 is logged once as what it is, not as
    # "...; fetching stopped; retrying in 63 s"
    gone = [line for line in runs[1].err.splitlines() if "feed gone:" in line]
    h.check(any("feed gone: disabled: HTTP 410 Gone" in line for line in gone)
            and not any("retrying" in line for line in gone),
            "run 2: gone: the log says disabled, and no retry", gone)

    for route, name, lo, hi in (
            ("/503", "e503", 120, it.DAY),
            ("/429", "e429", 7200 - 2, it.DAY),
            ("/503-long", "e503long", it.DAY * 0.9, it.DAY * 1.1)):
        check_retry_after(h, srv, route, name, lo, hi)
    check_held(h, srv)
    check_fetch_held(h, srv)
    h.finish()


def check_n(h, srv):
    """heraldd -n: 0 on a good file; 1 and file:line: key: on a bad one."""
    conf, _ = h.write_config("check-good", [("a", srv.url("/ok/a"))])
    r = h.run(["-c", conf, "-n"], timeout=30)
    h.check(r.rc == 0, "heraldd -n accepts a good file", it.tail(r.err))
    bad = h.path("check-bad.conf")
    with open(bad, "w") as f:
        f.write("[herald]\ndatabase = %s\nbogus-key = 1\n"
                % h.path("check-bad.db"))
    r = h.run(["-c", bad, "-n"], timeout=30)
    h.check(r.rc == 1 and "%s:3: bogus-key" % bad in r.err,
            "heraldd -n rejects an unknown key with file:3: bogus-key",
            "rc=%s stderr=%r" % (r.rc, r.err))
    h.check(not os.path.exists(h.path("check-bad.db")),
            "heraldd -n creates no database")
    # the database's directory does not exist: -n says so, and so does a
    # start, both naming the directory to create and whose it must be
    nodir = h.path("no", "such")
    conf, db = h.write_config("check-nodir", [("a", srv.url("/ok/a"))],
                              db=os.path.join(nodir, "t.db"))
    want = ("heraldd: the directory %s of the database %s does not exist: "
            "create it, writable by the user heraldd runs as (the unit's is "
            "herald" % (nodir, db))
    for args in (["-n"], ["--once"]):
        r = h.run(["-c", conf] + args, timeout=30)
        h.check(r.rc == 1 and want in r.err and "ok" not in r.out and
                "No such file" not in r.err,
                "heraldd %s: the database's directory does not exist, says "
                "so" % args[0], "rc=%s out=%r err=%r" % (r.rc, r.out, r.err))
    h.check(not os.path.exists(nodir), "and creates no directory")
    with open(h.path("plainfile"), "w") as f:
        f.write("x\n")
    conf, db = h.write_config("check-notdir", [("a", srv.url("/ok/a"))],
                              db=h.path("plainfile", "t.db"))
    r = h.run(["-c", conf, "-n"], timeout=30)
    h.check(r.rc == 1 and "%s, the directory of the database %s, is not a "
            "directory" % (h.path("plainfile"), db) in r.err,
            "heraldd -n: the database's directory is a file, says so",
            "rc=%s err=%r" % (r.rc, r.err))


def check_redirects(h, d, srv, n, cfg, reqs):
    routes = [r["route"] for r in reqs]
    for name, target in (("r301", "/ok/moved"), ("r308", "/ok/moved308")):
        row = d.feed(name)
        # After the third consecutive 301/308 the row holds the target.
        want = srv.url(target) if n >= 3 else cfg[name]
        h.check(row["url"] == want,
                "run %d: %s: stored url is %s" % (n, name, want), row["url"])
        h.check(row["config_url"] == cfg[name],
                "run %d: %s: config_url unchanged" % (n, name))
        items = d.items(name)
        h.check(len(items) == 5 and row["error_class"] is None,
                "run %d: %s: 5 items from the target, no error, no "
                "duplicates" % (n, name),
                "items=%d class=%s" % (len(items), row["error_class"]))
    src = {"r301": "/redir-ok", "r308": "/redir-308"}
    if n == 4:
        for name, route in src.items():
            h.check(route not in routes,
                    "run 4: %s: the old URL %s is not asked any more"
                    % (name, route), routes)
    row = d.feed("r302")
    h.check(row["url"] == cfg["r302"],
            "run %d: r302: stored url stays the configured one" % n,
            row["url"])
    h.check("/redir-temp" in routes,
            "run %d: r302: the configured URL is requested" % n)
    h.check(len(d.items("r302")) == 5, "run %d: r302: 5 items" % n)


def check_gone(h, d, n, reqs, before):
    row = d.feed("gone")
    h.check(row["disabled_reason"], "run %d: gone: disabled_reason %r"
            % (n, row["disabled_reason"]))
    h.check(row["error_class"] == "gone" and row["last_status"] == 410,
            "run %d: gone: error_class gone, last_status 410" % n,
            "class=%s status=%s" % (row["error_class"], row["last_status"]))
    h.check(sorted(i["fguid"] for i in d.items("gone")) == before["gone"],
            "run %d: gone: items kept" % n)
    asked = [r for r in reqs if r["route"] == "/gone"]
    if n == 2:
        h.check(len(asked) == 1, "run 2: gone: requested once", len(asked))
    else:
        h.check(not asked, "run %d: gone: not requested again" % n,
                len(asked))
        h.check(row["n_fetches"] == 2,
                "run %d: gone: n_fetches stays 2" % n, row["n_fetches"])


def check_errors(h, d, n, before):
    for name, cls in (("e404", "http4xx"), ("e500", "http5xx")):
        row = d.feed(name)
        f = n - 1
        h.check(row["error_class"] == cls and row["failures"] == f and
                row["last_error"],
                "run %d: %s: %s, failures %d" % (n, name, cls, f),
                "class=%s failures=%s error=%r"
                % (row["error_class"], row["failures"], row["last_error"]))
        ok, delta, want = it.backoff_ok(row, f, INTERVAL)
        h.check(ok, "run %d: %s: next_fetch %ss ahead (about %ss)"
                % (n, name, delta, want))
        h.check(sorted(i["fguid"] for i in d.items(name)) == before[name],
                "run %d: %s: items unchanged" % (n, name))


def check_cond(h, d, n, reqs, before):
    count0, changed0, row0 = before["cond"]
    asked = [r for r in reqs if r["route"] == "/feed-cond"]
    h.check(row0["etag"] == '"cond-v1"' and row0["last_modified"],
            "run 1: cond: etag and last_modified stored",
            (row0["etag"], row0["last_modified"]))
    if n == 2:
        hd = asked[0]["headers"] if asked else {}
        h.check(hd.get("if-none-match") == '"cond-v1"',
                "run 2: cond: If-None-Match sent", hd)
        h.check(hd.get("if-modified-since") == row0["last_modified"],
                "run 2: cond: If-Modified-Since sent", hd)
    row = d.feed("cond")
    h.check(row["last_status"] == 304 and row["n_not_modified"] == n - 1
            and row["failures"] == 0 and row["last_error"] is None,
            "run %d: cond: 304 counted (n_not_modified %d), no error"
            % (n, n - 1),
            "status=%s n_not_modified=%s failures=%s error=%r"
            % (row["last_status"], row["n_not_modified"], row["failures"],
               row["last_error"]))
    h.check(d.count_items() == count0 and
            d.one("SELECT max(changed) FROM items") == changed0,
            "run %d: cond: no item row written" % n)
    h.check(row["last_success"] >= row0["last_success"] and
            row["next_fetch"] - row["last_fetch"] >= INTERVAL * 0.85,
            "run %d: cond: a 304 is a success: next fetch an interval on"
            % n, (row["last_success"], row["next_fetch"], row["last_fetch"]))


def check_agent(h, reqs, label):
    uas = sorted({r["headers"].get("user-agent", "") for r in reqs})
    h.check(uas and all("herald" in u.lower() for u in uas),
            "%s: every request names herald in its User-Agent %s"
            % (label, uas))


def check_retry_after(h, srv, route, name, lo, hi):
    conf, db = h.write_config(name, [(name, srv.url(route))])
    h.ctl(srv, "override", path=route, to="/ok/%s" % name)
    h.once(conf, "%s good" % name)
    h.ctl(srv, "clear")
    mark = srv.last_id()
    r = h.once(conf, name)
    reqs = srv.requests(route=route, since=mark)
    t_req = reqs[0]["t"] if reqs else r.t0
    with it.open_db(db) as d:
        row = d.feed(name)
        cls = "http429" if route == "/429" else "http5xx"
        h.check(row["error_class"] == cls and row["failures"] == 1,
                "%s: error_class %s, failures 1" % (name, cls),
                "class=%s failures=%s" % (row["error_class"],
                                          row["failures"]))
        h.check(len(d.items(name)) == 5, "%s: items kept" % name)
        ahead = row["next_fetch"] - int(t_req)
        h.check(lo <= ahead <= hi,
                "%s: next_fetch %ds after the request, within [%d, %d]"
                % (name, ahead, lo, hi))


def check_held(h, srv):
    feeds = [("busy", srv.url("/503")), ("held-a", srv.url("/ok/held-a")),
             ("held-b", srv.url("/ok/held-b"))]
    conf, db = h.write_config("held", feeds, per_host=1)
    mark = srv.last_id()
    r = h.run(["-c", conf, "--once"], timeout=60)
    h.note("held: heraldd --once %s" % r)
    reqs = [q["route"] for q in srv.requests(since=mark)]
    h.check(reqs == ["/503"], "held: only the feed that answered 503 is "
            "requested", reqs)
    h.check(r.rc == 75 and not r.timed_out,
            "held: heraldd --once exits 75 (EX_TEMPFAIL)",
            "rc=%s; stderr:\n%s" % (r.rc, it.tail(r.err)))
    for name in ("held-a", "held-b"):
        want = ("heraldd: feed %s: not fetched: its host 127.0.0.1:%d asked "
                "to wait 120 s (Retry-After), until " % (name, srv.port))
        h.check(want in r.err, "held: %s: the log says it was not fetched, "
                "why and until when" % name, r.err)
    want = ("done: 1 fetch, 1 feed in error, 2 feeds not fetched (held back "
            "by their host's Retry-After: run again later)")
    h.check(want in r.err, "held: the done: line counts them", r.err)
    with it.open_db(db) as d:
        for name in ("held-a", "held-b"):
            row = d.feed(name)
            ahead = (row["next_fetch"] or 0) - r.t0
            h.check(row["last_fetch"] is None and 100 <= ahead <= 150,
                    "held: %s: never fetched, next fetch at the host's time "
                    "(%d s ahead)" % (name, ahead), dict(row))
    # The next run (cron's): the feeds held back go first, the failing
    # one last; before, it went first again and held them back at every
    # run (review8).
    mark = srv.last_id()
    r = h.run(["-c", conf, "--once"], timeout=60)
    reqs = [q["route"] for q in srv.requests(since=mark)]
    h.check(len(reqs) == 3 and reqs[-1] == "/503" and r.rc == 0,
            "held, the next run: the two held feeds fetched first, then the "
            "failing one; exit 0", "requests %s rc=%s" % (reqs, r.rc))


def check_fetch_held(h, srv):
    """herald fetch while a host's Retry-After runs: the feeds of that
    host are not "due now" (review8): the answer counts them apart, with
    the time, and `herald fetch FEED` of one says it waits."""
    local = os.path.join(os.environ.get("TESTDATA") or
                         os.path.join(it.HERE, "data"), "feeds",
                         "eu-observer.rss")
    feeds = [("busy", srv.url("/503")), ("held-a", srv.url("/ok/held-a")),
             ("held-b", srv.url("/ok/held-b")), ("local", "file://" + local)]
    sock = h.path("fh.sock")
    conf, db = h.write_config("fetchheld", feeds, per_host=1,
                              control_socket=sock)
    log = h.path("fetchheld.log")
    with open(log, "w") as f:
        p = subprocess.Popen([h.heraldd, "-c", conf, "-f", "-v"], stdout=f,
                             stderr=f, stdin=subprocess.DEVNULL,
                             env=it.clean_env())
    h.procs.append(p)

    def cli(*args):
        return subprocess.run([al.herald_cli(), "fetch", "-c", conf] +
                              list(args),
                              capture_output=True, text=True, timeout=30,
                              env=it.clean_env())

    def busy_failed():
        try:
            with it.open_db(db) as d:
                row = d.feed("busy")
                return row is not None and (row["failures"] or 0) > 0
        except Exception:  # noqa: BLE001 (not there yet)
            return False

    ok = al.wait_until(lambda: os.path.exists(sock), 15)
    r = cli()
    ok = ok and al.wait_until(busy_failed, 40)
    h.check(ok, "fetch held: busy answered 503 + Retry-After", r.stdout)
    r = cli()
    m = re.match(r"1 feed due now; 3 wait for their host's Retry-After, "
                 r"until (\S+)\n$", r.stdout)
    h.check(r.returncode == 0 and m is not None,
            "fetch held: herald fetch counts the 3 feeds of the held host "
            "apart, not as due now", r.stdout + r.stderr)
    if m:
        until = calendar.timegm(time.strptime(m.group(1),
                                              "%Y-%m-%dT%H:%M:%SZ"))
        h.check(60 <= until - time.time() <= 125,
                "fetch held: until the host's time (Retry-After: 120)",
                m.group(1))
    r = cli("held-a")
    h.check(r.returncode == 0 and r.stdout.startswith(
        "feed held-a waits for its host's Retry-After, until "),
        "fetch held: herald fetch FEED says it waits", r.stdout + r.stderr)
    r = cli("local")
    h.check(r.stdout == "feed local is due now\n",
            "fetch held: a feed of another host is due now", r.stdout)
    p.terminate()
    p.wait(timeout=15)
    h.procs.remove(p)


if __name__ == "__main__":
    main()
