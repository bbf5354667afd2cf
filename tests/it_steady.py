#!/usr/bin/env python3
"""it_steady.py: what a fetch with nothing new costs (issue 11 item 4).

file:// feeds (no validators: every fetch is a whole body), run by
heraldd --once and, for the failure case, a foreground heraldd.  A trigger
the test adds to the database logs every write to items and item_feeds.
 - fresh: every entry stored, with its raw hash; the feed keeps the body's
   hash and its <ttl>;
 - the same body again, in a new process: "the same body as last time,
   not parsed", and not one write to items or item_feeds; the feed still
   succeeds and its next fetch still honours the stored <ttl>;
 - one entry changed and one added: only those two are converted and
   written ("2 of 4 ... 2 unchanged"); the changed text is what search
   finds, the old text is not;
 - a body whose store fails (a writer holds the database past heraldd's
   busy timeout) is not remembered as stored: the next fetch of that same
   body parses it and stores its new entry.
"""

import email.utils
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from it_common import Harness, clean_env, fts_check, open_db, tail  # noqa: E402,E501

HERE = os.path.dirname(os.path.abspath(__file__))
TTL_MIN = 180          # the feed's <ttl>, minutes: above the 15m interval
BASE = int(time.time()) - 86400   # the entries' dates: yesterday, fixed


def item(n, text):
    return ("<item><title>Article %d</title>"
            "<link>https://example.org/a/%d</link>"
            "<guid>https://example.org/a/%d</guid>"
            "<description>&lt;p&gt;%s&lt;/p&gt;</description>"
            "<pubDate>%s</pubDate></item>"
            % (n, n, n, text,
               email.utils.formatdate(BASE + 60 * n, usegmt=True)))


def write_feed(path, items):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0"><channel><title>Steady</title>'
            '<link>https://example.org/</link><ttl>%d</ttl>%s'
            '</channel></rss>\n' % (TTL_MIN, "".join(items)))
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(body)
    os.rename(tmp, path)


def add_write_log(db):
    """A table and triggers that record every write to the item tables."""
    c = sqlite3.connect(db)
    c.executescript("""
        CREATE TABLE IF NOT EXISTS t_writes (tbl TEXT, op TEXT, id INTEGER);
        CREATE TRIGGER IF NOT EXISTS t_items_i AFTER INSERT ON items
          BEGIN INSERT INTO t_writes VALUES ('items', 'i', new.id); END;
        CREATE TRIGGER IF NOT EXISTS t_items_u AFTER UPDATE ON items
          BEGIN INSERT INTO t_writes VALUES ('items', 'u', new.id); END;
        CREATE TRIGGER IF NOT EXISTS t_if_i AFTER INSERT ON item_feeds
          BEGIN INSERT INTO t_writes VALUES ('item_feeds', 'i', new.item_id);
          END;
        CREATE TRIGGER IF NOT EXISTS t_if_u AFTER UPDATE ON item_feeds
          BEGIN INSERT INTO t_writes VALUES ('item_feeds', 'u', new.item_id);
          END;
        DELETE FROM t_writes;
    """)
    c.commit()
    c.close()


def writes(db):
    with open_db(db) as d:
        return [(r["tbl"], r["op"], r["id"])
                for r in d.q("SELECT tbl, op, id FROM t_writes")]


def clear_writes(db):
    c = sqlite3.connect(db)
    c.execute("DELETE FROM t_writes")
    c.commit()
    c.close()


def main():
    h = Harness("it_steady")
    feed = h.path("steady.rss")
    texts = ["first text %d" % n for n in range(3)]
    write_feed(feed, [item(n, texts[n]) for n in range(3)])
    conf, db = h.write_config("steady", [("steady", "file://" + feed)])
    h.check_config(conf)

    # 1. fresh
    r = h.once(conf, "fresh")
    with open_db(db) as d:
        h.check(d.count_items() == 3, "fresh: 3 items", d.count_items())
        row = d.feed("steady")
        h.check(row["body_hash"] is not None,
                "fresh: the feed keeps its body's hash")
        h.check(row["ttl_hint"] == TTL_MIN * 60,
                "fresh: the feed keeps its <ttl> (%d s)" % (TTL_MIN * 60),
                row["ttl_hint"])
        raws = d.q("SELECT raw_hash FROM item_feeds")
        h.check(len(raws) == 3 and all(x["raw_hash"] is not None
                                      for x in raws),
                "fresh: every entry's raw hash is stored", raws)
        next1 = row["next_fetch"] - row["last_fetch"]
    h.check(next1 >= TTL_MIN * 60 * 0.85,
            "fresh: the next fetch honours <ttl> (%d s)" % next1)
    add_write_log(db)

    # 2. the same body, a new process: nothing parsed, nothing written
    r = h.once(conf, "again")
    h.check("steady: the same body as last time, not parsed" in r.err,
            "again: the same body is not parsed", tail(r.err))
    h.check(writes(db) == [], "again: no write to items or item_feeds",
            writes(db))
    with open_db(db) as d:
        row = d.feed("steady")
        h.check(row["error_class"] is None and row["failures"] == 0 and
                row["last_success"] == row["last_fetch"],
                "again: the fetch counts as a success", dict(row))
        next2 = row["next_fetch"] - row["last_fetch"]
    h.check(next2 >= TTL_MIN * 60 * 0.85,
            "again: the stored <ttl> still sets the next fetch (%d s)" % next2)

    # 3. one entry changed, one added: only those are converted and written
    texts[1] = "second version zanzibarian"
    texts.append("a new one")
    write_feed(feed, [item(n, texts[n]) for n in range(4)])
    r = h.once(conf, "changed")
    h.check("steady: 1 new, 1 updated of 4 items (2 unchanged, not "
            "converted)" in r.err,
            "changed: 1 new, 1 updated, 2 unchanged entries skipped",
            tail(r.err))
    with open_db(db) as d:
        ids = {x["link"]: x["id"] for x in d.q("SELECT id, link FROM items")}
        hits = d.q("SELECT rowid FROM items_fts WHERE items_fts MATCH"
                   " 'zanzibarian'")
        old = d.q("SELECT rowid FROM items_fts WHERE items_fts MATCH"
                  " '\"first text 1\"'")
    touched = {w[2] for w in writes(db)}
    want = {ids["https://example.org/a/1"], ids["https://example.org/a/3"]}
    h.check(touched == want,
            "changed: writes only to the changed and the new item",
            "wrote %s, want %s" % (sorted(touched), sorted(want)))
    h.check([x["rowid"] for x in hits] == [ids["https://example.org/a/1"]]
            and old == [],
            "changed: search finds the new text, not the old", (hits, old))
    h.check(fts_check(db) == "ok", "changed: the search index is sound",
            fts_check(db))
    herald = os.path.join(os.environ.get("top_builddir",
                                         os.path.join(HERE, "..")),
                          "cli", "herald")
    if os.access(herald, os.X_OK):
        p = subprocess.run([herald, "search", "-c", conf, "zanzibarian"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30, env=clean_env())
        h.check(p.returncode == 0 and "Article 1" in p.stdout,
                "changed: herald search finds the changed summary",
                p.stdout + p.stderr)

    # 4. a store that fails leaves nothing remembered
    failing_store(h, conf, db, feed, texts)
    h.finish()


def failing_store(h, conf, db, feed, texts):
    rundir = h.path("run")
    os.mkdir(rundir, 0o750)
    sock = os.path.join(rundir, "heraldd.sock")
    env = clean_env({"RUNTIME_DIRECTORY": rundir})
    errpath = h.path("daemon.err")
    with open(errpath, "w") as fe:
        p = subprocess.Popen([h.heraldd, "-f", "-v", "-c", conf], env=env,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=fe)
    h.procs.append(p)

    def log():
        with open(errpath, errors="replace") as f:
            return f.read()

    def wait_for(pred, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.1)
        return pred()

    herald = os.path.join(os.environ.get("top_builddir",
                                         os.path.join(HERE, "..")),
                          "cli", "herald")

    def fetch():
        return subprocess.run([herald, "fetch", "steady"], env=env,
                              timeout=30, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    if not h.check(wait_for(lambda: os.path.exists(sock), 20),
                   "daemon: the control socket appears", tail(log())):
        return
    write_feed(feed, [item(n, texts[n]) for n in range(4)] +
               [item(4, "stored only the second time")])
    # a writer holds the database longer than heraldd's busy timeout (5 s)
    lock = sqlite3.connect(db, timeout=10)
    lock.execute("BEGIN IMMEDIATE")
    n0 = log().count("storing the fetch failed")
    fetch()
    ok = wait_for(lambda: log().count("storing the fetch failed") > n0, 30)
    lock.rollback()
    lock.close()
    h.check(ok, "daemon: the store fails while the database is held",
            tail(log()))
    with open_db(db) as d:
        h.check(d.count_items() == 4, "daemon: nothing stored meanwhile",
                d.count_items())
    n1 = log().count("steady: 1 new")
    fetch()
    ok = wait_for(lambda: log().count("steady: 1 new") > n1, 30)
    h.check(ok and "steady: the same body as last time" not in
            log().split("storing the fetch failed")[-1],
            "daemon: the same body after the failure is parsed and stored",
            tail(log()))
    with open_db(db) as d:
        h.check(d.count_items() == 5, "daemon: the fifth item is stored",
                d.count_items())
    p.terminate()
    p.wait(timeout=10)
    h.procs.remove(p)


if __name__ == "__main__":
    main()
