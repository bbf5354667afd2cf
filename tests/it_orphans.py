#!/usr/bin/env python3
"""it_orphans.py: alerts queued for a plugin a reload took out (review7 D11).

A webhook receiver answers 503 (no Retry-After): heraldd's three alerts
for it stay pending.  The [plugin] section is then taken out and heraldd
reloaded: the log must say that the plugin is not in the configuration,
how many alerts wait for it, and that they are given up a day after they
were queued unless a reload brings it back; the alerts are still pending
(herald alerts --pending lists them).  heraldd(8) says the same.
Three heraldd --once runs after that (cron): the first says it, the next
two do not (review8: each said it for a day); a reload says it again.  A
second plugin taken out the same day is named at the next start.
"""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def main():
    h = it.Harness("it_orphans")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("webhook")):
        it.skip("plugins/.libs/webhook.so is not built")
    r = al.Receiver()
    h.cleanups.append(r.close)
    r.fail_all = True
    r.retry_after = None
    feeds = al.known_feeds(h)
    hooks = [(name, {"path": "webhook", "url": r.url("/" + name),
                      "timeout": "5s"}) for name in ("hook", "hook2")]
    conf, db = al.write_config(h, "orph", feeds, al.KNOWN_TOPICS, hooks)
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)
    def pending_of(plugin):
        return [a for a in al.alerts_json(h, conf, "--pending") or []
                if a.get("plugin") == plugin]

    d = al.Daemon(h, conf, "heraldd")
    if not h.check(d.wait_log("started:", 15), "heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)
    al.wait_until(lambda: len(pending_of("hook")) >= n and
                  len(pending_of("hook2")) >= n, 20)
    pending = pending_of("hook")
    h.check(len(pending) == n, "the %d alerts are pending" % n, pending)

    # hook's [plugin] section taken out
    al.write_config(h, "orph", feeds, al.KNOWN_TOPICS, hooks[1:])
    d.send(signal.SIGHUP)
    want = ("plugin hook is not in the configuration: its %d pending alerts "
            "wait for it (counted as pending) until a day after each was "
            "queued, then they are given up; configured again before that, "
            "it sends them" % n)
    h.check(d.wait_log(want, 15), "reload: the log says the alerts of the "
            "removed plugin wait a day, then are given up", it.tail(d.text()))
    pending = pending_of("hook")
    h.check(len(pending) == n, "they are still pending", pending)
    d.stop()

    # heraldd --once under cron: the first run says it, the next ones of
    # that day do not (each said it again, a cron mail every run)
    errs = []
    for _ in range(3):
        errs.append(h.run(["-c", conf, "--once"], timeout=60).err)
    h.check([want in e for e in errs] == [True, False, False],
            "--once: the first run of the day says it, the next two do not",
            [[ln for ln in e.splitlines() if "hook" in ln] for e in errs])
    pending = pending_of("hook")
    h.check(len(pending) == n, "--once: they are still pending", pending)
    # a reload says it whenever it is asked
    d = al.Daemon(h, conf, "heraldd2")
    h.check(d.wait_log("started:", 15) and want not in d.text(),
            "a start within the day does not say it again", it.tail(d.text()))
    d.send(signal.SIGHUP)
    h.check(d.wait_log(want, 15), "a reload says it again",
            it.tail(d.text()))
    d.stop()

    # hook2 taken out the same day: a start names it, though hook was
    # named within the day (review9 F2: one date for every plugin kept
    # hook2 silent)
    al.write_config(h, "orph", feeds, al.KNOWN_TOPICS, [])
    err = h.run(["-c", conf, "--once"], timeout=60).err
    h.check("plugin hook2 is not in the configuration" in err and
            want not in err, "--once: a plugin removed later that day is "
            "named, the one named already is not",
            [ln for ln in err.splitlines() if "hook" in ln])
    h.finish()


if __name__ == "__main__":
    main()
