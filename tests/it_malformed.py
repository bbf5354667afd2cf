#!/usr/bin/env python3
"""it_malformed.py: malformed XML over HTTP (catalogue case 1).

RELIABILITY.md: "Feed error 'parse error line L: msg'; no partial items
from that fetch (or only fully closed items if you choose streaming; pick
one and test it)".  heraldd parses as bytes arrive, and takes the second
choice: the feed records a parse error naming a line, failures count up
and the next fetch backs off, items already stored stay, and the entries
the broken document completed are stored (nothing from the cut one).  Two documents: /trunc.xml (one complete new item, then
an element cut in the middle) and /garbage.xml (a complete feed, then
markup after the root element).  Each first serves a good feed (3 items),
then the malformed one twice.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402

CASES = {"trunc": "/trunc.xml", "garbage": "/garbage.xml"}


def main():
    h = it.Harness("it_malformed")
    srv = h.start_server()
    feeds = [(n, srv.url(r)) for n, r in CASES.items()]
    conf, db = h.write_config("malformed", feeds)
    h.check_config(conf)
    for name, route in CASES.items():
        h.ctl(srv, "override", path=route, to="/ok/%s?n=3" % name)
    h.once(conf, "good phase")
    with it.open_db(db) as d:
        good = {n: sorted((i["fguid"], i["title"]) for i in d.items(n))
                for n in CASES}
    h.ctl(srv, "clear")
    for phase in (1, 2):
        h.once(conf, "malformed %d" % phase)
        with it.open_db(db) as d:
            for name in CASES:
                row = d.feed(name)
                what = "malformed %d: %s" % (phase, name)
                h.check(row["error_class"] == "parse" and
                        re.search(r"line \d+", row["last_error"] or ""),
                        "%s: error_class parse, last_error names the line"
                        % what, "class=%s last_error=%r last_status=%s"
                        % (row["error_class"], row["last_error"],
                           row["last_status"]))
                h.check(row["failures"] == phase,
                        "%s: failures = %d" % (what, phase),
                        row["failures"])
                ok, delta, want = it.backoff_ok(row, phase)
                h.check(ok, "%s: next_fetch %ss ahead (about %ss)"
                        % (what, delta, want))
                items = sorted((i["fguid"], i["title"])
                               for i in d.items(name))
                kept = set(good[name])
                added = [i for i in items if i not in kept]
                h.check(kept <= set(items),
                        "%s: the items of the good fetch stay" % what,
                        "now %s\n      was %s" % (items, good[name]))
                h.check([g for g, _ in added] == ["%s-new" % name],
                        "%s: only the complete new item of the broken "
                        "document is stored" % what, added)
    h.finish()


if __name__ == "__main__":
    main()
