#!/usr/bin/env python3
"""it_lock.py: one heraldd per database (issue 8 item 3; RELIABILITY.md
case 42).

A heraldd runs in the foreground over two feeds with known texts and a
webhook whose receiver answers each request two seconds late, so that its
deliveries are in flight (pending in the outbox) for a while.  While it
delivers, `heraldd --once` and a second `heraldd -f` are started on the
same configuration: each must refuse at once, exit non-zero and name the
pid of the running one.  The receiver counts requests per alert id: every
alert arrives exactly once.  `herald alerts` (a reader) works meanwhile,
and once the first heraldd has stopped, `heraldd --once` runs again.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def main():
    h = it.Harness("it_lock")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("webhook")):
        it.skip("plugins/.libs/webhook.so is not built")
    recv = al.Receiver()
    h.cleanups.append(recv.close)
    recv.delay = 2
    feeds = al.known_feeds(h)
    plugins = [("hook", {"path": "webhook", "url": recv.url("/hook"),
                         "timeout": "10s"})]
    conf, db = al.write_config(h, "lock", feeds, al.KNOWN_TOPICS, plugins)
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)

    def per_key():
        out = {}
        for r in recv.snapshot():
            out[r["key"]] = out.get(r["key"], 0) + 1
        return out

    d = al.Daemon(h, conf, "heraldd1")
    if not h.check(d.wait_log("started:", 15), "the first heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)
    h.check(al.wait_until(lambda: len(recv.snapshot()) > 0, 30),
            "the first heraldd is delivering", it.tail(d.text()))

    pid = str(d.p.pid)
    r = h.run(["-c", conf, "--once", "-v"], timeout=60)
    h.note("heraldd --once beside it: %s" % r)
    h.check(r.rc not in (0, None) and not r.timed_out and r.secs < 10,
            "heraldd --once on the same database refuses and exits non-zero",
            "rc=%s\n%s" % (r.rc, it.tail(r.err)))
    h.check(("pid " + pid) in r.err and "lock" in r.err,
            "its message names the pid that holds the lock (%s)" % pid,
            it.tail(r.err))
    r = h.run(["-c", conf, "-f"], timeout=20)
    h.note("a second heraldd -f: %s" % r)
    h.check(r.rc not in (0, None) and not r.timed_out and r.secs < 10 and
            ("pid " + pid) in r.err,
            "a second heraldd -f refuses too, naming pid %s" % pid,
            "rc=%s\n%s" % (r.rc, it.tail(r.err)))

    cli = subprocess.run([al.herald_cli(), "feeds", "-c", conf, "--json"],
                         capture_output=True, text=True, timeout=30)
    h.check(cli.returncode == 0 and '"feed-a"' in cli.stdout,
            "herald feeds reads the database while heraldd runs",
            cli.stderr.strip())

    ok = al.wait_until(lambda: len(per_key()) == n, 40)
    h.check(ok, "the receiver got all %d alerts" % n, per_key())
    time.sleep(3)       # a duplicate in flight would arrive now
    h.check(all(v == 1 for v in per_key().values()),
            "no alert was sent twice (requests per alert id)", per_key())
    h.check(d.p.poll() is None, "the first heraldd still runs")
    d.stop()

    recv.delay = 0
    r = h.once(conf, "after the first heraldd stopped", timeout=60)
    h.check(r.rc == 0, "the lock went with the process: --once runs now")
    h.check(all(v == 1 for v in per_key().values()),
            "still no alert twice", per_key())
    h.finish()


if __name__ == "__main__":
    main()
