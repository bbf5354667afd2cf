#!/usr/bin/env python3
"""it_jsonl_full.py: the jsonl plugin never leaves a torn line (issue 8
item 5; RELIABILITY.md case 44).

The jsonl file lives on a 64 KB tmpfs.  It holds 3,896 bytes of earlier
lines; a filler file takes every other free page, so the first alert line
is written in part before the disk is full.  heraldd (in the foreground)
delivers three alerts there: the file must still end at its last whole
line, every line parsing.  Once the filler is removed, the retries land
and every alert is in the file, on lines of their own.  Skipped when
tmpfs cannot be mounted (not root).
"""

import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402


def lines_ok(path):
    """(every line is JSON and the file ends with a newline, ids, text)."""
    with open(path, "rb") as f:
        data = f.read()
    ids = []
    ok = data.endswith(b"\n") or data == b""
    for line in data.split(b"\n")[:-1]:
        try:
            o = json.loads(line)
        except ValueError:
            ok = False
            continue
        if "id" in o:
            ids.append(o["id"])
    return ok, ids, data


def main():
    h = it.Harness("it_jsonl_full")
    if al.herald_cli() is None:
        it.skip("cli/herald is not built")
    if not os.path.exists(al.plugin_path("jsonl")):
        it.skip("plugins/.libs/jsonl.so is not built")
    mnt = h.path("full")
    os.mkdir(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                        mnt], capture_output=True, text=True)
    if r.returncode != 0:
        it.skip("cannot mount a tmpfs (%s)" % r.stderr.strip())
    h.cleanups.append(lambda: subprocess.run(["umount", "-l", mnt]))
    out = os.path.join(mnt, "alerts.jsonl")
    # 200 bytes short of a page: the first alert line (about 400) is cut
    with open(out, "w") as f:
        while f.tell() < 3896 - 70:
            f.write(json.dumps({"earlier": "x" * 60}) + "\n")
        pad = 3896 - f.tell() - len(json.dumps({"earlier": ""})) - 1
        f.write(json.dumps({"earlier": "y" * pad}) + "\n")
    before = os.path.getsize(out)
    filler = os.path.join(mnt, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 1024) > 0:
            pass
    except OSError:
        pass
    os.close(fd)
    h.note("tmpfs full: %d bytes of earlier lines, %d of filler"
           % (before, os.path.getsize(filler)))

    conf, db = al.write_config(h, "jsonl", al.known_feeds(h),
                               al.KNOWN_TOPICS,
                               [("sink", {"path": "jsonl", "file": out})])
    h.check_config(conf)
    n = len(al.KNOWN_ALERTS)
    d = al.Daemon(h, conf, "heraldd")
    if not h.check(d.wait_log("started:", 15), "heraldd starts",
                   it.tail(d.text())):
        h.finish()
    d.send(signal.SIGUSR1)
    failed = d.wait_log("No space left", 30)
    h.check(failed, "the first delivery fails: the disk is full",
            it.tail(d.text()))
    ok, ids, data = lines_ok(out)
    h.check(ok and data.startswith(b'{"earlier"'),
            "the file still ends at its last whole line (%d bytes, was %d)"
            % (len(data), before), data[-200:])

    os.unlink(filler)
    got = al.wait_until(lambda: len(set(lines_ok(out)[1])) >= n, 60, 0.5)
    ok, ids, data = lines_ok(out)
    h.check(got and ok and data.startswith(b'{"earlier"'),
            "after space came back the retries landed: every line parses "
            "(%d alert lines)" % len(ids), data[-400:])
    h.check(len(set(ids)) == n and len(ids) == n,
            "each of the %d alerts is in the file once" % n, ids)
    d.stop()
    h.finish()


if __name__ == "__main__":
    main()
