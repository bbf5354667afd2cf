#!/usr/bin/env python3
"""it_dns.py: a resolver that never answers (catalogue case 24, 2nd half).

The NXDOMAIN half of case 24 is in it_errors.py.  This one needs a network
namespace (root and ip-netns(8); skipped otherwise).  The test creates its
own namespace with only a loopback, gives it a resolv.conf (through
/etc/netns/NAME/, which `ip netns exec` mounts over /etc/resolv.conf) whose
nameserver is a UDP socket on 127.0.0.1:53 that reads queries and never
answers, with "options timeout:20 attempts:1": getaddrinfo() blocks 20 s.
The evil server runs inside the namespace too.

One --once run with a feed on an unresolvable name, three good feeds and a
good feed that takes 6 s to serve (timeout-connect 3, timeout-total 15):
 - the hanging feed fails with class dns or timeout, about when
   timeout-connect expires (its last_fetch at most 3 + 4 s after the
   start), not when the resolver gives up (20 s);
 - the slow good feed is stored, and its attempt ended by start + 12 s (a
   loop frozen by the resolver would end it at 20 s or later);
 - the other feeds are stored;
 - if heraldd sends WATCHDOG=1 (NOTIFY_SOCKET and WATCHDOG_USEC=2 s are
   set), no gap between pings exceeds the 2 s watchdog;
 - the run ends within 60 s (its time is printed: a daemon that waits for
   the resolver thread at exit takes about 20 s).
Then SIGTERM: heraldd -f with only a hanging feed (made due by SIGUSR1),
signalled 4.5 s after its query reached the black hole (the resolve has
timed out, the resolver thread still hangs), must exit within 5 s.
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

BLACKHOLE_DNS = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
s.settimeout(1.0)
log = open(sys.argv[1], "a")
end = time.monotonic() + float(sys.argv[2])
print("ready", flush=True)
while time.monotonic() < end:
    try:
        data, addr = s.recvfrom(4096)
    except socket.timeout:
        continue
    log.write("%.3f query %d bytes\n" % (time.time(), len(data)))
    log.flush()
"""


class Watchdog:
    """Collects sd_notify datagrams sent to a socket in the temp dir."""

    def __init__(self, path):
        self.path = path
        self.msgs = []
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(path)
        self.s.settimeout(0.5)
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                data = self.s.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            for m in data.decode(errors="replace").split("\n"):
                if m:
                    self.msgs.append((time.monotonic(), m))

    def close(self):
        self.stop = True
        self.t.join(2)
        self.s.close()


def main():
    if os.geteuid() != 0:
        it.skip("needs root for a network namespace")
    if subprocess.run(["sh", "-c", "command -v ip"],
                      stdout=subprocess.DEVNULL).returncode != 0:
        it.skip("ip(8) is not installed")
    h = it.Harness("it_dns")
    ns = "herald-it-%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", ns],
                      stderr=subprocess.PIPE).returncode != 0:
        h.cleanup()
        it.skip("ip netns add does not work here")
    h.cleanups.append(lambda: subprocess.run(["ip", "netns", "del", ns],
                                             stderr=subprocess.DEVNULL))
    subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
    made_netns_dir = not os.path.isdir("/etc/netns")
    nsdir = os.path.join("/etc/netns", ns)
    os.makedirs(nsdir)

    def rm_nsdir():
        for f in os.listdir(nsdir):
            os.unlink(os.path.join(nsdir, f))
        os.rmdir(nsdir)
        if made_netns_dir:
            os.rmdir("/etc/netns")
    h.cleanups.append(rm_nsdir)
    with open(os.path.join(nsdir, "resolv.conf"), "w") as f:
        f.write("nameserver 127.0.0.1\noptions timeout:20 attempts:1\n")

    dnslog = h.path("dns.log")
    p = subprocess.Popen(["ip", "netns", "exec", ns, h.py, "-c",
                          BLACKHOLE_DNS, dnslog, "150"],
                         stdout=subprocess.PIPE, text=True)
    h.procs.append(p)
    if p.stdout.readline().strip() != "ready":
        h.check(False, "the black-hole resolver starts")
        h.finish()
    srv = h.start_server(netns=ns, time_limit=150)

    hang = "http://feed.herald-hang.example/rss"
    feeds = [("dnshang", hang),
             ("ok1", srv.url("/ok/ok1")), ("ok2", srv.url("/ok/ok2")),
             ("ok3", srv.url("/ok/ok3")),
             ("slowok", srv.url("/slow-ok?secs=6"))]
    conf, db = h.write_config("dns", feeds, timeout_total=15)
    wd = Watchdog(h.path("notify.sock"))
    h.cleanups.append(wd.close)
    env = {"NOTIFY_SOCKET": wd.path, "WATCHDOG_USEC": "2000000"}
    m0 = time.monotonic()
    r = h.once(conf, "hanging resolver", timeout=90, netns=ns, env=env)
    h.check(r.secs <= 60, "the run ends within 60 s (%.1f s)" % r.secs)
    queries = dns_queries(h)
    h.check(queries > 0, "the black-hole resolver was asked (%d queries)"
            % queries)
    with it.open_db(db) as d:
        row = d.feed("dnshang")
        h.check(row["error_class"] in ("dns", "timeout") and
                row["last_error"],
                "dnshang: error_class %s (dns or timeout): %r"
                % (row["error_class"], row["last_error"]))
        h.check(row["last_fetch"] is not None and
                row["last_fetch"] - r.t0 <= 3 + 4,
                "dnshang: the attempt ended at timeout-connect (after %ss)"
                % (None if row["last_fetch"] is None
                   else row["last_fetch"] - r.t0))
        for name in ("ok1", "ok2", "ok3", "slowok"):
            row = d.feed(name)
            n = len(d.items(name))
            h.check(row["error_class"] is None and n == 5,
                    "%s: stored (%d items) while the resolver hangs"
                    % (name, n), "class=%s error=%r"
                    % (row["error_class"], row["last_error"]))
        row = d.feed("slowok")
        h.check(row["last_fetch"] is not None and
                row["last_fetch"] - r.t0 <= 12,
                "slowok: the 6 s transfer ended on time (after %ss), the "
                "loop was not frozen" % (None if row["last_fetch"] is None
                                         else row["last_fetch"] - r.t0))
    pings = [t for t, m in wd.msgs if m == "WATCHDOG=1"]
    if not pings:
        h.note("heraldd sent no WATCHDOG=1 in --once mode: the loop's "
               "liveness is judged by the slow feed alone")
    else:
        times = [m0] + pings
        gap = max(b - a for a, b in zip(times, times[1:]))
        h.check(gap <= 2.0, "watchdog: %d pings, the longest gap %.2f s "
                "<= 2 s" % (len(pings), gap))

    check_sigterm(h, ns)
    h.finish()


def dns_queries(h):
    try:
        with open(h.path("dns.log")) as f:
            return f.read().count("query")
    except FileNotFoundError:
        return 0


def check_sigterm(h, ns):
    conf, db = h.write_config("dns-term", [
        ("dnshang", "http://feed2.herald-hang.example/rss")])
    argv = ["ip", "netns", "exec", ns, h.heraldd, "-c", conf, "-f"]
    before = dns_queries(h)
    err = open(h.path("term.err"), "w")
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err,
                         env=it.clean_env())
    h.procs.append(p)
    # A new feed may start anywhere in the first 30 s: SIGUSR1 makes it
    # due now; then wait until its query reached the black hole.
    time.sleep(1)
    p.send_signal(signal.SIGUSR1)
    end = time.monotonic() + 40
    while dns_queries(h) <= before and time.monotonic() < end:
        if p.poll() is not None:
            break
        time.sleep(0.2)
    if dns_queries(h) <= before:
        h.check(False, "SIGTERM case: the feed's name was looked up")
    time.sleep(4.5)
    if p.poll() is not None:
        h.check(False, "heraldd -f keeps running", "rc=%s" % p.returncode)
        return
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    secs = time.monotonic() - t
    err.close()
    h.check(p.returncode is not None and secs <= 5,
            "SIGTERM while the resolver hangs: exit within 5 s (%.1f s, "
            "rc %s)" % (secs, p.returncode))
    if p.returncode is None:
        p.kill()
        p.wait()


if __name__ == "__main__":
    main()
