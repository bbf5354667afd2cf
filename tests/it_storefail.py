#!/usr/bin/env python3
"""it_storefail.py: a fetch whose store fails loses nothing (issue 8 items
2 and 6; RELIABILITY.md case 41).

A feed on tests/evilserver.py's /feed-rev grows with a revision and
honours If-None-Match.  heraldd runs in the foreground; SIGUSR1 makes it
fetch.  Each case makes the store fail during one fetch, then clears the
fault and fetches again.  That next fetch must not send the validators of
the fetch that was never stored: it is a full GET (no If-None-Match when
nothing was stored before, the old ETag otherwise), answered 200, and
every article is stored.  The failed fetch leaves the feed's row as it
was, and the log says the articles were not stored (never "nothing was
lost").

  lock    another process holds BEGIN IMMEDIATE across the fetch (twice:
          the first fetch ever, then a changed feed)
  tmpfs   the database on a 2 MB tmpfs that fills, then is made larger
          (skipped when mount is not allowed); the empty schema with the
          digest tables (16 KB a table or index) and the seed's WAL no
          longer fit in 1 MB, while the 400 articles of the fill still
          overflow 2 MB
  fsize   heraldd under RLIMIT_FSIZE (prlimit): SIGXFSZ must not kill it,
          EFBIG takes the disk-full path; the limit is then lifted
  once    heraldd --once whose store fails exits non-zero, naming the feed
"""

import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

ROUTE = "/feed-rev"
FAILED = "storing the fetch failed"
HOLD = r"""
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
"""


class Case:
    def __init__(self, h, srv, name, query, dbdir=None):
        self.h = h
        self.srv = srv
        self.name = name
        d = dbdir or h.path(name)
        os.makedirs(d, exist_ok=True)
        self.conf, self.db = h.write_config(
            name, [("rev", srv.url(ROUTE + query))],
            db=os.path.join(d, "herald.db"))
        self.d = None

    def rev(self, n):
        self.h.ctl(self.srv, "rev", n=n)

    def row(self):
        with it.open_db(self.db) as db:
            r = db.feed("rev")
            return {k: r[k] for k in ("etag", "last_modified", "last_fetch",
                                      "next_fetch", "failures", "url")}

    def items(self):
        with it.open_db(self.db) as db:
            return len(db.items("rev"))

    def start(self, prefix=()):
        self.d = al.Daemon(self.h, self.conf, "heraldd-" + self.name,
                           prefix=prefix)
        return self.h.check(self.d.wait_log("started:", 20),
                            "%s: heraldd starts" % self.name,
                            it.tail(self.d.text()))

    def fetch(self, timeout=30):
        """SIGUSR1; the request the server saw and how it ended."""
        mark = self.srv.last_id()
        self.d.send(signal.SIGUSR1)
        al.wait_until(lambda: self.srv.ends(ROUTE, since=mark), timeout)
        reqs = self.srv.requests(ROUTE, since=mark)
        ends = self.srv.ends(ROUTE, since=mark)
        req = reqs[-1] if reqs else {"headers": {}}
        return (req["headers"].get("if-none-match"),
                ends[-1]["status"] if ends else None)

    def failed_lines(self):
        return [ln for ln in self.d.text().splitlines() if FAILED in ln]

    def fail_then_recover(self, what, inm_before, n_before, n_after,
                          make_fault, clear_fault):
        """One fetch under the fault, one after it: the checks."""
        h = self.h
        before = self.row()
        nfail = len(self.failed_lines())
        make_fault()
        inm, status = self.fetch()
        ok = al.wait_until(lambda: len(self.failed_lines()) > nfail, 30)
        h.check(ok and status == 200,
                "%s: %s: the fetch (200) is not stored, and heraldd says so"
                % (self.name, what), it.tail(self.d.text()))
        h.check(self.d.p.poll() is None, "%s: %s: heraldd still runs"
                % (self.name, what), "rc=%s" % self.d.p.returncode)
        lines = self.failed_lines()[nfail:]
        h.check(lines and not any("nothing was lost" in ln for ln in lines)
                and any("not stored" in ln or "stays as it was" in ln
                        for ln in lines),
                "%s: %s: the log does not say nothing was lost" %
                (self.name, what), lines)
        clear_fault()
        h.check(self.row() == before and self.items() == n_before,
                "%s: %s: the feed's row and articles are as before the "
                "fetch" % (self.name, what),
                "%s / %s, %d articles" % (before, self.row(), self.items()))
        inm, status = self.fetch()
        ok = al.wait_until(lambda: self.items() == n_after, 20)
        h.check(inm == inm_before and status == 200,
                "%s: %s: the next fetch is a full GET (If-None-Match %s), "
                "answered 200" % (self.name, what, inm_before),
                "If-None-Match %r, status %s" % (inm, status))
        h.check(ok, "%s: %s: then every article is stored (%d)" %
                (self.name, what, n_after), "%d articles" % self.items())

    def stop(self):
        if self.d is not None:
            self.d.stop()
            with it.open_db(self.db) as db:
                self.h.check(db.integrity() == "ok",
                             "%s: the database is intact" % self.name)


def hold_lock(h, db, secs):
    p = subprocess.Popen([h.py, "-c", HOLD, db, str(secs)],
                         stdout=subprocess.PIPE, text=True)
    h.procs.append(p)
    if p.stdout.readline().strip() != "locked":
        raise RuntimeError("could not take the lock on %s" % db)
    return p


def case_lock(h, srv):
    c = Case(h, srv, "lock", "?n=5&add=2")
    # a first --once stores the feed's error, no validators, and a
    # backoff (from the interval) that outlasts the test
    h.ctl(srv, "override", path=ROUTE, to="/404")
    h.run(["-c", c.conf, "--once"], timeout=60)
    h.ctl(srv, "clear")
    c.rev(0)
    if not c.start():
        return
    holder = []

    def lock():
        holder.append(hold_lock(h, c.db, 8))

    def unlock():
        holder.pop().wait(timeout=30)

    c.fail_then_recover("the first fetch", None, 0, 5, lock, unlock)
    c.rev(1)
    c.fail_then_recover("a changed feed", '"rev-0"', 5, 7, lock, unlock)
    inm, status = c.fetch()
    h.check(inm == '"rev-1"' and status == 304,
            "lock: the fetch after that sends the stored ETag: 304",
            "If-None-Match %r, status %s" % (inm, status))
    c.stop()


def case_tmpfs(h, srv):
    mnt = h.path("tmpfs")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
                        mnt], capture_output=True, text=True)
    if r.returncode != 0:
        h.note("tmpfs: cannot mount (%s): case skipped, fsize covers a "
               "full disk" % r.stderr.strip())
        return
    h.cleanups.append(lambda: subprocess.run(["umount", "-l", mnt]))
    c = Case(h, srv, "tmpfs", "?n=5&add=400&pad=3000", dbdir=mnt)
    c.rev(0)
    h.once(c.conf, "tmpfs: seed", verbose=False)
    if not c.start():
        return
    c.rev(1)

    def grow():
        subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)

    c.fail_then_recover("the disk is full", '"rev-0"', 5, 405,
                        lambda: None, grow)
    c.stop()


def case_fsize(h, srv):
    if shutil.which("prlimit") is None:
        h.note("fsize: no prlimit: case skipped")
        return
    c = Case(h, srv, "fsize", "?n=5&add=400&pad=3000")
    c.rev(0)
    h.once(c.conf, "fsize: seed", verbose=False)
    sizes = [os.path.getsize(p) for p in (c.db, c.db + "-wal")
             if os.path.exists(p)]
    limit = max(sizes) + 256 * 1024
    h.note("fsize: RLIMIT_FSIZE %d bytes" % limit)
    if not c.start(prefix=["prlimit", "--fsize=%d:unlimited" % limit]):
        return
    c.rev(1)

    def lift():
        if c.d.p.poll() is None:
            subprocess.run(["prlimit", "--pid", str(c.d.p.pid),
                            "--fsize=unlimited:unlimited"])

    c.fail_then_recover("RLIMIT_FSIZE", '"rev-0"', 5, 405, lambda: None,
                        lift)
    c.stop()


def case_once(h, srv):
    c = Case(h, srv, "once", "?n=5&add=2&delay=2")
    c.rev(0)
    h.once(c.conf, "once: seed", verbose=False)
    c.rev(1)
    # the lock is taken once the fetch is under way (heraldd has started)
    mark = srv.last_id()
    err = open(h.path("once.err"), "w")
    p = subprocess.Popen(["timeout", "-s", "KILL", "60", h.heraldd, "-c",
                          c.conf, "--once"], stdout=subprocess.DEVNULL,
                         stderr=err, env=it.clean_env())
    h.procs.append(p)
    al.wait_until(lambda: srv.requests(ROUTE, since=mark), 20)
    holder = hold_lock(h, c.db, 10)
    rc = p.wait(timeout=70)
    h.procs.remove(p)
    err.close()
    holder.wait(timeout=30)
    with open(h.path("once.err"), errors="replace") as f:
        text = f.read()
    h.note("once: heraldd --once under the lock: rc=%s" % rc)
    h.check(rc != 0 and rc != -9,
            "once: heraldd --once whose store failed exits non-zero",
            "rc=%s\n%s" % (rc, it.tail(text)))
    h.check(any(FAILED in ln and "feed rev" in ln
                for ln in text.splitlines()),
            "once: its log names the feed whose store failed",
            it.tail(text))
    h.once(c.conf, "once: again, no lock", verbose=False)
    h.check(c.items() == 7, "once: the next --once stores every article",
            "%d articles" % c.items())


def main():
    h = it.Harness("it_storefail")
    srv = h.start_server()
    case_lock(h, srv)
    case_tmpfs(h, srv)
    case_fsize(h, srv)
    case_once(h, srv)
    h.finish()


if __name__ == "__main__":
    main()
