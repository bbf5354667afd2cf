#!/usr/bin/env python3
"""it_title.py: a feed's configured title is its outlet (review7 D5).

herald.conf(5): "title = string: A title of your own for the feed.
Default: none; the feed's own title is shown."  Three feeds carry one
Russia story: "c" (its own title "Outlet C") with title = My Own C, "o"
from an OPML outline titled "OPML Outlet" (its own "Outlet O"), "p" with
no title (its own "Outlet P").  After heraldd --once, every place an
outlet is shown says My Own C, OPML Outlet and Outlet P: herald feeds
--json (title; feed_title keeps the feed's own), herald digest (text and
JSON), the story outlets of the alerts the jsonl plugin received (of an
article only c carries, and one only o does).  Then the title is taken out of the
configuration: the next run shows the feed's own title again, though
the feed's body did not change (it is not parsed again).
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


OWN = {"c": ("Commission opens probe under the Digital Markets Act",
             "Gatekeepers must open their platforms."),
       "o": ("Trade talks with China resume",
             "Beijing and Brussels meet again.")}


def story(h, name, title):
    path = h.path("%s.xml" % name)
    items = [{"guid": "%s1" % name,
              "title": "Council agrees sanctions against Russia",
              "link": "https://news.test/russia-sanctions",
              "desc": "EU ambassadors agreed on the package against the "
                      "Kremlin."}]
    if name in OWN:
        items.append({"guid": "%s2" % name, "title": OWN[name][0],
                      "link": "https://news.test/own-%s" % name,
                      "desc": OWN[name][1]})
    al.write_rss(path, title, items)
    return path


def cli(h, conf, *args):
    r = subprocess.run([al.herald_cli()] + list(args) + ["-c", conf],
                       capture_output=True, text=True, timeout=30)
    h.check(r.returncode == 0, "herald %s exits 0" % " ".join(args),
            r.stderr)
    return r.stdout


def write_conf(h, paths, opml, sink, with_title):
    conf, db = al.write_config(h, "title", [("p", paths["p"]),
                                            ("c", paths["c"])],
                               [("russia", "russia OR kremlin"),
                                ("digital", '"digital markets act"'),
                                ("china", "china OR beijing")],
                               [("sink", {"path": "jsonl", "file": sink})])
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    if with_title:
        text = text.replace('[feed "c"]\n', '[feed "c"]\ntitle = My Own C\n')
    text += "\n[feeds]\nopml = %s\n" % opml
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    return conf, db


def outlets_of(h, conf, label, want):
    feeds = {f["name"]: f for f in
             json.loads(cli(h, conf, "feeds", "--json"))["feeds"]}
    got = {n: (feeds[n]["title"], feeds[n].get("feed_title"))
           for n in ("c", "opml-outlet", "p") if n in feeds}
    h.check(got == {"c": (want["c"], "Outlet C"),
                    "opml-outlet": (want["o"], "Outlet O"),
                    "p": ("Outlet P", "Outlet P")},
            "%s: herald feeds --json: title is the outlet, feed_title the "
            "feed's own" % label, got)
    text = cli(h, conf, "digest", "--since", "30d", "--no-color")
    h.check(want["c"] in text and want["o"] in text and "Outlet P" in text,
            "%s: herald digest names the outlets %s, %s, Outlet P"
            % (label, want["c"], want["o"]), text)
    wrong = [t for t in ("Outlet C", "Outlet O", "My Own C", "OPML Outlet")
             if t not in want.values() and t in text]
    h.check(not wrong, "%s: and not %s" % (label, wrong), text)
    doc = json.loads(cli(h, conf, "digest", "--since", "30d", "--format",
                         "json"))
    outs = set()
    for t in doc.get("topics", []):
        if t.get("topic") != "russia":
            continue
        for s in t.get("stories", []):
            outs.update(s.get("outlets", []))
    h.check(outs == {want["c"], want["o"], "Outlet P"},
            "%s: herald digest --format json: the story's outlets" % label,
            outs)


def main():
    h = it.Harness("it_title")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("jsonl")):
        it.skip("plugins/.libs/jsonl.so is not built")
    paths = {n: story(h, n, "Outlet %s" % n.upper()) for n in "cop"}
    opml = h.path("feeds.opml")
    with open(opml, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?><opml version="2.0"><head/><body>'
                '<outline type="rss" title="OPML Outlet" xmlUrl="file://%s"/>'
                '</body></opml>\n' % paths["o"])
    sink = h.path("alerts.jsonl")
    conf, db = write_conf(h, paths, opml, sink, True)
    h.check_config(conf)
    h.once(conf, "with titles")
    want = {"c": "My Own C", "o": "OPML Outlet"}
    outlets_of(h, conf, "with titles", want)

    # an article only c carries, one only o does: each alert's story
    got = {a["topic"]: a.get("story", {}).get("outlets")
           for a in al.read_jsonl(sink)}
    h.check(got.get("digital") == ["My Own C"] and
            got.get("china") == ["OPML Outlet"],
            "jsonl: the alerts' story.outlets are the configured titles", got)

    # herald(1): with only -d, the topics the database recorded (review7
    # D13: the page said one heading)
    r = subprocess.run([al.herald_cli(), "digest", "-d", db, "--since", "30d",
                        "--no-color"], capture_output=True, text=True,
                       timeout=30)
    heads = [ln.split()[1] for ln in r.stdout.splitlines()
             if ln.startswith("━━ ")]
    h.check(r.returncode == 0 and sorted(heads) == ["china", "digital",
                                                    "russia"],
            "herald digest -d: under the topics the database recorded",
            r.stdout + r.stderr)

    # the title taken out: the feed's own again, with no new parse
    conf, db = write_conf(h, paths, opml, sink, False)
    h.once(conf, "without the title")
    outlets_of(h, conf, "without the title", {"c": "Outlet C",
                                              "o": "OPML Outlet"})
    h.finish()


if __name__ == "__main__":
    main()
