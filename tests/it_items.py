#!/usr/bin/env python3
"""it_items.py: what heraldd stores from awkward but valid feeds.

Catalogue cases (../shared/RELIABILITY.md) 9 (100,000 items in one feed),
26 (GUIDs that change on every fetch), 27 (the same GUID twice in one
feed), 28 (dates in the future, 1970, garbage, bad offsets, missing), and
the dedup rules of issue 3 section 8 (one article in two feeds whose links
differ only in tracking parameters).  Three --once runs over the same
feeds; asserted after each:
 - churn: the feed carries exactly its 5 distinct links, whatever the
   GUIDs (no growth from run to run);
 - dupguid: guid dup-1 is one row (the first occurrence wins: store.h),
   the feed has no error;
 - many: at most max-items (500) items, and they are the newest ones
   (m0 .. m499), the feed has no error, peak RSS bounded;
 - dedup: the shared article is one item carried by both feeds;
 - escaped: Atom text titles escaped twice by their publisher
   ("Iraq&amp;#039;s") are stored as read once; plain ones, ones with
   markup and unknown names stay as written;
 - dates (published column; store.c stores what heraldd gives it, so
   these are the daemon's rules, as the catalogue states them):
     a valid RFC 822 date is stored exactly, with its offset applied;
     a future date (2099) is clamped to the fetch time: published lies
       within the first run's wall-clock window;
     1970, "yesterday", an invalid "+2500" offset and a missing date are
       never stored as 1970: NULL or the fetch time (the "+2500" one may
       also be the date with its offset ignored, within 26 h);
     no item anywhere is dated before 1971 or after the last run;
 - everywhere: no (feed, link) pair twice, the item count does not change
   from run to run, and nothing unchanged is rewritten (n_updated 0,
   max(changed) unchanged).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402

MAX_ITEMS = 500
RSS_MAX_KB = 128 * 1024
YEAR_1971 = 31536000


def main():
    h = it.Harness("it_items")
    srv = h.start_server()
    feeds = [("churn", srv.url("/churn")),
             ("dupguid", srv.url("/dupguid")),
             ("dates", srv.url("/dates")),
             ("many", srv.url("/many")),
             ("dedup-a", srv.url("/dedup/a")),
             ("dedup-b", srv.url("/dedup/b")),
             ("escaped", srv.url("/escaped"))]
    conf, db = h.write_config("items", feeds, max_items=MAX_ITEMS)
    h.check_config(conf)

    runs = []
    first = None
    for n in (1, 2, 3):
        r = h.once(conf, "run %d" % n)
        runs.append(r)
        h.check(r.maxrss_kb <= RSS_MAX_KB, "run %d: peak RSS %d KB <= %d KB"
                % (n, r.maxrss_kb, RSS_MAX_KB))
        with it.open_db(db) as d:
            for name, _ in feeds:
                row = d.feed(name)
                h.check(row["error_class"] is None,
                        "run %d: %s: no error" % (n, name),
                        "class=%s error=%r" % (row["error_class"],
                                               row["last_error"]))
            check_churn(h, d, n)
            check_dupguid(h, d, n)
            check_many(h, d, n)
            check_dedup(h, d, n)
            check_escaped(h, d, n)
            check_dates(h, d, n, runs[0], r)
            # the canonical link: canon_link where it differs from link
            dup = d.q("SELECT x.feed_id, coalesce(i.canon_link, i.link) AS c,"
                      " count(*) AS n"
                      " FROM items i JOIN item_feeds x ON x.item_id = i.id"
                      " WHERE i.link_key IS NOT NULL"
                      " GROUP BY x.feed_id, c HAVING n > 1")
            h.check(not dup, "run %d: no feed carries a link twice" % n, dup)
            state = (d.count_items(), d.one("SELECT max(changed) FROM items"))
            if first is None:
                first = state
            else:
                h.check(state == first,
                        "run %d: item count and max(changed) as after run 1"
                        " %s" % (n, first), state)
                upd = d.q("SELECT name, n_updated FROM feeds"
                          " WHERE n_updated != 0")
                h.check(not upd, "run %d: nothing rewritten (n_updated 0)"
                        % n, upd)
    with it.open_db(db) as d:
        h.check(d.integrity() == "ok", "integrity_check ok")
    h.check(it.fts_check(db) == "ok", "items_fts integrity-check ok")
    h.finish()


def check_churn(h, d, n):
    items = d.items("churn")
    links = sorted(i["link"] for i in items)
    want = ["https://news.example/churn/%d" % i for i in range(5)]
    h.check(links == want, "run %d: churn: 5 items, one per distinct link "
            "(GUIDs change every fetch)" % n, links)


def check_dupguid(h, d, n):
    items = d.items("dupguid")
    dup = [i for i in items if i["fguid"] == "dup-1"]
    h.check(len(dup) == 1, "run %d: dupguid: guid dup-1 is one row" % n,
            [(i["fguid"], i["title"]) for i in items])
    h.check(len(dup) == 1 and dup[0]["title"] == "first",
            "run %d: dupguid: the first occurrence wins" % n,
            [i["title"] for i in dup])
    h.check(len(items) == 2, "run %d: dupguid: 2 items (dup-1, dup-2)" % n,
            len(items))


def check_many(h, d, n):
    items = d.items("many")
    guids = {i["fguid"] for i in items}
    newest = {"m%d" % i for i in range(len(items))}
    h.check(0 < len(items) <= MAX_ITEMS,
            "run %d: many: %d items stored, at most max-items %d"
            % (n, len(items), MAX_ITEMS))
    h.check(guids == newest, "run %d: many: the newest ones kept" % n,
            sorted(guids - newest)[:5])


def check_escaped(h, d, n):
    # a text title still holding character references was escaped twice:
    # shown as a reader shows it; one with markup, or none, stays as it is
    got = {i["fguid"]: i["title"] for i in d.items("escaped")}
    want = {"urn:x:e-twice": "Iraq's World Cup & more",
            "urn:x:e-hex": "Putin's regime",
            "urn:x:e-named": 'Caf\u00e9 "Europa"',
            "urn:x:e-plain": "AT&T & Verizon 5% &c",
            "urn:x:e-markup": "Use <b> and &#039; in HTML",
            "urn:x:e-unknown": "Tom &jerry; show"}
    h.check(got == want, "run %d: escaped: titles escaped twice read once, "
            "the others as written" % n, got)
    summ = [i["summary"] for i in d.items("escaped")
            if i["fguid"] == "urn:x:e-twice"]
    h.check(summ == ["Line one 's & more\nLine two"],
            "run %d: escaped: a text summary escaped twice keeps its lines"
            % n, summ)


def check_dedup(h, d, n):
    rows = d.q("SELECT i.id, coalesce(i.canon_link, i.link) AS canon_link,"
               " count(x.feed_id) AS nf,"
               " group_concat(f.name) AS names FROM items i"
               " JOIN item_feeds x ON x.item_id = i.id"
               " JOIN feeds f ON f.id = x.feed_id"
               " WHERE i.title = 'The shared story' GROUP BY i.id")
    h.check(len(rows) == 1 and rows[0]["nf"] == 2,
            "run %d: dedup: the shared article is one item carried by both "
            "feeds" % n, rows)
    if rows:
        h.check(rows[0]["canon_link"] == "https://news.example/story?id=7",
                "run %d: dedup: canonical link without tracking parameters"
                % n, rows[0]["canon_link"])
    total = d.one("SELECT count(DISTINCT x.item_id) FROM item_feeds x"
                  " JOIN feeds f ON f.id = x.feed_id"
                  " WHERE f.name IN ('dedup-a', 'dedup-b')")
    h.check(total == 3, "run %d: dedup: 3 distinct items in the two feeds"
            % n, total)


def check_dates(h, d, n, r1, rn):
    items = {i["fguid"]: i for i in d.items("dates")}
    lo, hi = r1.t0, rn.t1

    def fetchtime(v):
        return v is not None and lo <= v <= hi

    def get(g):
        return items[g]["published"] if g in items else "missing"

    exact = {"d-valid": 1709294400, "d-offset-ok": 1709294400 - 19800}
    for g, want in exact.items():
        h.check(get(g) == want, "run %d: dates: %s stored as %d"
                % (n, g, want), get(g))
    v = get("d-future")
    h.check(fetchtime(v), "run %d: dates: 2099 clamped to the fetch time "
            "[%d, %d]" % (n, lo, hi), v)
    for g in ("d-1970", "d-garbage", "d-missing"):
        v = get(g)
        h.check(v is None or fetchtime(v),
                "run %d: dates: %s is NULL or the fetch time" % (n, g), v)
    v = get("d-offset-bad")
    h.check(v is None or fetchtime(v) or
            (isinstance(v, int) and abs(v - 1055217600) <= 26 * 3600),
            "run %d: dates: +2500 is NULL, the fetch time, or the date "
            "without its offset" % n, v)
    bad = d.q("SELECT guid, published FROM items WHERE published < ?"
              " OR published > ?", YEAR_1971, hi)
    h.check(not bad, "run %d: no item dated before 1971 or in the future"
            % n, bad)
    h.note("run %d: dates stored: %s" % (n, {g: i["published"]
                                               for g, i in items.items()}))


if __name__ == "__main__":
    main()
