#!/usr/bin/env python3
"""it_sched.py: a feed's own scheduling hints (issue 3 section 4).

Feeds served from file:// with <ttl>, sy:updatePeriod and skipHours /
skipDays; after `heraldd --once` the stored next_fetch must be the
interval raised by the hint (never lowered), clamped to a day, and moved
out of skipped hours and days.  Jitter is +-10%, so each check allows it.
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402

INTERVAL = 900


def rss(extra):
    return ('<?xml version="1.0"?><rss version="2.0" '
            'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
            '<channel><title>t</title>%s<item><title>one</title>'
            '<guid>g1</guid></item></channel></rss>' % extra)


def main():
    h = it.Harness("it_sched")
    now = datetime.datetime.now(datetime.timezone.utc)
    skip_hours = [(now.hour + k) % 24 for k in range(0, 5)]
    today = (now.weekday() + 1) % 7            # RSS: Sunday is day 0
    days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
            "Friday", "Saturday"]
    docs = {
        "plain": "",
        "ttl-short": "<ttl>5</ttl>",            # 5 min: never lowers 15 min
        "ttl-2h": "<ttl>120</ttl>",
        "ttl-huge": "<ttl>100000</ttl>",        # clamped to a day
        "sy-daily": "<sy:updatePeriod>daily</sy:updatePeriod>"
                    "<sy:updateFrequency>4</sy:updateFrequency>",  # 6 h
        "skiphours": "<skipHours>%s</skipHours>" % "".join(
            "<hour>%d</hour>" % x for x in skip_hours),
        "skipdays": "<skipDays><day>%s</day></skipDays>" % days[today],
    }
    feeds = []
    for name, extra in docs.items():
        path = h.path("%s.xml" % name)
        with open(path, "w") as f:
            f.write(rss(extra))
        feeds.append((name, "file://" + path))
    conf, db = h.write_config("sched", feeds)
    h.check_config(conf)
    h.once(conf, "once")
    want = {
        "plain": INTERVAL,
        "ttl-short": INTERVAL,
        "ttl-2h": 7200,
        "ttl-huge": it.DAY,
        "sy-daily": 6 * 3600,
    }
    with it.open_db(db) as d:
        for name, secs in want.items():
            row = d.feed(name)
            delta = row["next_fetch"] - row["last_fetch"]
            h.check(0.89 * secs <= delta <= 1.11 * secs,
                    "%s: next fetch in about %d s" % (name, secs),
                    "next_fetch - last_fetch = %d" % delta)
        row = d.feed("skiphours")
        nxt = datetime.datetime.fromtimestamp(row["next_fetch"],
                                              datetime.timezone.utc)
        h.check(nxt.hour not in skip_hours,
                "skiphours: the next fetch is outside hours %s" % skip_hours,
                "next fetch at %s" % nxt.isoformat())
        h.check(row["next_fetch"] - row["last_fetch"] <= 6 * 3600,
                "skiphours: and right after them")
        row = d.feed("skipdays")
        nxt = datetime.datetime.fromtimestamp(row["next_fetch"],
                                              datetime.timezone.utc)
        h.check((nxt.weekday() + 1) % 7 != today,
                "skipdays: the next fetch is not on %s" % days[today],
                "next fetch at %s" % nxt.isoformat())
    h.finish()


if __name__ == "__main__":
    main()
