#!/usr/bin/env python3
"""it_webhook.py: at-least-once delivery to a webhook that fails, across a
kill -9 of heraldd (issue 4 section 7; RELIABILITY.md case 36).

A receiver on 127.0.0.1 answers 503 with Retry-After: 1.  heraldd (in the
foreground) fetches two feeds with known texts and retries every alert
after about a second.  Once each alert has failed twice, heraldd is killed
with SIGKILL; the receiver is set to accept each key after its fourth
failure, and heraldd is started again.  Without fetching anything, it
resumes the pending deliveries: the receiver accepts every alert, each
exactly once by its idempotency key, every body is signed (HMAC-SHA256),
retries follow Retry-After rather than the 30 s backoff, and `herald
alerts` shows them sent, with the attempts the receiver saw (one more
when an attempt was counted and cut short by the kill before it was sent).  A second plugin whose endpoint
answers 400 gets nothing retried: its alerts are dead with the reason.
"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

SECRET = "s3cret-key"


def main():
    h = it.Harness("it_webhook")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("webhook")):
        it.skip("plugins/.libs/webhook.so is not built")
    recv = al.Receiver(secret=SECRET)
    h.cleanups.append(recv.close)
    recv.fail_all = True
    recv.status_for_path["/strict"] = 400
    feeds = al.known_feeds(h)
    plugins = [
        ("hook", {"path": "webhook", "url": recv.url("/hook"),
                  "secret": SECRET, "timeout": "5s"}),
        ("strict", {"path": "webhook", "url": recv.url("/strict")}),
    ]
    conf, db = al.write_config(h, "webhook", feeds, al.KNOWN_TOPICS, plugins)
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)

    d = al.Daemon(h, conf, "heraldd1")
    if not h.check(d.wait_log("started:", 15), "heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)

    def hook_keys(status=None):
        out = {}
        for r in recv.snapshot():
            if r["path"] == "/hook" and (status is None or
                                         r["status"] == status):
                out[r["key"]] = out.get(r["key"], 0) + 1
        return out

    ok = al.wait_until(lambda: len(hook_keys()) == n and
                       min(hook_keys().values()) >= 2, 40)
    h.check(ok, "every alert was tried at least twice while the receiver "
            "failed", hook_keys())
    d.stop(signal.SIGKILL)
    h.note("heraldd killed with SIGKILL after %d requests" %
           len(recv.snapshot()))

    # accept each key after its fourth failure, then restart
    with recv.lock:
        recv.fail_first = 4
        recv.fail_all = False
    before = len(recv.snapshot())
    d = al.Daemon(h, conf, "heraldd2")
    ok = al.wait_until(lambda: len(hook_keys(200)) == n, 60)
    h.check(ok, "after the restart every alert is accepted", hook_keys(200))
    time.sleep(3)       # a duplicate would come now
    d.stop()
    log2 = d.text()
    h.check("fetching" not in log2 and "delivering" in log2,
            "the restarted heraldd resumes the deliveries itself")
    reqs = recv.snapshot()
    accepted = hook_keys(200)
    h.check(len(accepted) == n and all(v == 1 for v in accepted.values()),
            "each alert accepted exactly once by its key", accepted)
    h.check(len(reqs) > before,
            "the second heraldd sent the pending alerts again")
    hook = [r for r in reqs if r["path"] == "/hook"]
    h.check(all(r["sig_ok"] for r in hook),
            "every request carries a valid X-Herald-Signature-256",
            [r["key"] for r in hook if not r["sig_ok"]])
    bodies_ok = True
    for r in hook:
        body = json.loads(r["body"])
        if body.get("id") != r["key"] or r["ids"] != r["key"]:
            bodies_ok = False
    h.check(bodies_ok, "the body's id, Idempotency-Key and "
            "X-Herald-Alert-Ids agree")
    # Retry-After: 1 is honoured (not the 30 s backoff, not at once)
    gaps = []
    for key in accepted:
        ts = sorted(r["t"] for r in hook if r["key"] == key)
        gaps += [b - a for a, b in zip(ts, ts[1:])]
    short = [g for g in gaps if g < 0.9]
    h.check(gaps and not [g for g in gaps if g > 25] and len(short) <= n,
            "retries come about a second apart (Retry-After: 1)",
            ["%.2f" % g for g in gaps])

    # The receiver saw 5 requests per key.  An attempt counts when it
    # starts: one the kill cut short before its request left counts too,
    # so the store counts 5 or 6, never fewer than the receiver saw.
    hits = {}
    for r in hook:
        hits[r["key"]] = hits.get(r["key"], 0) + 1
    sent = al.alerts_json(h, conf, "--sent", "--plugin", "hook") or []
    h.check(len(sent) == n and
            all(hits.get(str(a["alert"]), 0) <= a["attempts"] <=
                hits.get(str(a["alert"]), 0) + 1 for a in sent) and
            {str(a["alert"]) for a in sent} == set(accepted),
            "herald alerts --sent: %d alerts; each records the attempts "
            "the receiver saw (one more if the kill cut one short)" % n,
            [(a["alert"], a["attempts"], hits.get(str(a["alert"])))
             for a in sent])
    dead = al.alerts_json(h, conf, "--failed") or []
    h.check(len(dead) == n and all(a["plugin"] == "strict" and
                                   a["attempts"] == 1 and
                                   a["last_error"].startswith("HTTP 400")
                                   for a in dead),
            "HTTP 400 is not retried: dead at once with the reason",
            [(a["plugin"], a["attempts"], a["last_error"]) for a in dead])
    pending = al.alerts_json(h, conf, "--pending") or []
    h.check(pending == [], "nothing is left pending", pending)
    h.finish()


if __name__ == "__main__":
    main()
