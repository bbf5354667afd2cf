#!/usr/bin/env python3
"""it_retryafter.py: no Retry-After makes a tight retry loop (issue 8 item
5; RELIABILITY.md case 43).

One webhook receiver per value answers every request 503 with that
Retry-After: huge (9223372036854775807, a date in the year 9999), negative
(-5, a date in 1970), fractional (1.5) and garbage (soon).  heraldd runs
10 seconds over feeds that give 3 alerts per plugin.  Each delay stays
within [1 s, max-age]: a huge one gives each alert up (it cannot be sent
within max-age) after one attempt; the others retry at most about once a
second.  No next_attempt is in the past.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

# value: the most requests per alert in RUN seconds
VALUES = {
    "huge": ("9223372036854775807", 1),
    "year9999": ("Fri, 31 Dec 9999 23:59:59 GMT", 1),
    "negative": ("-5", 2),
    "past": ("Thu, 01 Jan 1970 00:00:00 GMT", 2),
    "fraction": ("1.5", 12),
    "garbage": ("soon", 2),
}
RUN = 10


def main():
    h = it.Harness("it_retryafter")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("webhook")):
        it.skip("plugins/.libs/webhook.so is not built")
    recvs = {}
    plugins = []
    for name, (value, _) in VALUES.items():
        r = al.Receiver()
        h.cleanups.append(r.close)
        r.fail_all = True
        r.retry_after = value
        recvs[name] = r
        plugins.append((name, {"path": "webhook", "url": r.url("/hook"),
                               "timeout": "5s"}))
    conf, db = al.write_config(h, "ra", al.known_feeds(h), al.KNOWN_TOPICS,
                               plugins)
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)
    d = al.Daemon(h, conf, "heraldd")
    if not h.check(d.wait_log("started:", 15), "heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)
    al.wait_until(lambda: all(r.snapshot() for r in recvs.values()), 20)
    time.sleep(RUN)
    now = int(time.time())
    with it.open_db(db) as dbh:
        rows = dbh.q("SELECT plugin, state, attempts, next_attempt,"
                     " last_error FROM outbox")
    d.stop()
    for name, (value, most) in VALUES.items():
        keys = {}
        for q in recvs[name].snapshot():
            keys[q["key"]] = keys.get(q["key"], 0) + 1
        h.check(len(keys) >= 1 and max(keys.values()) <= most,
                "Retry-After: %s (%s): at most %d request%s per alert in "
                "%d s" % (value, name, most, "s" if most > 1 else "", RUN),
                keys)
        mine = [r for r in rows if r["plugin"] == name]
        bad = [r for r in mine if r["state"] == "pending" and
               not (now - 2 <= r["next_attempt"] <= now + 86400 + 10)]
        h.check(len(mine) == n and not bad,
                "Retry-After: %s: every next attempt is between now and "
                "max-age" % name, bad or mine)
        if most == 1:
            h.check(all(r["state"] == "dead" and
                        "gave up" in (r["last_error"] or "") for r in mine),
                    "Retry-After: %s: past max-age, the alerts are given up "
                    "with the reason" % name, mine)
    h.finish()


if __name__ == "__main__":
    main()
