"""The worker's file system, cut down by the kernel: Landlock (Linux 5.13 and later).

A static reading of the submission cannot see a name built at run time, and the guard's
audit hook cannot see a file opened relative to a directory descriptor or through
ctypes' libc. The kernel sees every open. Before the submission is imported, the worker
(``supervisor.py``, already running as its own uid) restricts itself to an allowlist:

* read and run: its Python's import path (the standard library, site-packages), the
  system's shared libraries, a few files of ``/etc`` the dynamic loader and ``time``
  read, and ``/proc`` (command lines and states: never another process's environment,
  descriptors or memory);
* read and write: its own folder (the copy of the submission, ``HOME`` and ``TMPDIR``)
  and ``/dev/null``;
* nothing else: not the checkout or the assignment (the solution), not the seed file,
  not ``/tmp`` or ``/dev/shm`` (other submissions), no program to run, no TCP
  connection (ABI 4), no signal or abstract socket outside the worker (ABI 6).

A folder the worker may read that holds a forbidden one (site-packages holding
chaingrade's ``graders``, or MyGrad) is split: it may be listed, so imports still find
what is beside the forbidden package, and each entry but the forbidden one is allowed
whole. The restriction is inherited by every process the worker forks and cannot be
lifted. Where the kernel has no Landlock (or a container's seccomp profile refuses its
system calls), :func:`confine` says why and changes nothing; the runner then relies on
the worker's uid and file permissions alone (see ``docs/sandbox.md``).

This file imports only the standard library: ``supervisor.py`` loads it by path.
"""

import ctypes
import functools
import os
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every arch
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
#: Every file system right of each ABI version (index: the version).
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
#: Rights that apply to a file (the others only to a folder).
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)
_NET_TCP = 0b11  # ABI 4: bind and connect
_SCOPES = 0b11  # ABI 6: abstract unix sockets, signals

#: What the worker may do with the trees it reads: never run a program from them (loading a
#: shared library is reading it).
READ = READ_FILE | READ_DIR

#: Read-only trees every Python needs besides its import path: shared libraries (NumPy's
#: extensions load them), and the files the dynamic loader and ``time`` read.
SYSTEM_READS = (
    "/lib",
    "/lib32",
    "/lib64",
    "/usr/lib",
    "/usr/lib32",
    "/usr/lib64",
    "/usr/local/lib",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
    "/sys/devices/system/cpu",
    # Other processes' command lines and states, which are every user's to read anyway
    # (no secret is ever on a command line); their environments, descriptors and memory
    # stay closed: Landlock refuses a confined process (not root) ptrace access, which
    # reading those needs, even to a process of its own uid.
    "/proc",
)
#: Devices the worker may write to.
SYSTEM_WRITES = ("/dev/null",)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


@functools.cache
def abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (or it is refused)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def fs_rights(version: int) -> int:
    return _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= version)]


def _real(path: str) -> str:
    return os.path.realpath(path).rstrip("/") or "/"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def rules_for(root: str, access: int, forbidden: tuple[str, ...]) -> list[tuple[str, int]]:
    """``(path, access)`` rules that allow ``root`` but no folder of ``forbidden`` (real
    paths): ``root`` whole, or (holding a forbidden folder) listed only, with each of its
    entries allowed by the same rule in turn."""
    real = _real(root)
    if not os.path.exists(real) or any(_inside(real, f) for f in forbidden):
        return []
    if not any(_inside(f, real) for f in forbidden):
        return [(real, access if os.path.isdir(real) else access & _FILE_RIGHTS)]
    rules = [(real, READ_DIR)]
    try:
        entries = sorted(os.listdir(real))
    except OSError:
        return rules
    for name in entries:
        rules += rules_for(os.path.join(real, name), access, forbidden)
    return rules


def plan(
    import_path: list[str], writable: list[str], forbidden: list[str]
) -> list[tuple[str, int]]:
    """Every rule of the worker's allowlist (see the module docstring)."""
    never = tuple(_real(f) for f in forbidden)
    rules = []
    for root in [*import_path, *SYSTEM_READS]:
        rules += rules_for(root, READ, never)
    for root in [*writable, *SYSTEM_WRITES]:
        rules += rules_for(root, -1, never)
    return rules


def confine(import_path: list[str], writable: list[str], forbidden: list[str]) -> str | None:
    """Restrict this process (and what it forks) to :func:`plan`'s rules. None once done;
    otherwise why not (nothing changed)."""
    version = abi()
    if version < 1:
        return "the kernel offers no Landlock here"
    libc = _libc()
    rights = fs_rights(version)
    attr = _RulesetAttr(rights, _NET_TCP if version >= 4 else 0, _SCOPES if version >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if version >= 6 else 16 if version >= 4 else 8
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return "Landlock refused a ruleset: " + os.strerror(ctypes.get_errno())
    try:
        for path, access in plan(import_path, writable, forbidden):
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = _PathBeneath(access & rights, fd)
                if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0):
                    return f"Landlock refused a rule for {path}: " + os.strerror(ctypes.get_errno())
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
            return "no_new_privs refused: " + os.strerror(ctypes.get_errno())
        if libc.syscall(_RESTRICT_SELF, ruleset, 0):
            return "Landlock refused to restrict: " + os.strerror(ctypes.get_errno())
    finally:
        os.close(ruleset)
    return None
