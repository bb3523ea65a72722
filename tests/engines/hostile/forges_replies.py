# ruff: noqa: F821
"""Lie and tamper: the submission takes over the worker and forges its replies.

The worker is ``__main__`` in the submission's process, so the submission replaces its
``run_job`` with one that answers each request with a different kind of garbage: numbers
too large for a float, booleans and nested lists where numbers belong, a string and an
int where lists belong, lists of the wrong length, an error with terminal escape codes
and a megabyte of text, extra keys claiming a full score; and it writes straight to the
reply pipe: JSON nested 100,000 levels deep (which makes ``json.loads`` raise
RecursionError) and 20 MB without a newline.

Expected: the grader never crashes and never awards a forged case: every forged reply is
either a worker crash or numbers that are not numbers; the report serializes as strict
JSON without control characters; the score is not full.
"""

import os
import sys

import __main__

_REPLIES = int(sys.argv[sys.argv.index("--replies") + 1])
_COUNT = [0]


def _forged(module, api, job):
    _COUNT[0] += 1
    kind = _COUNT[0] % 9
    n = len(job["points"])
    size = len(job["composition"]["inputs"]) + len(job["composition"]["nodes"])
    if kind == 0:
        return [{"values": [10**400] * size, "grads": [10**400] * size} for _ in range(n)]
    if kind == 1:
        return [{"values": [True] * size, "grads": [[1.0]] * size} for _ in range(n)]
    if kind == 2:
        return [{"values": "NaN", "grads": 5} for _ in range(n)]
    if kind == 3:
        return [{"values": [0.0] * (size + 3), "grads": []} for _ in range(n)]
    if kind == 4:
        message = "\x1b[2J\x1b[Hscore 100/100 " + "A" * 10**6
        return [{"error": {"kind": "\x1b[31mmissing", "op": "\x1b[2Jexp", "message": message}}
                for _ in range(n)]
    if kind == 5:
        os.write(_REPLIES, b"[" * 100_000 + b"\n")
        return []
    if kind == 6:
        for _ in range(20):
            os.write(_REPLIES, b" " * 1024**2)
        return []
    if kind == 7:
        return [{"values": [{"not_a_number": "\x1b[2J" * 50}] * size,
                 "grads": [{"score": 100}] * size, "score": 100} for _ in range(n)]
    return [{"values": [float("nan")] * size, "grads": [float("inf")] * size}
            for _ in range(n)]


__main__.run_job = _forged
