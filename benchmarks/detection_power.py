"""Detection power: how often each buggy engine is caught and blamed right, over seeds.

    python benchmarks/detection_power.py [--seeds 8] [--examples N] [--jobs 2] [NAME ...]

Grades every buggy engine of ``tests/engines/buggy.py`` (or only the NAMEs given) with grading
seeds 0..SEEDS-1 (the assignment's examples per part unless ``--examples``) and prints, per
engine, in how many seeds the finding named by its ``EXPECTED`` was made and in how many
nothing else was charged (only its step, on its op or the ops sharing its code), then the
overall rates. Each engine is generated into a temporary folder once and graded from there. The test
suite checks the public seed; this shows what a private grading seed would do.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from graders.assignment import load
from graders.engine.grader import EngineGrader as Grader

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "engines" / "buggy.py"


def load_corpus():
    """``tests/engines/buggy.py``, the table of buggy engines, as a module."""
    spec = importlib.util.spec_from_file_location("chaingrade_buggy_corpus", CORPUS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def blamed(job: tuple[Path, tuple, tuple, int, int | None]) -> tuple[str, int, bool, bool, float]:
    """``(engine, seed, hit, clean, seconds)``: whether the expected finding was made, and
    whether nothing else was charged (only its step, on its op or the ops sharing its code)."""
    path, identity, also, seed, examples = job
    start = time.perf_counter()
    report = Grader(load("scalar_autodiff"), path, grading_seed=seed, examples=examples).grade()
    hit = tuple(identity) in {f.identity for f in report.findings}
    step, op, _ = identity
    clean = all(f.step == step and (op is None or f.op in {op, *also}) for f in report.findings)
    return path.stem, seed, hit, clean, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="buggy engines to grade (default: the whole corpus)",
    )
    args = parser.parse_args()

    corpus = load_corpus()
    names = args.names or corpus.NAMES
    unknown = sorted(set(names) - set(corpus.NAMES))
    if unknown:
        parser.error(
            f"no buggy engine {', '.join(unknown)} (python tests/engines/buggy.py lists them)"
        )
    with tempfile.TemporaryDirectory(prefix="chaingrade-corpus-") as folder:
        paths = {name: corpus.write(name, Path(folder) / f"{name}.py") for name in names}
        jobs = [
            (paths[name], bug.expected, bug.also, s, args.examples)
            for name in names
            for bug in [corpus.BY_NAME[name]]
            for s in range(args.seeds)
        ]
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(blamed, jobs))
    by_engine: dict[str, list[tuple[bool, bool]]] = {}
    for name, _, hit, clean, _ in results:
        by_engine.setdefault(name, []).append((hit, clean))
    for name, marks in sorted(by_engine.items(), key=lambda kv: sum(h for h, _ in kv[1])):
        hits, cleans = sum(h for h, _ in marks), sum(c for _, c in marks)
        print(f"  {hits}/{len(marks)} caught, {cleans}/{len(marks)} nothing else  {name}")
    total = sum(hit for _, _, hit, _, _ in results)
    clean = sum(c for _, _, _, c, _ in results)
    times = sorted(t for *_, t in results)
    print(
        f"caught and blamed right: {total}/{len(results)} ({100 * total / len(results):.1f}%), "
        f"nothing else charged: {clean}/{len(results)}, over {args.seeds} seeds; grading "
        f"time median {times[len(times) // 2]:.1f} s, worst {times[-1]:.1f} s"
    )


if __name__ == "__main__":
    main()
