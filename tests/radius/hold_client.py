#!/usr/bin/python3
"""hold_client.py PORT SECRET USER PASSWORD SECONDS STEP... - a NAS that
sends Access-Requests on a plan and prints every reply, for hold mode's
retransmission tests (radclient sends no packet twice on purpose).

STEP is ID@T: at T seconds send packet ID; the first step of an ID builds
it (its own random authenticator, a Message-Authenticator), later ones
send the same bytes again (a retransmission). ID@r sends it again once a
reply to it came. Prints "reply ID CODE MESSAGE" per reply, for SECONDS (and
"at ID SECONDS" on stderr).
"""
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import time

CODES = {2: "Access-Accept", 3: "Access-Reject", 11: "Access-Challenge"}


def attr(t, value):
    return struct.pack("BB", t, len(value) + 2) + value


def request(pid, secret, user, password):
    auth = os.urandom(16)
    pw = password.encode()
    pw += b"\0" * (-len(pw) % 16 or (16 if not pw else 0))
    hidden, last = b"", auth
    for i in range(0, len(pw), 16):
        b = hashlib.md5(secret + last).digest()
        last = bytes(x ^ y for x, y in zip(pw[i:i + 16], b))
        hidden += last
    attrs = attr(1, user.encode()) + attr(2, hidden) + attr(80, b"\0" * 16)
    head = struct.pack("!BBH", 1, pid, 20 + len(attrs))
    pkt = head + auth + attrs
    mac = hmac.new(secret, pkt, hashlib.md5).digest()
    return pkt[:-16] + mac


def main():
    port, secret, user, password, seconds = sys.argv[1:6]
    secret = secret.encode()
    plan = []
    for step in sys.argv[6:]:
        pid, at = step.split("@")
        plan.append([int(pid), at])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", int(port)))
    packets, replied, start = {}, set(), time.monotonic()
    while time.monotonic() - start < float(seconds):
        now = time.monotonic() - start
        for step in plan:
            pid, at = step
            if at is None or (at == "r" and pid not in replied) or (at != "r" and float(at) > now):
                continue
            if pid not in packets:
                packets[pid] = request(pid, secret, user, password)
            sock.send(packets[pid])
            step[1] = None
        if not select.select([sock], [], [], 0.05)[0]:
            continue
        data = sock.recv(4096)
        code, pid = data[0], data[1]
        msgs, off = [], 20
        while off + 2 <= len(data):
            t, n = data[off], data[off + 1]
            if t == 18:
                msgs.append(data[off + 2:off + n].decode(errors="replace"))
            off += max(n, 2)
        replied.add(pid)
        print("reply %d %s %s" % (pid, CODES.get(code, code), " ".join(msgs)), flush=True)
        print("at %d %.1f" % (pid, time.monotonic() - start), file=sys.stderr, flush=True)


main()
