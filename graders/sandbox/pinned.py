"""The worker's alarm descriptor, pinned by a seccomp filter: it cannot be closed or
replaced while the submission runs.

What the guard sees goes to the runner through the *alarm* pipe at once. A submission
that points that descriptor at ``/dev/null`` with ``dup2`` for a moment, does what the
guard reports, and puts the pipe back, would leave nothing behind for the checks at a
part's end to see. No audit event is raised for ``dup2`` or ``close``, but the kernel sees
every system call: before the submission is imported, the worker (``supervisor.py``)
installs a filter that fails ``close``, ``close_range``, ``dup2`` and ``dup3`` aimed at the
alarm descriptor with ``EPERM``, so the pipe stays where the runner gave it, in the worker
and in every process it forks. The filter is a few BPF instructions written here (no
libseccomp needed); it needs ``no_new_privs``, which it sets.

This file imports only the standard library: ``supervisor.py`` loads it by path.
"""

import ctypes
import errno
import platform
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
# BPF instruction classes and modes (linux/bpf_common.h)
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGT_K = 0x25
_JGE_K = 0x35
_RET_K = 0x06
# Where seccomp_data keeps the call's number, its architecture and its arguments.
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24
#: x32's system calls have this bit set (same architecture as x86_64, other numbers).
_X32 = 0x40000000
#: The calls that can close or replace a descriptor.
_CHECKED = ("close", "close_range", "dup2", "dup3")

#: Per machine: the audit architecture and the numbers of close, close_range, dup2, dup3.
_SYSCALLS = {
    "x86_64": (0xC000003E, {"close": 3, "close_range": 436, "dup2": 33, "dup3": 292}),
    "aarch64": (0xC00000B7, {"close": 57, "close_range": 436, "dup3": 24}),
}


def assemble(lines: list) -> bytes:
    """BPF from ``(code, k, then, otherwise)`` lines, where a jump's targets are labels
    (strings placed in ``lines`` themselves) or None for the next instruction."""
    where, count = {}, 0
    for line in lines:
        if isinstance(line, str):
            where[line] = count
        else:
            count += 1
    code, index = [], 0
    for line in lines:
        if isinstance(line, str):
            continue
        op, k, then, otherwise = (*line, None, None)[:4]
        index += 1  # jumps count from the next instruction
        jt = where[then] - index if then else 0
        jf = where[otherwise] - index if otherwise else 0
        code.append(struct.pack("=HBBI", op, jt, jf, k))
    return b"".join(code)


def program(fd: int, arch: int, numbers: dict) -> bytes:
    """The filter: any call that would close or replace descriptor ``fd`` fails, and so
    does any call of another architecture or ABI (i386's ``int 0x80``, x32), whose numbers
    this filter does not know."""
    lines = [
        (_LD_W_ABS, _ARCH),
        (_JEQ_K, arch, None, "deny"),
        (_LD_W_ABS, _NR),
        (_JGE_K, _X32, "deny", None),
    ]
    lines += [(_JEQ_K, numbers[name], name) for name in _CHECKED if name in numbers]
    lines += [(_RET_K, _RET_ALLOW)]
    for name, argument in (("close", _ARG0), ("dup2", _ARG1), ("dup3", _ARG1)):
        lines += [name, (_LD_W_ABS, argument), (_JEQ_K, fd, "deny", "allow")]
    lines += [  # close_range(first, last): first <= fd <= last
        "close_range",
        (_LD_W_ABS, _ARG0),
        (_JGT_K, fd, "allow", None),
        (_LD_W_ABS, _ARG1),
        (_JGE_K, fd, "deny", "allow"),
        "allow",
        (_RET_K, _RET_ALLOW),
        "deny",
        (_RET_K, _RET_ERRNO | errno.EPERM),
    ]
    return assemble(lines)


def pin(fd: int) -> str | None:
    """Install the filter for ``fd`` in this process (and what it forks). None once done;
    otherwise why not (nothing changed)."""
    machine = _SYSCALLS.get(platform.machine())
    if machine is None:  # the checks at each part's end still see a redirected pipe
        return None
    code = program(fd, *machine)
    buffer = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
        return "no_new_privs refused: " + _error()
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0):
        return "seccomp refused the filter: " + _error()
    return None


def _error() -> str:
    import os

    return os.strerror(ctypes.get_errno())
