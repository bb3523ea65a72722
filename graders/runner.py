"""The trusted side of the student worker: start it, talk to it, bound it, restart it.

Student code runs only in the worker subprocess (``graders/worker.py``), started as an
isolated interpreter (``python -I``) in its own session and process group, in a
temporary directory holding nothing but a copy of the submission file, with a scrubbed
environment and resource limits (address space, file size, no core dumps). Requests
and replies use dedicated pipes; the student's output goes to a capped file. A worker
that crashes, hangs or floods is killed with its whole process group, the affected
jobs come back as ``error`` outcomes, and the next request starts a fresh worker.

What this is not: a container. It does not stop a submission from reading files the
grading user can read or from opening network connections. See the README's
"Sandbox" section for running graders inside a container.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from graders.presets import Preset

WORKER = Path(__file__).with_name("worker.py")
#: A reply larger than this is not plain data about a few compositions: treat it as an attack.
MAX_REPLY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission; an assignment may set each of them."""

    #: Seconds a single request (one case: a composition, its probes and points) may take.
    call_seconds: float = 10.0
    #: Seconds the whole grading of a submission may take.
    total_seconds: float = 900.0
    #: Seconds the worker may take to import the submission.
    startup_seconds: float = 30.0
    #: Address space of the worker, in MiB.
    memory_mb: int = 2048
    #: Bytes the submission may print before its worker is stopped.
    output_bytes: int = 1_000_000


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
    """

    def __init__(self, submission: Path, preset: Preset, limits: Limits = Limits()):
        self.submission = Path(submission)
        self.preset = preset
        self.limits = limits
        self.workdir = Path(tempfile.mkdtemp(prefix="chaingrade-"))
        self.module_name = self.submission.stem if self.submission.stem.isidentifier() else "engine"
        self.copy = self.workdir / "submission" / f"{self.module_name}.py"
        self.copy.parent.mkdir()
        shutil.copyfile(self.submission, self.copy)
        self.output = self.workdir / "output.txt"
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    # --- lifecycle -----------------------------------------------------------

    def __enter__(self) -> Runner:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker and wait for it to import the submission."""
        requests_r, self._requests = os.pipe()
        self._replies, replies_w = os.pipe()
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-I", str(WORKER),
                    "--submission", str(self.copy), "--module", self.module_name,
                    "--api", json.dumps(self.preset.to_json()),
                    "--requests", str(requests_r), "--replies", str(replies_w),
                ],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                cwd=self.workdir, env=self._environment(), pass_fds=(requests_r, replies_w),
                start_new_session=True, preexec_fn=self._limit_resources,
            )
        os.close(requests_r)
        os.close(replies_w)
        os.set_blocking(self._requests, False)
        self._buffer = b""
        self._timed_out = False
        hello = self._receive(self.limits.startup_seconds)
        if hello is None:
            reason = self._death_reason("while importing the submission")
            self.close()
            raise SubmissionError("import", reason)
        if not hello.get("ready"):
            self.close()
            error = hello.get("error", {})
            raise SubmissionError(str(error.get("kind", "import")), str(error.get("message", "")))

    def close(self) -> None:
        """Kill the worker and everything it started in its process group."""
        if self.process is not None:
            _kill_group(self.process)
            self.process = None
            for fd in (self._requests, self._replies):
                try:
                    os.close(fd)
                except OSError:
                    pass

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
        if self.process is None:
            self.restarts += 1
            self.start()
        message = (json.dumps({"jobs": jobs}) + "\n").encode()
        deadline = time.monotonic() + self.limits.call_seconds
        self._timed_out = False
        try:
            self._send(message, deadline)
            reply = self._receive(deadline - time.monotonic())
        except OSError:
            reply = None
        if reply is None or not _well_formed(reply, jobs):
            reason = self._death_reason("while running a case") if reply is None else (
                "the worker sent a malformed reply"
            )
            self.close()
            kind = "timeout" if "time limit" in reason else "crash"
            error = {"error": {"kind": kind, "op": None, "message": reason}}
            return [[error] * len(job["points"]) for job in jobs]
        return reply["results"]

    def student_output(self, limit: int = 2000) -> str:
        """The last of what the submission printed, for the report."""
        try:
            data = self.output.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")

    # --- internals -----------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir),
            "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed on some CPUs for numpy
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def _limit_resources(self) -> None:
        memory = self.limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.output_bytes,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        cpu = int(self.limits.total_seconds) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

    def _send(self, data: bytes, deadline: float) -> None:
        """Write a request without ever blocking past the deadline (a worker may stop reading)."""
        view = memoryview(data)
        with selectors.DefaultSelector() as selector:
            selector.register(self._requests, selectors.EVENT_WRITE)
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._timed_out = True
                    raise OSError("request not accepted in time")
                if selector.select(remaining):
                    view = view[os.write(self._requests, view) :]

    def _receive(self, timeout: float) -> dict | None:
        """The next reply line, or None on time-out, death, or an oversized reply."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self._replies, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._timed_out = True
                    return None
                if not selector.select(remaining):
                    continue
                chunk = os.read(self._replies, 1 << 20)
                if not chunk or len(self._buffer) + len(chunk) > MAX_REPLY_BYTES:
                    return None
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except ValueError:
            return None
        return reply if isinstance(reply, dict) else None

    def _death_reason(self, when: str) -> str:
        if self._timed_out:
            return f"exceeded the time limit {when}"
        assert self.process is not None
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"stopped answering {when}"
        printed = self.output.stat().st_size if self.output.exists() else 0
        if printed >= self.limits.output_bytes:
            return f"printed more than the output limit ({self.limits.output_bytes} bytes) {when}"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"crashed with {name} {when}"
        return f"exited with status {code} {when}"


def _well_formed(reply: dict, jobs: list[dict]) -> bool:
    results = reply.get("results")
    return (
        isinstance(results, list)
        and len(results) == len(jobs)
        and all(
            isinstance(r, list)
            and len(r) == len(job["points"])
            and all(isinstance(o, dict) for o in r)
            for r, job in zip(results, jobs)
        )
    )


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
