"""What a worker may use, and what it is told when it used too much.

:class:`Limits` are one submission's resource limits (an assignment's ``[limits]``): the
runner enforces the times, the supervisor the rest (``RLIMIT_AS``, ``RLIMIT_FSIZE``,
``RLIMIT_CPU``, ``RLIMIT_NPROC``), and ``graders.submission`` what may be copied.
:func:`death_text` says, in words a student can act on, why a worker stopped: most often
one of these limits (a print loop, an endless computation, too much memory).
"""

from __future__ import annotations

import signal
from dataclasses import asdict, dataclass

from graders.submission import MAX_BYTES, MAX_FILES


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission; an assignment sets them in ``[limits]``."""

    #: Seconds a single request (one case: a composition, its probes and points) may take.
    call_seconds: float = 10.0
    #: Seconds the whole grading of a submission may take.
    total_seconds: float = 900.0
    #: Seconds the worker may take to import the submission.
    startup_seconds: float = 30.0
    #: Address space of the worker, in MiB.
    memory_mb: int = 2048
    #: Bytes the submission may print (stdout and stderr together) in one request before its
    #: worker is stopped.
    output_bytes: int = 1_000_000
    #: Processes the worker's user may run (enforced only when workers run as another user).
    processes: int = 256
    #: Python files a submission may have copied (a folder's entry and what it imports).
    files: int = MAX_FILES
    #: Bytes of Python source a submission may have copied (a notebook: its code cells).
    source_bytes: int = MAX_BYTES

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"limits.{name} must be a positive number, got {value!r}")


def death_text(code: int, *, printed: int, output_limit: int, when: str) -> str:
    """Why a worker that exited with ``code`` (negative: killed by that signal) stopped."""
    if code == -getattr(signal, "SIGXFSZ", 0) or printed >= output_limit:
        return (
            f"your code printed more than {output_limit} bytes in one call {when}: "
            "remove debugging prints"
        )
    if code == -getattr(signal, "SIGXCPU", 0):
        return f"used more than its CPU time {when}"
    if code == -signal.SIGKILL:
        return f"killed by signal 9 (memory limit or killed) {when}"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"crashed with {name} {when}"
    return f"exited with status {code} {when} (sys.exit or os._exit in your code?)"
