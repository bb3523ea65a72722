"""The tensor kind: check time on the reference, time to a verdict over the corpus, and
the gate's discard rate.

    python benchmarks/tensor_speed.py [--seeds 2] [--jobs 2] [--examples N] [NAME ...]

1. Grades the reference solution of ``tensor_autodiff`` (and every correct engine of
   ``tests/engines/tensor/correct``) and prints the time per part and in all, the CPU
   time of the grading process and of its workers, the worker round trips, and the
   share of generated cases the gate discarded (MyGrad and the numerical oracle
   disagreed, or a tie met ``max``). On a loaded machine the wall time grows with the
   load; the CPU times and the round trips much less.
2. Grades every buggy engine of ``tests/engines/tensor/buggy.py`` (or the NAMEs given)
   at grading seeds 0..SEEDS-1 and prints, per engine, the time to a verdict (wall, and
   CPU of the grading and its workers) and in how many seeds its ``EXPECTED`` finding was
   made, then the engine whose verdict costs the most CPU.
3. The discard rate of the strategies alone: how many drawn compositions the gate keeps.

Numbers, never assertions (tests/ holds the assertions).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "engines" / "tensor" / "buggy.py"
CORRECT = ROOT / "tests" / "engines" / "tensor" / "correct"
SOLUTION = ROOT / "assignments" / "tensor_autodiff" / "solution" / "engine.py"


def load_corpus():
    spec = importlib.util.spec_from_file_location("chaingrade_tensor_corpus", CORPUS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def declared_api(path: Path) -> str | None:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "API" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return value if isinstance(value, str) else json.dumps(value)
    return None


def grade(job):
    """``(name, seed, expected found, seconds, grader, CPU seconds)``: CPU of this process
    and of the workers it started and ended, both while it graded."""
    from graders.assignment import load
    from graders.tensor.grader import TensorGrader

    path, api, identity, seed, examples = job
    grader = TensorGrader(
        load("tensor_autodiff", api=api), path, grading_seed=seed, examples=examples
    )
    start, before = time.perf_counter(), sum(_cpu())
    report = grader.grade()
    elapsed, cpu = time.perf_counter() - start, sum(_cpu()) - before
    hit = identity is None or tuple(identity) in {f.identity for f in report.findings}
    full = report.score == report.max_score
    return path.stem, seed, hit and (identity is not None or full), elapsed, grader, cpu


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its children that have ended (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, workers.ru_utime + workers.ru_stime


def _counting_round_trips() -> list[int]:
    """A counter of worker round trips (``Runner.run`` calls), from now on."""
    from graders.sandbox.runner import Runner

    count, run = [0], Runner.run

    def counted(self, *args, **kwargs):
        count[0] += 1
        return run(self, *args, **kwargs)

    Runner.run = counted
    return count


def reference_time(examples) -> None:
    from graders.assignment import load
    from graders.tensor.grader import TensorGrader

    trips = _counting_round_trips()
    print("check time, correct engines (public seed; wall, CPU of grading and of workers):")
    for path in [SOLUTION, *sorted(CORRECT.glob("*.py"))]:
        assignment = load("tensor_autodiff", api=declared_api(path))
        parts = []
        discarded = checked = 0
        trips[0], (own, workers) = 0, _cpu()
        for part in assignment.parts:
            grader = TensorGrader(assignment, path, examples=examples)
            start = time.perf_counter()
            report = grader.grade([part.name])
            parts.append((part.name, time.perf_counter() - start, report.score == report.max_score))
            discarded, checked = discarded + grader.discarded, checked + grader.checked
        total = sum(t for _, t, _ in parts)
        own2, workers2 = _cpu()
        shown = ", ".join(f"{n} {t:.1f}s{'' if ok else ' (NOT FULL)'}" for n, t, ok in parts)
        rate = discarded / max(checked, 1)
        print(
            f"  {path.stem:<24} {total:6.1f} s  CPU {own2 - own:5.1f} s + workers "
            f"{workers2 - workers:4.1f} s  {trips[0]} round trips  [{shown}]  "
            f"gate discarded {discarded}/{checked} ({rate:.1%})"
        )


def corpus_verdicts(names, seeds, jobs, examples) -> None:
    corpus = load_corpus()
    names = names or corpus.NAMES
    with tempfile.TemporaryDirectory() as folder:
        work = []
        for name in names:
            bug = corpus.BY_NAME[name]
            path = corpus.write(name, Path(folder) / f"{name}.py")
            for seed in range(seeds):
                work.append((path, corpus.APIS[bug.base], bug.expected, seed, examples))
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_verdict, work))
    print(f"\ntime to a verdict over the corpus ({len(names)} engines x {seeds} seeds):")
    by_name: dict[str, list] = {}
    for name, _seed, hit, seconds, cpu in results:
        by_name.setdefault(name, []).append((hit, seconds, cpu))
    for name, runs in by_name.items():
        hits = sum(h for h, _, _ in runs)
        mean = sum(s for _, s, _ in runs) / len(runs)
        cpu = sum(c for _, _, c in runs) / len(runs)
        print(
            f"  {name:<36} caught and blamed {hits}/{len(runs)}   {mean:5.1f} s  CPU {cpu:5.1f} s"
        )
    runs = [run for r in by_name.values() for run in r]
    caught, total = sum(h for h, _, _ in runs), max(len(runs), 1)
    mean = sum(s for _, s, _ in runs) / total
    worst = max(by_name, key=lambda n: sum(c for _, _, c in by_name[n]), default="-")
    worst_cpu = max((sum(c for _, _, c in r) / len(r) for r in by_name.values()), default=0.0)
    print(
        f"  overall: {caught}/{total} ({caught / total:.0%}), mean {mean:.1f} s per grading; "
        f"the most CPU: {worst} ({worst_cpu:.1f} s CPU per grading)"
    )


def _verdict(job):
    name, seed, hit, seconds, _, cpu = grade(job)
    return name, seed, hit, seconds, cpu


def strategy_discards(count: int = 500) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from graders.model.array_oracles import reference
    from strategies.arrays import array_compositions, array_points

    kept, start = [], time.perf_counter()

    @settings(max_examples=count, derandomize=True, database=None, deadline=None)
    @given(st.data())
    def draw(data):
        composition = data.draw(array_compositions(max_ops=6, sharing=0.5))
        kept.append(reference(composition, data.draw(array_points(composition))) is not None)

    draw()
    seconds = time.perf_counter() - start
    print(
        f"\nstrategies + oracles alone: {len(kept)} cases, the gate kept {sum(kept)} "
        f"({sum(kept) / len(kept):.1%}), {len(kept) / seconds:.0f} cases/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    reference_time(args.examples)
    corpus_verdicts(args.names, args.seeds, args.jobs, args.examples)
    strategy_discards()


if __name__ == "__main__":
    main()
