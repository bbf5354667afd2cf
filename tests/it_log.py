#!/usr/bin/env python3
"""it_log.py: where heraldd's log goes and how its lines read.

heraldd --once -v over a file:// feed, three times: with no JOURNAL_STREAM,
each line is "heraldd: ..." as a person reads it, no "<7>" priority prefix;
with JOURNAL_STREAM naming the device and inode of its standard error (as
systemd sets it when stderr is the journal), each line carries the
journald priority prefix; with JOURNAL_STREAM naming another file (a
variable inherited by a child whose stderr is elsewhere), plain lines again.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from it_common import Harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FEEDS = os.path.join(os.environ.get("TESTDATA", os.path.join(HERE, "data")),
                     "feeds")
PREFIX = re.compile(r"^<[0-7]>")


def lines_of(text):
    return [l for l in text.split("\n") if l]


def main():
    h = Harness("it_log")
    feeds = [("eu", "file://" + os.path.join(FEEDS, "eu-observer.rss"))]
    conf, _ = h.write_config("log", feeds)
    h.check_config(conf)
    err = h.path("heraldd.err")

    r = h.once(conf, "plain", env={"JOURNAL_STREAM": None})
    ls = lines_of(r.err)
    h.check(ls and all(l.startswith("heraldd: ") for l in ls),
            "no JOURNAL_STREAM: every line starts 'heraldd: '", ls[:5])
    h.check(any("eu: fetching" in l for l in ls),
            "no JOURNAL_STREAM: the feed's lines are there", ls[:5])

    # h.run reopens the same file for stderr: its inode stays
    st = os.stat(err)
    r = h.once(conf, "journal",
               env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
    ls = lines_of(r.err)
    h.check(ls and all(PREFIX.match(l) for l in ls),
            "JOURNAL_STREAM names stderr: every line has a priority prefix",
            ls[:5])
    h.check(any(l.startswith("<7>feed eu: fetching") for l in ls),
            "JOURNAL_STREAM names stderr: debug lines are <7>", ls[:5])

    r = h.once(conf, "inherited",
               env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino + 1)})
    ls = lines_of(r.err)
    h.check(ls and all(l.startswith("heraldd: ") for l in ls),
            "JOURNAL_STREAM names another file: plain lines", ls[:5])
    h.finish()


if __name__ == "__main__":
    main()
