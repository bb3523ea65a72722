"""The cost of growth, drawn: what a check and a class cost as they grow.

    python benchmarks/growth.py [--assignment scalar_autodiff] [--inputs 16 32 ... 512]
                                [--examples 6 12 24 48] [--submissions 10 30 100 ...]
                                [--jobs 2] [--no-dask] [--plot docs/growth.png]

1. ``check`` of the assignment's reference solution as the inputs per composition grow
   (``inputs_per_case``, 16 to 512: the points each generated composition is run at, in
   one worker round trip) and as the examples per part grow (compositions per part);
   wall time and the CPU time of the grading process and of its workers.
2. ``chaingrade batch`` of a class of N submissions (``batch_throughput``'s mix of
   correct and one-bug engines), N from 10 to 1,000, on the local pool of ``--jobs``
   gradings and on Dask: a ``dask scheduler`` and ``--jobs`` single-threaded ``dask
   worker`` processes started here, as a course would on its own machines.
3. The plot (matplotlib, four panels) saved to ``--plot``; the README links it.

Every number is printed beside the machine's load average: on a shared machine wall
time grows with the load, CPU time much less. Numbers, never assertions.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import time
from pathlib import Path

from batch_throughput import grade_all
from dask_cluster import dask_cluster

from graders.assignment import load

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process, and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def time_check(assignment, **changes) -> tuple[float, float, float]:
    """``(wall, trusted CPU, workers' CPU)`` seconds of grading the reference solution
    with the assignment's fields ``changes`` (``examples``, ``inputs_per_case``)."""
    examples = changes.pop("examples", None)
    changed = dataclasses.replace(assignment, **changes)
    grader = changed.kind.grader_class()(changed, changed.solution, examples=examples)
    own, children = _cpu()
    start = time.perf_counter()
    report = grader.grade()
    wall = time.perf_counter() - start
    own2, children2 = _cpu()
    if report.score != report.max_score:
        print(f"  (the reference solution scored {report.score}/{report.max_score})")
    return wall, own2 - own, children2 - children


def check_growth(name: str, inputs: list[int], examples: list[int]) -> dict:
    assignment = load(name)
    found: dict = {"inputs": [], "examples": []}
    print(f"check of {name}'s reference solution (wall / grading CPU / workers' CPU, s):")
    for n in inputs:
        row = time_check(assignment, inputs_per_case=n)
        found["inputs"].append((n, *row))
        print(f"  {n:>4} inputs per composition   " + _row(row))
    for n in examples:
        row = time_check(assignment, examples=n)
        found["examples"].append((n, *row))
        print(f"  {n:>4} examples per part        " + _row(row))
    return found


def batch_growth(sizes: list[int], jobs: int, dask: bool) -> dict:
    found: dict = {"local": [], "dask": []}
    print(f"\nbatch of N submissions (scalar_autodiff), {jobs} gradings at once:")
    for n in sizes:
        before = sum(_cpu())
        wall, _ = grade_all(n, (), workers=jobs, scheduler=None)
        cpu = sum(_cpu()) - before
        found["local"].append((n, wall, cpu))
        print(
            f"  {n:>5} local pool {wall:8.1f} s  ({n / wall * 60:5.0f} a minute)  CPU {cpu:7.1f} s"
            f" ({n / cpu * 60 * jobs:5.0f} a minute on {jobs} idle cores)  {_load()}"
        )
    if dask:
        with dask_cluster(jobs) as address:
            for n in sizes:
                wall, _ = grade_all(n, (), workers=jobs, scheduler=address)
                found["dask"].append((n, wall, None))
                print(
                    f"  {n:>5} dask        {wall:8.1f} s  ({n / wall * 60:5.0f} a minute)  "
                    f"{_load()}"
                )
    return found


def plot(check: dict, batch: dict, path: Path, name: str, jobs: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, key, label in (
        (axes[0], "inputs", "inputs per composition (log scale)"),
        (axes[1], "examples", "examples (compositions) per part (log scale)"),
    ):
        rows = check[key]
        if not rows:
            ax.set_visible(False)
            continue
        x = [r[0] for r in rows]
        ax.plot(x, [r[1] for r in rows], "o-", label="wall")
        ax.plot(x, [r[2] for r in rows], "s--", label="CPU, grading process")
        ax.plot(x, [r[3] for r in rows], "^:", label="CPU, workers (student code)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")  # wall and CPU differ tenfold on a loaded machine
        ax.set_xlabel(label)
        ax.set_ylabel("seconds per check")
        ax.set_title(f"check of {name}'s solution")
        ax.grid(alpha=0.3)
        ax.legend()
    ax = axes[2]
    for key, style in (("local", "o-"), ("dask", "s--")):
        rows = batch[key]
        if rows:
            ax.plot([r[0] for r in rows], [r[1] / 60 for r in rows], style, label=f"{key}, wall")
            _extrapolate(ax, rows[-1][0], rows[-1][1])
    if batch["local"]:  # what the CPU time gives on idle cores: the machine's own rate
        rows = [(n, cpu / jobs) for n, _, cpu in batch["local"]]
        ax.plot([n for n, _ in rows], [t / 60 for _, t in rows], "^:", label="local, CPU / cores")
        _extrapolate(ax, *rows[-1])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("submissions (a class); dotted: extrapolated")
    ax.set_ylabel("minutes for the whole batch")
    ax.set_title(f"chaingrade batch, {jobs} gradings at once")
    ax.grid(alpha=0.3, which="both")
    if batch["local"] or batch["dask"]:
        ax.legend()
    figure.suptitle(f"cost of growth ({os.cpu_count()} cores; {_load()})", fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    print(f"\nplot: {path}")


def _extrapolate(ax, n: int, seconds: float) -> None:
    """A dotted line to 1,000 submissions: each one costs the same."""
    if n < 1000:
        ax.plot([n, 1000], [seconds / 60, seconds / n * 1000 / 60], ":", color="grey")


def _row(row) -> str:
    wall, own, workers = row
    return f"{wall:7.2f} / {own:6.2f} / {workers:6.2f}   {_load()}"


def _load() -> str:
    return "load " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="scalar_autodiff")
    parser.add_argument("--inputs", type=int, nargs="*", default=[16, 32, 64, 128, 256, 512])
    parser.add_argument("--examples", type=int, nargs="*", default=[6, 12, 24, 48])
    parser.add_argument("--submissions", type=int, nargs="*", default=[10, 30, 100, 300, 1000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "growth.png")
    args = parser.parse_args()
    check = check_growth(args.assignment, args.inputs, args.examples)
    batch = batch_growth(args.submissions, args.jobs, not args.no_dask)
    plot(check, batch, args.plot, args.assignment, args.jobs)


if __name__ == "__main__":
    main()
