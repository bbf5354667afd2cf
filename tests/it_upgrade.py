#!/usr/bin/env python3
"""it_upgrade.py: a start that upgrades the database, and a retention
pass over a backlog, under a service manager.

The schema's upgrade runs inside the start, before READY=1, one
transaction per step; on a large database a step that rebuilds the search
index or gives every stored article its story takes minutes (a 1,000-feed
database of 50,252 articles from before stories: 25.6 s here), longer
than the unit's TimeoutStartSec=60s, and systemd killed the start, which
began again from the same step, forever.  Checked, with a datagram socket
as $NOTIFY_SOCKET:
 - a database three schema versions old: the log says the upgrade starts
   (from which version to which) and how long it took; before READY=1
   each step sent EXTEND_TIMEOUT_USEC= with a STATUS= naming it; the
   database is at the new version;
 - the next start upgrades nothing: no such line, no EXTEND_TIMEOUT_USEC=;
 - a retention lowered over articles no feed carries any more: the start
   prunes them (the pass is bounded in time, test_store test_prune_passes)
   and says so, and READY=1 follows.
file:// feeds only; every wait is bounded.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402

BACK = 3        # schema versions the database is moved back


def write_feed(path, n, tag):
    items = "".join(
        "<item><title>%s article %d on the budget</title>"
        "<link>https://example.org/%s/%d</link>"
        "<description>Ministers discussed point %d of the budget.</description>"
        "</item>" % (tag, i, tag, i, i) for i in range(n))
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">'
                "<channel><title>Upgrade</title><link>https://example.org/"
                "</link>%s</channel></rss>\n" % items)


def start(h, conf, sock_path, label):
    """heraldd -f under a fake service manager until READY=1 (30 s at
    most), then SIGTERM; returns (messages before READY, all, stderr)."""
    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.2)
    err_path = h.path("%s.err" % label)
    with open(err_path, "w") as fe:
        p = subprocess.Popen(["timeout", "-s", "KILL", "60", h.heraldd,
                              "-c", conf, "-f", "-v"],
                             stdout=subprocess.DEVNULL, stderr=fe,
                             env=it.clean_env({"NOTIFY_SOCKET": sock_path}),
                             start_new_session=True)
    h.procs.append(p)
    msgs, before, ready = [], None, False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and p.poll() is None:
        try:
            m = sock.recv(65536).decode("utf-8", "replace")
        except socket.timeout:
            continue
        msgs.append(m)
        if "READY=1" in m.split("\n") and not ready:
            ready = True
            before = msgs[:-1]
            p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    h.procs.remove(p)
    sock.close()
    with open(err_path, errors="replace") as f:
        err = f.read()
    h.check(ready, "%s: READY=1 within 30 s" % label, it.tail(err))
    return before or [], msgs, err


def fields(m):
    return dict(kv.split("=", 1) for kv in m.split("\n") if "=" in kv)


def main():
    h = it.Harness("it_upgrade")
    feed = h.path("feed.xml")
    write_feed(feed, 40, "a")
    conf, db = h.write_config("up", [("up", "file://" + feed)],
                              control_socket=h.path("ctl.sock"))
    h.check_config(conf)
    h.once(conf, "a new database")
    with sqlite3.connect(db) as c:
        version = c.execute("PRAGMA user_version").fetchone()[0]
    h.check(version > BACK, "the new database has a schema version", version)
    old = version - BACK
    # The last steps rebuild indexes and triggers from what is stored,
    # and run again over a database that has them.
    c = sqlite3.connect(db)
    c.execute("PRAGMA user_version = %d" % old)
    c.commit()
    c.close()

    sock_path = h.path("notify.sock")
    before, _, err = start(h, conf, sock_path, "upgrade")
    h.check("upgrading the database from schema version %d to %d"
            % (old, version) in err,
            "the log says the upgrade starts, from and to which version",
            it.tail(err))
    h.check("database upgraded to schema version %d in" % version in err,
            "the log says the upgrade ended and how long it took",
            it.tail(err))
    ext = [fields(m) for m in before if "EXTEND_TIMEOUT_USEC" in m]
    steps = sorted({f.get("STATUS", "") for f in ext})
    want = ["upgrading the database: schema version %d of %d" % (v, version)
            for v in range(old + 1, version + 1)]
    h.check(steps == sorted(want),
            "before READY=1 each upgrade step extended the start timeout "
            "with a STATUS= naming it", (steps, before))
    h.check(all(int(f["EXTEND_TIMEOUT_USEC"]) >= 30 * 1000000 for f in ext),
            "each extension is at least 30 s", ext)
    with sqlite3.connect(db) as c:
        now = c.execute("PRAGMA user_version").fetchone()[0]
    h.check(now == version, "the database is at the new version", now)

    before, _, err = start(h, conf, sock_path, "no upgrade")
    h.check("upgrading" not in err and
            not any("EXTEND_TIMEOUT_USEC" in m for m in before),
            "the next start upgrades nothing and extends nothing",
            (before, it.tail(err)))

    # A retention lowered over articles that no feed carries any more:
    # the feed now carries others, the old ones are 60 days old.
    write_feed(feed, 40, "b")
    h.once(conf, "the feed moves on")
    c = sqlite3.connect(db)
    c.execute("UPDATE items SET first_seen = first_seen - 60 * 86400"
              " WHERE link LIKE 'https://example.org/a/%'")
    c.commit()
    c.close()
    text = open(conf, encoding="utf-8").read().replace(
        "[herald]\n", "[herald]\nretention = 30d\n", 1)
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    before, _, err = start(h, conf, sock_path, "retention")
    h.check("pruned 40 items older than the retention of 30 days" in err,
            "the start prunes the 40 articles past the retention",
            it.tail(err))
    with sqlite3.connect(db) as c:
        left = c.execute("SELECT count(*) FROM items WHERE link LIKE"
                         " 'https://example.org/a/%'").fetchone()[0]
        kept = c.execute("SELECT count(*) FROM items WHERE link LIKE"
                         " 'https://example.org/b/%'").fetchone()[0]
    h.check(left == 0 and kept == 40,
            "the old articles are gone, the feed's current ones stay",
            (left, kept))

    # The same under --once, the only run a cron job makes (review7: the
    # retention applied only in a daemon that ran on).
    write_feed(feed, 40, "c")
    h.once(conf, "the feed moves on again")
    c = sqlite3.connect(db)
    c.execute("UPDATE items SET first_seen = first_seen - 60 * 86400"
              " WHERE link LIKE 'https://example.org/b/%'")
    c.commit()
    c.close()
    r = h.once(conf, "--once with a retention")
    h.check("pruned 40 items older than the retention of 30 days" in
            r.err, "heraldd --once prunes the 40 articles past the "
            "retention", it.tail(r.err))
    with sqlite3.connect(db) as c:
        left = c.execute("SELECT count(*) FROM items WHERE link LIKE"
                         " 'https://example.org/b/%'").fetchone()[0]
    h.check(left == 0, "--once: the old articles are gone", left)

    # A cron job that did not run for longer than the retention: the
    # feed's articles are old, and so is its last success.  --once
    # fetches first, then prunes: the articles still in the feed stay,
    # under their ids, and nothing comes back as new (review8: pruned
    # first, they were deleted, then stored and alerted again).
    with sqlite3.connect(db) as c:
        ids = sorted(r[0] for r in c.execute(
            "SELECT id FROM items WHERE link LIKE 'https://example.org/c/%'"))
        c.execute("UPDATE items SET first_seen = first_seen - 60 * 86400"
                  " WHERE link LIKE 'https://example.org/c/%'")
        c.execute("UPDATE feeds SET last_success = last_success - 60 * 86400,"
                  " last_fetch = last_fetch - 60 * 86400")
    r = h.once(conf, "--once after a gap longer than the retention")
    with sqlite3.connect(db) as c:
        after = sorted(r2[0] for r2 in c.execute(
            "SELECT id FROM items WHERE link LIKE 'https://example.org/c/%'"))
    h.check(len(ids) == 40 and after == ids and "pruned" not in r.err,
            "--once after a long gap keeps the feed's current articles "
            "under their ids, none pruned", (len(ids), len(after),
                                              it.tail(r.err)))
    h.finish()


if __name__ == "__main__":
    main()
