#!/usr/bin/env python3
"""it_control.py: operators are never locked out of the control socket
(issue 8 item 6; RELIABILITY.md case 46).

  idle    heraldd runs with its socket in RUNTIME_DIRECTORY; 16 connections
          that send nothing are held open.  `herald status`, `fetch` and
          `reload` still get their answer at once (the oldest idle
          connection makes room), and an idle connection is closed by
          heraldd within a few seconds.
  busy    a socket that answers "error: too many connections" and closes
          without reading the request (what heraldd does when all 16 are
          busy): the CLI says so, never "Broken pipe", and exits 1.
  config  heraldd with [herald] control-socket = PATH; `herald fetch -c
          FILE`, `reload -c FILE`, `status -c FILE` find the socket there.
  nosocket  heraldd whose control-socket could not be made; a reload that
          names another says it takes a restart, none until then.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_common as it  # noqa: E402
import it_alertlib as al  # noqa: E402
from it_status import FEEDS, find_herald  # noqa: E402


def start(h, conf, env, tag):
    log = open(h.path(tag + ".log"), "w")
    p = subprocess.Popen([h.heraldd, "-c", conf, "-f", "-v"], stdout=log,
                         stderr=log, stdin=subprocess.DEVNULL,
                         env=it.clean_env(env))
    h.procs.append(p)
    return p


def stop(h, p):
    p.terminate()
    p.wait(timeout=10)
    h.procs.remove(p)


def main():
    h = it.Harness("it_control")
    herald = find_herald()
    if herald is None:
        it.skip("cli/herald is not built")
    src = "file://" + os.path.join(FEEDS, "eu-observer.rss")
    feeds = [("obs-%d" % i, src) for i in range(3)]

    def cli(*args):
        t0 = time.monotonic()
        r = subprocess.run([herald] + list(args), capture_output=True,
                           text=True, timeout=60)
        r.secs = time.monotonic() - t0
        return r

    # idle: 16 connections that send nothing
    rundir = h.path("run")
    os.mkdir(rundir)
    sock = os.path.join(rundir, "heraldd.sock")
    conf, db = h.write_config("idle", feeds)
    p = start(h, conf, {"RUNTIME_DIRECTORY": rundir}, "idle")
    if not h.check(al.wait_until(lambda: os.path.exists(sock), 15),
                   "idle: heraldd makes its socket"):
        h.finish()
    held = []

    def hold(n):
        for _ in range(n):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock)
            held.append(s)
        time.sleep(0.3)     # heraldd has accepted them

    hold(16)
    for args in (["status", "-d", db], ["fetch"], ["reload"]):
        r = cli(*(args + ["-s", sock]))
        h.check(r.returncode == 0 and r.secs < 5 and
                "Broken pipe" not in r.stderr,
                "idle: herald %s answers while 16 idle connections are "
                "held (%.1f s)" % (args[0], r.secs),
                "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
        hold(4)             # refill: they stay at 16 or more
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.settimeout(8)
    t0 = time.monotonic()
    try:
        closed = s.recv(100) == b""
    except (socket.timeout, OSError):
        closed = False
    h.check(closed and time.monotonic() - t0 < 6,
            "idle: a connection that sends nothing is closed within a few "
            "seconds (%.1f s)" % (time.monotonic() - t0))
    s.close()
    for s in held:
        s.close()
    stop(h, p)

    # busy: the refusal, read whatever order the close and the send come in
    fake = h.path("busy.sock")
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(fake)
    ls.listen(16)
    stop_flag = []

    def serve():
        ls.settimeout(0.2)
        while not stop_flag:
            try:
                c, _ = ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.sendall(b"error: too many connections: heraldd answers 16 at "
                      b"once; try again in a few seconds\n")
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    for args in (["status"], ["fetch"], ["reload"], ["metrics"]):
        for _ in range(5):
            r = cli(*(args + ["-s", fake]))
            out = r.stdout + r.stderr
            if not ("too many" in out and "Broken pipe" not in out and
                    "reset" not in out and r.returncode == 1):
                break
        h.check("too many" in out and "Broken pipe" not in out and
                "reset" not in out and r.returncode == 1,
                "busy: herald %s says heraldd has too many connections "
                "(exit 1)" % args[0], "rc=%d\n%s" % (r.returncode, out))
    stop_flag.append(1)
    ls.close()
    t.join(timeout=5)

    # config: the socket named in the configuration
    csock = h.path("ctl.sock")
    conf, db = h.write_config("config", feeds, control_socket=csock)
    p = start(h, conf, {}, "config")
    ok = al.wait_until(lambda: os.path.exists(csock), 15)
    h.check(ok, "config: heraldd listens on its control-socket")
    r = cli("fetch", "-c", conf)
    h.check(r.returncode == 0 and "due now" in r.stdout,
            "config: herald fetch -c FILE finds the socket",
            "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    # review7 D18: a feed that is off is not fetched, and the answer says
    # so instead of "every feed is due now (4 feeds)"
    with open(conf, "a", encoding="utf-8") as f:
        f.write('\n[feed "off"]\nurl = %s\nenabled = no\n' % src)
    r = cli("reload", "-c", conf)
    r = cli("fetch", "-c", conf)
    h.check(r.returncode == 0 and "3 feeds due now; 1 off or disabled, "
            "not fetched" in r.stdout,
            "config: herald fetch counts the feeds it made due, the off "
            "one apart", "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    r = cli("fetch", "-c", conf, "obs-1")
    h.check(r.returncode == 0 and "obs-1" in r.stdout,
            "config: herald fetch -c FILE FEED",
            "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    r = cli("reload", "-c", conf)
    h.check(r.returncode == 0, "config: herald reload -c FILE",
            "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    r = cli("status", "-c", conf)
    h.check(r.returncode == 0 and "running" in r.stdout and csock in r.stdout,
            "config: herald status -c FILE asks the daemon on that socket",
            "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    r = cli("fetch", "-c", h.path("nosuch.conf"))
    h.check(r.returncode == 1 and "nosuch.conf" in r.stderr,
            "config: herald fetch -c MISSING says it cannot read it",
            "rc=%d\n%s" % (r.returncode, r.stderr))
    stop(h, p)

    # nosocket: none could be made (its directory is missing); a reload
    # that names one says it takes a restart and that there is none until
    # then, not "still listening on no socket" (review8)
    conf, db = h.write_config("nosock", feeds,
                              control_socket=h.path("nodir/ctl.sock"))
    p = start(h, conf, {}, "nosock")

    def log():
        with open(h.path("nosock.log"), errors="replace") as f:
            return f.read()

    h.check(al.wait_until(lambda: "running without a control socket" in
                          log(), 15), "nosocket: heraldd runs without one",
            it.tail(log()))
    h.write_config("nosock", feeds, db=db,
                   control_socket=h.path("late.sock"))
    p.send_signal(signal.SIGHUP)
    al.wait_until(lambda: "reload: configuration applied" in log(), 15)
    lines = [ln for ln in log().splitlines() if "control-socket" in ln]
    h.check(lines == ["heraldd: reload: the new control-socket takes a "
                      "restart: no control socket until then"],
            "nosocket: the reload says there is none until a restart",
            lines)
    stop(h, p)
    h.finish()


if __name__ == "__main__":
    main()
