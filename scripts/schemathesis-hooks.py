"""schemathesis hooks of scripts/schemathesis. The local runtime (cargo lambda watch) cannot put a
body that is not UTF-8 with a text Content-Type into the API Gateway event: it answers such a
request itself, 500 with its own body, and the function is never called (sent as
application/octet-stream, the functions answer it 400). Only that failure is dropped, each drop
printed; schemathesis counts them as `Filtered`.
"""

import sys

import schemathesis

RUNTIME_500 = b'{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}'


def _not_utf8(body):
    if body is None or isinstance(body, str):
        return False
    try:
        bytes(body).decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    if response.status_code == 500 and response.content == RUNTIME_500 and _not_utf8(response.request.body):
        print(f"schemathesis-hooks: not counted: {case.method} {case.path} with a body that is not UTF-8 got the "
              f"local runtime's own 500 ({failure.title}); the function was not called", file=sys.stderr)
        return False
    return True
