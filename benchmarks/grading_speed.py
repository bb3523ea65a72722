"""How fast grading is, and what it costs over running the student's engine alone.

    python benchmarks/grading_speed.py [--repeats 3] [--cases 300]

Prints
1. wall time of ``chaingrade check`` on the reference solution (a fresh process, as a
   student runs it), median of ``--repeats`` runs; and of ``pytest`` on the assignment's
   tests, serial and with ``-n 2`` (each part graded once, by the worker running its test);
2. time to a shrunk, named verdict for every engine in ``tests/engines/buggy``: median and
   worst of the whole ``grade()`` call (generation, worker round trips, oracles, diagnosis
   and Hypothesis's shrinking);
3. examples per second of the grading pipeline (one worker round trip per case, both
   oracles, probes, diagnosis) against the reference engine alone building and
   differentiating the same compositions in-process: the overhead ratio.
Numbers, never assertions.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graders.assignment import load
from graders.engine.grader import EngineGrader as Grader
from strategies import compositions, points

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"


def time_check(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "graders.platforms.cli", "check"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return times


def time_verdicts() -> dict[str, tuple[float, str]]:
    """Seconds to a named verdict for every engine of the buggy corpus (tests/engines/buggy.py)."""
    from detection_power import load_corpus

    corpus = load_corpus()
    assignment = load("scalar_autodiff")
    verdicts = {}
    with tempfile.TemporaryDirectory() as folder:
        for bug in corpus.BUGS:
            engine = corpus.write(bug.name, Path(folder) / f"{bug.name}.py")
            start = time.perf_counter()
            report = Grader(assignment, engine).grade()
            elapsed = time.perf_counter() - start
            first = report.findings[0].headline() if report.findings else "NOT CAUGHT"
            verdicts[bug.name] = (elapsed, first)
    return verdicts


def time_pytest(workers: int | None, repeats: int) -> list[float]:
    """Wall time of ``pytest assignments/scalar_autodiff`` on the reference solution, serial
    (``workers`` None) or with ``-n workers``: each part is graded once, by the process
    that runs its test."""
    times = []
    extra = [] if workers is None else ["-n", str(workers)]
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(ROOT / "assignments" / "scalar_autodiff"),
                *extra,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        times.append(time.perf_counter() - start)
    return times


def draw_cases(count: int) -> list:
    cases = []

    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.data())
    def collect(data):
        c = data.draw(compositions())
        cases.append((c, [data.draw(points(c)) for _ in range(2)]))

    collect()
    return cases


def engine_alone(cases) -> float:
    """Seconds for the reference engine to build and differentiate every case in-process."""
    spec = importlib.util.spec_from_file_location("engine", SOLUTION)
    engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(engine)
    import operator

    binary = {
        "+": operator.add,
        "-": operator.sub,
        "*": operator.mul,
        "/": operator.truediv,
        "**": operator.pow,
    }
    start = time.perf_counter()
    for composition, case_points in cases:
        data = composition.to_json()
        for point in case_points:
            nodes = [engine.tensor(v) for v in point]
            for node in data["nodes"]:
                args = [a["const"] if isinstance(a, dict) else nodes[a] for a in node["args"]]
                syntax = node["syntax"]
                if syntax in binary:
                    nodes.append(binary[syntax](*args))
                elif syntax == "neg":
                    nodes.append(-args[0])
                else:
                    nodes.append(getattr(engine, syntax)(args[0]))
            nodes[-1].backward()
    return time.perf_counter() - start


def pipeline(cases) -> float:
    """Seconds for the grading pipeline on the same cases (one round trip each)."""
    grader = Grader(load("scalar_autodiff"), SOLUTION)
    grader.start()
    try:
        start = time.perf_counter()
        for composition, case_points in cases:
            assert grader.check_case(composition, case_points) is None
        return time.perf_counter() - start
    finally:
        grader.runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()

    checks = time_check(args.repeats)
    print(
        f"chaingrade check on the reference solution: median {statistics.median(checks):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in checks)})"
    )
    serial, parallel = time_pytest(None, args.repeats), time_pytest(2, args.repeats)
    print(
        f"pytest assignments/scalar_autodiff on the reference: serial median "
        f"{statistics.median(serial):.2f} s, -n 2 median {statistics.median(parallel):.2f} s"
    )

    verdicts = time_verdicts()
    if verdicts:
        times = [t for t, _ in verdicts.values()]
        print(
            f"time to a shrunk, named verdict over {len(times)} buggy engines: "
            f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s"
        )
        for name, (t, headline) in sorted(verdicts.items(), key=lambda kv: -kv[1][0]):
            print(f"  {t:6.2f} s  {name:40s} {headline}")

    cases = draw_cases(args.cases)
    alone = engine_alone(cases)
    graded = pipeline(cases)
    n = len(cases)
    print(
        f"engine alone: {n / alone:9.0f} cases/s   grading pipeline: {n / graded:6.0f} cases/s   "
        f"overhead ratio: {graded / alone:.0f}x  ({n} cases, 2 points each)"
    )


if __name__ == "__main__":
    main()
