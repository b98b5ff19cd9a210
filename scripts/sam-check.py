#!/usr/bin/env python3
"""Checks the `sam build` artifacts through SAM CLI's own local Lambda (scripts/sam-local --test).

  sam-check.py invoke SAM_ARG...   every event of events/ through `sam local invoke`
  sam-check.py api BASE_URL        one request per route to a running `sam local start-api`

SAM_ARG... are the arguments every `sam local invoke` gets (template, env-vars file, image).
Each answer is compared with events/expected.json by the rules of check_expectation in
shared/src/testing.rs, plus `Cache-Control: no-store`. Ends with a result line in cargo's format
(`test result: ...`), which scripts/test counts. Standard library only.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = os.path.join(ROOT, "events")
TOKEN_PLACEHOLDER = "TOKEN_VALUE"
LAST_LOG = [""]


def expectations():
    with open(os.path.join(EVENTS, "expected.json"), encoding="utf-8") as f:
        return json.load(f)


def event_text(name, token):
    with open(os.path.join(EVENTS, name + ".json"), encoding="utf-8") as f:
        return f.read().replace(TOKEN_PLACEHOLDER, token)


def logical_id(endpoint):
    """generate_token -> GenerateTokenFunction (the template's naming)."""
    return "".join(w.capitalize() for w in endpoint.split("_")) + "Function"


def check_expectation(expect, status, body):
    """None when the answer matches, else what differs (shared/src/testing.rs)."""
    if status != expect.get("status"):
        return f"status {status}, expected {expect.get('status')}; body {json.dumps(body)}"
    keys = list(body) if isinstance(body, dict) else []
    if "message" in expect:
        if body.get("status") != "ERR" or body.get("message") != expect["message"] or len(keys) != 2:
            return f"expected ERR {expect['message']!r}, got {json.dumps(body)}"
        return None
    if not isinstance(body, dict) or body.get("status") != "OK" or len(keys) != 2:
        return f"expected OK envelope, got {json.dumps(body)}"
    data = body.get("data")
    if "data" in expect and data != expect["data"]:
        return f"data {json.dumps(data)}, expected {json.dumps(expect['data'])}"
    if "data_keys" in expect:
        got = sorted(data) if isinstance(data, dict) else []
        if got != sorted(expect["data_keys"]):
            return f"data keys {got}, expected {sorted(expect['data_keys'])}"
    if expect.get("data_nonempty") is True and not (isinstance(data, list) and data):
        return f"expected a non-empty data array, got {json.dumps(data)}"
    return None


def header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v[0] if isinstance(v, list) else v
    return None


def check_answer(expect, status, headers, body_text):
    try:
        body = json.loads(body_text)
    except (TypeError, ValueError):
        return f"status {status}, body is not JSON: {body_text!r:.200}"
    problem = check_expectation(expect, status, body)
    if problem is None and header(headers, "cache-control") != "no-store":
        problem = f"Cache-Control {header(headers, 'cache-control')!r}, expected 'no-store'"
    return problem


def sam_invoke(sam_args, endpoint, event):
    """Runs `sam local invoke` on one event; returns (status, headers, body text) of the proxy answer."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(event)
        path = f.name
    try:
        run = subprocess.run(
            sam_args[:1] + ["local", "invoke", logical_id(endpoint), "--event", path] + sam_args[1:],
            capture_output=True, text=True, timeout=300,
        )
    finally:
        os.unlink(path)
    # stdout holds the function's answer only (SAM and the function log to stderr).
    out = run.stdout.strip()
    try:
        answer = json.loads(out[out.index("{"):]) if "{" in out else None
    except ValueError:
        answer = None
    if run.returncode != 0 or not isinstance(answer, dict) or "statusCode" not in answer:
        # SAM's messages and the container's own output (the emulator and the bootstrap) say why.
        tail = "\n".join(run.stderr.strip().splitlines()[-25:])
        raise RuntimeError(f"sam local invoke exited {run.returncode}; stdout {out[:300]!r}\n{tail}")
    body = answer.get("body") or ""
    if answer.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    headers = dict(answer.get("headers") or {})
    headers.update(answer.get("multiValueHeaders") or {})
    if answer["statusCode"] >= 500:
        # The function's own log says why; keep it for the failure report.
        LAST_LOG[0] = "\n".join(l for l in run.stderr.splitlines() if l.startswith("{"))[-1500:]
    return answer["statusCode"], headers, body


def indent(text):
    return "\n".join("    " + line for line in str(text).splitlines())


def result_line(passed, failed, what):
    state = "ok" if failed == 0 else "FAILED"
    return (f"test result: {state}. {passed} passed; {failed} failed; 0 ignored; 0 measured; "
            f"0 filtered out ({what})")


def run_invoke(sam_args):
    all_expect = expectations()
    passed = failed = 0
    started = time.monotonic()
    # A token issued the same way, for the events that carry the placeholder.
    try:
        try:
            answer = sam_invoke(sam_args, "generate_token", event_text("generate_token", ""))
        except RuntimeError as e:
            # As below: SAM can miss the answer of a slow emulated container; one more try.
            print(f"first invoke failed, trying again; SAM and the container said:\n{indent(e)}")
            answer = sam_invoke(sam_args, "generate_token", event_text("generate_token", ""))
        token = json.loads(answer[2])["data"]["access_token"]
        print(f"(token issued by sam local invoke GenerateTokenFunction: status {answer[0]})")
    except (RuntimeError, ValueError, KeyError, TypeError) as e:
        # Without a token most events cannot pass; SAM itself failing would fail them all.
        print(f"no token from sam local invoke GenerateTokenFunction: {e}")
        print(result_line(0, len(all_expect), "sam local invoke"))
        return False
    for name in sorted(all_expect):
        expect = all_expect[name]
        t0 = time.monotonic()
        LAST_LOG[0] = ""
        try:
            try:
                answer = sam_invoke(sam_args, expect["endpoint"], event_text(name, token))
            except RuntimeError as e:
                # SAM got no answer from the container (it can send the invoke before the
                # emulator in a slow emulated container listens): one more try, reported.
                if "No response from invoke container" not in str(e):
                    raise
                print(f"    {name}: no response from the container, trying again; it said:\n{indent(e)}")
                answer = sam_invoke(sam_args, expect["endpoint"], event_text(name, token))
            status = answer[0]
            problem = check_answer(expect, *answer)
            if problem and LAST_LOG[0]:
                problem += "\n    function log: " + LAST_LOG[0]
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            status, problem = "-", str(e)
        took = time.monotonic() - t0
        if problem is None:
            passed += 1
            print(f"test sam_local_invoke::{name} ... ok ({status}, {took:.1f} s)")
        else:
            failed += 1
            print(f"test sam_local_invoke::{name} ... FAILED ({took:.1f} s)\n    {problem}")
    print(f"{passed + failed} events in {time.monotonic() - started:.0f} s")
    print(result_line(passed, failed, "sam local invoke"))
    return failed == 0


def http(base, name, token):
    """Sends events/<name>.json as an HTTP request to BASE/<path of the event>."""
    event = json.loads(event_text(name, token))
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    url = base.rstrip("/") + event["path"]
    if event.get("queryStringParameters"):
        url += "?" + urllib.parse.urlencode(event["queryStringParameters"])
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "host"}
    method = event["httpMethod"]
    req = urllib.request.Request(url, data=data if method != "GET" else None, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def run_api(base):
    all_expect = expectations()
    # One request per route: the main event of each endpoint, in the contract's order.
    routes = ["generate_token", "check_token", "token_setting", "save_token_setting",
              "sampling_timestamp", "glucose"]
    passed = failed = 0
    started = time.monotonic()
    token = "0" * 64
    for name in routes:
        t0 = time.monotonic()
        try:
            status, headers, body = http(base, name, token)
            problem = check_answer(all_expect[name], status, headers, body)
            if name == "generate_token" and problem is None:
                token = json.loads(body)["data"]["access_token"]
        except (OSError, ValueError, KeyError) as e:
            status, problem = "-", str(e)
        took = time.monotonic() - t0
        if problem is None:
            passed += 1
            print(f"test sam_local_start_api::POST /{name} ... ok ({status}, {took:.1f} s)")
        else:
            failed += 1
            print(f"test sam_local_start_api::POST /{name} ... FAILED ({took:.1f} s)\n    {problem}")
    print(f"{passed + failed} routes in {time.monotonic() - started:.0f} s")
    print(result_line(passed, failed, "sam local start-api"))
    return failed == 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "invoke":
        ok = run_invoke(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "api":
        ok = run_api(sys.argv[2])
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
