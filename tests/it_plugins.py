#!/usr/bin/env python3
"""it_plugins.py: topic alerts through the jsonl, mail and exec plugins,
and plugins heraldd must refuse (issue 4, section 7).

 1. Two feeds with known texts (file://), four topics, and plugins jsonl
    (every topic), jsonl (china only), mail (into a Maildir) and exec:
    heraldd --once gives exactly the expected alerts, one per (article,
    topic): the article both feeds carry alerts once.  Fetching again,
    an updated article and a rerun give none; a new article gives one.
    The mail messages are multipart/alternative with both parts; exec
    gets HERALD_* and the alert as JSON on stdin; `herald alerts` counts
    every delivery as sent.
 2. Refused at startup, by heraldd -n and by heraldd itself, with the
    file:line and the reason: a wrong ABI number, a wrong struct size,
    no herald_plugin_entry, a missing file, a plugin's unknown key or
    bad value.
 3. doc/example-plugin builds out of the tree against the header and
    herald-plugin.pc as `make install` puts them, and heraldd loads it:
    it sees new articles (on_item) and answers alerts through a child,
    reading each alert's story (ABI 1.2).
"""

import email
import email.policy
import glob
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def part_types(msg):
    return sorted(p.get_content_type() for p in msg.walk()
                  if not p.is_multipart())


def alerts_section(h):
    feeds = al.known_feeds(h)
    maildir = h.path("Maildir")
    runlog = h.path("exec.out")
    plugins = [
        ("all", {"path": "jsonl", "file": h.path("all.jsonl")}),
        ("cn", {"path": "jsonl", "file": h.path("cn.jsonl"),
                "topics": "china"}),
        ("mail", {"to": "desk@example.test", "from": "herald@example.test",
                  "maildir": maildir}),
        ("run", {"path": "exec", "timeout": "10s",
                 "command": 'printf "%s %s %s\\n" "$HERALD_ALERT_ID" '
                 '"$HERALD_TOPIC" "$(cat | tr -d "\\n")" >> ' + runlog}),
    ]
    conf, db = al.write_config(h, "alerts", feeds, al.KNOWN_TOPICS, plugins)
    h.check_config(conf)
    h.once(conf, "first run")

    lines = al.read_jsonl(h.path("all.jsonl"))
    got = {(l["topic"], l["link"]) for l in lines}
    h.check(got == al.KNOWN_ALERTS and len(lines) == len(al.KNOWN_ALERTS),
            "jsonl: exactly the expected %d alerts, the article in two "
            "feeds once" % len(al.KNOWN_ALERTS),
            "got %s" % sorted((l["topic"], l["link"]) for l in lines))
    ids = [l["id"] for l in lines]
    h.check(len(set(ids)) == len(ids) and all(ids),
            "jsonl: every alert has its own idempotency key", ids)
    ru = [l for l in lines if l["topic"] == "russia"]
    h.check(ru and "Russia" in ru[0]["terms"] and ru[0]["field"] and
            ru[0]["feed"] in ("feed-a", "feed-b") and ru[0]["attempt"] == 1,
            "jsonl: an alert names its terms, field, feed and attempt",
            ru)
    cn = al.read_jsonl(h.path("cn.jsonl"))
    h.check([l["topic"] for l in cn] == ["china"],
            "jsonl with topics = china: only the china alert",
            [l["topic"] for l in cn])

    # again: nothing new; an updated article: nothing new
    h.once(conf, "second run")
    al.write_rss(feeds[0][1], "Feed A", [
        {"guid": "a1", "title": "Council agrees sanctions against Russia",
         "link": "https://news.test/russia-sanctions",
         "desc": "Updated: the Kremlin reacts to the package."},
        {"guid": "a4", "title": "Climate law adopted",
         "link": "https://news.test/climate-law",
         "desc": "Parliament votes the 2040 target."},
    ])
    h.once(conf, "third run (an update and a new article)")
    lines = al.read_jsonl(h.path("all.jsonl"))
    h.check(len(lines) == 4 and lines[3]["topic"] == "climate" and
            lines[3]["link"] == "https://news.test/climate-law",
            "reruns and an updated article alert no more; a new article "
            "alerts once", [(l["topic"], l["link"]) for l in lines])

    # mail
    files = sorted(glob.glob(os.path.join(maildir, "new", "*")))
    h.check(len(files) == 4 and not os.listdir(os.path.join(maildir, "tmp")),
            "mail: 4 messages in Maildir/new, none left in tmp", files)
    seen = set()
    for fn in files:
        with open(fn, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        subj = str(msg["Subject"])
        aid = str(msg["X-Herald-Alert-Ids"])
        seen.add(aid)
        ok = (msg.get_content_type() == "multipart/alternative" and
              part_types(msg) == ["text/html", "text/plain"] and
              subj.startswith("[herald] ") and
              ("herald.alert.%s." % aid) in str(msg["Message-ID"]) and
              msg["Date"] is not None)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        h.check(ok and ("Alert: %s" % aid) in body,
                "mail: %s: multipart/alternative, text and HTML, the key "
                "in Message-ID and body" % subj, msg.as_string()[:600])
    h.check(seen == {l["id"] for l in lines},
            "mail: one message per alert", (seen, [l["id"] for l in lines]))

    # exec
    try:
        with open(runlog, encoding="utf-8") as f:
            runs = [l.split(" ", 2) for l in f.read().splitlines()]
    except FileNotFoundError:
        runs = []
    okruns = [r for r in runs if len(r) == 3 and r[2].startswith("{") and
              json.loads(r[2]).get("id") == r[0] and
              json.loads(r[2]).get("topic") == r[1]]
    h.check(len(runs) == 4 and len(okruns) == 4 and
            {r[0] for r in runs} == {l["id"] for l in lines},
            "exec: one run per alert, HERALD_ALERT_ID and HERALD_TOPIC match "
            "the JSON on stdin", runs)

    counts = al.alerts_json(h, conf) or []
    by = {c["plugin"]: c for c in counts}
    h.check(by.get("all", {}).get("sent") == 4 and
            by.get("cn", {}).get("sent") == 1 and
            by.get("mail", {}).get("sent") == 4 and
            by.get("run", {}).get("sent") == 4 and
            all(c["pending"] == 0 and c["dead"] == 0 for c in counts),
            "herald alerts: every delivery sent, none pending or dead",
            counts)


def refused_section(h):
    feeds = al.known_feeds(h)
    cases = [
        ("wrong ABI", {"path": al.test_plugin_path("badabi")},
         ["built for plugin ABI 999", "heraldd has ABI 1", "rebuild"]),
        ("wrong struct size", {"path": al.test_plugin_path("badsize")},
         ["struct herald_plugin has", "rebuild"]),
        ("no entry symbol", {"path": al.test_plugin_path("nosym")},
         ["no symbol herald_plugin_entry", "not a herald plugin"]),
        ("missing file", {"path": h.path("nowhere.so")},
         ["cannot load", "nowhere.so"]),
        ("unknown key", {"path": "webhook", "url": "http://127.0.0.1:9/",
                         "colour": "blue"},
         ["colour: unknown key"]),
        ("bad value", {"path": "webhook", "url": "ftp://example.test/"},
         ["url: \"ftp://example.test/\" is not an http"]),
        # Pushover refuses emergency messages without retry and expire
        ("Pushover priority 2", {"path": "webhook", "format": "pushover",
                                 "token": "t", "user": "u", "priority": "2"},
         ["pushover: priority is -2 to 1"]),
    ]
    for label, keys, needles in cases:
        conf, db = al.write_config(h, "bad-" + label.replace(" ", "-"),
                                   feeds, al.KNOWN_TOPICS, [("p", keys)])
        with open(conf) as f:
            lines = f.read().splitlines()
        sect = lines.index('[plugin "p"]') + 1
        want_line = sect
        for i, l in enumerate(lines):
            if l.startswith("colour") or l.startswith("url = ftp"):
                want_line = i + 1
        r = h.run(["-c", conf, "-n"], timeout=30)
        where = "%s:%d:" % (conf, want_line)
        h.check(r.rc == 1 and all(n in r.err for n in needles) and
                where in r.err,
                "heraldd -n refuses a plugin with a %s, at %s" % (label,
                                                                  where),
                "rc=%s\n%s" % (r.rc, r.err))
        r = h.run(["-c", conf, "--once"], timeout=30)
        h.check(r.rc != 0 and all(n in r.err for n in needles),
                "heraldd refuses to start with a plugin with a %s" % label,
                "rc=%s\n%s" % (r.rc, r.err))


def example_section(h):
    make = shutil.which("make")
    pkgconfig = shutil.which("pkg-config")
    if make is None or pkgconfig is None:
        h.note("SKIP example plugin: make or pkg-config missing")
        return
    dest = h.path("destdir")
    r = subprocess.run([make, "-s", "-C", al.TOP, "install-pkgincludeHEADERS",
                        "install-pkgconfigDATA", "DESTDIR=" + dest],
                       capture_output=True, text=True, timeout=120)
    pcs = glob.glob(os.path.join(dest, "**", "herald-plugin.pc"),
                    recursive=True)
    hdrs = glob.glob(os.path.join(dest, "**", "herald", "plugin.h"),
                     recursive=True)
    if not h.check(r.returncode == 0 and len(pcs) == 1 and len(hdrs) == 1,
                   "make install puts herald/plugin.h and herald-plugin.pc",
                   r.stderr):
        return
    src = h.path("example")
    shutil.copytree(os.path.join(al.SRC, "doc", "example-plugin"), src)
    env = dict(os.environ, PKG_CONFIG_LIBDIR=os.path.dirname(pcs[0]),
               PKG_CONFIG_SYSROOT_DIR=dest, MAKEFLAGS="")
    r = subprocess.run([make, "-C", src], capture_output=True, text=True,
                       timeout=120, env=env)
    so = os.path.join(src, "hello.so")
    if not h.check(r.returncode == 0 and os.path.exists(so) and
                   ("-I" + os.path.dirname(os.path.dirname(hdrs[0])))
                   in r.stdout,
                   "the example plugin builds out of the tree against the "
                   "installed header (pkg-config --cflags herald-plugin)",
                   r.stdout + r.stderr):
        return
    exported = subprocess.run(["nm", "-D", "--defined-only", so],
                              capture_output=True, text=True).stdout
    h.check(" T herald_plugin_entry" in exported and
            " T hello_" not in exported,
            "the example exports herald_plugin_entry only", exported)
    feeds = al.known_feeds(h)
    conf, db = al.write_config(h, "example", feeds, al.KNOWN_TOPICS,
                               [("hello", {"path": so, "greeting": "Hi"})])
    h.check_config(conf)
    r = h.run(["-c", conf, "--once", "-v", "-v"], timeout=60)
    h.check(r.rc == 0 and "plugin hello: Hi from section hello" in r.err and
            r.err.count("new article") == 4 and
            "goodbye after 4 articles" in r.err,
            "heraldd loads the example: init with its key, on_item for the "
            "4 new articles, fini", it.tail(r.err, 30))
    counts = al.alerts_json(h, conf) or []
    h.check(len(counts) == 1 and counts[0]["sent"] == 3,
            "the example answers the 3 alerts through a child (sent)", counts)
    stories = re.findall(r"plugin hello: alert \S+ in story \d+: \d+ "
                         r"articles?, \d+ outlets?", r.err)
    h.check(len(stories) == 3, "the example reads each alert's story "
            "(ABI 1.2, host->abi_minor >= 2)", it.tail(r.err, 30))
    conf2, _ = al.write_config(h, "example-bad", feeds, al.KNOWN_TOPICS,
                               [("hello", {"path": so, "greting": "Hi"})])
    r = h.run(["-c", conf2, "-n"], timeout=30)
    h.check(r.rc == 1 and "greting: unknown key (hello knows greeting)"
            in r.err, "the example rejects an unknown key at its file:line",
            r.err)


def main():
    h = it.Harness("it_plugins")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    for so in ("jsonl", "exec", "mail", "webhook"):
        if not os.path.exists(al.plugin_path(so)):
            it.skip("plugins/.libs/%s.so is not built" % so)
    for so in ("badabi", "badsize", "nosym"):
        if not os.path.exists(al.test_plugin_path(so)):
            it.skip("tests/.libs/%s.so is not built (make check builds it)"
                    % so)
    alerts_section(h)
    refused_section(h)
    example_section(h)
    h.finish()


if __name__ == "__main__":
    main()
