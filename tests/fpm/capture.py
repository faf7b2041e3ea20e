#!/usr/bin/env python3
"""capture.py - a minimal FPM server that records zebra's frames.

Used to make the fixtures in tests/fpm/fixtures (see tests/fpm/capture.sh);
not part of the test suite.  Listens on ADDR PORT, accepts one connection at
a time and appends every whole FPM frame to the current output file.  SIGUSR1
starts the next file (OUTPREFIX-1.bin, -2.bin, ...) at a frame boundary, so a
driving script can cut the stream into one file per step.  SIGTERM ends it.
"""
import os
import select
import signal
import socket
import struct
import sys
import time

addr, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
state = {"n": 0, "rotate": False, "stop": False, "last": time.monotonic()}


def outname():
    return "%s-%d.bin" % (prefix, state["n"])


def on_usr1(_s, _f):
    state["rotate"] = True


def on_term(_s, _f):
    state["stop"] = True


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, on_term)
ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port))
ls.listen(1)
out = open(outname(), "ab")
conn, buf = None, b""
with open(prefix + ".ready", "w") as f:
    f.write("%d\n" % os.getpid())
while not state["stop"]:
    if state["rotate"]:
        state["rotate"] = False
        out.close()
        state["n"] += 1
        out = open(outname(), "ab")
    fds = [conn if conn else ls]
    try:
        r, _, _ = select.select(fds, [], [], 0.1)
    except InterruptedError:
        continue
    if not r:
        continue
    if conn is None:
        conn, _ = ls.accept()
        buf = b""
        with open(prefix + ".log", "a") as f:
            f.write("connect file %d\n" % state["n"])
        continue
    data = conn.recv(1 << 20)
    if not data:
        conn.close()
        conn = None
        with open(prefix + ".log", "a") as f:
            f.write("eof file %d leftover %d\n" % (state["n"], len(buf)))
        continue
    buf += data
    while len(buf) >= 4:
        ver, typ, ln = struct.unpack("!BBH", buf[:4])
        if ln < 4 or len(buf) < ln:
            break
        out.write(buf[:ln])
        buf = buf[ln:]
    out.flush()
    with open(prefix + ".last", "w") as f:
        f.write("%f\n" % time.time())
out.close()
