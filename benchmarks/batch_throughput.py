"""Batch grading throughput: submissions per minute, local pool against a Dask LocalCluster.

    python benchmarks/batch_throughput.py [--sizes 4 8 16] [--examples N] [--workers 2]

Makes N submissions, a mix of correct and buggy engines (the reference solution and
four one-line mutations of it: a wrong local derivative, a missing upstream factor, a
broken accumulation, a wrong sign), and grades them all with ``graders.platforms.batch.run``:
once on the local pool (``--workers`` parallel gradings) and once on a Dask LocalCluster
with ``--workers`` single-threaded worker processes. Prints wall time, submissions per
minute, and how time grows with N. The cluster's start-up is timed apart, once. Numbers,
never assertions; on a busy machine they are lower.
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument(
        "--examples",
        type=int,
        default=None,
        help="Hypothesis examples per part (default: the assignment's)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    options = ("--examples", str(args.examples)) if args.examples else ()

    from distributed import LocalCluster

    print(
        f"{os.cpu_count()} cores, {args.workers} parallel gradings, examples per part: "
        f"{args.examples or 'the assignment default'}; mix: "
        f"{', '.join(v[0] for v in VARIANTS)} (repeating)"
    )
    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    print(f"Dask LocalCluster start-up: {time.perf_counter() - start:.1f} s (not counted below)")
    rows = []
    try:
        for n in args.sizes:
            local = grade_all(n, options, workers=args.workers, scheduler=None)
            dask = grade_all(n, options, workers=args.workers, scheduler=cluster.scheduler_address)
            rows.append((n, local, dask))
    finally:
        cluster.close()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load} (other work on the machine slows every number)")
    print(
        f"\n{'N':>4}  {'local s':>8}  {'local /min':>10}  {'s/sub':>6}  "
        f"{'dask s':>8}  {'dask /min':>10}  {'s/sub':>6}"
    )
    for n, (local, local_each), (dask, dask_each) in rows:
        print(
            f"{n:>4}  {local:>8.1f}  {n / local * 60:>10.1f}  {local_each:>6.1f}  "
            f"{dask:>8.1f}  {n / dask * 60:>10.1f}  {dask_each:>6.1f}"
        )
    print("(s/sub: mean wall time of one submission's grading process, as the batch saw it)")
    if len(rows) > 1:
        (n0, (l0, _), (d0, _)), (n1, (l1, _), (d1, _)) = rows[0], rows[-1]
        print(
            f"\nfrom N={n0} to N={n1} ({n1 / n0:g}x): local time x{l1 / l0:.2f}, "
            f"Dask time x{d1 / d0:.2f}"
        )


if __name__ == "__main__":
    main()
