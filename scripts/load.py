#!/usr/bin/env python3
"""Load test of a local API (Python standard library; scripts/load starts one and runs this):
concurrent clients mix valid and invalid requests to every endpoint, bounded in count and time,
then it checks that none was lost or failed, that every answer is the expected one and that
exactly one token is active, and prints p50/p99 per endpoint (docs/TESTING.md).

    scripts/load.py --base URL [--clients 32] [--requests 3000] [--duration 60] [--seed 1]
"""

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import tomllib
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The endpoints: the local API's router in Cargo.toml.
with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
    ENDPOINTS = list(tomllib.load(f)["workspace"]["metadata"]["lambda"]["watch"]["router"].values())
# Share of each kind of request (weights). The invalid ones check that errors stay errors under
# load; they are a small part.
MIX = [("generate_token", 10), ("check_token", 15), ("check_token_unknown", 2), ("token_setting", 10),
       ("save_token_setting", 5), ("save_token_setting_invalid", 2), ("sampling_timestamp", 25),
       ("sampling_timestamp_no_token", 2), ("glucose", 25), ("glucose_missing_order", 2)]
UNKNOWN_TOKEN = "0" * 64


def percentile(sorted_values, p):
    return sorted_values[round((len(sorted_values) - 1) * p)] if sorted_values else float("nan")


class Run:
    def __init__(self, args):
        self.args = args
        url = urllib.parse.urlsplit(args.base)
        if url.hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("load: the base URL must be on loopback (127.0.0.1)")
        self.host, self.port, self.path = url.hostname, url.port or 80, url.path.rstrip("/")
        with open(os.path.join(ROOT, "db", "expected.json")) as f:
            self.expected = json.load(f)
        self.lab_numbers = sorted(self.expected)
        self.lock = threading.Lock()
        self.sent = 0
        self.deadline = 0.0
        self.latencies = {e: [] for e in ENDPOINTS}
        self.statuses = {e: {} for e in ENDPOINTS}
        self.failures = []  # (kind, detail)
        self.tokens = set()
        self.start = threading.Barrier(args.clients)

    def take_slot(self):
        """One more request may be sent (count and time bounds)."""
        with self.lock:
            if self.sent >= self.args.requests or time.monotonic() >= self.deadline:
                return False
            self.sent += 1
            return True

    def fail(self, kind, detail):
        with self.lock:
            self.failures.append((kind, detail))

    def post(self, conn, endpoint, body, token=None, record=True):
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode()
        t0 = time.perf_counter()
        conn.request("POST", f"{self.path}/{endpoint}", body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        elapsed = time.perf_counter() - t0
        if record:
            with self.lock:
                self.latencies[endpoint].append(elapsed)
                self.statuses[endpoint][resp.status] = self.statuses[endpoint].get(resp.status, 0) + 1
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw[:200]

    def connect(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=self.args.timeout)

    def check(self, what, status, payload, want_status, want=None):
        """Records a failure unless the answer is `want_status` with the envelope and `want`
        (a function of the payload returning an error text, or None)."""
        if status >= 500:
            self.fail("5xx", f"{what}: {status} {payload}")
            return
        if status != want_status:
            self.fail("unexpected status", f"{what}: {status} (expected {want_status}) {payload}")
            return
        if not isinstance(payload, dict) or payload.get("status") != ("OK" if status == 200 else "ERR"):
            self.fail("bad envelope", f"{what}: {payload}")
            return
        if want is not None:
            problem = want(payload)
            if problem:
                self.fail("wrong answer", f"{what}: {problem}")

    def client(self, index):
        rng = random.Random(self.args.seed * 1000 + index)
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        conn = self.connect()
        token = None
        try:
            self.start.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        while self.take_slot():
            # Every client starts with generate_token, all at once: they race on the empty slot.
            kind = "generate_token" if token is None else rng.choices(kinds, weights)[0]
            try:
                token = self.one(conn, rng, kind, token)
            except (OSError, http.client.HTTPException) as e:
                self.fail("lost", f"{kind}: {type(e).__name__}: {e}")
                conn.close()
                conn = self.connect()
        conn.close()

    def one(self, conn, rng, kind, token):
        if kind == "generate_token":
            status, p = self.post(conn, "generate_token", {})

            def shape(p):
                d = p.get("data") or {}
                if set(d) != {"access_token", "token_type", "expired_at", "expired_days", "expires_in"}:
                    return f"keys {sorted(d)}"
                return None
            self.check("generate_token", status, p, 200, shape)
            if status == 200 and isinstance(p, dict):
                new = (p.get("data") or {}).get("access_token")
                if new:
                    with self.lock:
                        self.tokens.add(new)
                    return new
            return token
        if kind == "check_token":
            status, p = self.post(conn, "check_token", {}, token)
            self.check("check_token", status, p, 200,
                       lambda p: None if (p.get("data") or {}).get("valid") is True else f"{p}")
        elif kind == "check_token_unknown":
            status, p = self.post(conn, "check_token", {}, UNKNOWN_TOKEN)
            self.check("check_token (unknown token)", status, p, 401)
        elif kind == "token_setting":
            status, p = self.post(conn, "token_setting", {})
            self.check("token_setting", status, p, 200, self.setting_shape)
        elif kind == "save_token_setting":
            days = rng.randint(1, 30)
            status, p = self.post(conn, "save_token_setting", {"token_expired_days": days})
            self.check("save_token_setting", status, p, 200,
                       lambda p: None if (p.get("data") or {}).get("token_expired_days") == days
                       else f"saved {days}, answered {p}")
        elif kind == "save_token_setting_invalid":
            status, p = self.post(conn, "save_token_setting", {"token_expired_days": 366})
            self.check("save_token_setting (366 days)", status, p, 400)
        elif kind in ("sampling_timestamp", "glucose"):
            lab = rng.choice(self.lab_numbers)
            status, p = self.post(conn, kind, {"T_OrderHeaderLabNumber": lab}, token)
            rows = self.expected[lab][kind]
            if rows is None:
                self.check(f"{kind} {lab}", status, p, 404,
                           lambda p: None if p.get("message") == f"Order tidak ditemukan: {lab}" else f"{p}")
            else:
                self.check(f"{kind} {lab}", status, p, 200,
                           lambda p: None if p.get("data") == rows else f"data differs from db/expected.json: {p}")
        elif kind == "sampling_timestamp_no_token":
            status, p = self.post(conn, "sampling_timestamp", {"T_OrderHeaderLabNumber": "R2606110001"})
            self.check("sampling_timestamp (no token)", status, p, 401)
        elif kind == "glucose_missing_order":
            status, p = self.post(conn, "glucose", {}, token)
            self.check("glucose (no lab number)", status, p, 400)
        return token

    @staticmethod
    def setting_shape(p):
        d = p.get("data") or {}
        days = d.get("token_expired_days")
        if not isinstance(days, int) or d.get("expires_in") != days * 86400:
            return f"{p}"
        return None

    def warm_up(self):
        """Starts the instances of each function (the local runtime starts one on a call that
        finds the others busy, up to --instances) without touching the token: a GET is answered
        405 by the function itself. Concurrent GETs, a few rounds."""
        n = max(1, min(self.args.instances, self.args.clients))
        problems = []

        def get(endpoint):
            conn = self.connect()
            try:
                conn.request("GET", f"{self.path}/{endpoint}")
                resp = conn.getresponse()
                resp.read()
                if resp.status != 405:
                    problems.append(f"GET {endpoint} answered {resp.status}, expected 405")
            except (OSError, http.client.HTTPException) as e:
                problems.append(f"GET {endpoint}: {e}")
            finally:
                conn.close()

        for _ in range(3):
            threads = [threading.Thread(target=get, args=(e,)) for e in ENDPOINTS for _ in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=self.args.timeout + 5)
        if problems:
            sys.exit(f"load: warm-up failed: {problems[0]}")

    def main(self):
        a = self.args
        print(f"== warming up the functions at {a.base}")
        self.warm_up()
        print(f"== {a.clients} clients, at most {a.requests} requests or {a.duration:g} s")
        self.deadline = time.monotonic() + a.duration
        t0 = time.monotonic()
        threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(a.clients)]
        for t in threads:
            t.start()
        for t in threads:
            # Bounded: the clients stop at the deadline; one request may still be in flight.
            t.join(timeout=max(0.0, self.deadline - time.monotonic()) + a.timeout + 5)
        wall = time.monotonic() - t0
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            self.fail("lost", f"{stuck} clients still waiting for an answer after the time bound")

        # The one active token must still be valid.
        final = None
        if len(self.tokens) == 1:
            token = next(iter(self.tokens))
            conn = self.connect()
            try:
                final = self.post(conn, "check_token", {}, token, record=False)
            except (OSError, http.client.HTTPException) as e:
                final = (0, str(e))
            conn.close()
        return self.report(wall, final)

    def report(self, wall, final):
        answered = sum(sum(s.values()) for s in self.statuses.values())
        print()
        print(f"{'endpoint':<20} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")

        def row(name, lat, statuses=""):
            lat = sorted(lat)
            print(f"{name:<20} {len(lat):>8} " + " ".join(f"{percentile(lat, p) * 1e3:>8.1f}" for p in (.5, .99, 1))
                  + (f"  {statuses}" if statuses else ""))
        for e in ENDPOINTS:
            row(e, self.latencies[e], " ".join(f"{k}:{v}" for k, v in sorted(self.statuses[e].items())))
        row("all", [x for e in ENDPOINTS for x in self.latencies[e]])
        print(f"\n{self.sent} requests sent, {answered} answered, in {wall:.1f} s ({answered / wall:.0f} requests/s), "
              f"{self.args.clients} clients, up to {self.args.instances} instances per function")

        checks = []
        lost = self.sent - answered
        checks.append((lost == 0 and not any(k == "lost" for k, _ in self.failures),
                       f"no request lost ({lost} without an answer)"))
        n5xx = sum(v for s in self.statuses.values() for k, v in s.items() if k >= 500)
        checks.append((n5xx == 0, f"no 5xx ({n5xx})"))
        wrong = [f for f in self.failures if f[0] != "lost" and f[0] != "5xx"]
        checks.append((not wrong, f"every answer has its expected status and content ({len(wrong)} not)"))
        checks.append((len(self.tokens) == 1,
                       f"exactly one active token: generate_token returned {len(self.tokens)} distinct token(s)"))
        ok_final = (final is not None and final[0] == 200 and isinstance(final[1], dict)
                    and (final[1].get("data") or {}).get("valid") is True)
        detail = f"token_id {final[1]['data']['token_id']}" if ok_final else f"{final}"
        checks.append((ok_final, f"check_token of that token succeeds at the end ({detail})"))
        checks.append((answered > 0, "requests were made"))
        print()
        for ok, text in checks:
            print(f"  {'ok  ' if ok else 'FAIL'} {text}")
        if self.failures:
            print(f"\nFirst failures ({len(self.failures)} in all):")
            for kind, d in self.failures[:10]:
                print(f"  {kind}: {d[:300]}")
        passed = all(ok for ok, _ in checks)
        print(f"\nload: {'PASS' if passed else 'FAIL'}")
        return 0 if passed else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="base URL, e.g. http://127.0.0.1:9000/one-api/tools/wynacom")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--requests", type=int, default=3000, help="at most this many requests in all")
    p.add_argument("--duration", type=float, default=60, help="at most this many seconds")
    p.add_argument("--timeout", type=float, default=30, help="seconds one request may take")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--instances", type=int, default=1,
                   help="instances per function the runtime may start (to warm them all up)")
    args = p.parse_args()
    if args.clients < 1 or args.requests < 1 or args.duration <= 0:
        p.error("--clients, --requests and --duration must be positive")
    sys.exit(Run(args).main())


if __name__ == "__main__":
    main()
