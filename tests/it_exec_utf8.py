#!/usr/bin/env python3
"""it_exec_utf8.py: the exec plugin's variables are cut between characters
(issue 8 item 5).

An article's summary is 2,000 euro signs (6,000 bytes of UTF-8).  The exec
plugin's command writes $HERALD_SUMMARY to a file: at most 4,096 bytes,
cut on a character boundary (4,095 bytes, 1,365 euro signs), so it decodes
as UTF-8; the whole alert is still on standard input.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def main():
    h = it.Harness("it_exec_utf8")
    if not os.path.exists(al.plugin_path("exec")):
        it.skip("plugins/.libs/exec.so is not built")
    feed = h.path("euro.xml")
    euros = "\u20ac" * 2000
    al.write_rss(feed, "Euro", [
        {"guid": "e1", "title": "Budget of the Union in euro",
         "link": "https://news.test/euro", "desc": euros}])
    env_out = h.path("summary.env")
    stdin_out = h.path("alert.json")
    conf, db = al.write_config(
        h, "exec", [("euro", feed)], [("budget", "budget")],
        [("run", {"path": "exec",
                  "command": "printf %%s \"$HERALD_SUMMARY\" > %s; "
                             "cat > %s" % (env_out, stdin_out)})])
    h.check_config(conf)
    h.once(conf, "euro feed")
    try:
        with open(env_out, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        data = None
    h.check(data is not None, "the command ran")
    if data is not None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            text = None
            h.note("not UTF-8: %s; ends %r" % (e, data[-4:]))
        h.check(text is not None and len(data) <= 4096 and
                len(data) >= 4093 and text == euros[:len(text)],
                "HERALD_SUMMARY: %d bytes, cut between characters"
                % len(data), data[-8:])
    with open(stdin_out, encoding="utf-8") as f:
        a = json.load(f)
    h.check(a.get("summary") == euros,
            "the whole summary is on standard input")
    h.finish()


if __name__ == "__main__":
    main()
