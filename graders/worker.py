"""The student worker: imports a submission and runs compositions with its engine.

This file runs in its own interpreter (``python -I worker.py``), started by
``graders.runner``. It imports nothing from chaingrade, so a submission that
patches modules patches only this process. Only plain data crosses back, and the
trusted side checks every number in it again: nothing here is trusted to compute a grade.

Two processes run this file:

* the **supervisor** (``--supervise``), started by the runner, never runs student code.
  It makes itself a child subreaper (``PR_SET_CHILD_SUBREAPER``), so every process the
  submission starts, even one that double-forks into a new session, stays its
  descendant; it forks the worker, waits for the worker to exit or for the runner to say
  stop (``SIGTERM``, or the runner closing the supervisor's stdin), then SIGKILLs every
  descendant (found through ``/proc``), reaps them and exits with the worker's own exit
  status (it re-raises the worker's fatal signal on itself), so the runner sees a
  segfault as a segfault.
* the **worker**, the supervisor's forked child, in a session of its own with resource
  limits (address space, file size, CPU time, no core dumps; optionally another user),
  installs the import guard and then imports the submission and serves requests.

Protocol, one JSON document per line:

* arguments: ``--submission FILE --module NAME --api JSON --requests FD --replies FD``,
  optionally ``--limits JSON --forbid JSON --user NAME --supervise``
* on start it replies ``{"ready": true}`` or ``{"ready": false, "error": {...}}``
* each request ``{"jobs": [job, ...]}`` gets ``{"results": [[outcome per point] per job]}``.
  A job is either

  - ``{"composition": {...}, "points": [[x, y], ...]}``: build it with the engine, run
    the reverse pass; outcome ``{"values": [...], "grads": [...]}`` (one number per node,
    inputs first, ``null`` for a missing gradient), or
  - ``{"call": "name", "points": [[x, y], ...]}``: call the module's function ``name``
    with the point's numbers; outcome ``{"value": number}``;

  and any outcome may instead be ``{"error": {"kind", "op", "message"}}``. A number the
  engine gave that is not one (a string, an array, an object whose ``float()`` raises)
  is sent as ``{"not_a_number": "what it was"}``.
* every message also carries ``"forbidden": [...]``: the forbidden modules the submission
  tried to import so far (see :func:`guard_imports`).

The student's prints go to stdout/stderr, which the runner points at a capped file;
requests and replies use their own pipes so printing cannot corrupt them.
"""

import argparse
import importlib.util
import json
import operator
import os
import resource
import select
import signal
import sys
import time
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
#: Exit status of a worker that failed before it could run the submission.
WORKER_FAILED = 70

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36


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
    """A node's value or gradient as a plain float, None, or a description of what it is.

    ``float()`` is the only conversion: whatever a float subclass does to ``==`` or ``-``
    never leaves this process. Strings (even ``"1.0"``), booleans and arrays of any shape
    but ``()`` are not numbers.
    """
    if value is None:
        return None
    try:
        kind = type(value).__name__[:60]
        if isinstance(value, (str, bytes, bytearray, bool)) or kind == "bool_":
            return {"not_a_number": kind}
        shape = getattr(value, "shape", ())
        if type(shape) is tuple and shape != ():
            return {"not_a_number": f"{kind} of shape {shape}"[:80]}
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


# --- the import guard -------------------------------------------------------------


def guard_imports(forbidden):
    """Block and record every import of a forbidden top-level module; return a reporter.

    Three layers, because a submission runs in this process and may undo what it can:

    * an audit hook (PEP 578) on the ``import`` event, raised for every ``import``
      statement and ``__import__`` call (relative ones included, by absolute name) of a
      module not yet in ``sys.modules``. Python code cannot remove an audit hook. It
      also catches a forbidden package loaded by other means as soon as that package
      imports its own submodules, as every real one does;
    * a finder first in ``sys.meta_path``, which sees ``importlib.import_module`` and
      ``importlib.util.find_spec`` (they bypass the audit event). It can be removed,
      hence the other two;
    * the reporter lists forbidden modules present in ``sys.modules`` after every
      request, however they got there.

    An attempt is recorded even when the submission catches the ImportError. Tampering
    with this process's memory (ctypes) can defeat all three; the trusted side never
    relies on this process to compute anything, only to report what it saw.
    """
    forbidden = frozenset(forbidden)
    attempts = []

    def check(name, _forbidden=forbidden, _attempts=attempts, _error=ImportError):
        if type(name) is str and name.partition(".")[0] in _forbidden:
            top = name.partition(".")[0]
            if top not in _attempts:
                _attempts.append(top)
            raise _error(f"importing {top} is not allowed in this assignment")

    def hook(event, args, _check=check):
        if event == "import":
            _check(args[0])

    class ForbiddenImports:
        @staticmethod
        def find_spec(name, path=None, target=None, _check=check):
            _check(name)
            return None

    if forbidden:
        sys.addaudithook(hook)
        sys.meta_path.insert(0, ForbiddenImports)

    preloaded = set(sys.modules)  # the worker's own imports are not the submission's

    def report():
        found = set(attempts)
        for name in list(sys.modules):
            if type(name) is str and name.partition(".")[0] in forbidden \
                    and name not in preloaded:
                found.add(name.partition(".")[0])
        return sorted(found)

    return report


# --- the worker -----------------------------------------------------------------------


def serve(args):
    """Import the submission and answer requests until the runner closes the pipe."""
    requests = os.fdopen(args.requests, "r", encoding="utf-8")
    replies = os.fdopen(args.replies, "w", encoding="utf-8")
    api = json.loads(args.api)
    forbidden = guard_imports(json.loads(args.forbid))
    for stream in (sys.stdout, sys.stderr):  # what the student printed survives a kill
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass
    if hasattr(signal, "SIGXFSZ"):  # Python ignores it; a flood should stop the worker
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)

    def reply(message):
        message["forbidden"] = forbidden()
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    # The submission's folder, not ours, is where its own imports resolve.
    sys.path[0] = os.path.dirname(os.path.abspath(args.submission))
    try:
        module = load(args.submission, args.module)
    except BaseException as exc:
        kind = "syntax" if isinstance(exc, SyntaxError) else "import"
        reply({"ready": False, "error": {"kind": kind, "message": describe(exc)}})
        return 0
    reply({"ready": True})
    for line in requests:
        request = json.loads(line)
        reply({"results": [run_job(module, api, job) for job in request["jobs"]]})
    return 0


# --- the supervisor ---------------------------------------------------------------------


_LIBC = []


def prctl(option, value):
    """``prctl(2)`` through ctypes; False where there is none (not Linux)."""
    try:
        if not _LIBC:
            import ctypes

            _LIBC.append(ctypes.CDLL(None, use_errno=True))
        return _LIBC[0].prctl(option, value, 0, 0, 0) == 0
    except Exception:
        return False


class _Stop(Exception):
    pass


def _stop(signum, frame):
    raise _Stop


def supervise(args):
    """Fork the worker, wait for it or for the runner, then kill everything it started."""
    me = os.getpid()
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_DUMPABLE, 0)  # a submission running as our user cannot ptrace us
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # no stop half-way through fork
    worker = os.fork()
    if worker == 0:
        _worker_process(args, me)
    status = None
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        while status is None:
            if select.select([0], [], [], 0.05)[0]:
                break  # the runner closed our stdin (or died): stop
            status = _reap(worker)
    except _Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _kill_descendants(me, worker)
    _exit_like(status)


def _worker_process(args, supervisor):
    """The forked child: isolate, limit, then serve. Never returns."""
    code = WORKER_FAILED
    try:
        os.setsid()  # a group of its own: the runner's signals to the supervisor skip it
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != supervisor:
            os._exit(WORKER_FAILED)
        prctl(PR_SET_DUMPABLE, 1)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any Python process
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        _limit(json.loads(args.limits), args.user)
        code = serve(args)
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code)


def _limit(limits, user):
    def cap(which, value):
        if value:
            value = int(value)
            resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_AS, limits.get("memory_mb", 0) * 1024 * 1024)
    cap(resource.RLIMIT_FSIZE, limits.get("output_bytes", 0))
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds", 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if user:
        import pwd

        entry = pwd.getpwnam(user)
        cap(resource.RLIMIT_NPROC, limits.get("processes", 0))
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)


def _reap(worker):
    """Reap every exited child (orphans come to us); the worker's status once it exited."""
    status = None
    while True:
        try:
            pid, code = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == worker:
            status = code


def _descendants(root):
    """Every process whose chain of parents reaches ``root``, from ``/proc``."""
    children = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        parent = _parent(int(entry))
        if parent is not None:
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return int(stat.rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _kill(pid, family):
    """SIGKILL ``pid`` if it is still one of ``family`` (a pidfd guards against pid reuse)."""
    try:
        fd = os.pidfd_open(pid)
    except AttributeError:
        fd = None
    except OSError:
        return
    try:
        if _parent(pid) in family:
            if fd is None:
                os.kill(pid, signal.SIGKILL)
            else:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        if fd is not None:
            os.close(fd)


def _kill_descendants(me, worker):
    try:
        os.killpg(worker, signal.SIGKILL)
    except OSError:
        pass
    give_up = time.monotonic() + 5
    while True:
        victims = _descendants(me)
        family = {me, *victims}
        for pid in victims:
            _kill(pid, family)
        _reap(worker)
        if not victims or time.monotonic() > give_up:
            return
        time.sleep(0.002)


def _exit_like(status):
    """Exit as the worker did: same exit status, or the same fatal signal."""
    if status is None:
        os._exit(0)
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            time.sleep(1)
        except (OSError, ValueError):
            pass
        os._exit(128 + signum)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else WORKER_FAILED)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--replies", type=int, required=True)
    parser.add_argument("--limits", default="{}")
    parser.add_argument("--forbid", default="[]")
    parser.add_argument("--user", default=None)
    parser.add_argument("--supervise", action="store_true")
    args = parser.parse_args(argv)
    if args.supervise:
        supervise(args)
    else:
        _limit(json.loads(args.limits), args.user)
        serve(args)


if __name__ == "__main__":
    main()
