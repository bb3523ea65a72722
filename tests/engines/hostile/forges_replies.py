# ruff: noqa: F821
"""Lie and tamper: the submission takes over the worker and forges its replies.

It finds the worker's ``run_job`` among the interpreter's objects (``gc``) and rewrites
its code, so that each request is answered with a different kind of garbage: numbers too
large for a float, booleans and nested lists where numbers belong, a string and an int
where lists belong, lists of the wrong length, an error with terminal escape codes, an op
that is not in the catalog and a megabyte of text, extra keys claiming a full score, packed
numbers that are not base64 or too few; it rewrites another function's defaults; and
it writes straight to the reply pipe: JSON nested 100,000 levels deep (which makes
``json.loads`` raise RecursionError) and 20 MB without a newline.

Expected: the worker reports the tampering (searching the garbage collector, rewriting a
function's code), so every part scores 0 with a policy violation; the grader never
crashes on the forged replies it read meanwhile and never awards a forged case; the report
serializes as strict JSON without control characters.
"""

import gc


def _forged(module, api, job):
    global _forgeries
    _forgeries = globals().get("_forgeries", 0) + 1
    kind = _forgeries % 12
    replies = int(sys.argv[sys.argv.index("--replies") + 1])
    n = len(job["points"])
    if kind == 10:
        return {"packed": "not base64 at all!"}
    if kind == 11:  # as many numbers as a point needs, for one point only
        return {"packed": __import__("base64").b64encode(b"\0" * 8 * 2).decode()}
    if "composition" not in job:
        return [{"value": 1.0} for _ in range(n)]
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
        return [
            {"error": {"kind": "\x1b[31mmissing", "op": "\x1b[2Jexp", "message": message}}
            for _ in range(n)
        ]
    if kind == 5:
        os.write(replies, b"[" * 100_000 + b"\n")
        return []
    if kind == 6:
        for _ in range(20):
            os.write(replies, b" " * 1024**2)
        return []
    if kind == 7:
        return [
            {
                "values": [{"not_a_number": "\x1b[2J" * 50}] * size,
                "grads": [{"score": 100}] * size,
                "score": 100,
            }
            for _ in range(n)
        ]
    if kind == 8:
        return [
            {"error": {"kind": "missing", "op": "not_an_op_of_the_catalog", "message": "forged"}}
            for _ in range(n)
        ]
    return [{"values": [float("nan")] * size, "grads": [float("inf")] * size} for _ in range(n)]


for _thing in gc.get_objects():
    if getattr(_thing, "__name__", None) == "run_job" and hasattr(_thing, "__code__"):
        _thing.__code__ = _forged.__code__
    # (written without reading them: reading a worker function's defaults is refused)
    if getattr(_thing, "__name__", None) == "run_one" and type(_thing) is type(_forged):
        _thing.__defaults__ = ([0],)  # a reverse pass from the first input, first
