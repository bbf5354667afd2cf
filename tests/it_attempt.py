#!/usr/bin/env python3
"""it_attempt.py: an attempt that a kill -9 of heraldd cuts short counts
(herald-plugin(3): attempt counts from 1, across restarts; review5).

heraldd (in the foreground) fetches two feeds with known texts and hands
their alerts to an exec plugin, one at a time, whose command writes the
alert's id and HERALD_ATTEMPT and then hangs.  While the first hangs,
heraldd is killed with SIGKILL (and the command with it); the command is
told not to hang any more and heraldd is started again.  The alert cut
short comes again as attempt 2, not 1 again, and `herald alerts --sent`
counts two attempts for it, one for each of the others.  A digest sent
with `herald digest --send` to another exec plugin, hanging at the kill
too, comes again as attempt 2, and `herald digest --list` counts 2.
"""

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

MARK = "3599.41"        # sleep's argument: finds the hanging children


def hanging():
    r = subprocess.run(["pgrep", "-f", "sleep " + MARK],
                       capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


def lines(path):
    try:
        with open(path) as f:
            return [l.split() for l in f.read().splitlines()]
    except FileNotFoundError:
        return []


def killhanging():
    for p in hanging():
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main():
    h = it.Harness("it_attempt")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("exec")):
        it.skip("plugins/.libs/exec.so is not built")
    if subprocess.run(["sh", "-c", "command -v pgrep"],
                      capture_output=True).returncode != 0:
        it.skip("pgrep (procps) is needed")
    if hanging():
        it.skip("a 'sleep %s' runs already" % MARK)
    h.cleanups.append(killhanging)
    feeds = al.known_feeds(h)
    log = h.path("attempts.log")
    go = h.path("go")
    dlog = h.path("digests.log")
    plugins = [
        ("cut", {"path": "exec", "timeout": "60s",
                 "command": 'echo "$HERALD_ALERT_ID $HERALD_ATTEMPT" >> %s; '
                 '[ -e %s ] || sleep %s' % (log, go, MARK)}),
        # digests only: no article of the known feeds is about climate
        ("dcut", {"path": "exec", "timeout": "60s", "topics": "climate",
                  "command": 'echo "$HERALD_DIGEST_KEY $HERALD_ATTEMPT" >> '
                  '%s; [ -e %s ] || sleep %s' % (dlog, go, MARK)}),
    ]
    conf, db = al.write_config(h, "attempt", feeds, al.KNOWN_TOPICS, plugins)
    far = time.strftime("%H:%M", time.gmtime(time.time() + 43200))
    with open(conf, "a") as f:
        f.write('\n[digest "now"]\nat = %s\ntimezone = UTC\n'
                'plugins = dcut\n' % far)
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)
    rundir = h.path("run")
    os.mkdir(rundir)
    sock = os.path.join(rundir, "heraldd.sock")
    env = {"RUNTIME_DIRECTORY": rundir}

    d = al.Daemon(h, conf, "heraldd1", env=env)
    if not h.check(d.wait_log("started:", 15), "heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)
    ok = al.wait_until(lambda: lines(log) and hanging(), 15)
    first = lines(log)
    h.check(ok and len(first) == 1 and first[0][1] == "1",
            "the first alert's command runs, attempt 1, and hangs", first)
    r = subprocess.run([al.herald_cli(), "digest", "--send", "now", "-s",
                        sock, "-c", conf], capture_output=True, text=True,
                       timeout=30)
    ok = al.wait_until(lambda: lines(dlog) and len(hanging()) >= 2, 15)
    dfirst = lines(dlog)
    h.check(r.returncode == 0 and ok and len(dfirst) == 1 and
            dfirst[0][1] == "1",
            "herald digest --send: its command runs, attempt 1, and hangs",
            (r.stdout, r.stderr, dfirst))
    d.stop(signal.SIGKILL)
    killhanging()
    with open(go, "w"):
        pass

    d = al.Daemon(h, conf, "heraldd2", env=env)
    sent = al.wait_until(lambda: len(al.alerts_json(
        h, conf, "--sent", "--plugin", "cut") or []) == n and
        len(lines(dlog)) >= 2, 30)
    d.stop()
    got = lines(log)
    cut = first[0][0] if first else None
    again = [l for l in got[1:] if l[0] == cut]
    h.check(again and all(l[1] == "2" for l in again[:1]),
            "after the restart the alert cut short comes as attempt 2",
            got)
    h.check(len(got) == n + 1 and
            all(l[1] == "1" for l in got[1:] if l[0] != cut),
            "every other alert comes once, attempt 1", got)
    sent = al.alerts_json(h, conf, "--sent", "--plugin", "cut") or []
    h.check(len(sent) == n and
            all(a["attempts"] == (2 if str(a["alert"]) == cut else 1)
                for a in sent),
            "herald alerts --sent counts the attempt the kill cut short",
            [(a["alert"], a["attempts"]) for a in sent])
    dgot = lines(dlog)
    h.check(len(dgot) == 2 and dfirst and dgot[1] == [dfirst[0][0], "2"],
            "after the restart the digest cut short comes as attempt 2",
            dgot)
    r = subprocess.run([al.herald_cli(), "digest", "--list", "--json", "-c",
                        conf], capture_output=True, text=True, timeout=30)
    rows = json.loads(r.stdout).get("digests", []) if r.returncode == 0 \
        else None
    h.check(rows is not None and [(x["plugin"], x["state"], x["attempts"])
                                  for x in rows] == [("dcut", "sent", 2)],
            "herald digest --list counts the digest's two attempts", rows)
    h.finish()


if __name__ == "__main__":
    main()
