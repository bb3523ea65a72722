"""The supervisor: the worker's trusted parent, which never runs student code.

``graders.sandbox.runner`` starts this file in its own interpreter (``python -I
supervisor.py ...``, the worker's arguments). It imports nothing from chaingrade but its
siblings (:func:`load_siblings`: ``worker.py`` and the modules it imports, ``landlock.py``,
``pinned.py`` and ``capabilities.py``, loaded by path before anything of the student's
runs), and:

* makes itself a child subreaper (``PR_SET_CHILD_SUBREAPER``), so every process the
  submission starts, even one that double-forks into a new session, stays its descendant,
  and makes itself non-dumpable, so a worker of the same uid cannot trace it;
* forks the worker, which takes a session of its own, its resource limits and, with
  ``--uid``, another user (without one, as root, it gives up every capability:
  ``capabilities.py``), cuts its file system down to what it needs (Landlock, where the
  kernel has it: ``landlock.py``), pins its alarm descriptor (a seccomp filter:
  ``pinned.py``), then serves requests (``worker.serve``);
* waits for the worker to exit or for the runner to say stop (``SIGTERM``, or the runner
  closing the supervisor's stdin), then SIGKILLs every descendant (found through
  ``/proc``: ``processes.kill_tree``), reaps them, and exits with the worker's own exit
  status (re-raising the worker's fatal signal on itself), so the runner sees a segfault
  as a segfault.
"""

import importlib.util
import json
import os
import resource
import select
import signal
import sys
import time
import traceback

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36

_LIBC = []
#: The name this folder's modules are loaded under in the supervisor and the worker.
PACKAGE = "chaingrade_sandbox"


def prctl(option, value):
    """``prctl(2)`` through ctypes; False where there is none (not Linux)."""
    try:
        if not _LIBC:
            import ctypes

            _LIBC.append(ctypes.CDLL(None, use_errno=True))
        return _LIBC[0].prctl(option, value, 0, 0, 0) == 0
    except Exception:
        return False


def load_siblings(*names):
    """The modules ``names`` beside this file (``worker``, and what it imports from here),
    loaded by path as the package :data:`PACKAGE`, so that they import each other by
    relative imports (``-I`` keeps our folder off sys.path). Then they leave
    ``sys.modules``: the submission gets no handle on them by importing, and nothing of
    this folder is imported later (once the worker is guarded, it may not read it).
    Everything is loaded here, before the worker is forked: its user may not read our
    files."""
    folder = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        PACKAGE, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder]
    )
    if spec is None or spec.loader is None:  # a file path always has a loader
        raise ImportError(f"cannot load the worker's modules from {folder}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    try:
        spec.loader.exec_module(package)
        return [importlib.import_module(f"{PACKAGE}.{name}") for name in names]
    finally:
        for loaded in [m for m in sys.modules if m.partition(".")[0] == PACKAGE]:
            del sys.modules[loaded]


class _Stop(Exception):
    pass


def _stop(signum, frame):
    raise _Stop


def supervise(args, worker_module, *, confinement, processes):
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
        _worker_process(args, worker_module, confinement=confinement, supervisor=me)
    # Only the worker holds its pipes: if it closes one (the alarm pipe, say), the runner
    # sees the end of it at once instead of a pipe we keep open.
    for fd in (args.requests, args.replies, args.alarms):
        os.close(fd)
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
    processes.kill_tree(me, itself=False, reap=lambda: _reap(worker))
    _exit_like(status)


def _worker_process(args, worker_module, *, confinement, supervisor):
    """The forked child: isolate, limit, then serve. Never returns."""
    code = worker_module.WORKER_FAILED
    try:
        os.setsid()  # a group of its own: the runner's signals to the supervisor skip it
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != supervisor:
            os._exit(worker_module.WORKER_FAILED)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any Python process
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        # Dumpable, so the runner can still find it through /proc when it runs as the same
        # user; switching to another uid (``limit``) makes the kernel turn this off again.
        prctl(PR_SET_DUMPABLE, 1)
        limit(json.loads(args.limits), _user(args))
        args.unconfined = confine(args, *confinement)
        code = worker_module.serve(args)
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


def _user(args):
    """The ``(uid, gid)`` the worker switches to, or None: the runner gives both or
    neither, and one alone stops the worker rather than keep the other of root's."""
    if args.uid is None and args.gid is None:
        return None
    if args.uid is None or args.gid is None:
        raise ValueError("--uid and --gid go together")
    return args.uid, args.gid


def limit(limits, user=None):
    """Resource limits, then (as root) the worker's own ``(uid, gid)``: its last
    privileged act."""

    def cap(which, value):
        if value:
            value = int(value)
            resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_AS, limits.get("memory_mb", 0) * 1024 * 1024)
    cap(resource.RLIMIT_FSIZE, limits.get("output_bytes", 0))
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds", 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if user is not None:
        uid, gid = user
        cap(resource.RLIMIT_NPROC, limits.get("processes", 0))
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid:  # pragma: no cover - kernel refused
            os._exit(71)


def confine(args, guard, landlock, pinned, capabilities):
    """Cut the worker's file system down to what it needs (``landlock``) and pin its
    alarm descriptor (``pinned``), now that it runs as its own user: None once done,
    else why not. The import path is the one the worker keeps (``guard.drop_paths_to``: no path
    to chaingrade or an assignment). A worker still root first gives up its capabilities
    (``capabilities``); what it could not drop is kept in ``args.capabilities``, which
    ``worker.serve`` sends in its first reply (the report's note), and never stops
    grading."""
    try:
        args.capabilities = capabilities.drop()
    except Exception as e:
        args.capabilities = f"the worker kept its capabilities ({type(e).__name__}: {e})"
    folders = json.loads(args.forbid_folders)
    guard.drop_paths_to(folders)
    try:
        writable = [os.getcwd(), *json.loads(args.writable)]
        return landlock.confine([p for p in sys.path if p], writable, list(folders)) or pinned.pin(
            args.alarms
        )
    except Exception as e:  # never a reason to run unconfined unseen: serve says so
        return f"the worker could not be confined ({type(e).__name__}: {e})"


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


def _exit_like(status):
    """Exit as the worker did: same exit status, or the same fatal signal."""
    if status is None:
        os._exit(0)
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if signum not in (signal.SIGKILL, signal.SIGSTOP):  # those cannot be handled
                signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            time.sleep(1)
        except (OSError, ValueError):
            pass
        os._exit(128 + signum)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)


def main(argv=None):
    worker_module, guard, landlock, pinned, capabilities, processes = load_siblings(
        "worker", "guard", "landlock", "pinned", "capabilities", "processes"
    )
    parser = worker_module.argument_parser()
    parser.add_argument("--uid", type=int, default=None)
    parser.add_argument("--gid", type=int, default=None)
    args = parser.parse_args(argv)
    supervise(
        args,
        worker_module,
        confinement=(guard, landlock, pinned, capabilities),
        processes=processes,
    )


if __name__ == "__main__":
    main()
