"""Which unprivileged uid a student's worker runs as: one uid per running worker.

A grader running as root (Gradescope, a batch on a shared machine) must not run student
code as root, and two submissions graded at once must not share a uid: a process can
signal, trace and read the files of any other process of its own uid. So workers run as
members of a *pool*, set with ``CHAINGRADE_WORKER_USER``:

=======================  ==========================================================
value                    pool
=======================  ==========================================================
unset or empty           no pool: the worker runs as the grading user
``nobody``               that one user (gradings wait for each other to use it)
``cg1,cg2,cg3``          those users
``61000-61015``          those numeric uids; they need no account (the gid is the uid)
=======================  ==========================================================

Each worker holds a :class:`Lease` on one member while it runs: an exclusive ``flock``
on a file in a folder only root can write, so concurrent gradings (batch jobs, Dask
tasks, pytest-xdist workers) on one machine never share a uid. Taking a lease first
kills every process still running as that uid and removes what it left in the shared
temporary folders, so one submission never meets what an earlier one left behind.

Only root can run workers as another user; a pool given to a non-root grader is a usage
error, never silently ignored. As root, ``grade`` and ``batch`` use
:data:`DEFAULT_BATCH_POOL` when no pool is named (:func:`pool_as_root`).
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import signal
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

USER_VARIABLE = "CHAINGRADE_WORKER_USER"
#: The pool ``chaingrade batch`` uses when it runs as root and no pool is set.
DEFAULT_BATCH_POOL = "61000-61015"
#: Where leases are kept (root only); a private folder under the system's temporary
#: folder is used where ``/run`` cannot be written.
LEASE_FOLDERS = (Path("/run/chaingrade/leases"), Path("/tmp/chaingrade-leases-0"))
#: Shared folders cleared of a uid's files when a lease on it is taken or given back.
SHARED_TEMPORARY = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))


class SandboxError(RuntimeError):
    """The sandbox cannot run the submission as configured (not the submission's fault);
    the message says what to change."""


@dataclass(frozen=True)
class WorkerUser:
    uid: int
    gid: int
    name: str

    def __str__(self) -> str:
        return self.name


def parse_pool(text: str) -> list[WorkerUser]:
    """The users of a ``CHAINGRADE_WORKER_USER`` value (see the module docstring).

    >>> [u.uid for u in parse_pool("61000-61002")]
    [61000, 61001, 61002]
    """
    members: list[WorkerUser] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        low, dash, high = item.partition("-")
        if low.isdigit() and (not dash or high.isdigit()):
            first, last = int(low), int(high or low)
            if not 0 < first <= last < 2**31 or last - first > 4096:
                raise SandboxError(
                    f"{USER_VARIABLE}={text!r}: {item} is not a range of "
                    "unprivileged uids (1 to 2**31, at most 4096 of them)"
                )
            members += [_numeric(uid) for uid in range(first, last + 1)]
            continue
        try:
            entry = pwd.getpwnam(item)
        except KeyError:
            raise SandboxError(
                f"{USER_VARIABLE}={text!r}: there is no user {item!r} on this "
                "machine (create it, or give numeric uids such as "
                f"{DEFAULT_BATCH_POOL})"
            ) from None
        members.append(WorkerUser(entry.pw_uid, entry.pw_gid, item))
    if any(m.uid == 0 or m.gid == 0 for m in members):
        raise SandboxError(f"{USER_VARIABLE}={text!r}: workers must not run as root")
    return members


def _numeric(uid: int) -> WorkerUser:
    try:
        entry = pwd.getpwuid(uid)
    except KeyError:
        return WorkerUser(uid, uid, f"uid {uid}")
    return WorkerUser(uid, entry.pw_gid, entry.pw_name)


def configured_pool(value: str | None = None) -> list[WorkerUser]:
    """The pool named by ``value`` (default: ``$CHAINGRADE_WORKER_USER``); empty for none.

    Raises SandboxError when a pool is named but this process cannot switch users.
    """
    text = os.environ.get(USER_VARIABLE, "") if value is None else value
    pool = parse_pool(text)
    if pool and os.geteuid() != 0:
        raise SandboxError(
            f"{USER_VARIABLE}={text}: only a grader running as root can run "
            f"workers as another user; unset {USER_VARIABLE}"
        )
    return pool


def pool_as_root() -> list[WorkerUser]:
    """The pool of a grading that counts (``grade``, ``batch``), run as root: the one
    ``CHAINGRADE_WORKER_USER`` names, or :data:`DEFAULT_BATCH_POOL` when it is unset (set
    in this process's environment, so the gradings it starts inherit it). Never student
    code as root unless asked for (``CHAINGRADE_WORKER_USER=``, empty). Not as root: the
    configured pool (none by default).

    Raises SandboxError when the pool's users cannot read this Python (a pyenv or a venv
    under /root), saying what to fix.
    """
    if os.geteuid() != 0:
        return configured_pool()
    if USER_VARIABLE not in os.environ:
        os.environ[USER_VARIABLE] = DEFAULT_BATCH_POOL
    pool = configured_pool()
    if pool:
        blocked = next((p for p in _interpreter_paths() if not reachable(p, pool[0])), None)
        if blocked is not None:
            raise SandboxError(
                f"workers run as {pool[0]} ({USER_VARIABLE}), who cannot read "
                f"{blocked}: install chaingrade into a Python other users can read, "
                f"`{readable_install_command()}`, and run /opt/chaingrade/bin/chaingrade "
                f"(or set {USER_VARIABLE}= to grade as root with no isolation)"
            )
    return pool


def root_worker_note(kept: str | None, landlock: bool) -> str:
    """The report's one note on a worker that ran as root because no pool was named (the
    pytest plugin, the Python API and ``check`` as root), or that kept capabilities (also
    when ``CHAINGRADE_WORKER_USER=`` asked for root on purpose): ``kept``, what it could
    not give up as ``capabilities.drop`` says (None: nothing), whether ``landlock``
    confined it, and how to run it as another user."""
    ran = f"the worker ran the submission as root (uid 0: {USER_VARIABLE} names no worker user)"
    if kept:
        held = f"and could not give up every capability ({kept})"
    else:
        held = "without any capability"
    if landlock:
        reach = "Landlock kept it from the grader's files (the solution, a seed file)"
    else:
        reach = "without Landlock it could read every file root owns (the solution, a seed file)"
    fix = (
        f"set {USER_VARIABLE} to a pool of users ({DEFAULT_BATCH_POOL}, as `chaingrade grade` "
        "and `batch` use as root) to run it as another user"
    )
    return f"{ran} {held}; {reach}: {fix}"


def readable_install_command() -> str:
    """One command that gives the worker pool a Python it can read: a virtual environment
    of the system's Python under /opt, with this chaingrade installed into it (copied, not
    linked, so a checkout under /root does not matter)."""
    checkout = Path(__file__).resolve().parents[2]
    from_checkout = (checkout / "pyproject.toml").is_file()
    source = f"{checkout}[batch]" if from_checkout else "chaingrade[batch]"
    return f"/usr/bin/python3 -m venv /opt/chaingrade && /opt/chaingrade/bin/pip install '{source}'"


def _interpreter_paths() -> list[Path]:
    paths = sysconfig.get_paths()
    found = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return [Path(p) for p in sorted(found) if Path(p).exists()]


class Lease:
    """Exclusive use of one pool member while a worker runs; ``release()`` gives it back."""

    def __init__(self, user: WorkerUser, handle: int):
        self.user = user
        self._handle = handle

    @classmethod
    def take(cls, pool: list[WorkerUser], timeout: float) -> Lease:
        """The first free member, waiting up to ``timeout`` seconds for one."""
        folder = _lease_folder()
        deadline = time.monotonic() + timeout
        while True:
            for user in pool:
                handle = os.open(folder / f"{user.uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(handle)
                    continue
                clear(user.uid)
                return cls(user, handle)
            if time.monotonic() >= deadline:
                names = ", ".join(str(u) for u in pool)
                raise SandboxError(
                    f"every worker user ({names}) stayed busy for {timeout:g} s: "
                    f"give {USER_VARIABLE} more users or run fewer jobs"
                )
            time.sleep(0.05)

    def disown(self) -> None:
        """In a forked process: close this copy of the lock's descriptor, nothing more. The
        lock belongs to the open file, which the parent's descriptor keeps, so the parent
        still holds the member, and a later lease taken here does not wait for its own."""
        if self._handle >= 0:
            os.close(self._handle)
            self._handle = -1

    def release(self) -> None:
        if self._handle < 0:
            return
        clear(self.user.uid)
        os.close(self._handle)  # closing the file drops the flock
        self._handle = -1


def _lease_folder() -> Path:
    """A folder only root can write, for the lease files."""
    for folder in LEASE_FOLDERS:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            info = folder.lstat()
        except OSError:
            continue
        if (
            info.st_uid == 0
            and not info.st_mode & 0o022
            and folder.is_dir()
            and not folder.is_symlink()
        ):
            return folder
    raise SandboxError(
        "no private folder for worker leases: "
        f"{' or '.join(map(str, LEASE_FOLDERS))} must be root's, mode 0700"
    )


def clear(uid: int) -> None:
    """Kill every process running as ``uid`` and remove its files from the shared
    temporary folders (never called for root)."""
    if uid == 0:
        return
    for _ in range(50):
        victims = processes_of(uid)
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
    for folder in SHARED_TEMPORARY:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def processes_of(uid: int) -> list[int]:
    """Pids of the processes whose real or effective uid is ``uid``."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"Uid:"):
                        real, effective = (int(v) for v in line.split()[1:3])
                        if uid in (real, effective):
                            found.append(int(entry.name))
                        break
        except (OSError, ValueError):
            continue
    return found


def reachable(path: Path, user: WorkerUser) -> bool:
    """Can ``user`` traverse every folder on the way to ``path``? (mode bits only)"""
    path = Path(path).resolve()
    for folder in [*reversed(path.parents), path]:
        try:
            info = folder.stat()
        except OSError:
            return False
        if info.st_uid == user.uid:
            allowed = info.st_mode & 0o100
        elif info.st_gid == user.gid:
            allowed = info.st_mode & 0o010
        else:
            allowed = info.st_mode & 0o001
        if not allowed:
            return False
    return True
