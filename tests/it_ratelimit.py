#!/usr/bin/env python3
"""it_ratelimit.py: alerts a plugin's rate-limit holds back (review7 D18).

The jsonl plugin with rate-limit = 1/1m gets the known feeds' three
alerts: heraldd delivers the first and holds the other two for a minute.
While it holds them, `herald alerts` says when the limit lets the next one
go ("in 59s (rate-limit)"), --pending says "rate-limited" and the JSON
has rate_limited_until; "due", as the store alone says, read as if heraldd
were about to send.  Without a daemon answering, "due" it is.

A webhook receiver whose Retry-After (7200 s) is past the plugin's
max-age (10m): each alert is given up at once, and heraldd's log says so
in one line an alert, with the reason, not "will retry" followed by
"dead after max-age" (review7 D18).
"""

import calendar
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def main():
    h = it.Harness("it_ratelimit")
    cli = al.herald_cli()
    if cli is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("jsonl")):
        it.skip("plugins/.libs/jsonl.so is not built")
    out = h.path("alerts.jsonl")
    sock = h.path("ctl.sock")
    feeds = al.known_feeds(h)
    conf, db = al.write_config(h, "rl", feeds, al.KNOWN_TOPICS,
                               [("rl", {"path": "jsonl", "file": out,
                                        "rate-limit": "1/1m"})],
                               control_socket=sock)
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)
    d = al.Daemon(h, conf, "heraldd")
    if not h.check(d.wait_log("started:", 15), "heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)
    ok = al.wait_until(lambda: len(al.read_jsonl(out)) >= 1 and
                       len(al.alerts_json(h, conf, "--pending") or []) ==
                       n - 1, 20)
    h.check(ok, "one alert delivered, %d held by the rate limit" % (n - 1),
            it.tail(d.text()))
    t0 = time.time()

    def run(*args):
        return subprocess.run([cli, "alerts", "-c", conf] + list(args),
                              capture_output=True, text=True, timeout=30,
                              env=it.clean_env())

    r = run()
    row = [ln for ln in r.stdout.splitlines() if ln.startswith("rl ")]
    m = re.search(r"in (\d+s|1m) \(rate-limit\)$", row[0]) if row else None
    h.check(r.returncode == 0 and m is not None and
            (m.group(1) == "1m" or int(m.group(1)[:-1]) >= 30) and
            "due" not in r.stdout,
            "herald alerts: NEXT ATTEMPT says when the rate limit lets the "
            "next one go, not 'due'", r.stdout + r.stderr)
    r = run("--pending")
    rows = [ln for ln in r.stdout.splitlines()[1:] if ln.strip()]
    h.check(r.returncode == 0 and len(rows) == n - 1 and
            all(" rate-limited " in ln for ln in rows),
            "herald alerts --pending: the held alerts are 'rate-limited'",
            r.stdout + r.stderr)
    r = run("--json")
    try:
        p = [x for x in json.loads(r.stdout)["plugins"]
             if x["plugin"] == "rl"][0]
        until = calendar.timegm(time.strptime(p["rate_limited_until"],
                                              "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, KeyError, IndexError, TypeError):
        p, until = None, 0
    h.check(t0 + 30 <= until <= t0 + 62,
            "herald alerts --json: rate_limited_until, a minute after the "
            "first send", r.stdout + r.stderr)
    r = subprocess.run([cli, "alerts", "-d", db, "-s", h.path("none.sock")],
                       capture_output=True, text=True, timeout=30,
                       env=it.clean_env())
    h.check(r.returncode == 0 and re.search(r"^rl .* due$", r.stdout, re.M),
            "herald alerts with no daemon answering: 'due', as the store "
            "says", r.stdout + r.stderr)
    d.stop()
    retry_after_past_max_age(h)
    h.finish()


def retry_after_past_max_age(h):
    """A receiver asks, by Retry-After, for longer than the plugin's
    max-age: the alert is given up at once, and the log says so once,
    not "will retry" and then "dead after max-age" on the next line."""
    if not os.path.exists(al.plugin_path("webhook")):
        h.check(False, "plugins/.libs/webhook.so is built")
        return
    r = al.Receiver()
    h.cleanups.append(r.close)
    r.fail_all = True
    r.retry_after = "7200"
    feeds = al.known_feeds(h)
    conf, db = al.write_config(h, "ra", feeds, al.KNOWN_TOPICS,
                               [("hook", {"path": "webhook",
                                          "url": r.url("/hook"),
                                          "max-age": "10m"})])
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)
    d = al.Daemon(h, conf, "ra")
    d.wait_log("started:", 15)
    ok = al.wait_until(lambda: len(al.alerts_json(h, conf, "--failed") or
                                   []) == n, 30)
    d.stop()
    h.check(ok, "Retry-After past max-age: the %d alerts are dead" % n,
            it.tail(d.text()))
    lines = [ln for ln in d.text().splitlines() if "plugin hook:" in ln and
             " loaded from " not in ln and ": delivering " not in ln]
    said = [ln for ln in lines if "Retry-After asks for 7200 s, past "
            "max-age (600 s)" in ln]
    h.check(len(said) == n and len(lines) == n and
            not any("will retry" in ln or "dead after" in ln
                    for ln in lines) and
            all("given up" in ln and "1 attempt:" in ln for ln in said),
            "Retry-After past max-age: one line an alert, saying it is given "
            "up and why", lines)


if __name__ == "__main__":
    main()
