#!/usr/bin/env python3
"""it_breaking.py: a topic's breaking = N/DURATION (issue 9 item 3).

Outlets on tests/evilserver.py's /story route carry one story (the 20th
sanctions package, in their own words, published 20 minutes apart).  The
topic "sanctions" has breaking = 3/6h, "russia" no rule.  heraldd --once
over two outlets alerts each topic once for the story (alert-per =
story), nothing breaking; over four, the third outlet makes the story
breaking: exactly one more alert, for "sanctions" only, on the story's
first match, with its own key; over six, nothing more.  A story of one
outlet (outlet 1's own) never breaks.  The payloads carry the story (ABI
1.2): jsonl's "breaking" and "story" (id, size, outlets, languages), exec's
HERALD_BREAKING and HERALD_STORY_* variables.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def main():
    h = it.Harness("it_breaking")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    for p in ("jsonl", "exec"):
        if not os.path.exists(al.plugin_path(p)):
            it.skip("plugins/.libs/%s.so is not built" % p)
    srv = h.start_server()
    out = h.path("alerts.jsonl")
    db = h.path("breaking.db")
    topics = [("sanctions", 'sanction* OR "restrictive measures"',
               {"breaking": "3/6h"}),
              ("russia", "russia*")]
    runs = h.path("runs")
    plugins = [("log", {"path": "jsonl", "file": out}),
               ("run", {"path": "exec", "topics": "sanctions",
                        "command": "printf '%%s %%s %%s %%s|%%s|%%s\\n' "
                        "\"$HERALD_ALERT_ID\" \"$HERALD_BREAKING\" "
                        "\"$HERALD_STORY_ID\" \"$HERALD_STORY_SIZE\" "
                        "\"$HERALD_STORY_OUTLETS\" "
                        "\"$HERALD_STORY_LANGUAGES\" >> %s" % runs})]

    logs = []

    def run(noutlets):
        feeds = [("out%d" % i, srv.url("/story/out%d?v=%d&min=%d%s"
                                       % (i, i - 1, 20 * i,
                                          "&own=1" if i == 1 else "")))
                 for i in range(1, noutlets + 1)]
        conf, _ = al.write_config(h, "outlets%d" % noutlets, feeds, topics,
                                  plugins, db=db)
        h.check_config(conf)
        r = h.run(["-c", conf, "--once", "-v", "-v"], timeout=60)
        h.check(r.rc == 0 and not r.timed_out,
                "%d outlets: heraldd --once exits 0" % noutlets,
                it.tail(r.err))
        logs.append(r.err)
        return conf, al.read_jsonl(out)

    def breaking(lines):
        return [a for a in lines if a["id"].endswith("-breaking")]

    conf, got = run(2)
    # the story's first article fetched, of outlet 1 or 2
    firsts = {(a["topic"], a["link"].replace("out2.", "out1.")): a
              for a in got}
    h.check(len(got) == 3 and sorted(firsts) == [
        ("russia", "https://out1.example/sanctions-20"),
        ("sanctions", "https://out1.example/iran-drones"),
        ("sanctions", "https://out1.example/sanctions-20")],
        "two outlets: one alert per (story, topic)", got)
    h.check(breaking(got) == [], "two outlets: nothing breaking yet",
            breaking(got))

    conf, got = run(4)
    brk = breaking(got)
    h.check(len(got) == 4 and len(brk) == 1,
            "four outlets: exactly one more alert, breaking", got)
    first = firsts.get(("sanctions", "https://out1.example/sanctions-20"))
    if brk and first:
        b = brk[0]
        h.check(b["topic"] == "sanctions" and
                b["id"] == first["id"] + "-breaking" and
                b["link"] == first["link"],
                "the breaking alert: topic sanctions, on the story's first "
                "match, its own key", (b, first))
        # sent as soon as the third outlet's fetch committed (outlet 3
        # or 4, whichever came first): the other may have joined by then
        st = b.get("story") or {}
        n = st.get("size")
        outs = st.get("outlets", [])
        # outlets as the digest names them: the feeds' titles
        h.check(b.get("breaking") is True and n in (3, 4) and
                len(outs) == n and outs[:2] == ["outlet out1",
                                                "outlet out2"] and
                set(outs) <= {"outlet out%d" % i for i in range(1, 5)} and
                st.get("languages") == ["en"] and
                st.get("id") == (first.get("story") or {}).get("id"),
                "jsonl: the breaking alert carries breaking and its story "
                "of three or four outlets", b)
        h.check(first.get("breaking") is False and
                (first.get("story") or {}).get("size") in (1, 2),
                "jsonl: the first alert, not breaking, its story as it was "
                "when sent", first)
        # the log names the delivery by its key both times (review5)
        k = b["id"]
        h.check("plugin log: delivering 1 alert (first %s, attempt 1)" % k
                in logs[-1] and "plugin log: delivered 1 alert (first %s)"
                % k in logs[-1], "the log names the breaking delivery %s "
                "when it starts and when it ends" % k,
                it.tail("\n".join(l for l in logs[-1].splitlines()
                                   if "deliver" in l)))

    conf, got = run(6)
    h.check(len(got) == 4 and len(breaking(got)) == 1,
            "six outlets: no more alerts (once per story and topic)", got)

    try:
        with open(runs) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    # KEY BREAKING STORY_ID SIZE|OUTLETS|LANGUAGES, one per alert
    runs_brk = [ln.split("|") for ln in lines
                if ln.split(" ")[0].endswith("-breaking")]
    h.check(len(lines) == 3 and len(runs_brk) == 1 and
            runs_brk[0][0].split(" ")[1] == "1" and
            runs_brk[0][0].split(" ")[3] in ("3", "4") and
            runs_brk[0][1] in ("outlet out1, outlet out2, outlet out3",
                               "outlet out1, outlet out2, outlet out4",
                               "outlet out1, outlet out2, outlet out3, "
                               "outlet out4")
            and runs_brk[0][2] == "en",
            "exec: HERALD_BREAKING=1 and the story in HERALD_STORY_*", lines)
    alerts = al.alerts_json(h, conf, "--sent", "--plugin", "log") or []
    h.check(sum(1 for a in alerts if a.get("breaking")) == 1 and
            len(alerts) == 4 and all(a["state"] == "sent" for a in alerts),
            "herald alerts: four sent to jsonl, one of them breaking", alerts)
    with it.DB(db) as d:
        rows = d.q("SELECT topic, breaking FROM story_topics"
                   " ORDER BY topic, breaking")
        size = d.one("SELECT max(size) FROM stories")
    h.check([(r["topic"], r["breaking"] != 0) for r in rows] ==
            [("russia", False), ("sanctions", False), ("sanctions", True)],
            "story_topics: only (story, sanctions) is breaking", rows)
    h.check(size == 6, "the six outlets' articles are one story", size)
    h.finish()


if __name__ == "__main__":
    main()
