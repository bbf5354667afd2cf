#!/usr/bin/env python3
"""it_crash.py: kill -9 and SIGTERM mid-ingest (catalogue case 32).

A corpus of 200 feeds of 60 items each (about 50 KB per feed) comes from
the evil server's /ok/NAME?rev=1: every item's description carries the
server's revision, which the test bumps before each run so that every
run rewrites every item (updates in place: the write-heavy case).

 1. A clean --once on a fresh database: its time T and item count N.
 2. On a second database, at least 20 times (bounded: at most 60 tries
    and 150 s): bump the revision, start heraldd --once, kill -9 it after
    a random delay in [0.05, 1.1 T] s (the upper bound shrinks to 0.9 of
    the shortest run that finished before its kill).  After each kill (a restart opens
    the database as the daemon would) the database passes integrity_check
    and holds no partial batch: every feed has 0 or 60 items, all of one
    revision (one transaction per fetched feed).  At least a quarter of
    the kills must land mid-ingest (some feeds of that run committed, not
    all), or the loop proved nothing.
 3. One clean --once: integrity_check and the FTS5 integrity-check pass,
    the item count is N, the (feed, guid) pairs are the clean run's, every
    item carries the last revision and every feed is without error.
 4. SIGTERM at three moments of a fresh ingest (fractions of the shortest
    run seen; a feed that never answers and a 10 MB feed in the set):
    heraldd exits within 5 s each time, the database passes
    integrity_check, no partial batch; a last clean --once completes it.
HERALD_IT_SEED=n replays the random delays.
"""

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402

NFEEDS = 200
NITEMS = 60
PAD = 600
MIN_KILLS = 20
MAX_TRIES = 60
LOOP_SECS = 150
REV = re.compile(r"Revision (\d+)\.")


def corpus(srv):
    return [("c%03d" % i, srv.url("/ok/c%03d?n=%d&pad=%d&rev=1"
                                  % (i, NITEMS, PAD)))
            for i in range(NFEEDS)]


def start(h, conf, tag):
    err = open(h.path("%s.err" % tag), "a")
    p = subprocess.Popen([h.heraldd, "-c", conf, "--once"],
                         stdout=subprocess.DEVNULL, stderr=err,
                         stdin=subprocess.DEVNULL, env=it.clean_env())
    err.close()
    h.procs.append(p)
    return p


def reap(h, p, timeout):
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    h.procs.remove(p)
    return p.returncode


def batches(dbpath, nitems=NITEMS, only=None, revs=None):
    """Feeds whose items are not all-or-nothing of one revision (and, in
    `revs` if given, each feed's revision)."""
    c = sqlite3.connect(dbpath, timeout=10)  # read-write: WAL recovery
    bad = []
    try:
        rows = c.execute(
            "SELECT f.name, i.summary FROM feeds f"
            " JOIN item_feeds x ON x.feed_id = f.id"
            " JOIN items i ON i.id = x.item_id").fetchall()
    finally:
        c.close()
    per = {}
    for name, summary in rows:
        if only is not None and name not in only:
            continue
        m = REV.search(summary or "")
        per.setdefault(name, []).append(m.group(1) if m else None)
    for name, rv in per.items():
        if len(rv) != nitems or len(set(rv)) != 1:
            bad.append((name, len(rv), sorted(set(map(str, rv)))))
        if revs is not None:
            revs[name] = rv[0]
    return bad


def integrity(dbpath):
    c = sqlite3.connect(dbpath, timeout=10)
    try:
        return c.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        c.close()


def main():
    h = it.Harness("it_crash")
    seed = int(os.environ.get("HERALD_IT_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    h.note("seed %d (HERALD_IT_SEED=%d replays it)" % (seed, seed))
    srv = h.start_server(time_limit=300)
    feeds = corpus(srv)
    t_all = time.monotonic()

    # 1. The clean run.
    h.ctl(srv, "rev", n=0)
    conf_a, db_a = h.write_config("clean", feeds)
    h.check_config(conf_a)
    r = h.once(conf_a, "clean run", verbose=False)
    T = r.secs
    with it.open_db(db_a) as d:
        n_clean = d.count_items()
        pairs_clean = sorted((x["name"], x["guid"]) for x in d.q(
            "SELECT f.name, x.guid FROM item_feeds x"
            " JOIN feeds f ON f.id = x.feed_id"))
    h.check(n_clean == NFEEDS * NITEMS, "clean run: %d items (%d feeds x %d)"
            % (n_clean, NFEEDS, NITEMS))

    # 2. The kill loop.
    conf_b, db_b = h.write_config("killed", feeds)
    landed = finished = midway = 0
    committed = []
    broken = []
    delays = []
    upper = 1.1 * T
    t0 = time.monotonic()
    for i in range(MAX_TRIES):
        if landed >= MIN_KILLS or time.monotonic() - t0 > LOOP_SECS:
            break
        h.ctl(srv, "rev", n=i + 1)
        delay = rng.uniform(0.05, max(0.2, upper))
        p = start(h, conf_b, "killed")
        t_run = time.monotonic()
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
        killed = p.poll() is None
        if killed:
            p.send_signal(signal.SIGKILL)
            landed += 1
            delays.append(round(delay, 2))
        else:
            # A run that rewrites every item can be quicker than the
            # clean run: aim the next delays inside the shortest run seen.
            finished += 1
            upper = min(upper, 0.9 * (time.monotonic() - t_run))
        reap(h, p, 10)
        ic = integrity(db_b)
        if ic != "ok":
            broken.append("try %d (%.2f s): integrity_check: %s"
                          % (i, delay, ic))
        revs = {}
        bad = [b for b in batches(db_b, revs=revs) if b[1] != 0]
        if bad:
            broken.append("try %d (%.2f s): partial batches %s"
                          % (i, delay, bad[:3]))
        if killed:
            done = sum(1 for v in revs.values() if v == str(i + 1))
            committed.append(done)
            if 0 < done < NFEEDS:
                midway += 1
    h.note("kill loop: %d kills landed, %d runs finished first, %.1f s; "
           "delays %s" % (landed, finished, time.monotonic() - t0, delays))
    h.note("feeds committed in each killed run (of %d): %s"
           % (NFEEDS, committed))
    h.check(landed >= MIN_KILLS, "kill -9 landed %d times (>= %d)"
            % (landed, MIN_KILLS))
    h.check(midway >= MIN_KILLS // 4, "%d kills landed mid-ingest (some "
            "feeds of that run committed, not all; >= %d)"
            % (midway, MIN_KILLS // 4))
    h.check(not broken, "after every kill: integrity ok, no partial batch",
            "\n      ".join(broken[:10]))

    # 3. One clean run over the killed database.
    last = MAX_TRIES + 1
    h.ctl(srv, "rev", n=last)
    h.once(conf_b, "after the kills", verbose=False)
    with it.open_db(db_b) as d:
        h.check(d.integrity() == "ok", "after the kills: integrity_check ok")
        n = d.count_items()
        h.check(n == n_clean, "after the kills: %d items, as the clean run "
                "(%d)" % (n, n_clean))
        pairs = sorted((x["name"], x["guid"]) for x in d.q(
            "SELECT f.name, x.guid FROM item_feeds x"
            " JOIN feeds f ON f.id = x.feed_id"))
        h.check(pairs == pairs_clean,
                "after the kills: the same (feed, guid) pairs as the clean "
                "run")
        stale = d.one("SELECT count(*) FROM items WHERE summary NOT LIKE ?",
                      "%%Revision %d.%%" % last)
        h.check(stale == 0, "after the kills: every item carries the last "
                "revision (%d stale)" % stale)
        err = d.q("SELECT name, error_class, last_error FROM feeds"
                  " WHERE error_class IS NOT NULL OR failures != 0")
        h.check(not err, "after the kills: no feed in error", err[:5])
    h.check(it.fts_check(db_b) == "ok", "after the kills: items_fts "
            "integrity-check ok")

    # 4. SIGTERM mid-ingest.
    big = ("big", srv.url("/ok/big?n=5000&pad=2000&rev=1"))
    hang = ("hang", srv.url("/hang"))
    conf_c, db_c = h.write_config("term", feeds + [big, hang])
    names = {f[0] for f in feeds}
    # The moments are fractions of the shortest run seen, so that a slow
    # clean run (a loaded machine) does not send them after the end.
    base = min(T, upper)
    for k, frac in enumerate((0.15, 0.5, 0.9)):
        h.ctl(srv, "rev", n=1000 + k)
        p = start(h, conf_c, "term")
        time.sleep(max(0.1, frac * base))
        still = p.poll() is None
        ts = time.monotonic()
        p.send_signal(signal.SIGTERM)
        rc = reap(h, p, 10)
        secs = time.monotonic() - ts
        h.check(still and secs <= 5,
                "SIGTERM at %.2f s: exit within 5 s (%.2f s, rc %s%s)"
                % (frac * base, secs, rc, "" if still else ", had finished"))
        h.check(integrity(db_c) == "ok",
                "SIGTERM at %.2f s: integrity_check ok" % (frac * base))
        bad = [b for b in batches(db_c, only=names) if b[1] != 0]
        h.check(not bad, "SIGTERM at %.2f s: no partial batch"
                % (frac * base), bad[:3])
    h.once(conf_c, "after SIGTERM", verbose=False)
    bad = batches(db_c, only=names)
    h.check(not bad, "after SIGTERM: every corpus feed complete", bad[:3])
    with it.open_db(db_c) as d:
        nb = len(d.items("big"))
        h.check(0 < nb <= 500, "after SIGTERM: the 10 MB feed stored "
                "(%d items, max-items 500)" % nb)
    h.note("total %.1f s" % (time.monotonic() - t_all))
    h.finish()


if __name__ == "__main__":
    main()
