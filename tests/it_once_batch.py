#!/usr/bin/env python3
"""it_once_batch.py: heraldd --once sends what its batching windows hold
(issue 8 item 5; noted on issue 4).

Two plugins batch for an hour: jsonl, and exec once per batch.  One
`heraldd --once` over feeds that give three alerts ends with all three
delivered to each, exec run once for the three (the window is closed,
not dropped: still one batch), and nothing left pending.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def main():
    h = it.Harness("it_once_batch")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    for p in ("jsonl", "exec"):
        if not os.path.exists(al.plugin_path(p)):
            it.skip("plugins/.libs/%s.so is not built" % p)
    out = h.path("alerts.jsonl")
    runs = h.path("runs")
    conf, db = al.write_config(
        h, "once", al.known_feeds(h), al.KNOWN_TOPICS,
        [("log", {"path": "jsonl", "file": out, "batch": "1h"}),
         ("run", {"path": "exec", "batch": "1h",
                  "command": "echo \"$HERALD_COUNT $HERALD_ALERT_IDS\" "
                             ">> %s" % runs})])
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)
    r = h.once(conf, "batch = 1h", timeout=60)
    h.check(r.secs < 30, "heraldd --once does not wait for the window "
            "(%.1f s)" % r.secs)
    got = al.read_jsonl(out)
    h.check(len(got) == n, "jsonl: the %d alerts are in the file" % n,
            len(got))
    try:
        with open(runs) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    h.check(len(lines) == 1 and lines[0].startswith("%d " % n),
            "exec: one run for the %d alerts (one batch)" % n, lines)
    pending = al.alerts_json(h, conf, "--pending") or []
    h.check(pending == [], "nothing is left pending", pending)
    h.finish()


if __name__ == "__main__":
    main()
