"""A worker running as root gives up every capability before the submission runs.

A worker runs as root only when asked to (``CHAINGRADE_WORKER_USER=``, empty, as root;
the pytest plugin and the Python API as root). Root's uid alone is not what makes it
dangerous: its *capabilities* are. With ``CAP_SYS_PTRACE`` a root worker may read the
grading process's ``/proc/PID/environ`` (the private seed) even though that process is
not dumpable and the worker is under Landlock; with ``CAP_DAC_OVERRIDE`` it reads any
file. So, before the submission is imported (``supervisor.py``, beside Landlock and the
seccomp filter), a worker whose uid is 0:

1. sets the securebits that keep root from regaining capabilities, locked (no
   capabilities on ``execve`` for uid 0, none kept or given back on a uid change, none
   raised as ambient): ``PR_SET_SECUREBITS``, which needs ``CAP_SETPCAP``, so first;
2. drops every capability from its bounding set (``PR_CAPBSET_DROP``, 0 to
   ``/proc/sys/kernel/cap_last_cap``), also needing ``CAP_SETPCAP``;
3. clears its ambient set (``PR_CAP_AMBIENT_CLEAR_ALL``);
4. clears its effective, permitted and inheritable sets (``capset``).

It stays uid 0 (files root owns are still its own), but the kernel treats it as any
unprivileged process: no ptrace access to another process it does not own as a dumpable
process of its own uid, no reading past file permissions, no changing users. Where a step
is refused (an old kernel, a container without ``CAP_SETPCAP``), :func:`drop` says which
sets are left non-zero and the worker still runs: a correct submission never fails for
it.

This file imports only the standard library: ``supervisor.py`` loads it by path.
"""

import ctypes
import os

_PR_CAPBSET_DROP = 24
_PR_SET_SECUREBITS = 28
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
#: linux/securebits.h: each bit and its lock.
SECBIT_NOROOT, SECBIT_NOROOT_LOCKED = 1 << 0, 1 << 1
SECBIT_NO_SETUID_FIXUP, SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 2, 1 << 3
SECBIT_KEEP_CAPS_LOCKED = 1 << 5  # keep-caps stays off
SECBIT_NO_CAP_AMBIENT_RAISE, SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED = 1 << 6, 1 << 7
SECUREBITS = (
    SECBIT_NOROOT
    | SECBIT_NOROOT_LOCKED
    | SECBIT_NO_SETUID_FIXUP
    | SECBIT_NO_SETUID_FIXUP_LOCKED
    | SECBIT_KEEP_CAPS_LOCKED
    | SECBIT_NO_CAP_AMBIENT_RAISE
    | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED
)
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
#: The capability sets of ``/proc/self/status``.
SETS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def held(status: str = "/proc/self/status") -> dict[str, int]:
    """Each capability set of ``status`` (a process's), as a number; empty if unreadable."""
    sets = {}
    try:
        with open(status, encoding="ascii") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in SETS:
                    sets[name] = int(value.strip(), 16)
    except (OSError, ValueError):
        return {}
    return sets


def _last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 63  # a capability the kernel does not have fails with EINVAL: skipped


def drop() -> str | None:
    """As uid 0, give up every capability for good (see the module docstring). None when
    done, or when this process is not root; otherwise what is left, and why."""
    if 0 not in os.getresuid():
        return None
    refused = []
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as e:
        return f"the worker runs as root with its capabilities (no libc: {e})"

    def why(step):
        refused.append(f"{step} ({os.strerror(ctypes.get_errno())})")

    if libc.prctl(_PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0):
        why("securebits refused")
    for cap in range(_last_cap() + 1):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) and ctypes.get_errno() != 22:  # EINVAL
            why(f"bounding set kept capability {cap}")
            break
    if libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0):
        why("ambient set not cleared")
    header, data = _Header(_LINUX_CAPABILITY_VERSION_3, 0), (_Data * 2)()
    if libc.capset(ctypes.byref(header), data):
        why("capset refused")
    left = {name: value for name, value in held().items() if value}
    if not left and not refused:
        return None
    sets = ", ".join(f"{name} {value:016x}" for name, value in left.items()) or "none"
    return f"the worker runs as root with capabilities left ({sets}): {'; '.join(refused)}"
