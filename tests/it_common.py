"""it_common.py: what the integration tests of heraldd share.

Not a test itself: tests/it_*.py import it.  It finds heraldd, starts
tests/evilserver.py on 127.0.0.1, writes configurations into a temporary
directory, runs `heraldd -c CONF --once` with a time bound and reads back
what the daemon stored.  Everything it starts is stopped, and the temporary
directory removed, when the test exits (normally, by an exception, or by
SIGTERM/SIGINT/SIGHUP from the harness).

Exit codes follow automake: 0 pass, 1 fail, 77 skip.  A check that fails
prints "FAIL: ..." and the test goes on, so that one run reports every
broken case; finish() turns the tally into the exit code.
"""

import atexit
import glob
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77

# Error classes that sched.c backs off from one minute; the others (the
# feed or the request is wrong) back off from the feed's interval.
TRANSIENT = {"dns", "connect", "timeout", "io", "tls", "http5xx", "http429"}
CLASSES = {"dns", "connect", "timeout", "tls", "http4xx", "http5xx",
           "http429", "parse", "notfeed", "too-large", "redirect",
           "protocol", "gone", "io"}
DAY = 86400


def skip(msg):
    print("SKIP: " + msg, flush=True)
    sys.exit(SKIP)


def find_heraldd():
    cands = [os.environ.get("HERALDD")]
    if os.environ.get("top_builddir"):
        cands.append(os.path.join(os.environ["top_builddir"], "daemon",
                                  "heraldd"))
    cands.append(os.path.join(HERE, "..", "daemon", "heraldd"))
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


FAKETIME_LIB = next(iter(sorted(glob.glob(
    "/usr/lib/*/faketime/libfaketime.so.1"))), None)


def faketime_env(spec):
    """The environment that runs a process under libfaketime with the
    clock at SPEC (faketime(1)'s -f format, e.g. "@2026-03-29 00:30:00"),
    for clean_env(): the library preloaded, without the faketime wrapper.
    The wrapper keeps a semaphore and a memory segment in /dev/shm named by
    its pid and removes them only when it exits by itself; a wrapper killed
    with heraldd leaves them, and a later one that gets the same pid fails
    ("sem_open: File exists").  None when libfaketime is not installed."""
    if FAKETIME_LIB is None:
        return None
    return {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": spec,
            "FAKETIME_SHARED": None}


def clean_env(extra=None):
    """The environment heraldd runs in: no proxies (curl honours them).
    A value None in extra removes the variable."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy",
                                "ftp_proxy", "no_proxy")}
    env["no_proxy"] = "*"
    env.pop("NOTIFY_SOCKET", None)
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


class Run:
    """The outcome of one heraldd process."""

    def __init__(self, argv, rc, secs, maxrss_kb, t0, t1, out, err,
                 timed_out):
        self.argv = argv
        self.rc = rc
        self.secs = secs
        self.maxrss_kb = maxrss_kb
        self.t0 = t0          # wall clock at start, integer seconds (floor)
        self.t1 = t1          # wall clock at exit, integer seconds (ceil)
        self.out = out
        self.err = err
        self.timed_out = timed_out

    def __str__(self):
        return ("rc=%s %.2fs maxrss=%d KB%s"
                % (self.rc, self.secs, self.maxrss_kb,
                   " TIMED OUT" if self.timed_out else ""))


class Server:
    def __init__(self, proc, port, sentinel, blackhole, log):
        self.proc = proc
        self.port = port
        self.sentinel = sentinel
        self.blackhole = blackhole
        self.log = log

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def records(self):
        out = []
        try:
            with open(self.log, encoding="ascii") as f:
                for line in f:
                    line = line.strip()
                    if line:
                        try:
                            out.append(json.loads(line))
                        except ValueError:
                            pass  # a line being written
        except FileNotFoundError:
            pass
        return out

    def requests(self, route=None, since=0):
        return [r for r in self.records()
                if r.get("ev") == "req" and r.get("id", 0) > since and
                (route is None or r.get("route") == route)]

    def ends(self, route=None, since=0):
        return [r for r in self.records()
                if r.get("ev") == "end" and r.get("id", 0) > since and
                (route is None or r.get("route") == route)]

    def last_id(self):
        ids = [r.get("id", 0) for r in self.records() if "id" in r]
        return max(ids) if ids else 0

    def sentinel_hits(self):
        return [r for r in self.records() if r.get("ev") == "sentinel"]


class Harness:
    def __init__(self, name):
        self.name = name
        self.failed = 0
        self.passed = 0
        self.procs = []
        self.cleanups = []
        self.heraldd = find_heraldd()
        if self.heraldd is None:
            skip("heraldd is not built (set HERALDD or build daemon/)")
        if shutil.which("timeout") is None:
            skip("timeout (coreutils) is needed")
        self.py = sys.executable or "python3"
        self.tmp = tempfile.mkdtemp(prefix="herald-%s." % name)
        self.heraldd = self.snapshot(self.heraldd)
        atexit.register(self.cleanup)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, self._on_signal)
        print("# %s: heraldd %s, temp %s" % (name, self.heraldd, self.tmp),
              flush=True)

    def snapshot(self, path):
        """A private copy of an ELF heraldd, so that a rebuild of the tree
        while the test runs does not pull the binary from under it (a
        libtool wrapper script is used in place)."""
        try:
            with open(path, "rb") as f:
                if f.read(4) != b"\x7fELF":
                    return path
            copy = os.path.join(self.tmp, "heraldd")
            shutil.copy2(path, copy)
            return copy
        except OSError:
            return path

    # Bookkeeping.

    def _on_signal(self, signum, frame):
        print("# %s: signal %d, cleaning up" % (self.name, signum),
              flush=True)
        self.cleanup()
        os._exit(1)

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    p.terminate()
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
                except OSError:
                    pass
        self.procs = []
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 (cleanup goes on)
                print("# cleanup: %r" % (e,))
        self.cleanups = []
        if os.environ.get("HERALD_IT_KEEP"):
            print("# kept %s" % self.tmp)
        elif self.tmp and os.path.isdir(self.tmp):
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def check(self, cond, msg, detail=None):
        if cond:
            self.passed += 1
            print("ok: " + msg, flush=True)
        else:
            self.failed += 1
            print("FAIL: " + msg + ("" if detail is None else
                                    "\n      " + str(detail)), flush=True)
        return bool(cond)

    def note(self, msg):
        print("# " + msg, flush=True)

    def finish(self):
        print("# %s: %d checks passed, %d failed"
              % (self.name, self.passed, self.failed), flush=True)
        self.cleanup()
        sys.exit(1 if self.failed else 0)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    # The server.

    def start_server(self, netns=None, time_limit=300, tag="srv"):
        log = self.path("%s.log" % tag)
        argv = [self.py, os.path.join(HERE, "evilserver.py"), "--log", log,
                "--time-limit", str(time_limit)]
        if netns:
            argv = ["ip", "netns", "exec", netns] + argv
        p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True)
        self.procs.append(p)
        lines = []
        end = time.monotonic() + 90
        buf = ""
        while "ready" not in lines and time.monotonic() < end:
            r, _, _ = select.select([p.stdout], [], [], 1.0)
            if not r:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stdout.fileno(), 4096).decode()
            if not chunk:
                break
            buf += chunk
            while "\n" in buf:
                line, buf = buf.split("\n", 1)
                lines.append(line.strip())
        if "ready" not in lines:
            raise RuntimeError("evilserver did not start: %r" % lines)
        port = int(lines[0])
        kv = dict(line.split(" ", 1) for line in lines[1:] if " " in line)
        return Server(p, port, int(kv.get("sentinel", 0)),
                      int(kv.get("blackhole", 0)), log)

    def ctl(self, srv, what, netns=None, **params):
        """A control request to the server (through its own netns)."""
        import urllib.parse
        q = urllib.parse.urlencode(params)
        path = "/_ctl/%s%s" % (what, "?" + q if q else "")
        code = ("import http.client,sys;"
                "c=http.client.HTTPConnection('127.0.0.1',%d,timeout=10);"
                "c.request('GET',sys.argv[1]);r=c.getresponse();"
                "sys.exit(0 if r.status==200 else 1)" % srv.port)
        if netns:
            argv = ["ip", "netns", "exec", netns, self.py, "-c", code, path]
            subprocess.run(argv, check=True, timeout=30)
            return
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        c.close()
        if r.status != 200:
            raise RuntimeError("control %s: HTTP %d" % (path, r.status))

    # Configuration.

    def write_config(self, name, feeds, db=None, **opts):
        """feeds: list of (name, url); opts: [herald] keys with _ for -."""
        conf = self.path(name + ".conf")
        db = db or self.path(name + ".db")
        herald = {"database": db, "interval": "15m",
                  "timeout-connect": "3", "timeout-total": "5",
                  "max-parallel": "32", "per-host": "32",
                  "max-items": "500"}
        for k, v in opts.items():
            herald[k.replace("_", "-")] = str(v)
        lines = ["[herald]"]
        lines += ["%s = %s" % (k, v) for k, v in herald.items()]
        for fname, url in feeds:
            lines += ["", '[feed "%s"]' % fname, "url = %s" % url]
        with open(conf, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return conf, db

    # Running heraldd.

    def run(self, args, timeout=120, netns=None, env=None, stdin=None):
        """Runs heraldd with args under `timeout`; returns a Run."""
        argv = ["timeout", "-s", "KILL", str(timeout), self.heraldd] + args
        if netns:
            argv = ["ip", "netns", "exec", netns] + argv
        out_path = self.path("heraldd.out")
        err_path = self.path("heraldd.err")
        t0 = time.time()
        m0 = time.monotonic()
        with open(out_path, "w") as fo, open(err_path, "w") as fe:
            p = subprocess.Popen(argv, stdout=fo, stderr=fe,
                                 stdin=subprocess.DEVNULL,
                                 env=clean_env(env))
            self.procs.append(p)
            timed_out = False
            try:
                _, status, ru = os.wait4(p.pid, 0)
            except ChildProcessError:
                status, ru = 0, None
            p.returncode = os.waitstatus_to_exitcode(status)
            self.procs.remove(p)
        secs = time.monotonic() - m0
        rc = p.returncode
        if rc in (124, -9, 137) and secs >= timeout - 1:
            timed_out = True
        with open(out_path, errors="replace") as f:
            out = f.read()
        with open(err_path, errors="replace") as f:
            err = f.read()
        return Run(argv, rc, secs, ru.ru_maxrss if ru else 0, int(t0),
                   int(time.time()) + 1, out, err, timed_out)

    def once(self, conf, label, timeout=120, netns=None, env=None,
             verbose=True):
        r = self.run(["-c", conf, "--once"] + (["-v"] if verbose else []),
                     timeout=timeout, netns=netns, env=env)
        self.note("%s: heraldd --once %s" % (label, r))
        ok = self.check(r.rc == 0 and not r.timed_out,
                        "%s: heraldd --once exits 0 within %d s"
                        % (label, timeout),
                        "rc=%s; stderr tail:\n%s" % (r.rc, tail(r.err)))
        if not ok:
            save = self.path("%s.stderr" % label.replace(" ", "_"))
            with open(save, "w") as f:
                f.write(r.err)
        return r

    def check_config(self, conf):
        r = self.run(["-c", conf, "-n"], timeout=30)
        if r.rc != 0:
            print("FAIL: heraldd -n rejects the test configuration "
                  "(rc=%s):\n%s" % (r.rc, r.err), flush=True)
            self.failed += 1
            self.finish()


def tail(text, n=15):
    lines = text.rstrip("\n").split("\n")
    return "\n".join("      | " + l for l in lines[-n:])


# Reading the database.

class DB:
    def __init__(self, path):
        self.path = path
        self.c = sqlite3.connect("file:%s?mode=ro" % path, uri=True,
                                 timeout=10)
        self.c.row_factory = sqlite3.Row

    def close(self):
        self.c.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def q(self, sql, *args):
        return [dict(r) for r in self.c.execute(sql, args)]

    def one(self, sql, *args):
        r = self.c.execute(sql, args).fetchone()
        return None if r is None else r[0]

    def feed(self, name):
        rows = self.q("SELECT * FROM feeds WHERE name = ?", name)
        return rows[0] if rows else None

    def items(self, name):
        """The items a feed carries, with item_feeds' guid as fguid."""
        return self.q(
            "SELECT i.*, x.guid AS fguid, x.current AS current"
            " FROM items i JOIN item_feeds x ON x.item_id = i.id"
            " JOIN feeds f ON f.id = x.feed_id WHERE f.name = ?"
            " ORDER BY i.id", name)

    def count_items(self):
        return self.one("SELECT count(*) FROM items")

    def integrity(self):
        return self.one("PRAGMA integrity_check")


def open_db(path):
    return DB(path)


def fts_check(path):
    """FTS5's own integrity check of items_fts against items ('ok' or why)."""
    try:
        c = sqlite3.connect(path, timeout=10)
        c.execute("INSERT INTO items_fts(items_fts, rank)"
                  " VALUES ('integrity-check', 1)")
        c.close()
        return "ok"
    except sqlite3.Error as e:
        return str(e)


def backoff_ok(row, failures, interval=900):
    """Whether next_fetch looks like the backoff after `failures` failures.

    Transient classes start at 60 s, the others at the interval (sched.c);
    both double per further failure, up to a day, with +-10% jitter (the
    bounds below allow +-15%).  Returns (ok, delta, expected).
    """
    if row["next_fetch"] is None or row["last_fetch"] is None:
        return False, None, None
    delta = row["next_fetch"] - row["last_fetch"]
    base = 60 if row["error_class"] in TRANSIENT else interval
    want = min(base * 2 ** (failures - 1), DAY)
    return (want * 0.85 - 1 <= delta <= want * 1.15 + 1), delta, want
