"""Detection power: how often each buggy engine is caught and blamed right, over seeds.

    python benchmarks/detection_power.py [--seeds 8] [--examples N] [--jobs 2]

Grades every engine in ``tests/engines/buggy`` with grading seeds 0..SEEDS-1 (the
assignment's examples per part unless ``--examples``) and prints, per engine, in how many
seeds the finding named by its ``EXPECTED`` was made, then the overall rate. The test suite
checks the public seed; this shows what a private grading seed would do.
"""

from __future__ import annotations

import argparse
import ast
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from graders.assignment import load
from graders.engine.grader import EngineGrader as Grader

BUGGY = Path(__file__).resolve().parent.parent / "tests" / "engines" / "buggy"


def expected(path: Path) -> tuple:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXPECTED":
            return tuple(ast.literal_eval(node.value))
    raise ValueError(f"{path} has no EXPECTED")


def blamed(job: tuple[Path, int, int | None]) -> tuple[str, int, bool, float]:
    path, seed, examples = job
    start = time.perf_counter()
    report = Grader(load("scalar_autodiff"), path, grading_seed=seed, examples=examples).grade()
    hit = expected(path) in {f.identity for f in report.findings}
    return path.stem, seed, hit, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    jobs = [(p, s, args.examples) for p in sorted(BUGGY.glob("*.py")) for s in range(args.seeds)]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(blamed, jobs))
    by_engine: dict[str, list[bool]] = {}
    for name, _, hit, _ in results:
        by_engine.setdefault(name, []).append(hit)
    for name, hits in sorted(by_engine.items(), key=lambda kv: sum(kv[1])):
        print(f"  {sum(hits)}/{len(hits)}  {name}")
    total = sum(hit for _, _, hit, _ in results)
    times = sorted(t for *_, t in results)
    print(f"caught and blamed right: {total}/{len(results)} ({100 * total / len(results):.1f}%) "
          f"over {args.seeds} seeds; grading time median {times[len(times) // 2]:.1f} s, "
          f"worst {times[-1]:.1f} s")


if __name__ == "__main__":
    main()
