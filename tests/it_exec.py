#!/usr/bin/env python3
"""it_exec.py: an exec command that hangs is killed at its timeout while
heraldd goes on fetching and delivering (issue 4 section 7; RELIABILITY.md
case 35); batching and the rate limit of a plugin.

heraldd runs in the foreground with four plugins over two feeds with known
texts: `hang` (exec: `sleep` for an hour, timeout 3 s), `log` (jsonl),
`batch` (exec once per batch, batch = 5s) and `rate` (exec, rate-limit =
1/2s).  While the hanging child runs, a new article is added and fetched:
its alert reaches `log` at once.  The child (its whole process group) is
killed at 3 s and the attempt is recorded with the reason; no child
outlives heraldd.  `batch` runs once for the four alerts of its window;
`rate` runs at least 2 s apart.  A reload with a plugin of another ABI
is refused and keeps the running plugins; a good one swaps them.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

MARK = "3599.25"        # sleep's argument: finds the hanging children


def hanging():
    r = subprocess.run(["pgrep", "-f", "sleep " + MARK],
                       capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


def lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def main():
    h = it.Harness("it_exec")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if shutil_which("pgrep") is None:
        it.skip("pgrep (procps) is needed")
    for so in ("exec", "jsonl"):
        if not os.path.exists(al.plugin_path(so)):
            it.skip("plugins/.libs/%s.so is not built" % so)
    if hanging():
        it.skip("a 'sleep %s' runs already" % MARK)
    feeds = al.known_feeds(h)
    hang_log = h.path("hang.log")
    batch_out = h.path("batch.out")
    rate_out = h.path("rate.out")
    plugins = [
        ("hang", {"path": "exec", "timeout": "3s",
                  "command": "echo $HERALD_ALERT_ID >> %s; sleep %s"
                  % (hang_log, MARK)}),
        ("log", {"path": "jsonl", "file": h.path("log.jsonl")}),
        ("batch", {"path": "exec", "batch": "5s",
                   "command": 'echo "$HERALD_COUNT $HERALD_ALERT_IDS" >> '
                   + batch_out}),
        ("rate", {"path": "exec", "rate-limit": "1/2s",
                  "command": 'echo "$HERALD_ALERT_ID $(date +%s.%N)" >> '
                  + rate_out}),
    ]
    conf, db = al.write_config(h, "exec", feeds, al.KNOWN_TOPICS, plugins)
    h.check_config(conf)
    d = al.Daemon(h, conf)
    h.cleanups.append(lambda: [os.kill(p, signal.SIGKILL)
                               for p in hanging()])
    if not h.check(d.wait_log("started:", 15), "heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)
    started = al.wait_until(lambda: lines(hang_log) and hanging(), 10)
    t_hang = time.monotonic()
    first = hanging()
    h.check(started and first, "the hanging command runs", lines(hang_log))

    # while it hangs: a new article, fetched and delivered to `log`
    al.write_rss(feeds[1][1], "Feed B", [
        {"guid": "b3", "title": "Climate targets for 2040 agreed",
         "link": "https://news.test/climate-2040",
         "desc": "Ministers agree."},
    ])
    d.send(signal.SIGUSR1)
    ok = al.wait_until(lambda: any(l["topic"] == "climate" for l in
                                   al.read_jsonl(h.path("log.jsonl"))), 10)
    during = time.monotonic() - t_hang
    h.check(ok and during < 3 and hanging(),
            "a new article is fetched and alerted while the command hangs "
            "(%.1f s into it)" % during, it.tail(d.text()))

    # the next alert's command starts hanging then: follow the first one
    gone = al.wait_until(lambda: not set(first) & set(hanging()), 8)
    killed_at = time.monotonic() - t_hang
    h.check(gone and 2.5 <= killed_at < 6,
            "the hanging command is killed at its timeout (%.1f s)"
            % killed_at, (first, hanging()))
    pend = al.wait_until(lambda: [a for a in al.alerts_json(
        h, conf, "--pending", "--plugin", "hang") or []
        if a["attempts"] >= 1 and a["last_error"]], 5)
    h.check(pend and all("killed after 3 s (timeout)" in
                         (a["last_error"] or "") for a in pend),
            "the attempt is recorded with the reason, to retry later",
            [(a["alert"], a["attempts"], a["last_error"]) for a in pend or []])

    ok = al.wait_until(lambda: lines(batch_out), 10)
    time.sleep(1)
    b = lines(batch_out)
    h.check(len(b) == 1 and b[0].split()[0] == "4" and
            len(b[0].split()) == 5,
            "batch = 5s: one run for the window's 4 alerts", b)

    al.wait_until(lambda: len(lines(rate_out)) >= 4, 12)
    ts = [float(l.split()[1]) for l in lines(rate_out)]
    gaps = [y - x for x, y in zip(ts, ts[1:])]
    h.check(len(ts) == 4 and all(g >= 1.8 for g in gaps),
            "rate-limit = 1/2s: 4 runs at least 2 s apart",
            ["%.2f" % g for g in gaps])

    # SIGHUP: a plugin that cannot load keeps the running set ...
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text + '\n[plugin "bad"]\npath = %s\n'
                % al.test_plugin_path("badabi"))
    d.send(signal.SIGHUP)
    h.check(d.wait_log("reload refused", 10) and
            "built for plugin ABI 999" in d.text(),
            "SIGHUP with a plugin of another ABI: the reload is refused",
            it.tail(d.text()))
    # ... and a good reload swaps the set: the next alert goes to log2
    with open(conf, "w") as f:
        f.write(text.replace(h.path("log.jsonl"), h.path("log2.jsonl")))
    d.send(signal.SIGHUP)
    h.check(d.wait_log("reload: configuration applied", 10),
            "SIGHUP with the plugins fixed applies", it.tail(d.text()))
    al.write_rss(feeds[1][1], "Feed B", [
        {"guid": "b4", "title": "Kremlin answers",
         "link": "https://news.test/kremlin-answers", "desc": "A reply."},
    ])
    d.send(signal.SIGUSR1)
    ok = al.wait_until(lambda: al.read_jsonl(h.path("log2.jsonl")), 10)
    h.check(ok and [l["link"] for l in al.read_jsonl(h.path("log2.jsonl"))]
            == ["https://news.test/kremlin-answers"] and
            len(al.read_jsonl(h.path("log.jsonl"))) == 4,
            "after the reload the new instance delivers, the old one no more",
            al.read_jsonl(h.path("log2.jsonl")))

    rc = d.stop()
    h.check(rc == 0 and al.wait_until(lambda: not hanging(), 3),
            "heraldd stops cleanly and no child outlives it", hanging())
    h.finish()


def shutil_which(name):
    import shutil
    return shutil.which(name)


if __name__ == "__main__":
    main()
