#!/usr/bin/env python3
"""it_fifo.py: a FIFO named anywhere in the configuration is refused, never
waited on (issue 8 item 6).

`heraldd -n` (which a reload does the same way) over configurations whose
include, opml, plugin path, webhook secret-file or jsonl file is a FIFO
with nobody at the other end: each exits 1 within seconds, saying the file
is not a regular file, with the file and line where the configuration
names it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def main():
    h = it.Harness("it_fifo")
    fifo = h.path("fifo")
    os.mkfifo(fifo)
    web = al.plugin_path("webhook")
    cases = [
        ("include", "include = %s\n" % fifo, None),
        ("opml", "\n[feeds]\nopml = %s\n" % fifo, None),
        ("plugin path", '\n[plugin "p"]\npath = %s\n' % fifo, None),
        ("webhook secret-file", '\n[plugin "w"]\npath = %s\n'
         "url = http://127.0.0.1:9/\nsecret-file = %s\n" % (web, fifo),
         web),
        ("jsonl file", '\n[plugin "j"]\npath = %s\nfile = %s\n'
         % (al.plugin_path("jsonl"), fifo), al.plugin_path("jsonl")),
    ]
    for name, text, need in cases:
        if need is not None and not os.path.exists(need):
            h.note("%s: %s is not built: case skipped" % (name, need))
            continue
        conf, db = h.write_config("fifo", [])
        with open(conf, "a") as f:
            f.write(text)
        lineno = len(open(conf).read().splitlines())
        r = h.run(["-c", conf, "-n"], timeout=20)
        out = r.out + r.err
        h.check(r.rc == 1 and not r.timed_out and r.secs < 10 and
                "not a regular file" in out,
                "%s: a FIFO is refused at once (%.1f s)" % (name, r.secs),
                "rc=%s\n%s" % (r.rc, it.tail(out)))
        if name in ("include", "opml", "plugin path"):
            h.check("%s:%d" % (conf, lineno) in out or
                    "%s:%d" % (conf, lineno - 1) in out,
                    "%s: the error names the file and line" % name,
                    it.tail(out))
    h.finish()


if __name__ == "__main__":
    main()
