"""Where a grading's CPU goes, part by part: the grading process's own work, split by
stage, and each part's worker (the process that runs the student's code).

    python benchmarks/part_costs.py [--assignment scalar_autodiff] [--submission PATH]
                                    [--seed N] [--jobs 1]

With ``--jobs 1`` (the default) every part is graded in this process, so each stage's CPU
is measured where it is spent. Prints, per part, the CPU seconds (``time.process_time``,
exclusive: a stage's time leaves out the stages measured inside it) of

* ``worker``: starting or forking the part's worker (``BaseGrader.start``: the fresh
  worker of the first part, the zygote's copy after), and ending it;
* ``search``: Hypothesis drawing the cases and running the search (``graders.search``);
* ``oracles``: MyGrad and the numerical oracle (``model.oracles.reference_arrays``; for
  the array kind, ``tensor.ready``: the gate as a case is made ready, and the isolated
  nodes' references);
* ``round trips``: sending jobs and reading replies (``Runner.run``, less the oracles it
  overlaps with);
* ``fixed``: building the fixed checks of ops alone (``model.probes.fixed_checks``);
* ``checks``: checking a case, less its oracles and round trips (``check_case_all``, the
  array kind's ``_judge``: planning the jobs, comparing every number, diagnosing a wrong
  one);
* ``search`` is then Hypothesis itself: drawing the cases, running and shrinking;
* ``other``: the rest (the sweep, scoring, locating findings);

then the workers' own CPU per part (the copy that served it, read from ``/proc``), and
the start of a fresh process: importing chaingrade as ``chaingrade check`` does. Numbers,
never assertions; the machine's load is printed beside them.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (module, attribute path, stage): the functions whose CPU is counted as that stage.
STAGES = (
    ("graders.grading", "BaseGrader.start", "worker"),
    ("graders.sandbox.runner", "Runner.end_part", "worker"),
    ("graders.search", "search", "search"),
    ("graders.model.oracles", "reference_arrays", "oracles"),
    ("graders.sandbox.runner", "Runner.run", "round trips"),
    ("graders.model.probes", "fixed_checks", "fixed"),
    ("graders.engine.grader", "EngineGrader.check_case_all", "checks"),
    # the array kind's: the gate's stacked oracles as a case is made ready, the isolated
    # nodes' references, and judging a case's replies
    ("graders.tensor.grader", "ready", "oracles"),
    ("graders.tensor.ready", "ReadyCase.probe_references", "oracles"),
    ("graders.tensor.grader", "TensorGrader._judge", "checks"),
)


class Stages:
    """Exclusive CPU per stage, for the part being graded."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []

    def wrap(self, function, stage: str):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self._stack.append([time.process_time(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                began, inner = self._stack.pop()
                took = time.process_time() - began
                self.spent[stage] += took - inner
                if self._stack:
                    self._stack[-1][1] += took

        return timed

    def install(self) -> None:
        for module_name, path, stage in STAGES:
            module = importlib.import_module(module_name)
            *owners, name = path.split(".")
            owner = functools.reduce(getattr, owners, module)
            setattr(owner, name, self.wrap(getattr(owner, name), stage))


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants, the reaped ones included."""
    tick, total, todo = os.sysconf("SC_CLK_TCK"), 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / tick
        for task in tasks:
            try:
                todo += [
                    int(c)
                    for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()
                ]
            except OSError:
                pass
    return total


def import_cost() -> tuple[float, float]:
    """CPU and wall seconds of a fresh Python importing what ``chaingrade check`` imports
    before it grades."""
    code = (
        "import graders.platforms.cli, graders.assignment, graders.grading, "
        "graders.engine.grader, graders.model.oracles, mygrad, hypothesis"
    )
    before = os.times()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return cpu, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="scalar_autodiff")
    parser.add_argument("--submission", type=Path, help="default: the reference solution")
    parser.add_argument("--seed", type=int, help="a grading seed (default: the public one)")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)

    from graders import grading
    from graders.assignment import load

    stages = Stages()
    stages.install()
    per_part: dict[str, dict[str, float]] = {}
    worker_cpu: dict[str, float] = {}
    graded = grading.BaseGrader.grade_in_fresh_worker

    def measured(self, part):
        stages.spent.clear()
        start = time.process_time()
        before = (
            tree_cpu(self._runner.process.pid) if self._runner and self._runner.process else 0.0
        )
        outcome = graded(self, part)
        process = self._runner.process if self._runner else None
        after = tree_cpu(process.pid) if process else None
        spent = dict(stages.spent)
        spent["other"] = time.process_time() - start - sum(spent.values())
        per_part[part.name] = spent
        if after is not None:  # a fresh start counts from zero
            worker_cpu[part.name] = after - (before if part is not self.assignment.parts[0] else 0)
        return outcome

    grading.BaseGrader.grade_in_fresh_worker = measured
    assignment = load(args.assignment)
    submission = args.submission or assignment.solution
    load_before = os.getloadavg()[0]
    start, wall = time.process_time(), time.perf_counter()
    report = grading.grade(assignment, submission, grading_seed=args.seed, jobs=args.jobs)
    total, took = time.process_time() - start, time.perf_counter() - wall
    children = os.times().children_user + os.times().children_system

    names = ["worker", "search", "checks", "oracles", "round trips", "fixed", "other"]
    print(f"{assignment.name}, {submission}: {report.score:g}/{report.max_score:g}")
    print(f"load average {load_before:.2f}; jobs {args.jobs}")
    print(
        f"{'part':28}" + "".join(f"{n:>12}" for n in names) + f"{'part CPU':>10}{'its worker':>12}"
    )
    for part, spent in per_part.items():
        row = "".join(f"{spent.get(n, 0.0):12.3f}" for n in names)
        worker = worker_cpu.get(part, float("nan"))
        print(f"{part[:28]:28}{row}{sum(spent.values()):10.3f}{worker:12.2f}")
    sums = {n: sum(s.get(n, 0.0) for s in per_part.values()) for n in names}
    print(f"{'all parts':28}" + "".join(f"{sums[n]:12.3f}" for n in names))
    print(f"grading process: {total:.2f} s CPU (reading the source included), wall {took:.2f} s")
    print(f"workers (reaped): {children:.2f} s CPU")
    cpu, wall_import = import_cost()
    print(
        f"a fresh process importing chaingrade for check: {cpu:.2f} s CPU, {wall_import:.2f} s wall"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
