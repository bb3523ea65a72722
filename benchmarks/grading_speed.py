"""How fast grading is, and what it costs over running the student's engine alone.

    python benchmarks/grading_speed.py [--repeats 3] [--cases 100] [--rounds 5] [--points K]
                                      [--no-verdicts]

Prints
1. wall time of ``chaingrade check`` on the reference solution (a fresh process, as a
   student runs it), median of ``--repeats`` runs; and of ``pytest`` on the assignment's
   tests, serial and with ``-n 2`` (each part graded once, by the worker running its test);
2. time to a shrunk, named verdict for every engine in ``tests/engines/buggy``: median and
   worst of the whole ``grade()`` call (generation, worker round trips, oracles, diagnosis
   and Hypothesis's shrinking);
3. point-cases per ``check`` (a composition at one point, with its probes), and point-cases
   per second of the grading pipeline as the search runs a generated case (one worker
   round trip per composition, both oracles and the gate while the worker runs, every
   number compared) against the reference engine alone building and differentiating the
   same compositions at the same points in-process: the overhead. Each the best of
   ``--rounds`` rounds.
Also the start-up: a fresh Python loading chaingrade, MyGrad and Hypothesis.
Numbers, never assertions.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
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
from strategies import compositions, point_sets

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"


def time_check(repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each ``check`` run: CPU of the check process, the parts it
    forks and their workers (a loaded machine stretches the wall time, much less the CPU)."""
    times, cpus = [], []
    for _ in range(repeats):
        start, before = time.perf_counter(), _children_cpu()
        subprocess.run(
            [sys.executable, "-m", "graders.platforms.cli", "check"],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,  # check with no argument grades the reference of scalar_autodiff
        )
        times.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - before)
    return times, cpus


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


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


def draw_cases(count: int, size: int) -> list:
    """``count`` compositions, each with ``size`` points, drawn as grading draws them."""
    cases = []

    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.data())
    def collect(data):
        c = data.draw(compositions())
        cases.append((c, data.draw(point_sets(c, size))))

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
            # As the search runs a generated case: probes only where a number is wrong.
            assert grader.check_case(composition, case_points, probe_first=False) is None
        return time.perf_counter() - start
    finally:
        grader.runner.cleanup()


def point_cases_per_check() -> tuple[int, int, float]:
    """What one ``check`` of the reference checks, graded in this process part by part:
    point-cases (a composition at one point, with its probes), examples, seconds."""
    counted = [0]
    check_case_all = Grader.check_case_all

    def counting(self, composition, case_points, first=False, probe_first=True):
        counted[0] += len(case_points)
        return check_case_all(self, composition, case_points, first, probe_first)

    Grader.check_case_all = counting
    try:
        start = time.perf_counter()
        report = Grader(load("scalar_autodiff"), SOLUTION).grade()
        elapsed = time.perf_counter() - start
    finally:
        Grader.check_case_all = check_case_all
    return counted[0], sum(p.examples for p in report.parts), elapsed


def time_start_up(repeats: int) -> list[float]:
    """Seconds to start ``chaingrade`` and load what grading needs, before any grading."""
    times = []
    code = "import graders.platforms.cli, graders.engine.grader, graders.model.oracles"
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", type=int, default=100, help="compositions for the overhead")
    parser.add_argument("--no-verdicts", action="store_true", help="skip the buggy corpus")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the overhead")
    parser.add_argument(
        "--points",
        type=int,
        default=None,
        help="points per case for the overhead (default: the assignment's inputs_per_case)",
    )
    args = parser.parse_args()
    size = load("scalar_autodiff").inputs_per_case

    start_up = time_start_up(args.repeats)
    median = statistics.median(start_up)
    print(f"start-up (python, chaingrade, MyGrad, Hypothesis): median {median:.2f} s")
    checks, cpus = time_check(args.repeats)
    print(
        f"chaingrade check on the reference solution: median {statistics.median(checks):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in checks)}), CPU median "
        f"{statistics.median(cpus):.2f} s (the check, its part processes and their workers)"
    )
    counted, examples, elapsed = point_cases_per_check()
    print(
        f"point-cases per check: {counted} ({examples} generated compositions at {size} points, "
        f"plus the fixed checks), {counted / elapsed:.0f}/s graded part by part in one process"
    )
    serial, parallel = time_pytest(None, args.repeats), time_pytest(2, args.repeats)
    print(
        f"pytest assignments/scalar_autodiff on the reference: serial median "
        f"{statistics.median(serial):.2f} s, -n 2 median {statistics.median(parallel):.2f} s"
    )

    if not args.no_verdicts:
        verdicts = time_verdicts()
        times = [t for t, _ in verdicts.values()]
        print(
            f"time to a shrunk, named verdict over {len(times)} buggy engines: "
            f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s"
        )
        for name, (t, headline) in sorted(verdicts.items(), key=lambda kv: -kv[1][0]):
            print(f"  {t:6.2f} s  {name:40s} {headline}")

    size = args.points or size
    cases = draw_cases(args.cases, size)
    n = sum(len(p) for _, p in cases)
    # Each the best of several rounds, taken in turn: a 2-core VM's timings wander.
    rounds = [(engine_alone(cases), pipeline(cases)) for _ in range(args.rounds)]
    alone, graded = min(a for a, _ in rounds), min(g for _, g in rounds)
    print(
        f"point-cases per second: engine alone {n / alone:9.0f}/s, grading pipeline "
        f"{n / graded:7.0f}/s, overhead {graded / alone:.1f}x ({len(cases)} compositions at "
        f"{size} points, best of {args.rounds} rounds; the pipeline runs the engine in the "
        "sandboxed worker, both oracles and the gate, and compares every number)"
    )


if __name__ == "__main__":
    main()
