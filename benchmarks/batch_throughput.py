"""Batch grading throughput: submissions per minute, local pool against a Dask cluster.

    python benchmarks/batch_throughput.py [--submissions 16] [--jobs 1 2 4] [--no-dask]
                                          [--real-dask]

Makes N submissions, a mix of correct and buggy engines (the reference solution and
four one-line mutations of it: a wrong local derivative, a missing upstream factor, a
broken accumulation, a wrong sign), and grades them all with ``graders.platforms.batch.run``,
at each ``--jobs`` count: on the local pool (that many parallel gradings) and on a Dask
LocalCluster of that many single-threaded workers (its start-up not counted), or with
``--real-dask`` on a ``dask scheduler`` and that many ``dask worker`` processes started
as separate programs (``dask_cluster.py``). Prints submissions per minute and the
parallel efficiency. Numbers, never assertions; on a busy
machine they are lower.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from graders.assignment import load
from graders.platforms import batch

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"

#: (label, text in the solution, replacement): one bug each, plus the correct engine.
VARIANTS = [
    ("correct", "", ""),
    ("sub sign", "other.grad -= out.grad\n", "other.grad += out.grad\n"),
    ("mul upstream", "self.grad += other.data * out.grad", "self.grad += other.data"),
    ("correct", "", ""),
    ("tanh derivative", "return _unary(x, t, 1 - t * t)", "return _unary(x, t, 1 - t)"),
    ("accumulation", "x.grad += derivative * out.grad", "x.grad = derivative * out.grad"),
]


def make_submissions(folder: Path, n: int) -> list[str]:
    source = SOLUTION.read_text()
    labels = []
    for i in range(n):
        label, old, new = VARIANTS[i % len(VARIANTS)]
        text = source.replace(old, new, 1) if old else source
        assert not old or text != source, label
        (folder / f"student{i:03d}.py").write_text(text)
        labels.append(label)
    return labels


def grade_all(
    n: int, options: tuple[str, ...], *, workers: int, scheduler: str | None
) -> tuple[float, float]:
    """Wall time of the batch, and the mean time one submission's grading took."""
    assignment = load("scalar_autodiff")
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "submissions"
        subs.mkdir()
        make_submissions(subs, n)
        start = time.perf_counter()
        summary = batch.run(
            subs,
            assignment,
            Path(tmp) / "out",
            scheduler=scheduler,
            jobs=workers,
            options=options,
            progress=False,
        )
        elapsed = time.perf_counter() - start
        assert len(summary.graded) == n and not summary.errors, summary.errors
        each = [r["extra_data"]["batch"]["seconds"] for r in summary.results.values()]
    return elapsed, sum(each) / len(each)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=16)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--examples",
        type=int,
        default=None,
        help="Hypothesis examples per part (default: the assignment's)",
    )
    parser.add_argument("--no-dask", action="store_true", help="the local pool only")
    parser.add_argument(
        "--real-dask",
        action="store_true",
        help="dask scheduler and dask worker processes, not a LocalCluster",
    )
    args = parser.parse_args()
    options = ("--examples", str(args.examples)) if args.examples else ()
    cores = os.cpu_count() or 1
    n = args.submissions
    print(
        f"{cores} cores, {n} submissions, examples per part: "
        f"{args.examples or 'the assignment default'}; mix: "
        f"{', '.join(v[0] for v in VARIANTS)} (repeating)"
    )
    rows = []
    for jobs in args.jobs:
        local = grade_all(n, options, workers=jobs, scheduler=None)
        dask = None if args.no_dask else on_dask(n, options, jobs, real=args.real_dask)
        rows.append((jobs, local, dask))

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load} (other work on the machine slows every number)")
    header = ("jobs", "local /min", "efficiency", "dask /min", "efficiency")
    print("\n" + "  ".join(f"{h:>{4 if i == 0 else 10}}" for i, h in enumerate(header)))
    base_local = n / rows[0][1][0] * 60 / rows[0][0]
    base_dask = n / rows[0][2][0] * 60 / rows[0][0] if rows[0][2] else None
    for jobs, (local, _), dask in rows:
        used = min(jobs, cores)
        local_rate = n / local * 60
        line = f"{jobs:>4}  {local_rate:>10.1f}  {local_rate / (base_local * used):>10.0%}"
        if dask is not None:
            dask_rate = n / dask[0] * 60
            line += f"  {dask_rate:>10.1f}  {dask_rate / (base_dask * used):>10.0%}"
        print(line)
    print(
        "(efficiency: submissions per minute over the 1-job rate times the cores the jobs can "
        "use; more jobs than cores cannot go faster)"
    )


def on_dask(n: int, options: tuple[str, ...], jobs: int, real: bool = False) -> tuple[float, float]:
    """The batch on a Dask LocalCluster of ``jobs`` single-threaded workers, or (``real``)
    on a scheduler and ``jobs`` workers started as programs; start-up not counted."""
    if real:
        from dask_cluster import dask_cluster

        with dask_cluster(jobs) as address:
            return grade_all(n, options, workers=jobs, scheduler=address)
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        return grade_all(n, options, workers=jobs, scheduler=cluster.scheduler_address)
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
