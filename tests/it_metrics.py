#!/usr/bin/env python3
"""it_metrics.py: the metrics are whole, however many feeds (issue 8 item
4).

heraldd runs in the foreground over 50 file:// feeds with a control socket
and a metrics file.  `herald metrics` and the file are complete Prometheus
text: every line parses, the text ends with a newline, each per-feed metric
has a line for each of the 50 feeds.  A reload that adds a feed rewrites the
file at once (not a minute later), through a temporary file and rename(2):
no temporary file is left beside it.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402
from it_status import GLOBAL, PER_FEED, FEEDS, find_herald, parse_prom  # noqa: E402

NFEEDS = 50


def main():
    h = it.Harness("it_metrics")
    herald = find_herald()
    if herald is None:
        it.skip("cli/herald is not built")
    rundir = h.path("run")
    os.mkdir(rundir)
    sock = os.path.join(rundir, "heraldd.sock")
    prom_dir = h.path("textfile")
    os.mkdir(prom_dir)
    prom = os.path.join(prom_dir, "herald.prom")
    src = "file://" + os.path.join(FEEDS, "eu-observer.rss")
    if not os.path.exists(src[7:]):
        it.skip("tests/data/feeds/eu-observer.rss is missing")

    def feeds(n):
        return [("feed-%03d" % i, src) for i in range(n)]

    conf, db = h.write_config("metrics", feeds(NFEEDS), metrics_file=prom)
    h.check_config(conf)
    log = open(h.path("heraldd.log"), "w")
    p = subprocess.Popen([h.heraldd, "-c", conf, "-f", "-v"], stdout=log,
                         stderr=log, stdin=subprocess.DEVNULL,
                         env=it.clean_env({"RUNTIME_DIRECTORY": rundir}))
    h.procs.append(p)

    if not h.check(al.wait_until(lambda: os.path.exists(sock) and
                            os.path.exists(prom), 15),
                   "heraldd starts: socket and metrics file"):
        h.finish()

    def complete(what, text, n):
        samples, bad = parse_prom(text)
        h.check(text.endswith("\n") and not bad,
                "%s: every line parses, the text ends with a newline "
                "(%d bytes)" % (what, len(text)),
                "bad lines %s, ends %r" % (bad[:3], text[-80:]))
        missing = [m for m in GLOBAL + PER_FEED if m not in samples]
        h.check(not missing, "%s: every metric is there" % what, missing)
        short = {m: len(samples.get(m, {})) for m in PER_FEED
                 if len(samples.get(m, {})) != n}
        h.check(not short, "%s: %d lines for each per-feed metric" %
                (what, n), short)
        h.check(samples.get("herald_feeds", {}).get("") == n,
                "%s: herald_feeds %d" % (what, n),
                samples.get("herald_feeds"))

    r = subprocess.run([herald, "metrics", "-s", sock], capture_output=True,
                       text=True, timeout=30)
    h.check(r.returncode == 0, "herald metrics exits 0", r.stderr)
    complete("herald metrics", r.stdout, NFEEDS)
    with open(prom) as f:
        complete("the metrics file", f.read(), NFEEDS)

    # a reload rewrites the file now, not at the next minute
    h.write_config("metrics", feeds(NFEEDS + 1), db=db, metrics_file=prom)
    t0 = time.monotonic()
    r = subprocess.run([herald, "reload", "-s", sock], capture_output=True,
                       text=True, timeout=30)
    h.check(r.returncode == 0, "herald reload applies %d feeds" %
            (NFEEDS + 1), r.stdout + r.stderr)

    def file_says(n):
        with open(prom) as f:
            s, _ = parse_prom(f.read())
        return s.get("herald_feeds", {}).get("") == n

    ok = al.wait_until(lambda: file_says(NFEEDS + 1), 5)
    h.check(ok, "the metrics file is rewritten at the reload (%.1f s), not "
            "a minute later" % (time.monotonic() - t0))
    with open(prom) as f:
        complete("the metrics file after the reload", f.read(), NFEEDS + 1)
    left = [f for f in os.listdir(prom_dir) if f != "herald.prom"]
    h.check(not left, "no temporary file left beside the metrics file",
            left)
    p.terminate()
    p.wait(timeout=10)
    h.procs.remove(p)
    h.finish()


if __name__ == "__main__":
    main()
