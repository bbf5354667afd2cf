#!/usr/bin/env python3
"""it_charset.py: an HTTP charset that contradicts the XML declaration
(catalogue case 12) on heraldd's own path: the Content-Type from libcurl,
the body pushed to the parser as it arrives.

/charset serves tests/data/enc/greek-iso-8859-7.xml, which declares
encoding="iso-8859-7", as "application/rss+xml; charset=utf-8", in 7-byte
chunks.  As feedparser, the HTTP charset is tried first, cannot read the
bytes, and the declared encoding is tried next: the feed's title and its
items' titles are stored as Greek, not windows-1252 mojibake, and the feed
has no error (the override is a warning, not a failure).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402

FEED_TITLE = "\u039d\u03ad\u03b1 \u03b1\u03c0\u03cc \u03c4\u03b9\u03c2 " \
    "\u0392\u03c1\u03c5\u03be\u03ad\u03bb\u03bb\u03b5\u03c2"
ITEM_TITLES = sorted([
    "\u03a4\u03bf \u03a3\u03c5\u03bc\u03b2\u03bf\u03cd\u03bb\u03b9\u03bf "
    "\u03b5\u03bd\u03ad\u03ba\u03c1\u03b9\u03bd\u03b5 \u03c4\u03bf\u03bd "
    "\u03c0\u03c1\u03bf\u03cb\u03c0\u03bf\u03bb\u03bf\u03b3\u03b9\u03c3"
    "\u03bc\u03cc",
    "\u03a8\u03b7\u03c6\u03bf\u03c6\u03bf\u03c1\u03af\u03b1 \u03c3\u03c4"
    "\u03bf \u039a\u03bf\u03b9\u03bd\u03bf\u03b2\u03bf\u03cd\u03bb\u03b9"
    "\u03bf"])


def main():
    h = it.Harness("it_charset")
    srv = h.start_server()
    conf, db = h.write_config("charset", [("gr", srv.url("/charset"))])
    h.check_config(conf)
    h.once(conf, "fetch")
    with it.open_db(db) as d:
        row = d.feed("gr")
        h.check(row["failures"] == 0 and not row["last_error"],
                "the feed has no error",
                "failures=%s last_error=%r" % (row["failures"],
                                               row["last_error"]))
        h.check(row["title"] == FEED_TITLE,
                "the feed's title is stored as the declared ISO-8859-7",
                repr(row["title"]))
        titles = sorted(i["title"] for i in d.items("gr"))
        h.check(titles == ITEM_TITLES,
                "the items' titles are stored as the declared ISO-8859-7",
                titles)
    h.finish()


if __name__ == "__main__":
    main()
