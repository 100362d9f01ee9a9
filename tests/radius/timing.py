#!/usr/bin/python3
"""timing.py - does the time an otp-mode refusal takes tell who the user is?

    timing.py PORT SECRET ROUNDS REFERENCE USER:KIND...

KIND is "digits" (a wrong six-digit code, the same for every user in a
round) or "recovery" (a wrong recovery-shaped code, XXXX-XXXX-XXXX, ditto).
Each round sends one Access-Request per user, one at a time, in an order
shuffled each round (load drift hits every user alike), over raw UDP to
127.0.0.1:PORT; each round trip is timed with time.perf_counter around
send and receive. The first rounds warm the server up and are not counted.

Prints one line per user: "median USER KIND MICROSECONDS ratio R" (R: to
REFERENCE's median), then "reply USER <hex>" for the attributes of its
replies. Exits 1 (with "FAIL: ..." lines) when a median is not within 10%
of REFERENCE's, when a user's replies differ from one another or from
REFERENCE's (Message-Authenticator aside, which covers the packet id),
when anything is accepted, or when a request is lost.
"""
import hashlib
import hmac
import os
import random
import socket
import statistics
import struct
import sys
import time

WARMUP = 20
ACCESS_REQUEST, ACCESS_ACCEPT, ACCESS_REJECT = 1, 2, 3
USER_NAME, USER_PASSWORD, REPLY_MESSAGE, MESSAGE_AUTHENTICATOR = 1, 2, 18, 80
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def attr(t, value):
    return struct.pack("BB", t, len(value) + 2) + value


def hide_password(password, secret, authenticator):
    """RFC 2865 5.2."""
    p = password + b"\0" * ((-len(password) % 16) if password else 16)
    out, last = b"", authenticator
    for i in range(0, len(p), 16):
        b = hashlib.md5(secret + last).digest()
        last = bytes(x ^ y for x, y in zip(p[i:i + 16], b))
        out += last
    return out


def request(ident, user, password, secret):
    ra = os.urandom(16)
    attrs = attr(USER_NAME, user.encode()) + attr(USER_PASSWORD, hide_password(password.encode(), secret, ra))
    # Message-Authenticator (RFC 3579 3.2), which FreeRADIUS may require.
    attrs += attr(MESSAGE_AUTHENTICATOR, b"\0" * 16)
    pkt = struct.pack("!BBH", ACCESS_REQUEST, ident, 20 + len(attrs)) + ra + attrs
    mac = hmac.new(secret, pkt, hashlib.md5).digest()
    return pkt[:-16] + mac, ra


def parse_reply(data, ident, ra, secret):
    code, rid, length = struct.unpack("!BBH", data[:4])
    if rid != ident or length != len(data):
        return None
    if hashlib.md5(data[:4] + ra + data[20:] + secret).digest() != data[4:20]:
        raise SystemExit("FAIL: a reply with a bad Response Authenticator")
    attrs, i = [], 20
    while i < length:
        t, n = data[i], data[i + 1]
        attrs.append((t, data[i + 2:i + n]))
        i += n
    return code, attrs


def wrong_code(kind, rng):
    if kind == "digits":
        return "%06d" % rng.randrange(10 ** 6)
    s = "".join(rng.choice(B32) for _ in range(12))
    return "%s-%s-%s" % (s[:4], s[4:8], s[8:])


def main():
    port, secret, rounds, reference = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
    users = [a.split(":") for a in sys.argv[5:]]
    assert reference in [u for u, _ in users]
    assert 1 <= rounds <= 1000
    rng = random.Random()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.connect(("127.0.0.1", port))
    sock.settimeout(5)
    times = {u: [] for u, _ in users}
    replies = {u: set() for u, _ in users}
    failures = []
    ident = 0
    for rnd in range(WARMUP + rounds):
        codes = {"digits": wrong_code("digits", rng), "recovery": wrong_code("recovery", rng)}
        order = list(users)
        rng.shuffle(order)
        for user, kind in order:
            ident = (ident + 1) % 256
            pkt, ra = request(ident, user, codes[kind], secret)
            t0 = time.perf_counter()
            sock.send(pkt)
            while True:
                try:
                    data = sock.recv(4096)
                except socket.timeout:
                    raise SystemExit("FAIL: no reply for %s in 5 s" % user)
                reply = parse_reply(data, ident, ra, secret)
                if reply:
                    break
            dt = time.perf_counter() - t0
            code, attrs = reply
            if code != ACCESS_REJECT:
                failures.append("%s: reply code %d to %s" % (user, code, codes[kind]))
            if rnd >= WARMUP:
                times[user].append(dt)
                replies[user].add(b"".join(attr(t, v) for t, v in attrs if t != MESSAGE_AUTHENTICATOR))
    ref = statistics.median(times[reference])
    for user, kind in users:
        m = statistics.median(times[user])
        ratio = m / ref
        q = statistics.quantiles(times[user], n=4) if len(times[user]) > 1 else [m, m, m]
        print("median %s %s %.0f us ratio %.3f (n=%d, quartiles %.0f-%.0f us)" % (
            user, kind, m * 1e6, ratio, len(times[user]), q[0] * 1e6, q[2] * 1e6))
        if not 0.9 <= ratio <= 1.1:
            failures.append("%s: median %.0f us is %.2f times %s's %.0f us" % (user, m * 1e6, ratio, reference, ref * 1e6))
    for user, _ in users:
        if len(replies[user]) != 1:
            failures.append("%s: %d different replies" % (user, len(replies[user])))
        elif replies[user] != replies[reference]:
            failures.append("%s: its reply differs from %s's" % (user, reference))
    for user, _ in users:
        if user != reference and not failures:
            continue
        for r in sorted(replies[user]):
            print("reply %s %s" % (user, describe(r)))
    if not failures:
        print("reply (every user, byte for byte) %s" % describe(next(iter(replies[reference]))))
    for f in failures:
        print("FAIL: " + f)
    sys.exit(1 if failures else 0)


def describe(raw):
    return " ".join("%d=%r" % (t, v.decode(errors="replace")) for t, v in parse_attrs(raw))


def parse_attrs(raw):
    out, i = [], 0
    while i < len(raw):
        t, n = raw[i], raw[i + 1]
        out.append((t, raw[i + 2:i + n]))
        i += n
    return out


if __name__ == "__main__":
    main()
