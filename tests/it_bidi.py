#!/usr/bin/env python3
"""it_bidi.py: bidi controls never reach the terminal (issue 8 item 6;
RELIABILITY.md case 45).

A feed's titles, summaries and links carry every bidi control (U+202E
RIGHT-TO-LEFT OVERRIDE and the other overrides, embeddings and isolates,
U+200E/U+200F, U+061C).  After `heraldd --once`, the text output of herald
digest, search, feeds, topics and alerts holds none of them, while the
words around them survive; --json keeps the data as stored.  Neither does
the text output of herald parse, over the feed itself and over an HTML
page that names a feed.
"""

import email.utils
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
        "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"]


def main():
    h = it.Harness("it_bidi")
    cli = al.herald_cli()
    if cli is None:
        it.skip("cli/herald is not built")
    feed = h.path("bidi.xml")
    controls = "".join(BIDI)
    al.write_rss(feed, "Bidi \u202etset\u202c feed", [
        {"guid": "b1", "title": "Sanctions invoice \u202egpj.exe\u202c "
         "for Russia " + controls,
         "link": "https://news.test/\u202eevil",
         "desc": "Summary \u2067with\u2069 isolates \u200fand\u200e marks "
         "about sanctions " + controls,
         "date": email.utils.formatdate(time.time() - 3600, usegmt=True)},
    ])
    conf, db = al.write_config(h, "bidi", [("bidi", feed)],
                               [("sanctions", "sanctions")],
                               [("sink", {"path": "jsonl",
                                          "file": h.path("alerts.jsonl")})])
    h.check_config(conf)
    h.once(conf, "bidi feed")

    def run(*args):
        r = subprocess.run([cli] + list(args), capture_output=True,
                           text=True, timeout=30)
        return r

    for args in (["digest", "-c", conf, "--since", "1d"],
                 ["search", "-c", conf, "sanctions"],
                 ["feeds", "-c", conf],
                 ["topics", "-c", conf],
                 ["digest", "-c", conf, "--since", "1d", "--topic",
                  "sanctions"],
                 ["alerts", "-c", conf, "--sent"],
                 ["parse", feed]):
        r = run(*args)
        bad = sorted({"U+%04X" % ord(c) for c in r.stdout + r.stderr
                      if c in BIDI})
        h.check(r.returncode == 0 and not bad,
                "herald %s: no bidi control in the output" % args[0] +
                (" (%s)" % " ".join(args[3:]) if len(args) > 3 else ""),
                "rc=%d, %s\n%s%s" % (r.returncode, bad, r.stdout[-600:],
                                     r.stderr[-300:]))
        if args[0] in ("digest", "search", "parse"):
            h.check("gpj.exe" in r.stdout or "Sanctions invoice" in
                    r.stdout, "herald %s: the title's words are still "
                    "there" % args[0], r.stdout[-600:])
    # herald parse names a page's feeds when the page is not one
    page = h.path("page.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write('<html><head><title>p</title><link rel="alternate" '
                'type="application/rss+xml" href="https://news.test/'
                '\u202essr.xml"></head><body>x</body></html>\n')
    r = run("parse", page)
    bad = sorted({"U+%04X" % ord(c) for c in r.stdout + r.stderr
                  if c in BIDI})
    h.check(r.returncode == 1 and "try the feed" in r.stderr and not bad,
            "herald parse of a page: the feeds it names without bidi "
            "controls", "rc=%d, %s\n%s" % (r.returncode, bad, r.stderr))
    r = run("search", "-c", conf, "--json", "sanctions")
    h.check(r.returncode == 0 and ("\\u202e" in r.stdout.lower() or
                                   "\u202e" in r.stdout),
            "herald search --json keeps the title as stored", r.stdout[-400:])
    h.finish()


if __name__ == "__main__":
    main()
