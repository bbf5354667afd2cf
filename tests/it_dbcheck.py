#!/usr/bin/env python3
"""it_dbcheck.py: when heraldd reads its whole database with PRAGMA
quick_check (issue 11 item 5).

The check reads every page (3.9 s of a 9.7 s poll of 10,000 feeds), so a
start runs it only when it can matter, and says why in its log:
 - a new database, then a clean --once after a clean --once: no check;
 - a heraldd killed with SIGKILL: the next start checks ("not closed
   cleanly"), and the one after does not;
 - the last check six days old: no check; eight days old (the clock moved
   on with faketime): a check, and the record is new again;
 - heraldd --check-database checks when asked and exits 0;
 - a damaged file after an unclean close is refused at the start, exit 1,
   the file untouched; after a clean close the start trusts it, but
   --check-database finds the damage and exits 1, and the starts after
   that check and refuse (DATABASE.damaged);
 - a start refused by its configuration after the store opened still
   closes it cleanly: the next start does not check.
file:// feeds only.  Registered in tests/ahead/: the week is measured on
the test's own clock, a year ahead there.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402

CHECKING = "checking it (PRAGMA quick_check"
FAKETIME = it.FAKETIME_LIB


def write_feed(path, n):
    items = "".join(
        "<item><title>Article %d about the budget</title>"
        "<link>https://example.org/a/%d</link>"
        "<description>Ministers talked about item %d at length, %s</description>"
        "</item>" % (i, i, i, "and more words " * 20) for i in range(n))
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">'
                "<channel><title>Check</title><link>https://example.org/</link>"
                "%s</channel></rss>\n" % items)


def run(h, conf, args, at=None, timeout=60):
    """heraldd ARGS (under libfaketime at the absolute time `at`), in a
    process group of its own: a timeout kills the group."""
    argv = [h.heraldd, "-c", conf] + args
    env = None
    if at is not None:
        env = it.faketime_env(time.strftime("@%Y-%m-%d %H:%M:%S",
                                            time.localtime(at)))
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=it.clean_env(env),
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        err += "\n(killed after %d s)" % timeout
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


def once(h, conf, what, at=None):
    r = run(h, conf, ["--once", "-v"], at=at)
    h.check(r.returncode == 0, "%s: heraldd --once exits 0" % what,
            it.tail(r.stderr))
    return r


def checked(r):
    return CHECKING in r.stderr


def meta(db, key):
    with sqlite3.connect("file:%s?mode=ro" % db, uri=True) as c:
        row = c.execute("SELECT value FROM store_meta WHERE key = ?",
                        (key,)).fetchone()
    return row[0] if row else None


def set_checked(db, when):
    c = sqlite3.connect(db)
    c.execute("UPDATE store_meta SET value = ? WHERE key = 'checked'",
              (int(when),))
    c.commit()
    c.close()


def kill_daemon(h, conf, what):
    """A foreground heraldd, SIGKILLed once it has started."""
    log = h.path("daemon.log")
    with open(log, "w") as f:
        p = subprocess.Popen([h.heraldd, "-c", conf, "-f", "-v"], stdout=f,
                             stderr=f, stdin=subprocess.DEVNULL,
                             env=it.clean_env())
    h.procs.append(p)
    end = time.monotonic() + 30
    started = False
    while time.monotonic() < end and p.poll() is None:
        with open(log, errors="replace") as f:
            if "started:" in f.read():
                started = True
                break
        time.sleep(0.1)
    h.check(started, "%s: heraldd -f starts" % what)
    p.kill()
    p.wait(timeout=10)
    h.procs.remove(p)


def damage(path):
    """Flips bytes at the start of every other page past the first two."""
    with open(path, "r+b") as f:
        data = f.read(100)
        psz = int.from_bytes(data[16:18], "big")
        psz = 65536 if psz == 1 else psz
        size = os.path.getsize(path)
        for pg in range(3, size // psz, 2):
            f.seek((pg - 1) * psz)
            b = bytearray(f.read(12))
            f.seek((pg - 1) * psz)
            f.write(bytes(x ^ 0xa5 for x in b))


def main():
    h = it.Harness("it_dbcheck")
    feed = h.path("feed.xml")
    write_feed(feed, 300)
    conf, db = h.write_config("check", [("check", "file://" + feed)])
    h.check_config(conf)

    r = once(h, conf, "a new database")
    h.check(not checked(r), "a new database is not checked", it.tail(r.stderr))
    h.check(meta(db, "open") == 0 and meta(db, "checked") is not None,
            "a clean close is recorded, with the time of the check",
            (meta(db, "open"), meta(db, "checked")))
    r = once(h, conf, "after a clean --once")
    h.check(not checked(r), "after a clean --once the next does not check",
            it.tail(r.stderr))

    kill_daemon(h, conf, "killed")
    h.check(meta(db, "open") == 1, "a killed heraldd leaves 'open' at 1",
            meta(db, "open"))
    r = once(h, conf, "after SIGKILL")
    h.check(checked(r) and "not closed cleanly" in r.stderr and
            "database is sound" in r.stderr,
            "after SIGKILL the next start checks and says why",
            it.tail(r.stderr))
    r = once(h, conf, "after the check")
    h.check(not checked(r), "the start after that does not check",
            it.tail(r.stderr))

    r = run(h, conf, ["--check-database"])
    h.check(r.returncode == 0 and "database ok" in r.stdout and
            "a check was asked for" in r.stderr,
            "heraldd --check-database checks when asked and exits 0",
            "rc=%s\n%s\n%s" % (r.returncode, r.stdout, it.tail(r.stderr)))

    if FAKETIME is None:
        h.note("SKIP part: faketime is not installed: no week-old check "
               "(apt-get install faketime)")
    else:
        now = time.time()
        set_checked(db, now - 60)
        r = once(h, conf, "six days on", at=now + 6 * it.DAY)
        h.check(not checked(r), "six days after the last check: no check",
                it.tail(r.stderr))
        r = once(h, conf, "eight days on", at=now + 8 * it.DAY)
        h.check(checked(r) and "a week old" in r.stderr,
                "eight days after the last check: a check, and why",
                it.tail(r.stderr))
        h.check(meta(db, "checked") >= int(now + 8 * it.DAY) - 5,
                "the check is recorded at the (faked) time it ran",
                meta(db, "checked"))
        r = once(h, conf, "eight days on, again", at=now + 8 * it.DAY + 60)
        h.check(not checked(r), "and the next start does not check",
                it.tail(r.stderr))
        set_checked(db, now)

    # Damage after an unclean close: refused at the start.
    kill_daemon(h, conf, "killed again")
    damage(db)
    with open(db, "rb") as f:
        damaged = f.read()
    r = run(h, conf, ["--once", "-v"])
    h.check(r.returncode == 1 and "not closed cleanly" in r.stderr and
            "herald will not modify it" in r.stderr,
            "a damaged database after an unclean close is refused at the "
            "start (exit 1)", "rc=%s\n%s" % (r.returncode, it.tail(r.stderr)))
    with open(db, "rb") as f:
        h.check(f.read() == damaged, "the damaged file was left as it was")

    # Damage after a clean close: a start trusts the record; asked, it
    # checks and refuses.
    conf2, db2 = h.write_config("clean", [("check", "file://" + feed)])
    once(h, conf2, "a second database")
    r = once(h, conf2, "the second database again")
    h.check(not checked(r) and meta(db2, "open") == 0,
            "the second database was closed cleanly", it.tail(r.stderr))

    # A start refused by its configuration (a plugin that is not there)
    # after the store opened still closes it cleanly.
    bad = h.path("bad.conf")
    with open(conf2, encoding="utf-8") as f:
        text = f.read()
    with open(bad, "w", encoding="utf-8") as f:
        f.write(text + '\n[plugin "gone"]\npath = %s\n' %
                h.path("no-such-plugin.so"))
    r = run(h, bad, ["--once", "-v"])
    h.check(r.returncode == 1 and meta(db2, "open") == 0,
            "a start refused for a missing plugin leaves 'open' at 0",
            "rc=%s open=%s\n%s" % (r.returncode, meta(db2, "open"),
                                    it.tail(r.stderr)))
    r = once(h, conf2, "after the refused start")
    h.check(not checked(r), "and the next start does not check",
            it.tail(r.stderr))

    damage(db2)
    conf = conf2
    r = run(h, conf, ["--check-database"])
    h.check(r.returncode == 1 and "herald will not modify it" in r.stderr
            and "database ok" not in r.stdout,
            "heraldd --check-database finds the damage and exits 1",
            "rc=%s\n%s" % (r.returncode, it.tail(r.stderr)))
    h.check(os.path.exists(db2 + ".damaged"),
            "the damage found is remembered beside the database")
    # The record inside says clean and recently checked; the start after
    # the damage was found must not trust it.
    r = run(h, conf, ["--once", "-v"])
    h.check(r.returncode == 1 and "found it damaged" in r.stderr and
            "herald will not modify it" in r.stderr,
            "the start after --check-database found damage checks and "
            "refuses", "rc=%s\n%s" % (r.returncode, it.tail(r.stderr)))
    # herald status says why heraldd will not start (review7 D12); exit 3
    # (not running), or 1 when the damage is in pages it reads
    cli = os.environ.get("HERALD") or os.path.join(it.HERE, "..", "cli",
                                                   "herald")
    sock = h.path("none.sock")
    r = subprocess.run([cli, "status", "-d", db2, "-s", sock],
                       capture_output=True, text=True, timeout=30)
    want = ("damaged: a check found the database damaged, ",
            "(%s.damaged):\n         heraldd will not start on it until it "
            "is restored from a backup\n         or salvaged (see "
            "heraldd(8))\n" % db2)
    h.check(r.returncode in (1, 3) and all(w in r.stdout for w in want),
            "herald status: not running, and the database found damaged",
            "rc=%s\n%s%s" % (r.returncode, r.stdout, r.stderr))
    r = subprocess.run([cli, "status", "--json", "-d", db2, "-s", sock],
                       capture_output=True, text=True, timeout=30)
    try:
        dmg = json.loads(r.stdout).get("damaged") or {}
    except ValueError:
        dmg = {}
    h.check(dmg.get("mark") == db2 + ".damaged" and dmg.get("found"),
            "herald status --json: damaged, with when and the file",
            r.stdout + r.stderr)
    h.finish()


if __name__ == "__main__":
    main()
