"""The student worker: imports a submission and answers requests with its engine.

The supervisor (``supervisor.py``) forks this process and calls :func:`serve`; student
code runs only here. Nothing here is trusted to compute a grade: only plain data crosses
back, and the trusted side checks every number in it again. This file imports nothing
from chaingrade, so a submission that patches modules patches only this process.

Before the submission is imported, :func:`serve`

* checks that it can read what it needs as the user it now runs as (the submission, the
  interpreter's import path); if not, it says so (``kind: "sandbox"``), a fault of the
  grading machine, never of the student;
* drops import hooks and paths that lead to chaingrade or an assignment folder (an
  editable install adds both), so the bundled solution cannot be imported;
* installs the guard (``guard.py``): forbidden modules cannot be imported and forbidden
  folders (chaingrade, the assignment, the forbidden packages) cannot be read, listed or
  executed from, however the submission asks;
* takes a snapshot of its own modules' functions, the builtins and the import machinery
  (``integrity.py``), compared after every request.

Protocol, one JSON document per line:

* arguments: see :func:`argument_parser`;
* ``--api`` is the student API as ``Preset.for_worker()`` gives it (how to make a leaf,
  how to call each op, how to seed and run the reverse pass, where values and gradients
  are read), or ``{"auto": true, "arrays": BOOL}``: then the worker inspects the
  submission (:func:`detect`; ``arrays``: the assignment is on arrays), says what it
  found in its first reply (``"api": {fields}``), and
  the runner answers with a request ``{"api": {...}}`` holding the whole API (reply
  ``{"results": []}``); for a given API, the first reply's ``"api"`` holds how this
  engine's ops are called where the API's forms do not fit it
  (``engine_calls.revised``: DeZero's ``add(x, y)`` for ``x + y``), and the runner
  answers the same way;
* on start it replies ``{"ready": true}`` or ``{"ready": false, "error": {...}}``;
* this process is the *zygote*: it imported the submission once, and serves each part of
  a grading from a copy of itself. A request ``{"part": true}`` forks it (:func:`fork_part`):
  the copy replies ``{"part": true, "copy": true}`` and answers the part's requests, while
  the zygote waits for it to exit. (A submission that started threads on import is served
  by the zygote itself, ``"copy": false``: a copy would lack them; the runner then starts a
  new worker for the next part.) ``{"exit": true}`` ends the copy (no reply); the zygote then
  replies ``{"ready": true, "exited": status}``, ready for the next part (the copy's
  exit status, or minus a signal: the same reply tells of a copy that died on its own).
  Every part starts from the submission as just imported, as if imported again;
* each request ``{"jobs": [job, ...]}`` gets ``{"results": [[outcome per point] per job]}``.
  A job is either

  - ``{"composition": {...}, "points": [[x, y], ...]}``: build it with the engine, run
    the reverse pass; outcome ``{"values": [...], "grads": [...]}`` (one number per node,
    inputs first, ``null`` for a missing gradient; gradients of the inputs only when the
    API says ``gradients = "inputs"``), or
  - ``{"call": "name", "points": [[x, y], ...]}``: call the module's function ``name``
    with the point's numbers; outcome ``{"value": number}``, or
  - ``{"array_composition": {...}, "points": [[flat numbers per input], ...]}`` (the tensor
    kind): build the array composition, run the reverse pass from its scalar loss;
    outcome ``{"values": [...], "grads": [...]}`` with one array per node,
    ``{"shape": [...], "data": [...]}`` (:func:`array_value`);
  - ``{"trace": {composition}, "points": [point], "folder": path, "watch": [node, ...]}``
    (``where`` on findings): build it and run the reverse pass under the grader's tracer
    (``tracing.py``, code under ``folder`` only), watching those nodes' gradients; outcome
    ``{"values", "grads", "trace"}`` (:func:`trace_one`); with ``"forward": true``, a
    dual-number engine's composition, built under the tracer, no reverse pass
    (``forward_jobs.trace_one``);

  and any outcome may instead be ``{"error": {"kind", "op", "message"}}``. A number the
  engine gave that is not one (a string, an array, an object whose ``float()`` raises)
  is sent as ``{"not_a_number": "what it was"}``.
* what the guard and the integrity check see (``"import mygrad"``, ``"read /path"``,
  ``"replaced builtins.open"``) is written at once, one line each, to a third pipe (the
  *alarm*, ``--alarms FD``): the runner reads it after every reply, and a submission
  cannot take back what was already written there.

The student's prints go to stdout/stderr, which the runner points at a file it empties
between requests; requests and replies use their own pipes so printing cannot corrupt them.
"""

import argparse
import json
import os
import signal
import sys
import types
from array import array
from base64 import b64encode

# The worker's siblings, loaded with it by the supervisor (``load_siblings``), before the
# guard goes up: once it is up, nothing more of this folder may be read. ``forward_jobs``:
# the forward kind's jobs and its --api auto (dual numbers), handed ``engine_calls``.
from . import array_jobs, detection, engine_calls, forward_jobs, guard, integrity
from .engine_calls import (
    BuildError,
    call_one,
    describe,
    load,
    plan_of,
    run_one,
    trace_one,
)

#: Exit status of a worker that failed before it could run the submission.
WORKER_FAILED = 70


def run_job(module, api, job):
    outcomes, plan = [], None
    for point in job["points"]:
        try:
            if "trace" in job:
                if job.get("forward"):  # a dual-number engine's (``where``)
                    outcomes.append(forward_jobs.trace_one(module, api, job, point, engine_calls))
                    continue
                trace = array_jobs.trace_array_one if job.get("arrays") else trace_one
                outcomes.append(trace(module, api, job, point))
            elif "array_composition" in job:
                outcomes.append(
                    array_jobs.run_array_one(module, api, job["array_composition"], point)
                )
            elif "call" in job:
                outcomes.append(call_one(module, job["call"], point))
            elif job.get("forward"):  # dual numbers: point = values, then tangents
                plan = plan or plan_of(api, job["composition"])
                outcomes.append(forward_jobs.run_one(module, api, plan, point, engine_calls))
            else:
                plan = plan or plan_of(api, job["composition"])
                outcomes.append(
                    run_one(module, api, plan, point, backward_at=job.get("backward_at", ()))
                )
        except BuildError as exc:
            outcomes.append({"error": exc.info})
    return packed(outcomes) if job.get("packed") else outcomes


def packed(outcomes):
    """A composition job's outcomes as one ``Packed`` (see ``protocol``), when every one
    is numbers only: far less to encode and decode than a list of floats per point.
    Otherwise as they are."""
    flat = []
    for outcome in outcomes:
        if "error" in outcome or "earlier_grads" in outcome:
            return outcomes
        flat += outcome["values"]
        flat += outcome["grads"]
    if not all(type(x) is float for x in flat):
        return outcomes
    return {"packed": b64encode(array("d", flat).tobytes()).decode("ascii")}


# --- serving ------------------------------------------------------------------------------


def codec():
    """``(dumps, loads)`` for the pipes, made of json's C encoder and scanner, captured now:
    ``json.dumps`` and ``json.loads`` look up module-level objects (``_default_encoder``)
    at every call, which a submission can swap with no audit event to rewrite the replies
    outside the integrity check. These hold what they use; floats are written by
    ``float.__repr__`` itself."""
    import _json

    def refuse(value):
        raise TypeError(f"not plain data: {type(value).__name__}")

    encoder = _json.make_encoder(
        None, refuse, _json.encode_basestring_ascii, None, ":", ",", False, False, True
    )
    # typeshed types make_scanner's argument as a scanner; it is the decoder it reads
    scan = _json.make_scanner(json.JSONDecoder())  # pyright: ignore[reportArgumentType]

    def dumps(value, _encoder=encoder, _join="".join):
        return _join(_encoder(value, 0))

    def loads(text, _scan=scan):
        return _scan(text, 0)[0]

    return dumps, loads


def fork_part():
    """``os.fork()``, the one fork the guard allows (its hook knows this function's code):
    the zygote's copy for one part."""
    return os.fork()


def threads():
    """How many threads this process runs (a thread the submission started on import would
    not be in a forked copy: its engine could wait for it forever)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no /proc: the threads Python knows of
        threading = sys.modules.get("threading")
        return threading.active_count() if threading is not None else 1


def wait_for(pid):
    """Until the part's copy exits (however: asked to, its own exit, a crash, a kill): its
    exit status, or minus the signal that killed it."""
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except (ChildProcessError, ValueError):  # reaped by someone else, or stopped
        return WORKER_FAILED


def argument_parser():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--replies", type=int, required=True)
    parser.add_argument("--alarms", type=int, required=True)
    parser.add_argument("--limits", default="{}")
    #: Top-level modules the submission may not import.
    parser.add_argument("--forbid", default="[]")
    #: Folders the submission may not read, list or run code from: {folder: label}.
    parser.add_argument("--forbid-folders", default="{}")
    #: The kernel has Landlock: a worker that fails to confine itself must not serve.
    parser.add_argument("--confine", action="store_true")
    #: Folders the worker may read and write besides its own (``CHAINGRADE_WORKER_MAY_WRITE``).
    parser.add_argument("--writable", default="[]")
    return parser


def serve(args):
    """Import the submission and answer requests until the runner closes the pipe."""
    requests = os.fdopen(args.requests, "r", encoding="utf-8")
    replies = os.fdopen(args.replies, "w", encoding="utf-8")
    (dumps, loads), write, flush = codec(), replies.write, replies.flush
    # The API as text (immutable), parsed afresh for every request and compared after it:
    # a dict kept here would be the submission's to rewrite, through a frame, for good.
    api_text = dumps(loads(args.api))
    api = loads(api_text)
    note = guard.alarm(args.alarms)
    folders = loads(args.forbid_folders)
    # Where the submission's own imports resolve: the folder holding its entry module, or
    # holding its entry package (``--submission`` is then the package's __init__.py), or
    # holding the packages of a dotted entry (micrograd/engine.py as micrograd.engine).
    submission_folder = os.path.dirname(os.path.abspath(args.submission))
    if os.path.basename(args.submission) == "__init__.py":
        submission_folder = os.path.dirname(submission_folder)
    for _ in range(args.module.count(".")):
        submission_folder = os.path.dirname(submission_folder)

    # Defaults, not closure cells: a cell can be rewritten with no audit event.
    def reply(message, _write=write, _dumps=dumps, _flush=flush):
        _write(_dumps(message) + "\n")
        _flush()

    missing = guard.unreadable([args.submission, submission_folder, *sys.path])
    unconfined = getattr(args, "unconfined", None)  # why Landlock is not on (supervisor.py)
    if missing is not None or (unconfined and args.confine):
        why = f"cannot read {missing}" if missing is not None else f"is not confined: {unconfined}"
        message = f"the worker (uid {os.getuid()}) {why}"
        reply({"ready": False, "error": {"kind": "sandbox", "message": message[:500]}})
        return 0
    # What a worker still root could not give up (``supervisor.confine``), for the report.
    kept = getattr(args, "capabilities", None)
    kept = {"capabilities": kept[:500]} if isinstance(kept, str) and kept else {}
    guard.drop_paths_to(folders)
    modules = own_modules()
    own_files = [namespace["__file__"] for namespace in modules.values()]
    untrusted = [submission_folder, os.getcwd(), *loads(args.writable)]
    loaded, guarded = guard.guard(
        loads(args.forbid),
        folders,
        note,
        own_files=own_files,
        own_fork=fork_part.__code__,
        untrusted=untrusted,
        own_namespaces=list(modules.values()),
    )
    for stream in (sys.stdout, sys.stderr):  # what the student printed survives a kill
        try:
            # a TextIOWrapper's (typed as TextIO); a replaced stream may lack it
            stream.reconfigure(line_buffering=True)  # pyright: ignore[reportAttributeAccessIssue]
        except (AttributeError, ValueError):
            pass
    if hasattr(signal, "SIGXFSZ"):  # Python ignores it; a flood should stop the worker
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    changes = integrity.watch(modules, guarded)
    handle = run_job
    # The submission's folder, not ours, is where its own imports resolve.
    sys.path.insert(0, submission_folder)
    try:
        module = load(args.submission, args.module)
    except BaseException as exc:
        kind = "syntax" if isinstance(exc, SyntaxError) else "import"
        loaded()
        reply({"ready": False, "error": {"kind": kind, "message": describe(exc)}, **kept})
        return 0

    def audit(used=None, sent=None, _loaded=loaded, _changes=changes, _note=note, _dumps=dumps):
        """What the guard and the integrity check saw, to the alarm pipe; and whether the
        API a request ``used`` still reads as the text the runner ``sent``."""
        _loaded()
        for change in _changes():
            _note(change)
        if used is not None and _dumps(used) != sent:
            _note("changed the worker's API (how values and gradients are read)")

    hello = {"ready": True, **kept}
    if api.get("auto"):  # the runner answers with the whole API (see Runner.start)
        try:
            hello["api"] = detection.detect(module, arrays=bool(api.get("arrays")))
        except detection.NoFit as exc:
            hello = {"ready": False, "error": {"kind": "api", "message": str(exc)[:500]}, **kept}
        except BaseException as exc:
            message = "inspecting the submission raised " + describe(exc)
            hello = {"ready": False, "error": {"kind": "api", "message": message}, **kept}
    elif api.get("forms") and api.get("transform", "none") == "none":
        try:  # how this engine's ops are called, where the API's forms do not fit it
            changes = engine_calls.revised(module, api)
        except BaseException:  # noqa: BLE001 - grading then says what fails, op by op
            changes = None
        if changes:
            hello["api"] = changes
    audit()
    reply(hello)
    for line in requests:
        request = loads(line)
        if "api" in request:
            api_text = dumps(request["api"])
            api = loads(api_text)
            audit()
            reply({"results": []})
            continue
        if "part" in request:
            if threads() > 1:  # a copy would lack the submission's threads: serve it here
                audit()
                reply({"part": True, "copy": False})
                continue
            pid = fork_part()
            if pid:  # the zygote: the part's copy serves until it exits (asked to, or not)
                exited = wait_for(pid)
            audit()
            reply({"part": True, "copy": True} if pid == 0 else {"ready": True, "exited": exited})
            continue
        if "exit" in request:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:
                    pass
            os._exit(0)
        api, results = loads(api_text), []
        for job in request["jobs"]:  # a loop: a comprehension would make cells of serve's locals
            results.append(handle(module, api, job))
        audit(api, api_text)
        reply({"results": results})
    return 0


def own_modules():
    """The worker's modules by label (``worker``, and each sibling it uses, directly or
    through another, by its name): the guard reports rewriting their functions' code, the
    integrity check watches their globals."""
    found, todo = {"worker": globals()}, [globals()]
    while todo:
        for namespace in _namespaces_used_by(todo.pop()):
            label = namespace["__name__"].rpartition(".")[2]
            if namespace["__name__"].startswith(f"{__package__}.") and label not in found:
                found[label] = namespace
                todo.append(namespace)
    return found


def _namespaces_used_by(namespace):
    """The globals of the modules a module's namespace holds, or holds functions or
    classes of (``from .tracing import Tracer``)."""
    for value in list(namespace.values()):
        if isinstance(value, types.ModuleType):
            yield vars(value)
        elif isinstance(value, types.FunctionType):
            yield value.__globals__
        elif isinstance(value, type):
            methods = [f for f in vars(value).values() if isinstance(f, types.FunctionType)]
            yield from (f.__globals__ for f in methods[:1])
