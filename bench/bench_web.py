#!/usr/bin/python3
"""bench_web.py - the sign-in client of bench_web.sh: one sign-in per user
(password, then the user's current TOTP code) over kept-alive connections,
THREADS at a time, each user from an address of its own (X-Forwarded-For:
mfa-web runs behind_proxy, so the per-address limit counts each apart).

  bench_web.py URL CODES THREADS

CODES: lines "USER PASSWORD FIRST_STEP CODE CODE ...", the user's codes for
the TOTP steps from FIRST_STEP on (computed by oathtool beforehand). Prints
"ok=N failed=N seconds=S" and the last session's cookie; exits 1 on any
failure (a benchmark of refused sign-ins is worthless).
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def signin(conn, user, password, code, addr):
    """The two steps: the cookie of the signed-in session, or raises."""
    headers = {"Content-Type": "application/json", "X-Forwarded-For": addr}
    conn.request("POST", "/api/signin", json.dumps({"user": user, "password": password}), headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError("%s: password step: %d %s" % (user, r.status, body[:200]))
    cookie = r.getheader("Set-Cookie").split(";")[0]
    headers["Cookie"] = cookie
    headers["X-CSRF-Token"] = json.loads(body)["session"]["csrf"]
    conn.request("POST", "/api/signin/code", json.dumps({"code": code}), headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200 or json.loads(body)["session"]["stage"] != "signed_in":
        raise RuntimeError("%s: code step: %d %s" % (user, r.status, body[:200]))
    return r.getheader("Set-Cookie").split(";")[0]


def main():
    url, codes_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    u = urllib.parse.urlsplit(url)
    users = []
    with open(codes_path) as f:
        for line in f:
            w = line.split()
            users.append((w[0], w[1], int(w[2]), w[3:]))
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "failed": 0, "cookie": ""}

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(users):
                break
            user, password, first, codes = users[i]
            step = int(time.time()) // 30 - first
            addr = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
            try:
                if not 0 <= step < len(codes):
                    raise RuntimeError("%s: no code computed for now" % user)
                cookie = signin(conn, user, password, codes[step], addr)
                with lock:
                    state["ok"] += 1
                    state["cookie"] = cookie
            except Exception as e:  # counted and told, never hidden
                print("bench_web: %s" % e, file=sys.stderr)
                with lock:
                    state["failed"] += 1
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.close()

    start = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.monotonic() - start
    print("ok=%d failed=%d seconds=%.3f" % (state["ok"], state["failed"], seconds))
    print("cookie=%s" % state["cookie"])
    return 0 if state["failed"] == 0 and state["ok"] == len(users) else 1


if __name__ == "__main__":
    sys.exit(main())
