"""The trusted side of the student worker: start it, talk to it, bound it, restart it.

Student code runs only in the worker subprocess (``worker.py``, forked by
``supervisor.py``). :class:`Runner` holds one submission's worker across a grading: it
starts it (``python -I supervisor.py``, a scrubbed environment, the worker's own folder
holding a copy of what was handed in: ``folders.py``), serves each part from a fresh copy
of the zygote that imported the submission (``next_part``, ``end_part``), sends jobs and
reads replies within their time limits, collects what the guard reported, and stops the
worker and everything it started. Beside it:

* ``channel.py``: the three pipes (requests, replies, alarms) and their size caps;
* ``protocol.py``: what is said on them, and the checking of every reply, field by
  field, before anyone reads it (nothing the worker says is a score);
* ``output.py``: what the submission prints, a capped file emptied between requests;
* ``folders.py``: the worker's folder, and the folders it may not read;
* ``users.py``: the pool member a worker runs as (``CHAINGRADE_WORKER_USER``), leased for
  the worker's lifetime; it never falls back to running student code as root;
* ``processes.py``: killing a process tree, when the supervisor did not stop in time;
* ``limits.py``: the :class:`Limits`, and why a worker stopped, in words (``death_text``).

Limits: each request has ``call_seconds``, the import
``startup_seconds``, the whole submission ``total_seconds`` (no work starts past it); the
worker runs with ``RLIMIT_AS`` (``memory_mb``), ``RLIMIT_FSIZE`` (``output_bytes``, per
request), ``RLIMIT_CPU`` and no core dumps. Where the kernel offers Landlock
(:func:`landlock.abi`), a worker that could not confine itself stops grading; where it
does not, a pool member that could read the assignment's folder stops it.

What this is not: a container. ``docs/sandbox.md`` says what is protected in each mode,
what is not, and how to grade inside a container.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from graders.presets import AUTO, REVISED, Preset, resolve
from graders.sandbox import landlock
from graders.sandbox.channel import MAX_REPLY_BYTES, Channel
from graders.sandbox.folders import (
    OWN_PACKAGES,
    forbidden_folders,
    install,
    make_folder,
    may_write,
    refuse_what_the_user_could_read,
)
from graders.sandbox.limits import Limits, death_text
from graders.sandbox.output import OUTPUT_TAIL, CapturedOutput
from graders.sandbox.policy import own_modules
from graders.sandbox.processes import descendants, kill_marked, kill_tree
from graders.sandbox.protocol import (
    ErrorKind,
    Job,
    Outcome,
    clean_text,
    error_kind,
    error_outcomes,
    part_over,
    validated,
)
from graders.sandbox.users import (
    USER_VARIABLE,
    Lease,
    SandboxError,
    WorkerUser,
    configured_pool,
    root_worker_note,
)
from graders.submission import Submission
from graders.submission import resolve as resolve_hand_in

SUPERVISOR = Path(__file__).with_name("supervisor.py")
#: Seconds the runner waits for the supervisor to clean up after it was told to stop.
STOP_SECONDS = 5.0
#: The most JSON text an API the worker found (``--api auto``) may take.
MAX_API_TEXT = 4000
#: What every process of a worker carries in its environment, this runner's own value.
MARKER_VARIABLE = "CHAINGRADE_SANDBOX"
#: A runner's limits when none are given (frozen: one instance serves every runner).
DEFAULT_LIMITS = Limits()
SUPERVISOR_GONE = "the process supervising your code was stopped (did your code kill it?)"


class SubmissionError(Exception):
    """The submission cannot be graded at all (syntax error, import error, crash on import)."""

    def __init__(self, kind: ErrorKind, message: str):
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message


__all__ = ["Limits", "Runner", "SandboxError", "SubmissionError", "USER_VARIABLE"]


class Runner:
    """One submission's worker, kept alive across requests and restarted when it dies::

        with Runner(Path("engine.py"), PRESETS["mygrad"]) as runner:
            runner.run([{"composition": c.to_json(), "points": [[0.5]]}])

    ``forbidden`` names top-level modules the submission may not import and
    ``private_folders`` folders it may not read (the assignment's); what it tried is
    collected in ``violations``. ``user`` is a ``CHAINGRADE_WORKER_USER`` value (default:
    the environment's); the worker runs as a member of that pool. ``deadline`` (a
    ``time.monotonic()`` time) ends all work, by default ``total_seconds`` after the start.
    """

    def __init__(
        self,
        submission: Path | Submission,
        preset: Preset | str,
        limits: Limits = DEFAULT_LIMITS,
        *,
        forbidden: tuple[str, ...] = (),
        private_folders: tuple[Path, ...] = (),
        user: str | None = None,
        deadline: float | None = None,
        arrays: bool = False,
    ):
        #: What the worker's folder gets (a path is resolved as ``graders.submission`` does).
        self.handed_in = (
            submission if isinstance(submission, Submission) else resolve_hand_in(Path(submission))
        )
        self.submission = self.handed_in.handed_in
        #: The student API; ``"auto"`` until the worker has found one (see ``start``).
        self.preset = preset
        self.detected = False
        #: ``--api auto`` on an array assignment: of two engines, the one on arrays.
        self.arrays = arrays
        self.limits = limits
        self.forbidden = tuple(forbidden)
        self.private_folders = tuple(private_folders)
        self.violations: set[str] = set()
        #: What the guard saw outside any part (importing, between parts): every part's.
        self.standing: set[str] = set()
        self.pool = configured_pool(user)
        #: No pool because none was named (not ``CHAINGRADE_WORKER_USER=``, on purpose).
        self._no_pool_named = (os.environ.get(USER_VARIABLE) if user is None else user) is None
        self.lease: Lease | None = None
        self.module_name = self.handed_in.module
        self.workdir = make_folder(tuple(self.pool))
        self.home = self.workdir / "work"
        #: The entry's file in the copy, which the worker imports.
        self.copy = self.home / "submission" / self.handed_in.entry
        self.output = CapturedOutput(self.workdir / "output.txt")
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self.cleaned_up = False
        #: What the report says about how the worker ran (a root worker: ``users``).
        self.notes: list[str] = []
        #: A part is being served, and by a copy of the zygote (``_fork_part``).
        self._in_part = self._copy = False
        #: The worker is another process's (``disown``): nothing here touches it.
        self._disowned = False
        self.expires: float | None = deadline
        self._marker = f"{os.getpid()}-{id(self)}-{os.urandom(8).hex()}"

    # --- lifecycle -----------------------------------------------------------

    def __enter__(self) -> Runner:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    @property
    def user(self) -> WorkerUser | None:
        """The pool member the worker runs as (None: the grading user)."""
        return self.lease.user if self.lease else None

    def start(self) -> None:
        """Start the worker and wait for it to import the submission.

        Raises ``SubmissionError`` when the submission cannot be imported (its fault) and
        ``SandboxError`` when the worker cannot run as configured (the machine's).
        """
        now = time.monotonic()
        if self.expires is None:
            self.expires = now + self.limits.total_seconds
        if now >= self.expires:
            raise SubmissionError("timeout", self._total_limit_text())
        if self.pool and self.lease is None:
            self.lease = Lease.take(self.pool, timeout=max(1.0, self.expires - now))
            install(self.handed_in, self.home, user=self.lease.user)
            refuse_what_the_user_could_read(
                self.lease.user,
                private_folders=self.private_folders,
                forbidden=self._forbidden_folders(),
            )
        elif self.lease is None and not self.copy.exists():
            install(self.handed_in, self.home, user=None)
        self._channel = channel = Channel()
        requests_r, replies_w, alarms_w = channel.worker_ends
        printed_to = self.output.open()
        opened = False
        user = self.user
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    str(SUPERVISOR),
                    "--submission",
                    str(self.copy),
                    "--module",
                    self.module_name,
                    "--api",
                    json.dumps(self._api_argument()),
                    "--requests",
                    str(requests_r),
                    "--replies",
                    str(replies_w),
                    "--alarms",
                    str(alarms_w),
                    "--limits",
                    json.dumps(self._worker_limits()),
                    "--forbid",
                    json.dumps([*self._forbidden_modules(), *OWN_PACKAGES]),
                    "--forbid-folders",
                    json.dumps(self._forbidden_folders()),
                    *(["--uid", str(user.uid), "--gid", str(user.gid)] if user else []),
                    *(["--confine"] if landlock.abi() else []),
                    "--writable",
                    json.dumps(may_write()),
                ],
                stdin=subprocess.PIPE,
                stdout=printed_to,
                stderr=printed_to,
                cwd=self.home,
                env=self._environment(),
                pass_fds=(requests_r, replies_w, alarms_w),
                start_new_session=True,
            )
            opened = True
        finally:
            channel.handed_over()
            if not opened:
                channel.close()
        wait = min(self.limits.startup_seconds, self.expires - now)
        hello = channel.receive(wait)
        self._read_alarms(answered=hello is not None and hello.get("ready") is True)
        if user is None and os.geteuid() == 0 and hello is not None:
            kept = hello.get("capabilities")
            kept = clean_text(kept, 500) if isinstance(kept, str) and kept else None
            if kept or self._no_pool_named:
                self.notes = [root_worker_note(kept, landlock=bool(landlock.abi()))]
        if hello is None:
            reason = self._death_reason("while importing the submission", wait)
            self.close()
            raise SubmissionError("timeout" if channel.failure == "timeout" else "import", reason)
        if hello.get("ready") is not True:
            self.close()
            error = hello.get("error")
            error = error if isinstance(error, dict) else {}
            kind = error_kind(error, default="import")
            message = clean_text(error.get("message"), 500)
            if kind == "sandbox" and "not confined" in message:
                raise SandboxError(message)
            if kind == "sandbox":
                raise SandboxError(
                    f"{message}: the worker's user ({user}) must be able to "
                    "read the Python installation and the submission; install "
                    "chaingrade into a Python other users can read (the "
                    "system's, or a virtual environment outside /root)"
                )
            raise SubmissionError(kind, message)
        if self._exited():
            self.close()
            raise SubmissionError("import", SUPERVISOR_GONE + " while importing the submission")
        if self.preset == AUTO:
            self._adopt(hello.get("api"))
        elif isinstance(self.preset, Preset) and isinstance(hello.get("api"), dict):
            # how this engine's ops are called (engine_calls.revised): those fields only
            changes = {k: v for k, v in hello["api"].items() if k in REVISED}
            self._adopt({**self.preset.to_json(), **changes})
        self.standing = set(self.violations)  # seen while importing: they count in every part
        self._fork_part()

    def next_part(self) -> None:
        """A fresh worker for the next part of a grading, without importing the submission
        again: the zygote's next copy of it as just imported (see ``worker.serve``), or,
        when the worker is gone (a crash, a time-out, a violation), a whole new start. What
        the guard saw outside any part (importing, between parts) counts in every part."""
        self.end_part()
        self.violations = set(self.standing)
        self.output.empty()
        self.output.forget()  # each part's report shows what it printed
        if self.process is None:
            self.start()
        else:
            self._fork_part()

    def end_part(self) -> None:
        """End the part's worker, checking it on the way out: still reporting to us (its
        alarm descriptor), and gone when asked, leaving the zygote alone. A copy that fails
        either, or any other process of the submission still alive, is a violation of this
        part, and the worker is stopped (the next part then starts afresh)."""
        if self.process is None or not self._in_part:
            return
        self._in_part = False
        self._check_alarm_descriptors()
        if not self._copy:  # the zygote served the part itself: a new one for the next
            self.close()
            return
        seen = set(self.violations)
        reply = self._request({"exit": True}, min(self.limits.call_seconds, STOP_SECONDS))
        if not part_over(reply) or self._exited():
            self.close()
        elif len(self._alive()) > 1:  # the zygote, and what should have exited
            self.violations.add("a process of the submission kept running after its part")
            self.close()
        self.standing |= self.violations - seen  # what the zygote saw between parts

    def _fork_part(self) -> None:
        """Ask the zygote for its copy to serve one part (see ``next_part``)."""
        reply = self._request({"part": True}, self.limits.call_seconds)
        if (
            not isinstance(reply, dict)
            or reply.get("part") is not True
            or type(reply.get("copy")) is not bool
            or self._exited()
        ):
            self.close()
            raise SubmissionError("import", "the worker could not start a copy of itself")
        self._in_part, self._copy = True, reply["copy"]

    def _exited(self) -> bool:
        """The worker is gone: it exited, or was stopped (``close``)."""
        return self.process is None or self.process.poll() is not None

    def _seconds_left(self) -> float:
        """Seconds to the deadline, which ``start`` sets: only a started runner asks."""
        if self.expires is None:
            raise RuntimeError("the runner was not started")
        return self.expires - time.monotonic()

    def _alive(self) -> list[int]:
        """The submission's processes still running (not zombies), from ``/proc``."""
        assert self.process is not None
        return descendants(self.process.pid, running=True)

    def _check_alarm_descriptors(self) -> None:
        """Every process of the submission must still hold the alarm pipe where it was
        given it: closing it, or pointing it elsewhere (``/dev/null``) silences what the
        guard says (the zygote keeps the pipe open, so its closing shows no end of file)."""
        if not PROC.exists():
            return
        pipe = self._channel.alarm_pipe()
        for pid in self._alive():
            try:
                target = os.readlink(f"/proc/{pid}/fd/{self._channel.alarm_number}")
            except FileNotFoundError:
                target = None
            except OSError:  # not ours to read: nothing to conclude
                continue
            if target != pipe:
                self.violations.add("closed or redirected the pipe the worker reports on")
                return

    def _request(self, message: dict, seconds: float) -> dict | None:
        """One request outside any job, its reply (None: none in time), alarms read."""
        seconds = min(seconds, self._seconds_left())
        reply = self._channel.exchange(
            (json.dumps(message) + "\n").encode(), time.monotonic() + seconds
        )
        self._read_alarms(answered=reply is not None)
        return reply

    def _adopt(self, fields) -> None:
        """``--api auto``: check the fields the worker found and send it the whole API; from
        now on ``preset`` is that API (``detected`` says it was found, not given)."""
        try:
            if len(json.dumps(fields)) > MAX_API_TEXT:
                raise ValueError(f"the fields found are over {MAX_API_TEXT} characters")
            preset = resolve(fields if isinstance(fields, dict) else {})
            if not isinstance(preset, Preset):  # a mapping of fields always resolves to one
                raise ValueError("the fields found name no API")
        except Exception as e:  # noqa: BLE001 - the worker's data: MemoryError from ast included
            self.close()
            raise SubmissionError("api", f"--api auto found no usable API ({e})") from None
        reply = self._request({"api": preset.for_worker()}, self.limits.call_seconds)
        if reply != {"results": []}:
            self.close()
            raise SubmissionError("api", SUPERVISOR_GONE + " while it was given the API")
        self.preset, self.detected = preset, True

    def close(self) -> None:
        """Stop the worker and every process it started; return once they are gone."""
        process, self.process = self.process, None
        self._in_part = False
        if process is None:
            return
        self._read_alarms()
        self._channel.close()
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGTERM)  # the supervisor kills its whole tree
            except OSError:
                pass
        try:
            if process.stdin is not None:  # always a pipe: ``start`` opens one
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            _wait(process)
        kill_marked(MARKER_VARIABLE, self._marker)

    def cleanup(self) -> None:
        """Stop the worker, give back its user and remove its folder: this runner is done."""
        if self._disowned:
            return
        self.cleaned_up = True
        self.close()
        if self.lease is not None:
            self.lease.release()  # kills anything still running as that user
            self.lease = None
        self.output.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def disown(self) -> None:
        """In a process forked from the one that runs this worker (``grading`` grades parts
        in processes forked from it): let go of the worker, untouched. This process's
        copies of its pipes, output file and lease are closed (the parent's stay open: a
        lease's lock is the parent's while it holds it), and nothing done here, cleanup
        included, stops the worker, gives back its user or removes its folder."""
        self._disowned = self.cleaned_up = True
        process, self.process = self.process, None
        self._in_part = False
        if process is not None:
            self._channel.close()
            if process.stdin is not None:
                process.stdin.close()
        self.output.close()
        if self.lease is not None:
            self.lease.disown()
            self.lease = None

    def __del__(self) -> None:
        try:
            self.cleanup()
        except Exception:
            pass

    # --- requests --------------------------------------------------------------

    def run(
        self, jobs: list[Job], meanwhile: Callable[[], object] | None = None
    ) -> list[list[Outcome]]:
        """Outcomes for each job's points; a crash or hang becomes an error outcome for each.

        ``meanwhile`` is work for this process while the worker runs the jobs (the grader
        computes the references then), called once the request is sent; not at all if it
        could not be sent."""
        if self.expires is not None and time.monotonic() >= self.expires:
            self.close()
            return error_outcomes(jobs, "timeout", self._total_limit_text())
        if self.process is None:
            self.restarts += 1
            try:
                self.start()
            except SubmissionError as e:
                return error_outcomes(
                    jobs, e.kind, f"restarting your code after a crash: {e.message}"
                )
        self.output.empty()  # the output limit is per request
        message = (json.dumps({"jobs": jobs}) + "\n").encode()
        wait = min(self.limits.call_seconds, self._seconds_left())
        deadline = time.monotonic() + wait
        try:
            reply = self._channel.exchange(message, deadline, meanwhile)
        except BaseException:  # from ``meanwhile``: its reply would answer the next request
            self.close()
            raise
        self._read_alarms(answered=reply is not None)
        inputs_only = isinstance(self.preset, Preset) and self.preset.gradients == "inputs"
        results = None if reply is None else validated(reply, jobs, inputs_only=inputs_only)
        if results is None or self._exited():
            if reply is None:
                reason = self._death_reason("while running a case", wait)
            elif part_over(reply):  # the part's copy died; the zygote says how
                reason = death_text(
                    reply["exited"],
                    printed=self.output.size(),
                    output_limit=self.limits.output_bytes,
                    when="while running a case",
                )
            elif results is None:
                reason = "the worker sent a reply that is not plain data about the case"
            else:
                reason = SUPERVISOR_GONE + " while running a case"
            self.close()
            return error_outcomes(
                jobs, "timeout" if self._channel.failure == "timeout" else "crash", reason
            )
        return results

    def student_output(self, limit: int = OUTPUT_TAIL) -> str:
        """The last of what the submission printed, for the report (``CapturedOutput.tail``)."""
        return self.output.tail(limit)

    # --- internals -----------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "TMPDIR": str(self.home),
            "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",  # a plotting cell draws nowhere: no window, no GUI toolkit
            MARKER_VARIABLE: self._marker,
        }
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed on some CPUs for numpy
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def _api_argument(self) -> dict:
        """The worker's ``--api``: the whole API, or ``auto`` (and whether on arrays)."""
        if isinstance(self.preset, Preset):
            return self.preset.for_worker()
        return {"auto": True, "arrays": self.arrays}  # the only other value is AUTO

    def _worker_limits(self) -> dict:
        return {
            "memory_mb": self.limits.memory_mb,
            "output_bytes": self.limits.output_bytes,
            "cpu_seconds": math.ceil(self.limits.total_seconds) + 5,
            "processes": self.limits.processes,
        }

    def _forbidden_modules(self) -> list[str]:
        """The forbidden modules the guard blocks by name: not those the submission has of
        its own (a helper ``autograd.py``, a package ``micrograd/``), which its imports
        mean; the installed ones' folders stay unreadable (``_forbidden_folders``)."""
        own = own_modules(self.handed_in.files)
        return [name for name in self.forbidden if name not in own]

    def _forbidden_folders(self) -> dict[str, str | None]:
        """Folders the worker may not read (``folders.forbidden_folders``)."""
        return forbidden_folders(private_folders=self.private_folders, forbidden=self.forbidden)

    def _total_limit_text(self) -> str:
        return f"grading exceeded the total time limit of {self.limits.total_seconds:g} s"

    def _read_alarms(self, answered: bool = False) -> None:
        """What the worker's guard reported since (``Channel.read_alarms``) is a violation."""
        self.violations |= self._channel.read_alarms(answered=answered)

    def _death_reason(self, when: str, waited: float) -> str:
        failure = self._channel.failure
        if failure == "timeout":
            if self.expires is not None and time.monotonic() >= self.expires - 0.01:
                return f"{self._total_limit_text()} {when}"
            return f"exceeded the time limit of {waited:.3g} s {when}"
        if failure == "oversized":
            return f"the worker sent more than {MAX_REPLY_BYTES} bytes {when}"
        if failure == "garbage":
            return f"the worker sent something that is not a reply {when}"
        assert self.process is not None
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"stopped answering {when}"
        return death_text(
            code, printed=self.output.size(), output_limit=self.limits.output_bytes, when=when
        )


# --- replies ----------------------------------------------------------------------


PROC = Path("/proc/self/stat")


def _wait(process: subprocess.Popen) -> None:
    """Reap a process just killed."""
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait
        pass
