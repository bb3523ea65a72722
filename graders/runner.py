"""The trusted side of the student worker: start it, talk to it, bound it, restart it.

Student code runs only in the worker subprocess (``graders/worker.py``). What keeps
the grading process safe and the grade honest:

* **A separate interpreter.** ``python -I`` ignores ``PYTHON*`` variables, the user
  site and the current folder; the environment is scrubbed (``PATH``, ``LANG``, and
  ``HOME``/``TMPDIR`` pointing at the worker's own temporary folder, which is also
  its working directory and holds nothing but a copy of the submission file: a
  ``conftest.py``, ``sitecustomize.py`` or ``numpy.py`` beside the submission is never
  copied). Whatever the submission patches, it patches there.
* **Plain data, checked again.** Requests and replies use dedicated pipes; the student's
  prints go to a capped file. A reply is parsed with a size cap and then validated
  field by field (:func:`_validated`): anything that is not the expected shape is a
  crash, anything that is not a plain finite-or-not float is "not a number". Nothing
  the worker says is a score; the oracles and the comparison live here.
* **Limits.** Each request has ``call_seconds``, the import ``startup_seconds``, the
  whole submission ``total_seconds`` (the runner refuses to start work past it). The
  worker runs with ``RLIMIT_AS`` (``memory_mb``), ``RLIMIT_FSIZE`` (``output_bytes``:
  a flood kills it with SIGXFSZ), ``RLIMIT_CPU`` and no core dumps.
* **Nothing left running.** The worker's parent is a small supervisor (the same file,
  ``--supervise``) that never runs student code and is a *child subreaper*
  (``prctl(PR_SET_CHILD_SUBREAPER)``): when a process of the submission exits, its
  children are re-parented to the supervisor, not to init, so *every* process the
  submission starts stays in the supervisor's tree, even one that calls ``setsid()``
  and double-forks. To stop a worker the runner sends the supervisor SIGTERM (or just
  dies, closing the supervisor's stdin); the supervisor SIGKILLs the worker's process
  group and then every descendant it finds in ``/proc`` until none is left, reaps
  them, and exits. The runner waits for that before it returns, so a results file
  written after grading cannot be overwritten by a straggler. As a last resort (the
  submission killed its own supervisor) the runner also kills every process still
  carrying this worker's environment marker (``CHAINGRADE_SANDBOX``).
* **Another user, optionally.** With ``CHAINGRADE_WORKER_USER=nobody`` (or
  ``Runner(user=...)``) a grader running as root runs the worker as that user, so the
  submission cannot write the grader's files, signal or trace the grading process.
  The interpreter and its packages must be readable by that user.

What this is not: a container. A submission can read any file its user can read,
open network connections, fill the disk through its temporary folder, and, when it
runs as the grading user, signal the grading process. ``docs/sandbox.md`` says what
is protected and how to grade inside a container.
"""

from __future__ import annotations

import json
import math
import os
import pwd
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from graders.presets import Preset

WORKER = Path(__file__).with_name("worker.py")
#: A reply larger than this is not plain data about a few compositions: treat it as an attack.
MAX_REPLY_BYTES = 8 * 1024 * 1024
#: Seconds the runner waits for the supervisor to clean up after it was told to stop.
STOP_SECONDS = 5.0
#: ``CHAINGRADE_WORKER_USER``: run workers as this user (when the grader runs as root).
USER_VARIABLE = "CHAINGRADE_WORKER_USER"
SUPERVISOR_GONE = "the process supervising your code was stopped (did your code kill it?)"


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
    #: Bytes the submission may print (stdout and stderr together) before its worker is stopped.
    output_bytes: int = 1_000_000
    #: Processes the worker's user may run (enforced only when workers run as another user).
    processes: int = 256

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"limits.{name} must be a positive number, got {value!r}")


class SubmissionError(Exception):
    """The submission cannot be graded at all (syntax error, import error, crash on import)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class Runner:
    """One submission's worker, kept alive across requests and restarted when it dies.

    >>> with Runner(Path("engine.py"), PRESETS["mygrad"]) as runner:  # doctest: +SKIP
    ...     runner.run([{"composition": c.to_json(), "points": [[0.5]]}])

    ``forbidden`` names top-level modules the submission may not import; the ones it
    tried to import are collected in ``violations``.
    """

    def __init__(
        self,
        submission: Path,
        preset: Preset,
        limits: Limits = Limits(),
        *,
        forbidden: tuple[str, ...] = (),
        user: str | None = None,
    ):
        self.submission = Path(submission)
        self.preset = preset
        self.limits = limits
        self.forbidden = tuple(forbidden)
        self.violations: set[str] = set()
        self.user = user if user is not None else os.environ.get(USER_VARIABLE) or None
        self.workdir = Path(tempfile.mkdtemp(prefix="chaingrade-"))
        self.module_name = self.submission.stem if self.submission.stem.isidentifier() else "engine"
        self.copy = self.workdir / "submission" / f"{self.module_name}.py"
        self.copy.parent.mkdir()
        shutil.copyfile(self.submission, self.copy)
        self.output = self.workdir / "output.txt"
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self.expires: float | None = None
        self._marker = f"{os.getpid()}-{id(self)}-{os.urandom(8).hex()}"
        if self.user:
            self._hand_over(self.user)

    # --- lifecycle -----------------------------------------------------------

    def __enter__(self) -> Runner:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker and wait for it to import the submission."""
        now = time.monotonic()
        if self.expires is None:
            self.expires = now + self.limits.total_seconds
        if now >= self.expires:
            raise SubmissionError("timeout", self._total_limit_text())
        requests_r, self._requests = os.pipe()
        self._replies, replies_w = os.pipe()
        self._buffer = bytearray()
        self._failure = ""
        opened = False
        try:
            with open(self.output, "wb") as out:  # a fresh output budget for each worker
                self.process = subprocess.Popen(
                    [sys.executable, "-I", str(WORKER), "--supervise",
                     "--submission", str(self.copy), "--module", self.module_name,
                     "--api", json.dumps(self.preset.to_json()),
                     "--requests", str(requests_r), "--replies", str(replies_w),
                     "--limits", json.dumps(self._worker_limits()),
                     "--forbid", json.dumps(self.forbidden),
                     *(["--user", self.user] if self.user else [])],
                    stdin=subprocess.PIPE, stdout=out, stderr=out,
                    cwd=self.workdir, env=self._environment(), pass_fds=(requests_r, replies_w),
                    start_new_session=True,
                )
            opened = True
        finally:
            os.close(requests_r)
            os.close(replies_w)
            if not opened:
                os.close(self._requests)
                os.close(self._replies)
        os.set_blocking(self._requests, False)
        wait = min(self.limits.startup_seconds, self.expires - now)
        hello = self._receive(wait)
        if hello is None:
            reason = self._death_reason("while importing the submission", wait)
            self.close()
            raise SubmissionError("timeout" if self._failure == "timeout" else "import", reason)
        self._note_violations(hello)
        if hello.get("ready") is not True:
            self.close()
            error = hello.get("error")
            error = error if isinstance(error, dict) else {}
            raise SubmissionError(_text(error.get("kind", "import"), 20),
                                  _text(error.get("message", ""), 500))
        if self.process.poll() is not None:
            self.close()
            raise SubmissionError("import", SUPERVISOR_GONE + " while importing the submission")

    def close(self) -> None:
        """Stop the worker and every process it started; return once they are gone."""
        process, self.process = self.process, None
        if process is None:
            return
        for fd in (self._requests, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGTERM)  # the supervisor kills its whole tree
            except OSError:
                pass
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            _kill_group(process)
        _kill_marked(self._marker)

    def cleanup(self) -> None:
        self.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __del__(self) -> None:
        try:
            self.cleanup()
        except Exception:
            pass

    # --- requests --------------------------------------------------------------

    def run(self, jobs: list[dict]) -> list[list[dict]]:
        """Outcomes for each job's points; a crash or hang becomes an error outcome for each."""
        if self.expires is not None and time.monotonic() >= self.expires:
            self.close()
            return _errors(jobs, "timeout", self._total_limit_text())
        if self.process is None:
            self.restarts += 1
            try:
                self.start()
            except SubmissionError as e:
                return _errors(jobs, e.kind, f"restarting your code after a crash: {e.message}")
        message = (json.dumps({"jobs": jobs}) + "\n").encode()
        wait = min(self.limits.call_seconds, self.expires - time.monotonic())
        deadline = time.monotonic() + wait
        self._failure = ""
        try:
            self._send(message, deadline)
            reply = self._receive(deadline - time.monotonic())
        except OSError:
            reply = None
        if reply is not None:
            self._note_violations(reply)
        results = None if reply is None else _validated(reply, jobs)
        if results is None or self.process.poll() is not None:
            if reply is None:
                reason = self._death_reason("while running a case", wait)
            elif results is None:
                reason = "the worker sent a reply that is not plain data about the case"
            else:
                reason = SUPERVISOR_GONE + " while running a case"
            self.close()
            return _errors(jobs, "timeout" if self._failure == "timeout" else "crash", reason)
        return results

    def student_output(self, limit: int = 2000) -> str:
        """The last of what the submission printed, for the report (control characters
        removed, so it cannot redraw the terminal)."""
        try:
            with open(self.output, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - limit))
                data = f.read(limit)
        except OSError:
            return ""
        return _printable(data.decode("utf-8", "replace"), keep_lines=True)

    # --- internals -----------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir),
            "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "CHAINGRADE_SANDBOX": self._marker,
        }
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed on some CPUs for numpy
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def _worker_limits(self) -> dict:
        return {
            "memory_mb": self.limits.memory_mb,
            "output_bytes": self.limits.output_bytes,
            "cpu_seconds": math.ceil(self.limits.total_seconds) + 5,
            "processes": self.limits.processes,
        }

    def _hand_over(self, user: str) -> None:
        """Let ``user`` use the worker's folder (and nothing else of ours)."""
        if os.geteuid() != 0:
            raise ValueError(f"{USER_VARIABLE}={user}: only a grader running as root can run "
                             f"workers as another user; unset it")
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise ValueError(f"{USER_VARIABLE}: no user {user!r} on this machine") from None
        for path in (self.workdir, self.copy.parent, self.copy):
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _total_limit_text(self) -> str:
        return f"grading exceeded the total time limit of {self.limits.total_seconds:g} s"

    def _note_violations(self, message: dict) -> None:
        names = message.get("forbidden")
        if isinstance(names, list):
            self.violations |= {n for n in names if isinstance(n, str) and n in self.forbidden}

    def _send(self, data: bytes, deadline: float) -> None:
        """Write a request without ever blocking past the deadline (a worker may stop reading)."""
        view = memoryview(data)
        with selectors.DefaultSelector() as selector:
            selector.register(self._requests, selectors.EVENT_WRITE)
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._failure = "timeout"
                    raise OSError("request not accepted in time")
                if selector.select(remaining):
                    view = view[os.write(self._requests, view) :]

    def _receive(self, timeout: float) -> dict | None:
        """The next reply line, or None on time-out, death, or a reply that is not JSON."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self._replies, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._failure = "timeout"
                    return None
                if not selector.select(remaining):
                    continue
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    self._failure = "eof"
                    return None
                if len(self._buffer) + len(chunk) > MAX_REPLY_BYTES:
                    self._failure = "oversized"
                    return None
                self._buffer += chunk
        end = self._buffer.index(b"\n")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):  # deeply nested JSON raises RecursionError
            self._failure = "garbage"
            return None
        return reply if isinstance(reply, dict) else None

    def _death_reason(self, when: str, waited: float) -> str:
        if self._failure == "timeout":
            if self.expires is not None and time.monotonic() >= self.expires - 0.01:
                return f"{self._total_limit_text()} {when}"
            return f"exceeded the time limit of {waited:.3g} s {when}"
        if self._failure == "oversized":
            return f"the worker sent more than {MAX_REPLY_BYTES} bytes {when}"
        if self._failure == "garbage":
            return f"the worker sent something that is not a reply {when}"
        assert self.process is not None
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"stopped answering {when}"
        if self._printed() >= self.limits.output_bytes or code == -getattr(signal, "SIGXFSZ", 0):
            return (f"printed more than the output limit ({self.limits.output_bytes} bytes) "
                    f"{when}: remove debugging prints")
        if code == -getattr(signal, "SIGXCPU", 0):
            return f"used more than its CPU time {when}"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"crashed with {name} {when}"
        return f"exited with status {code} {when} (sys.exit or os._exit in your code?)"

    def _printed(self) -> int:
        try:
            return self.output.stat().st_size
        except OSError:
            return 0


# --- replies ----------------------------------------------------------------------


def _errors(jobs: list[dict], kind: str, message: str) -> list[list[dict]]:
    error = {"error": {"kind": kind, "op": None, "message": message}}
    return [[dict(error) for _ in job["points"]] for job in jobs]


def _validated(reply: dict, jobs: list[dict]) -> list[list[dict]] | None:
    """The reply's outcomes rebuilt from checked parts, or None if its shape is wrong."""
    results = reply.get("results")
    if not isinstance(results, list) or len(results) != len(jobs):
        return None
    clean = []
    for outcomes, job in zip(results, jobs):
        if not isinstance(outcomes, list) or len(outcomes) != len(job["points"]):
            return None
        size = None
        if "composition" in job:
            composition = job["composition"]
            size = len(composition["inputs"]) + len(composition["nodes"])
        job_clean = []
        for outcome in outcomes:
            checked = _outcome(outcome, size)
            if checked is None:
                return None
            job_clean.append(checked)
        clean.append(job_clean)
    return clean


def _outcome(outcome, size: int | None) -> dict | None:
    if not isinstance(outcome, dict):
        return None
    error = outcome.get("error")
    if error is not None:
        if not isinstance(error, dict):
            return None
        op = error.get("op")
        return {"error": {
            "kind": _text(error.get("kind", "error"), 20),
            "op": op if isinstance(op, str) and op.isidentifier() else None,
            "message": _text(error.get("message", ""), 500),
        }}
    if size is None:
        return {"value": _number(outcome.get("value"))} if "value" in outcome else None
    values, grads = outcome.get("values"), outcome.get("grads")
    if not (isinstance(values, list) and isinstance(grads, list)
            and len(values) == len(grads) == size):
        return None
    return {"values": [_number(v) for v in values], "grads": [_number(g) for g in grads]}


def _number(raw):
    """A plain float, None, or ``{"not_a_number": text}``: nothing else reaches diagnosis."""
    if raw is None:
        return None
    if isinstance(raw, float):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        try:
            return float(raw)
        except OverflowError:
            return {"not_a_number": "integer too large for a float"}
    if isinstance(raw, dict) and isinstance(raw.get("not_a_number"), str):
        return {"not_a_number": _text(raw["not_a_number"], 80)}
    return {"not_a_number": type(raw).__name__}


def _text(value, limit: int) -> str:
    return _printable(str(value)[:limit])


def _printable(text: str, keep_lines: bool = False) -> str:
    """``text`` without control characters (escape sequences, carriage returns, ...)."""
    keep = "\n\t" if keep_lines else ""
    return "".join(
        c if c in keep or unicodedata.category(c)[0] != "C" else "?" for c in text
    )


# --- processes ----------------------------------------------------------------------


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except OSError:
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _kill_marked(marker: str) -> None:
    """SIGKILL every process whose environment carries ``marker`` (a fallback: the
    supervisor normally leaves none)."""
    needle = f"CHAINGRADE_SANDBOX={marker}".encode() + b"\0"
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return
    for _ in range(3):
        found = False
        for entry in entries:
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    environ = f.read()
            except OSError:
                continue
            if needle in environ:
                found = True
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.01)
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
