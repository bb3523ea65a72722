"""The student worker: imports a submission and runs compositions with its engine.

This file runs in its own interpreter (``python -I worker.py``), started by
``graders.runner``. It imports nothing from chaingrade, so a submission that
patches modules patches only this process. Only plain data crosses back.

Protocol, one JSON document per line:

* arguments: ``--submission FILE --module NAME --api JSON --requests FD --replies FD``
* on start it replies ``{"ready": true}`` or ``{"ready": false, "error": {...}}``
* each request ``{"jobs": [job, ...]}`` gets ``{"results": [[outcome per point] per job]}``.
  A job is either

  - ``{"composition": {...}, "points": [[x, y], ...]}``: build it with the engine, run
    the reverse pass; outcome ``{"values": [...], "grads": [...]}`` (one number per node,
    inputs first, ``null`` for a missing gradient), or
  - ``{"call": "name", "points": [[x, y], ...]}``: call the module's function ``name``
    with the point's numbers; outcome ``{"value": number}``;

  and any outcome may instead be ``{"error": {"kind", "op", "message"}}``.

The student's prints go to stdout/stderr, which the runner points at a capped file;
requests and replies use their own pipes so printing cannot corrupt them.
"""

import argparse
import importlib.util
import json
import operator
import os
import sys
import traceback

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
#: Exceptions that mean "this engine does not have that op" rather than "it broke".
MISSING = (AttributeError, NotImplementedError, AssertionError, TypeError)


class BuildError(Exception):
    def __init__(self, kind, op, message):
        super().__init__(message)
        self.info = {"kind": kind, "op": op, "message": message}


def describe(exc):
    """One line for the student: the exception and where in their file it came from."""
    lines = traceback.format_exception_only(type(exc), exc)
    text = lines[-1].strip() if lines else type(exc).__name__
    return text[:500]


def load(path, module_name):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def number(value):
    """A node's value or gradient as a plain float, None, or a description of what it is."""
    if value is None:
        return None
    try:
        result = float(value)
    except BaseException:  # a student's object may raise anything from __float__
        return {"not_a_number": type(value).__name__[:80]}
    return result


def apply(module, api, node, args):
    syntax, op = node["syntax"], node["op"]
    try:
        if syntax in BINARY:
            return BINARY[syntax](*args)
        if syntax == "neg":
            return -args[0]
        if api["unary"] == "method":
            return getattr(args[0], syntax)()
        return getattr(module, syntax)(args[0])
    except MISSING as exc:
        raise BuildError("missing", op, describe(exc)) from None
    except BaseException as exc:  # KeyboardInterrupt and SystemExit from student code included
        raise BuildError("error", op, describe(exc)) from None


def run_one(module, api, composition, point):
    leaf = getattr(module, api["leaf"], None)
    if leaf is None:
        raise BuildError("missing", None, f"the submission has no {api['leaf']}()")
    try:
        nodes = [leaf(float(v)) for v in point]
    except BaseException as exc:
        raise BuildError("error", None, f"{api['leaf']}(...) raised " + describe(exc)) from None
    for node in composition["nodes"]:
        args = [a["const"] if isinstance(a, dict) else nodes[a] for a in node["args"]]
        nodes.append(apply(module, api, node, args))
    try:
        getattr(nodes[-1], api["backward"])()
    except BaseException as exc:
        kind = "missing" if isinstance(exc, NotImplementedError) else "error"
        raise BuildError(kind, None, f"{api['backward']}() raised " + describe(exc)) from None
    try:
        values = [number(getattr(n, api["value"])) for n in nodes]
        grads = [number(getattr(n, api["gradient"], None)) for n in nodes]
    except BaseException as exc:
        raise BuildError("error", None, "reading results raised " + describe(exc)) from None
    return {"values": values, "grads": grads}


def call_one(module, name, point):
    function = getattr(module, name, None)
    if not callable(function):
        raise BuildError("missing", None, f"the submission has no function {name}()")
    try:
        return {"value": number(function(*[float(v) for v in point]))}
    except NotImplementedError as exc:
        raise BuildError("missing", None, f"{name}() raised " + describe(exc)) from None
    except BaseException as exc:
        raise BuildError("error", None, f"{name}() raised " + describe(exc)) from None


def run_job(module, api, job):
    outcomes = []
    for point in job["points"]:
        try:
            if "call" in job:
                outcomes.append(call_one(module, job["call"], point))
            else:
                outcomes.append(run_one(module, api, job["composition"], point))
        except BuildError as exc:
            outcomes.append({"error": exc.info})
    return outcomes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--replies", type=int, required=True)
    args = parser.parse_args()
    requests = os.fdopen(args.requests, "r", encoding="utf-8")
    replies = os.fdopen(args.replies, "w", encoding="utf-8")
    api = json.loads(args.api)

    def reply(message):
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    # The submission's folder, not ours, is where its own imports resolve.
    sys.path[0] = os.path.dirname(os.path.abspath(args.submission))
    try:
        module = load(args.submission, args.module)
    except BaseException as exc:
        kind = "syntax" if isinstance(exc, SyntaxError) else "import"
        reply({"ready": False, "error": {"kind": kind, "message": describe(exc)}})
        return
    reply({"ready": True})
    for line in requests:
        request = json.loads(line)
        reply({"results": [run_job(module, api, job) for job in request["jobs"]]})


if __name__ == "__main__":
    main()
