#!/usr/bin/env python3
"""Memory of one server process per held connection, and how fast it is given back.

    tether-bench/scripts/conn-memory.py [-n 19000] [--port 9690] [--jar tether-cli/target/tether.jar] \
        [--out DIR] -- SERVER COMMAND...

SERVER COMMAND is any server listening on 127.0.0.1:PORT (for example the product as the
launcher runs it: java <the launcher's flags> -jar tether-cli/target/tether.jar server --port 9690
--heartbeat-idle-time 600s). A bench client agent (io.tether.bench.load.ClientAgent, from --jar)
opens the connections from a source address picked per run (127.2.x.y, so the TIME_WAIT of an
earlier run's ports never gets in the way); each sends one `ping` when it connects (a connection that
has read once: Netty's receive state exists) and then stays silent.

1. warm-up: open, ping and close 2,000 connections, wait until the server holds no socket, then 10 s
   (or --settle, if longer: past one -XX:TrimNativeHeapInterval, so both points are trimmed alike);
2. zero point: RSS (/proc/PID/status VmRSS, as the process runs, before any forced GC), then
   live heap (`jcmd PID GC.class_histogram`, which runs a full GC first);
3. open N connections, wait 2 s (--settle): RSS, then live heap, both per connection;
4. the clients close every connection at once (FIN): live heap 1 s and 5 s after the last
   client close (and when the server held no socket any more), against the zero point, with the
   classes still above it. At 1 s it looks twice: Serial's full GC leaves dead objects it did not
   compact (up to MarkSweepDeadRatio, 5 % of the heap by default) as filler int[] arrays, which a
   histogram counts as live; the second look, a full GC later, no longer has them.

Prints one JSON object (the figures) and writes the histograms' differences under --out.
"""
import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def histogram(pid):
    """Class -> (instances, bytes) of the live heap (jcmd runs a full GC first)."""
    text = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True, text=True, timeout=120).stdout
    h = {}
    for line in text.splitlines():
        w = line.split()
        if len(w) >= 4 and w[0].endswith(":"):
            h[w[3]] = (int(w[1]), int(w[2]))
    return h


def nmt(pid):
    """Native Memory Tracking, committed KB by category (the server must run with -XX:NativeMemoryTracking=summary)."""
    text = subprocess.run(["jcmd", str(pid), "VM.native_memory", "summary"], capture_output=True, text=True, timeout=60).stdout
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("-") and "committed=" in line:
            name = line[1:line.index("(")].strip()
            out[name] = int(line.split("committed=")[1].split("KB")[0])
        elif line.startswith("Total:"):
            out["Total"] = int(line.split("committed=")[1].split("KB")[0])
    return out


def total(h):
    return sum(b for _, b in h.values())


def diff(before, after):
    rows = []
    for k in set(before) | set(after):
        i0, b0 = before.get(k, (0, 0))
        i1, b1 = after.get(k, (0, 0))
        if b1 != b0:
            rows.append((b1 - b0, i1 - i0, k))
    rows.sort(reverse=True)
    return rows


def server_sockets(port):
    """Sockets on the server's side of PORT other than the listener (any state), from /proc/net/tcp."""
    n = 0
    hexport = f"{port:04X}"
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    w = line.split()
                    if w[1].endswith(":" + hexport) and w[3] != "0A":
                        n += 1
        except FileNotFoundError:
            pass
    return n


class Agent:
    def __init__(self, jar):
        self.p = subprocess.Popen(["java", "-XX:+UseSerialGC", "-Xmx1g", "-cp", jar, "io.tether.bench.load.ClientAgent",
                                   "--max-seconds", "3600"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.expect("AGENT")

    def expect(self, word):
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("client agent ended")
            if line.startswith(word):
                return line.split()

    def call(self, cmd, word):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return self.expect(word)

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.wait(10)
        except Exception:
            self.p.kill()


def wait_port(port, proc, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not listen")


def wait_no_sockets(port, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if server_sockets(port) == 0:
            return True
        time.sleep(0.01)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=19000)
    ap.add_argument("--port", type=int, default=9690)
    ap.add_argument("--warm", type=int, default=2000)
    ap.add_argument("--jar", default=os.path.join(ROOT, "tether-cli", "target", "tether.jar"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--label", default="server")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds between opening the connections and measuring")
    ap.add_argument("--nmt", action="store_true", help="also diff Native Memory Tracking (server run with -XX:NativeMemoryTracking=summary)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("a server command is needed after --")
    out = a.out
    if out:
        os.makedirs(out, exist_ok=True)
    log = open(os.path.join(out, a.label + ".server.log"), "w") if out else subprocess.DEVNULL
    server = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    agent = None
    r = {"label": a.label, "n": a.n, "command": " ".join(cmd)}
    src = f"127.2.{random.randint(0, 255)}.{random.randint(1, 254)}"
    try:
        wait_port(a.port, server)
        pid = server.pid
        agent = Agent(a.jar)
        r["rss_started_B"] = rss(pid)
        agent.call(f"open 127.0.0.1 {a.port} {a.warm} {src} 0", "OPENED")
        time.sleep(3)
        agent.call("closeall", "CLOSED")
        wait_no_sockets(a.port, 60)
        time.sleep(max(10.0, a.settle))
        r["rss_zero_B"] = rss0 = rss(pid)
        n0 = nmt(pid) if a.nmt else None
        h0 = histogram(pid)
        r["heap_zero_B"] = total(h0)
        r["rss_zero_after_gc_B"] = rss(pid)
        opened = agent.call(f"open 127.0.0.1 {a.port} {a.n} {src} 0", "OPENED")
        r["opened"] = int(opened[1])
        r["open_failed"] = int(opened[2])
        time.sleep(a.settle)
        r["server_sockets"] = server_sockets(a.port)
        rss1 = rss(pid)
        if a.nmt:
            n1 = nmt(pid)
            r["nmt_growth_KB"] = {k: n1[k] - n0.get(k, 0) for k in n1 if n1[k] != n0.get(k, 0)}
        h1 = histogram(pid)
        n = r["opened"]
        r["rss_growth_B_per_conn"] = round((rss1 - rss0) / n, 1)
        r["heap_B_per_conn"] = round((total(h1) - total(h0)) / n, 1)
        r["rss_held_B"] = rss1
        r["rss_held_after_gc_B"] = rss(pid)
        t0 = time.time()
        agent.call("closeall", "CLOSED")
        t_closed = time.time()
        gone = wait_no_sockets(a.port, 30)
        r["client_close_s"] = round(t_closed - t0, 3)
        r["server_sockets_gone_after_s"] = round(time.time() - t_closed, 3) if gone else None
        time.sleep(max(0.0, t_closed + 1.0 - time.time()))
        if os.environ.get("CONN_MEMORY_DUMP"):
            subprocess.run(["jcmd", str(pid), "GC.heap_dump", os.environ["CONN_MEMORY_DUMP"]], capture_output=True, timeout=120)
        h2 = histogram(pid)
        r["heap_1s_after_close_minus_zero_B"] = total(h2) - total(h0)
        # A second look at once: a histogram's full GC can be put off (GC locker) and then counts dead objects too.
        h2b = histogram(pid)
        r["heap_1s_again_minus_zero_B"] = total(h2b) - total(h0)
        r["heap_1s_again_at_s"] = round(time.time() - t_closed, 2)
        time.sleep(max(0.0, t_closed + 5.0 - time.time()))
        h3 = histogram(pid)
        r["heap_5s_after_close_minus_zero_B"] = total(h3) - total(h0)
        r["rss_5s_after_close_B"] = rss(pid)
        if out:
            with open(os.path.join(out, a.label + ".classes.md"), "w") as f:
                f.write(f"# {a.label}: live heap by class, {n} connections minus zero point, per connection\n\n")
                f.write("| class | instances/conn | B/conn |\n|---|---:|---:|\n")
                for b, i, k in diff(h0, h1)[:30]:
                    f.write(f"| `{k}` | {i / n:.2f} | {b / n:.1f} |\n")
                f.write(f"| **all classes** | | **{(total(h1) - total(h0)) / n:.1f}** |\n")
                for label, h in (("1 s", h2), ("1 s (second look)", h2b), ("5 s", h3)):
                    f.write(f"\n# {a.label}: live heap {label} after {n} clients closed, minus zero point (B)\n\n")
                    f.write("| class | instances | B |\n|---|---:|---:|\n")
                    for b, i, k in diff(h0, h)[:15]:
                        f.write(f"| `{k}` | {i} | {b} |\n")
                    f.write(f"| **all classes** | | **{total(h) - total(h0)}** |\n")
    finally:
        if agent:
            agent.close()
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(r))


if __name__ == "__main__":
    sys.exit(main())
