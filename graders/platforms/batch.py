"""Batch grading: every submission in a folder, in parallel, each in its own process.

    chaingrade batch SUBMISSIONS_DIR --assignment NAME --out DIR [--scheduler ADDRESS]

A submission is a file ``NAME.py``, a notebook ``NAME.ipynb`` or a folder ``NAME/`` (as
GitHub Classroom and Gradescope exports give them) holding the assignment's entry, at its
top or deeper, read as ``graders.submission`` reads a hand-in: the entry and the modules
it imports. Every other entry of the folder is listed, with the reason it was skipped, in
``summary.csv`` and the command's summary. Each submission is graded by ``chaingrade
grade`` in a process of its own (whose student worker is another process again), started
from a temporary folder holding only a copy of the assignment and of that one submission;
the result comes back on that process's standard output. The process is forked from a
warm grading server (``grading_server``: one per parallel job, chaingrade imported once),
and grades its parts one after another, so each job uses one core. So a submission that crashes,
hangs or attacks can cost only its own result: a hang is killed at ``--timeout`` together
with everything it started, and is recorded as ``timeout``; a grader that dies is
recorded as ``crashed``; both at zero points. A submission without the entry is
``missing``, one over a limit of ``graders.submission`` is ``refused``: zero, with why.

Jobs run on a local pool (``--jobs``, one per core by default) or, with ``--scheduler``,
as tasks on a Dask distributed cluster: each task carries the submission's and the
assignment's bytes, so workers need chaingrade installed but no shared files.

Written to ``--out``: ``NAME.json`` per submission (Gradescope's results.json, with the
findings and batch details in ``extra_data``) and ``NAME.html`` beside it (the student's
feedback page), ``summary.csv`` (one row per submission, one column per part and per
chain-rule step, naming the ops), and ``summary.html`` and ``summary.png`` (the score
histogram, per-part means, a step × op heat map of how many students get each wrong,
and what could not be graded or was skipped: ``class_summary``). A re-run skips every
submission whose results file was made from the same submission bytes, assignment and
options, and re-grades the rest.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from graders.assignment import Assignment
from graders.platforms import gradescope, testfiles
from graders.platforms.options import SEED_VARIABLE
from graders.platforms.warm_servers import ServerPool
from graders.sandbox import users
from graders.submission import HandInError, entry_of

#: Seconds given beyond the assignment's own limits before a grading is killed.
MARGIN_SECONDS = 60.0


class BatchError(ValueError):
    """Batch grading cannot start; the message says what to fix."""


@dataclass(frozen=True)
class Job:
    """One submission to grade: plain data, so it travels to a Dask worker as it is."""

    name: str
    #: The submission as the grading process gets it (relative path -> bytes): a file
    #: renamed to the assignment's entry, a notebook, or a folder's files the entry uses;
    #: None when there is nothing to grade (``problem`` says why).
    files: dict[str, bytes] | None
    handed_in: str  # which of ``files`` is graded: a file or the folder
    origin: str  # where it came from, for the report
    assignment: dict[str, bytes]  # the assignment's files, relative path -> bytes
    parts: tuple[tuple[str, float, str], ...]  # (name, points, visibility)
    options: tuple[str, ...]  # extra `chaingrade grade` options
    timeout: float
    #: The private grading seed: handed to the grading process in its environment, never
    #: on its command line (which every process on the machine can read).
    grading_seed: int | None = None
    #: Why there is nothing to grade, and whether that is a ``missing`` entry (else the
    #: hand-in was ``refused``: a limit broken, a notebook nbformat cannot read).
    problem: str = ""
    missing: bool = True
    #: What the folder held and was left out, which the grading process cannot see.
    notes: tuple[str, ...] = ()
    #: ``--entry`` for the grading process: what ``--entry`` picked, as ``files`` hold it.
    entry: str = ""

    @property
    def key(self) -> str:
        """Everything that decides the grade; a results file with the same key is reused."""
        digest = hashlib.sha256()
        for chunk in (
            *(sorted(self.files.items()) if self.files is not None else [self.problem]),
            self.handed_in,
            self.notes,
            self.entry,
            *sorted(self.assignment.items()),
            self.options,
            str(self.grading_seed),
        ):
            digest.update(repr(chunk).encode() if not isinstance(chunk, bytes) else chunk)
            digest.update(b"\0")
        return digest.hexdigest()


@dataclass
class Summary:
    out: Path
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: Submissions the infrastructure failed to grade (not their fault): name -> reason.
    errors: dict[str, str] = field(default_factory=dict)
    #: Entries of the folder that are not submissions: name -> why they were passed over.
    not_submissions: dict[str, str] = field(default_factory=dict)
    results: dict[str, dict] = field(default_factory=dict)
    elapsed: float = 0.0


# --- finding the submissions ------------------------------------------------------------


def discover(
    folder: Path,
    *,
    exclude: Path | None = None,
    passed_over: dict[str, str] | None = None,
) -> dict[str, Path]:
    """Submission name -> what was handed in (a ``.py`` file, a notebook or a folder),
    sorted by name. Every other entry of the folder goes into ``passed_over`` with the
    reason."""
    if not folder.is_dir():
        raise BatchError(f"{folder} is not a folder of submissions")
    passed_over = {} if passed_over is None else passed_over
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        reason = _not_a_submission(entry, exclude)
        if reason:
            passed_over[entry.name] = reason
            continue
        name = entry.stem if entry.is_file() else entry.name
        if name in found:
            if {found[name].suffix, entry.suffix} == {".py", ".ipynb"}:
                notebook = entry if entry.suffix == ".ipynb" else found[name]
                found[name] = entry if entry.suffix == ".py" else found[name]
                passed_over[notebook.name] = f"{name}.py is graded instead (the same name)"
                continue
            raise BatchError(
                f"two submissions are both called {name!r}: "
                f"{found[name].name} and {entry.name}; rename one"
            )
        found[name] = entry
    if not found:
        raise BatchError(
            f"{folder} holds no submissions (NAME.py files, NAME.ipynb notebooks or NAME/ folders)"
        )
    return found


def _not_a_submission(entry: Path, exclude: Path | None) -> str | None:
    """Why a folder's entry is no submission, or None."""
    if exclude is not None and entry.resolve() == exclude.resolve():
        return "the results folder (--out)"
    if entry.name.startswith((".", "_")):
        return "a hidden or private name (starts with . or _)"
    if entry.is_symlink():
        return "a symbolic link (never followed)"
    if entry.is_dir() or (entry.is_file() and entry.suffix in (".py", ".ipynb")):
        return None
    return "not a submission (neither a Python file, a notebook nor a folder)"


def _job_files(name: str, path: Path, assignment: Assignment) -> dict:
    """The Job fields for what ``name`` handed in at ``path``: the files the grading
    process gets (read once, here, as ``graders.submission`` reads a hand-in)."""
    try:
        handed_in = assignment.handed_in(path)
    except HandInError as e:
        return {"files": None, "handed_in": path.name, "problem": str(e), "missing": e.missing}
    if path.is_dir():
        files = {f"{name}/{relative}": data for relative, data in handed_in.originals.items()}
        entry = handed_in.again if assignment.chosen_entry else ""
        return {"files": files, "handed_in": name, "notes": handed_in.left_out, "entry": entry}
    (data,) = handed_in.originals.values()
    if path.suffix == ".ipynb":
        return {"files": {path.name: data}, "handed_in": path.name}
    own = f"{assignment.entry or entry_of(assignment.submission)}.py"
    return {"files": {own: data}, "handed_in": own}


# --- grading one submission (runs on a pool thread or a Dask worker) -----------------------


def grade_one(job: Job) -> dict:
    """Grade one submission in a process of its own; always a results.json dict."""
    start = time.monotonic()
    if job.files is None:
        return _zero(job, "missing" if job.missing else "refused", job.problem, start)
    with tempfile.TemporaryDirectory(prefix="chaingrade-batch-") as tmp:
        root = Path(tmp)
        for relative, data in job.assignment.items():
            path = root / "assignment" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for relative, data in job.files.items():
            path = root / "submission" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        submission = root / "submission" / job.handed_in
        (root / "tmp").mkdir()
        argv = [
            "grade",
            str(submission),
            "--assignment",
            str(root / "assignment"),
            "--results",
            "-",
            "--jobs",
            "1",  # one core per grading: batch runs one grading per core
            *(["--entry", job.entry] if job.entry else []),
            *job.options,
        ]
        env = {**os.environ, "TMPDIR": str(root / "tmp")}
        env.pop(SEED_VARIABLE, None)
        if job.grading_seed is not None:
            env[SEED_VARIABLE] = str(job.grading_seed)
        status, timed_out, stdout, stderr = (
            _servers().server().grade(argv, cwd=root, env=env, timeout=job.timeout)
        )
        if timed_out:
            return _zero(
                job, "timeout", f"grading took longer than {job.timeout:g} s and was stopped", start
            )
    try:
        data = json.loads(stdout)
    except ValueError:
        data = None
    if status != 0 or data is None or gradescope.validate(data):
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        reason = f"the grader stopped with status {status}"
        return _zero(job, "crashed", reason + (": " + " / ".join(tail) if tail else ""), start)
    data.setdefault("extra_data", {})["batch"] = _details(job, "graded", start)
    _name_as_handed_in(data, Path(job.origin).name)
    return gradescope.with_notes(data, list(job.notes))


def _name_as_handed_in(data: dict, shown: str) -> None:
    """Call the submission what it was called in the batch's folder (``dave.py``), in the
    results and so on the student's page: a single file is graded as the assignment's
    entry (``engine.py``), so that reproducers import what the student wrote."""
    extra = data["extra_data"]
    graded_as = extra.get("submission")
    extra["submission"] = shown
    if isinstance(graded_as, str) and isinstance(data.get("output"), str):
        data["output"] = data["output"].replace(f"graded {graded_as} in", f"graded {shown} in", 1)


#: This process's warm grading servers (``grading_server``), one per thread that grades:
#: the batch's pool threads, or a Dask worker's.
_SERVER_POOL: ServerPool | None = None


def _servers() -> ServerPool:
    global _SERVER_POOL
    if _SERVER_POOL is None:
        env = {k: v for k, v in os.environ.items() if k != SEED_VARIABLE}
        _SERVER_POOL = ServerPool(env)
    return _SERVER_POOL


def _close_servers() -> None:
    global _SERVER_POOL
    if _SERVER_POOL is not None:
        _SERVER_POOL.close()
        _SERVER_POOL = None


def _zero(job: Job, status: str, message: str, start: float) -> dict:
    return gradescope.zero(
        job.parts,
        message,
        execution_time=time.monotonic() - start,
        extra_data={"findings": [], "batch": _details(job, status, start)},
    )


def _details(job: Job, status: str, start: float) -> dict:
    return {
        "name": job.name,
        "submission": job.origin,
        "status": status,
        "key": job.key,
        "seconds": round(time.monotonic() - start, 3),
    }


# --- the whole batch ------------------------------------------------------------------------


def run(
    folder: Path,
    assignment: Assignment,
    out: Path,
    *,
    scheduler: str | None = None,
    jobs: int | None = None,
    timeout: float | None = None,
    options: tuple[str, ...] = (),
    grading_seed: int | None = None,
    progress: bool = True,
) -> Summary:
    """Grade every submission in ``folder`` not graded yet; write results and summaries."""
    start = time.monotonic()
    _need_batch_extra()
    out = Path(out)
    summary = Summary(out)
    found = discover(Path(folder), exclude=out, passed_over=summary.not_submissions)
    if jobs is not None and jobs < 1:
        raise BatchError("--jobs must be at least 1")
    jobs = _isolated_jobs(jobs or os.cpu_count() or 1, local=scheduler is None)
    limits = assignment.limits
    timeout = timeout or limits.total_seconds + limits.startup_seconds + MARGIN_SECONDS
    files = testfiles.grading_files(assignment)
    parts = tuple((p.name, p.points, p.visibility) for p in assignment.parts)
    all_jobs = [
        Job(
            name=name,
            origin=str(path),
            assignment=files,
            parts=parts,
            options=tuple(options),
            timeout=float(timeout),
            grading_seed=grading_seed,
            **_job_files(name, path, assignment),
        )
        for name, path in found.items()
    ]
    out.mkdir(parents=True, exist_ok=True)
    pending = []
    for job in all_jobs:
        previous = _read(out / f"{job.name}.json")
        if previous is not None and _batch(previous).get("key") == job.key:
            summary.skipped.append(job.name)
            summary.results[job.name] = previous
        else:
            pending.append(job)

    from tqdm import tqdm

    graded_now: dict[str, dict] = {}
    with tqdm(
        total=len(pending),
        desc="chaingrade batch",
        unit="submission",
        disable=not progress or not pending,
        file=sys.stderr,
    ) as bar:
        execute = _on_dask(pending, scheduler) if scheduler else _on_pool(pending, jobs)
        for job, data, error in execute:
            if error is not None:
                summary.errors[job.name] = error
            else:
                assert data is not None  # a job gives its results or its error
                gradescope.write(data, out / f"{job.name}.json")
                graded_now[job.name] = data
                summary.graded.append(job.name)
            bar.set_postfix_str(job.name, refresh=False)
            bar.update(1)
    # Every grading process has ended: write every result once more, from memory (this
    # run's, and earlier ones as read before any grading started), so nothing a
    # submission wrote into --out while it ran survives.
    summary.results.update(graded_now)
    for name, data in summary.results.items():
        gradescope.write(data, out / f"{name}.json")
    summary.results = {
        job.name: summary.results[job.name] for job in all_jobs if job.name in summary.results
    }
    write_summary(summary.results, assignment, out, summary.not_submissions, summary.errors)
    summary.elapsed = time.monotonic() - start
    return summary


def _need_batch_extra() -> None:
    try:
        import matplotlib  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError:
        raise BatchError(
            "chaingrade batch needs its extra: pip install 'chaingrade[batch]'"
        ) from None


def _isolated_jobs(jobs: int, *, local: bool) -> int:
    """How many gradings run at once, so that no two submissions share a uid.

    As root, every worker runs as a member of ``CHAINGRADE_WORKER_USER``'s pool, by
    default :data:`~graders.sandbox.users.DEFAULT_BATCH_POOL`
    (:func:`~graders.sandbox.users.pool_as_root`, which sets it for the grading processes
    to inherit); no more gradings run at once than the pool has users. Not as root,
    submissions share the grading user (docs/sandbox.md says what that allows).
    """
    # A pool that cannot run this Python raises SandboxError: the machine's set-up, not
    # the command's (the CLI says so in one line, with status 3, as check and grade do).
    pool = users.pool_as_root() if os.geteuid() == 0 else []
    return min(jobs, len(pool)) if pool and local else jobs


def _on_pool(pending: list[Job], jobs: int) -> Iterator[tuple[Job, dict | None, str | None]]:
    if not pending:
        return
    workers = jobs
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:  # each thread: one server
            futures = {pool.submit(grade_one, job): job for job in pending}
            for future in as_completed(futures):
                yield _outcome(futures[future], future)
    finally:
        _close_servers()


def _on_dask(pending: list[Job], address: str) -> Iterator[tuple[Job, dict | None, str | None]]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    try:
        client = Client(address, timeout="15s")
    except (OSError, TimeoutError) as e:
        raise BatchError(f"could not reach the Dask scheduler at {address}: {e}") from None
    with client:
        futures = {client.submit(grade_one, job, pure=False): job for job in pending}
        for future in dask_completed(futures):
            yield _outcome(futures[future], future)


def _outcome(job: Job, future) -> tuple[Job, dict | None, str | None]:
    try:
        return job, future.result(), None
    except Exception as e:  # noqa: BLE001 - the infrastructure failed, not the submission
        return job, None, f"{type(e).__name__}: {e}"


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and not gradescope.validate(data) else None


def _extra(data: dict) -> dict:
    extra = data.get("extra_data")
    return extra if isinstance(extra, dict) else {}


def _batch(data: dict) -> dict:
    batch = _extra(data).get("batch")
    return batch if isinstance(batch, dict) else {}


# --- summaries ------------------------------------------------------------------------------


def wrong_steps(data: dict) -> list[str]:
    """The distinct wrong steps of one result, as ``local-derivative sub (b)``."""
    extra = data.get("extra_data") or {}
    labels = []
    for finding in extra.get("findings") or []:
        if not isinstance(finding, dict):
            continue
        label = " ".join(str(finding[k]) for k in ("step", "op") if finding.get(k))
        if finding.get("argument_name"):
            label += f" ({finding['argument_name']})"
        labels.append(label)
    return list(dict.fromkeys(labels))


def write_summary(
    results: dict[str, dict],
    assignment: Assignment,
    out: Path,
    passed_over: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> None:
    """summary.csv (every result, then every entry passed over and why), each student's
    page, summary.html and summary.png (``class_summary``)."""
    from graders.platforms import class_summary

    parts = [p.name for p in assignment.parts]
    steps = list(class_summary.COLUMNS)
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["name", "status", "score", "max_score", *parts, "wrong_steps", *steps]
            + ["seconds", "note"]
        )
        for name, data in results.items():
            by_part = {t.get("name"): t.get("score") for t in data.get("tests", [])}
            batch = _batch(data)
            ops = _ops_by_step(class_summary.wrong(data))
            writer.writerow(
                [
                    name,
                    batch.get("status", "graded"),
                    data.get("score"),
                    sum(t.get("max_score", 0) for t in data.get("tests", [])),
                    *(by_part.get(p, "") for p in parts),
                    "; ".join(wrong_steps(data)),
                    *(" ".join(ops.get(step, [])) for step in steps),
                    batch.get("seconds", ""),
                    _extra(data).get("error", ""),
                ]
            )
        others = [("skipped", passed_over or {}), ("not graded", errors or {})]
        for kind, entries in others:  # no score, no steps: the reason as the note
            for name, reason in entries.items():
                no_numbers = ["" for _ in [*parts, "wrong_steps", *steps, "seconds"]]
                writer.writerow([name, kind, "", "", *no_numbers, reason])
    class_summary.write_pages(results, assignment, out, passed_over, errors)


def _ops_by_step(pairs: set[tuple[str, str]]) -> dict[str, list[str]]:
    """step -> the ops (sorted) with that wrong step: summary.csv's per-step columns."""
    ops: dict[str, list[str]] = {}
    for step, op in sorted(pairs):
        ops.setdefault(step, []).append(op)
    return ops
