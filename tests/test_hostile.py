"""Hostile and broken submissions: grading finishes, stays honest, and says why.

Each attack in ``tests/engines/hostile/`` is appended to the reference engine and graded
with short limits. Every test asserts the outcome, not merely that nothing crashed:

* a hang, a crash or a flood is stopped and named for what it was (the finding says
  which limit killed it): the tests assert the kill and the finding, never the seconds
  grading took, which a loaded machine can stretch past any bound;
* the score is not inflated (and parts the attack does not touch still score full);
* a finding gives the reason;
* no process of the submission is left running afterwards (by the pids the attack
  recorded, and by the environment marker of every worker this process started).

Most attacks use modules the static policy forbids (``os``, ``signal``, ``ctypes``), which
would stop them before they run. Those test the run-time defences, so they are graded
with the static policy off; ``test_policy.py`` tests the policy itself.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

import pytest
from platform_support import READS_THE_SOLUTION
from suite_selection import first_of_each_kind

from graders.assignment import load
from graders.engine.grader import EngineGrader as Grader
from graders.platforms import report as reports
from graders.results import Report
from graders.sandbox.policy import Policy
from graders.sandbox.runner import Limits

HOSTILE = Path(__file__).parent / "engines" / "hostile"
#: Short calls, so that a hang costs little; but an import (numpy, MyGrad, Hypothesis: 17 s
#: wall at load 20 on 2 cores) and a whole part get room that load cannot use up, so a
#: busy machine never charges an engine for being slow. Tests of those limits set theirs.
LIMITS = Limits(
    call_seconds=2, total_seconds=60, startup_seconds=60, memory_mb=1024, output_bytes=200_000
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@dataclasses.dataclass
class Graded:
    report: Report
    grader: Grader
    probe: Path

    def part(self, name: str) -> float:
        return self.report.part(name).score

    def full(self, name: str) -> bool:
        part = self.report.part(name)
        return part.score == part.max_score

    def findings(self, op: str | None = None, step: str | None = None) -> list:
        return [
            f
            for f in self.report.findings
            if (op is None or f.op == op) and (step is None or f.step == step)
        ]

    def messages(self, op: str | None = None) -> str:
        return "\n".join(f.message for f in self.findings(op))


def grade(
    tmp_path: Path,
    attack: str,
    *,
    limits: Limits = LIMITS,
    forbidden=None,
    examples: int = 4,
    parts: tuple[str, ...] = (),
    probe: Path | None = None,
    static_policy: bool = False,
    **paths,
) -> Graded:
    """Grade ``attack`` appended to the reference engine, placeholders filled in (only
    ``parts``, if given, to keep slow-to-diagnose attacks quick)."""
    assignment = load("scalar_autodiff")
    assignment = dataclasses.replace(
        assignment, limits=limits, policy=Policy(enabled=static_policy)
    )
    if parts:
        assignment = dataclasses.replace(
            assignment, parts=tuple(p for p in assignment.parts if p.name in parts)
        )
    if forbidden is not None:
        assignment = dataclasses.replace(assignment, forbidden_imports=forbidden)
    probe = probe or tmp_path / "probe"
    probe.mkdir(exist_ok=True)
    text = (HOSTILE / attack).read_text()
    text = text.replace("# @TAKEOVER@\n", (HOSTILE / "takeover.txt").read_text())
    for key, value in {"PROBE": probe, **paths}.items():
        text = text.replace(f"@{key}@", str(value))
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    submission = folder / "engine.py"
    assert assignment.solution is not None  # scalar_autodiff's is bundled
    submission.write_text(assignment.solution.read_text() + "\n\n" + text)
    grader = Grader(assignment, submission, examples=examples)
    report = grader.grade()
    graded = Graded(report, grader, probe)
    json.dumps(report.to_json(), allow_nan=False)  # the report is always strict JSON
    assert leftovers(graded) == []
    return graded


# --- no process left behind ----------------------------------------------------------


def _alive(pid: int, started: str | None = None) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except OSError:
        return False
    return stat[0] != b"Z" and (started is None or stat[19].decode() == started)


def leftovers(graded: Graded) -> list[str]:
    """Processes of this submission still running: recorded by the attack itself, or
    carrying the environment marker of a worker this test process started."""
    found = []
    for record in graded.probe.glob("*.pid"):
        pid, started = record.read_text().split()
        if _alive(int(pid), started):
            found.append(f"{record.name}: pid {pid}")
    marker = f"CHAINGRADE_SANDBOX={os.getpid()}-".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ and _alive(int(entry.name)):
            found.append(f"pid {entry.name}")
    return found


# --- exit or die -----------------------------------------------------------------------


def test_sys_exit_in_an_op(tmp_path):
    graded = grade(tmp_path, "sys_exit.py")
    assert "SystemExit" in graded.messages("exp")
    assert graded.part("exponentials and logs") == pytest.approx(10)
    assert graded.full("arithmetic") and graded.full("trigonometry")


def test_os_exit_in_an_op(tmp_path):
    graded = grade(tmp_path, "os_exit.py")
    assert "exited with status 0" in graded.messages("log")
    assert graded.part("exponentials and logs") == pytest.approx(10)
    assert graded.full("arithmetic") and graded.full("chain-rule machinery")


def test_keyboard_interrupt_and_system_exit_inside_backward(tmp_path):
    graded = grade(tmp_path, "interrupt_in_backward.py")
    assert "KeyboardInterrupt" in graded.messages("sin")
    assert "SystemExit" in graded.messages("cos")
    assert graded.part("trigonometry") == pytest.approx(5)
    assert graded.full("arithmetic") and graded.full("activations")


def test_segfault(tmp_path):
    graded = grade(tmp_path, "segfault.py")
    assert "SIGSEGV" in graded.messages("exp")
    assert graded.part("exponentials and logs") == pytest.approx(10)
    assert graded.full("arithmetic")


def test_unbounded_recursion_in_python_and_in_c(tmp_path):
    # Overflowing an 8 MB C stack faults in every page of it first: slow on some machines,
    # slower on a loaded one (6 s ran out at load 20).
    graded = grade(tmp_path, "recursion.py", limits=dataclasses.replace(LIMITS, call_seconds=30))
    assert "RecursionError" in graded.messages("tanh")
    assert "SIGSEGV" in graded.messages("sigmoid")
    assert graded.part("activations") == pytest.approx(5)
    assert graded.full("arithmetic") and graded.full("trigonometry")


# --- hang --------------------------------------------------------------------------------


def test_infinite_loop(tmp_path):
    graded = grade(tmp_path, "infinite_loop.py")
    assert "exceeded the time limit" in graded.messages("cos")
    assert graded.part("trigonometry") == pytest.approx(10)
    assert graded.full("arithmetic")


def test_infinite_loop_that_ignores_signals(tmp_path):
    graded = grade(tmp_path, "ignores_signals.py")
    assert "exceeded the time limit" in graded.messages("tan")
    assert graded.part("trigonometry") == pytest.approx(10)
    assert graded.full("arithmetic") and graded.full("exponentials and logs")


def test_hang_while_importing(tmp_path):
    limits = dataclasses.replace(LIMITS, startup_seconds=2)
    graded = grade(tmp_path, "hangs_on_import.py", limits=limits)
    assert graded.report.score == 0
    assert "could not be imported: exceeded the time limit" in graded.messages()


def test_hanging_everywhere_stops_at_the_total_time_limit(tmp_path):
    limits = dataclasses.replace(LIMITS, call_seconds=1, total_seconds=6)
    graded = grade(tmp_path, "hangs_everywhere.py", limits=limits)
    assert graded.report.score == 0
    assert "time limit" in graded.messages()


# --- exhaust -----------------------------------------------------------------------------


def test_allocating_tens_of_gigabytes(tmp_path):
    graded = grade(tmp_path, "allocates_30gb.py")
    for op in ("exp", "log", "sqrt"):
        assert "MemoryError" in graded.messages(op)
    assert graded.part("exponentials and logs") == 0
    assert graded.full("arithmetic") and graded.full("trigonometry")


def test_flooding_stdout_and_stderr(tmp_path):
    graded = grade(tmp_path, "floods_output.py")
    assert (
        f"your code printed more than {LIMITS.output_bytes} bytes in one call"
        in graded.messages("log")
    )
    assert graded.part("exponentials and logs") == pytest.approx(10)
    assert graded.full("arithmetic")
    assert len(graded.report.student_output) <= 2000


def test_children_that_outlive_the_worker_are_killed(tmp_path):
    results = tmp_path / "autograder-results"
    results.mkdir()
    graded = grade(tmp_path, "orphans.py", RESULTS=results)
    # No engine starts programs: the forks are reported, and every one of them is gone.
    assert graded.report.score == 0
    assert "started a program (os.fork)" in graded.report.findings[0].message
    assert {p.name.split("-")[0] for p in graded.probe.glob("*.pid")} == {
        "child",
        "session",
        "daemon",
    }
    ours = json.dumps(graded.report.to_json())
    (results / "results.json").write_text(ours)  # as the CLI does, after grading
    time.sleep(0.5)
    assert (results / "results.json").read_text() == ours


# --- lie ------------------------------------------------------------------------------------


def test_rigged_float_gradients(tmp_path):
    graded = grade(tmp_path, "rigged_floats.py", parts=("arithmetic", "activations"), examples=3)
    for part in ("arithmetic", "activations"):
        assert graded.part(part) == 0, part
    assert graded.findings(step="local-derivative")
    assert graded.report.score < graded.report.max_score


def test_infinity_is_never_a_right_answer(tmp_path):
    graded = grade(tmp_path, "answers_infinity.py")
    for part in ("exponentials and logs", "trigonometry", "activations"):
        assert graded.part(part) == 0, part
    assert graded.full("arithmetic")
    reports.as_json(graded.report)


def test_writing_into_the_graders_pipes_through_proc_is_a_policy_violation(tmp_path):
    graded = grade(tmp_path, "writes_to_the_grader.py")
    assert graded.report.score == 0
    assert "(another process)" in graded.report.findings[0].message


def test_gradients_that_are_not_numbers(tmp_path):
    graded = grade(tmp_path, "not_numbers.py")
    shown = {
        op: graded.messages(op)
        for op in ("exp", "log", "sin", "cos", "tan", "sqrt", "tanh", "sigmoid", "relu")
    }
    assert "nan" in shown["exp"]
    assert "inf" in shown["log"]
    assert "str (not a number)" in shown["sin"]
    assert "gives 0" in shown["cos"]  # a missing gradient counts as 0
    assert "shape (2,)" in shown["tan"]
    assert "shape (1, 1)" in shown["sqrt"]
    assert "_Boom (not a number)" in shown["tanh"]
    assert "the gradient is not available" in shown["sigmoid"]
    assert "bool (not a number)" in shown["relu"]
    for part in ("exponentials and logs", "trigonometry", "activations"):
        assert graded.part(part) == 0, part
    assert graded.full("arithmetic") and graded.full("powers")
    reports.as_json(graded.report)  # strict JSON: no NaN or Infinity leaks into the report


def test_fake_passing_summary_is_only_shown_as_the_students_output(tmp_path):
    graded = grade(tmp_path, "prints_fake_score.py")
    assert graded.report.score < graded.report.max_score
    assert graded.findings("exp", "local-derivative")
    text = reports.text(graded.report)
    assert "\x1b" not in text and "\r" not in text
    before, _, printed = text.partition("Your code printed")
    assert "No findings" not in before and "No findings" in printed
    data = json.loads(reports.as_json(graded.report))
    assert data["score"] == graded.report.score < 100
    assert "All tests passed" not in json.dumps(data)


def test_forged_worker_replies(tmp_path):
    limits = dataclasses.replace(LIMITS, total_seconds=8)
    graded = grade(tmp_path, "forges_replies.py", limits=limits, examples=6)
    assert graded.report.score == 0  # no forged case counts
    message = graded.report.findings[0].message
    assert message.startswith("policy violation: ")
    assert "rewrote the code of a function of the worker" in message
    assert "rewrote the defaults of a function of the worker" in message
    assert "gc.get_objects" in message
    data = reports.as_json(graded.report)  # strict JSON
    assert "\x1b" not in data and "\x1b" not in reports.text(graded.report)
    assert all(len(f.message) <= 600 for f in graded.report.findings)


# --- tamper -----------------------------------------------------------------------------------


def test_monkeypatching_math_numpy_mygrad_and_hypothesis(tmp_path):
    graded = grade(tmp_path, "monkeypatches.py", forbidden=())
    assert graded.findings("exp", "forward")
    assert graded.findings("sigmoid", "forward")
    assert graded.part("exponentials and logs") < 15
    assert graded.full("arithmetic") and graded.full("trigonometry")


def test_chaingrade_cannot_be_imported_or_patched_from_the_worker(tmp_path):
    graded = grade(tmp_path, "patches_chaingrade.py")
    assert graded.report.score == 0
    assert graded.report.findings[0].message.startswith("policy violation: imports graders")


def test_forged_results_files(tmp_path):
    results, grader_cwd = tmp_path / "autograder-results", tmp_path / "grader-cwd"
    results.mkdir()
    grader_cwd.mkdir()
    graded = grade(tmp_path, "forges_results.py", RESULTS=results, GRADER_CWD=grader_cwd)
    assert graded.report.score < graded.report.max_score
    ours = json.dumps(graded.report.to_json())
    junit = f'<testsuite name="scalar_autodiff" score="{graded.report.score}"/>'
    written = {
        results / "results.json": ours,
        results / "junit.xml": junit,
        grader_cwd / "results.json": ours,
    }
    for path, text in written.items():  # the grader writes its results after grading
        path.write_text(text)
    time.sleep(0.5)  # the forging thread rewrote its files every 20 ms while it lived
    for path, text in written.items():
        assert path.read_text() == text
    assert not graded.grader.runner.workdir.exists()


def test_modules_shipped_beside_the_engine_are_ignored(tmp_path, monkeypatch):
    folder = tmp_path / "submission"
    folder.mkdir()
    probe = tmp_path / "probe"
    for name in ("conftest", "sitecustomize", "usercustomize", "numpy", "mygrad", "math"):
        (folder / f"{name}.py").write_text(
            f"open({str(probe / (name + '.ran'))!r}, 'w').close()\ndef exp(x):\n    return 0.0\n"
        )
    (folder / "startup.py").write_text(f"open({str(probe / 'startup.ran')!r}, 'w').close()\n")
    monkeypatch.setenv("PYTHONPATH", str(folder))
    monkeypatch.setenv("PYTHONSTARTUP", str(folder / "startup.py"))
    monkeypatch.setenv("PYTHONUSERBASE", str(folder))
    graded = grade(tmp_path, "ships_modules.py")
    assert list(probe.glob("*.ran")) == []
    assert graded.report.score == graded.report.max_score


# --- delegate ---------------------------------------------------------------------------------


def test_importing_mygrad_is_a_policy_violation(tmp_path):
    graded = grade(tmp_path, "imports_mygrad.py")
    assert graded.report.score == 0
    assert graded.report.findings[0].step == "error"
    assert graded.report.findings[0].message.startswith("policy violation: imports mygrad")
    assert all(p.findings == graded.report.findings for p in graded.report.parts)


def test_lazy_imports_of_torch_and_jax_are_policy_violations(tmp_path):
    graded = grade(tmp_path, "imports_lazily.py")
    assert graded.report.score == 0
    assert graded.report.findings[0].message.startswith("policy violation: imports jax, torch")


def test_removing_import_hooks_does_not_hide_a_forbidden_import(tmp_path):
    graded = grade(tmp_path, "evades_import_guard.py")
    assert graded.report.score == 0
    message = graded.report.findings[0].message
    assert message.startswith("policy violation: imports mygrad")
    assert "changed sys.meta_path" in message


def test_forbidden_imports_come_from_the_assignment(tmp_path):
    graded = grade(tmp_path, "imports_lazily.py", forbidden=("mygrad",))
    assert graded.report.score == graded.report.max_score  # torch and jax are allowed here


# --- broken -----------------------------------------------------------------------------------


def test_syntax_error(tmp_path):
    graded = grade(tmp_path, "syntax_error.txt")
    assert graded.report.score == 0
    assert "the submission has a syntax error" in graded.messages()


def test_missing_functions(tmp_path):
    graded = grade(tmp_path, "missing_functions.py")
    for op in ("sqrt", "relu", "rpow"):
        assert graded.findings(op, "missing"), op
    assert graded.full("arithmetic") and graded.full("trigonometry")
    assert graded.part("powers") == pytest.approx(10)


def test_import_of_a_module_that_is_not_installed(tmp_path):
    graded = grade(tmp_path, "imports_missing_module.py")
    assert graded.report.score == 0
    assert "could not be imported" in graded.messages()
    assert "chaingrade_no_such_module" in graded.messages()


def test_a_daemon_survives_no_killing_of_its_supervisor(tmp_path):
    graded = grade(tmp_path, "kills_supervisor.py")
    assert graded.report.score == 0
    assert "started a program (os.fork)" in graded.messages()
    assert [p.name.split("-")[0] for p in graded.probe.glob("*.pid")] == ["daemon"]


def test_a_kill_by_signal_is_reported_as_what_it_is(tmp_path):
    graded = grade(tmp_path, "kills_itself.py")
    assert "killed by signal 9 (memory limit or killed)" in graded.messages("exp")
    assert "sys.exit" not in graded.messages("exp")
    assert graded.full("arithmetic") and graded.full("trigonometry")


def test_the_bundled_solution_cannot_be_found_or_run(tmp_path):
    graded = grade(tmp_path, "finds_the_solution.py")
    assert graded.report.score == 0
    assert graded.report.findings[0].message.startswith("policy violation")


def honest(graded: Graded, own: Graded) -> bool:
    """Did an attack that fell back on its own engine score what that engine earns (or 0
    for a policy violation), never what the solution it tried to read would have?"""
    first = graded.report.findings[0].message if graded.report.findings else ""
    if graded.report.score == 0 and first.startswith("policy violation"):
        return True
    return graded.report.score == own.report.score and bool(graded.findings("cos"))


@pytest.fixture(scope="module")
def wrong_cos(tmp_path_factory) -> Graded:
    return grade(tmp_path_factory.mktemp("honest"), "wrong_cos.py", examples=3)


@pytest.mark.parametrize("attack", first_of_each_kind(READS_THE_SOLUTION))
def test_the_solution_cannot_be_opened_by_any_route(tmp_path, attack, wrong_cos):
    solution = load("scalar_autodiff").solution  # the checkout's: readable by every user
    graded = grade(tmp_path, attack, examples=3, SOLUTION=solution)
    assert wrong_cos.report.score < 100 and not wrong_cos.full("trigonometry")
    assert honest(graded, wrong_cos), [f.message for f in graded.report.findings]


def test_swapping_jsons_encoder_does_not_reach_the_replies(tmp_path, wrong_cos):
    graded = grade(tmp_path, "swaps_the_reply_encoder.py", examples=3)
    assert graded.report.score == wrong_cos.report.score and graded.findings("cos")


# --- the zygote: one import per grading, a copy of the worker per part ------------------------


def test_a_process_made_with_the_workers_own_fork_is_a_policy_violation(tmp_path):
    graded = grade(tmp_path, "forks_a_copy_of_the_worker.py")
    assert graded.report.score == 0
    message = graded.report.findings[0].message
    # The frame that leads to the fork is refused first (a copy kept running would be
    # named "kept running after its part").
    assert "reached for the worker's frames (sys._getframe)" in message
    assert not list(graded.probe.glob("hidden-*.pid"))


#: What the guard says when the submission asks for a frame by ``sys._getframe``.
FRAME = "reached for the worker's frames (sys._getframe)"


# A quick run: the first attack of each message; --full every one.
@pytest.mark.parametrize(
    "attack, said",
    first_of_each_kind(
        [
            # These find the guard or the fork through a frame, which is refused first
            # (frames.py). Were one reached: the kernel refuses to close or replace the alarm
            # descriptor (pinned.py), so the guard's report of the rewrite that follows
            # arrives, and a copy kept running is found at its part's end.
            ("silences_the_alarm_in_a_copy.py", FRAME),
            ("serves_every_part_from_one_copy.py", FRAME),
            ("redirects_the_alarm_and_restores_it.py", FRAME),
            ("silences_the_alarm_without_copies.py", FRAME),
            ("fills_the_alarm_pipe.py", "wrote into the pipe the worker reports on"),
            ("blanks_out_the_alarms.py", "wrote into the pipe the worker reports on"),
            ("rebinds_what_the_guard_calls.py", "solution"),
        ],
        kind=lambda case: case[1],
    ),
)
def test_tampering_with_a_parts_copy_or_the_alarm_pipe_is_a_policy_violation(
    tmp_path, attack, said
):
    graded = grade(tmp_path, attack)
    assert all(p.score == 0 for p in graded.report.parts)
    assert said in graded.messages()


# --- frames: from one, f_back, f_globals and f_locals reach all of the worker ---------------


@pytest.mark.parametrize(  # a quick run: the first; --full every one
    "attack",
    first_of_each_kind(
        [
            "shadows_a_builtin_in_the_worker.py",  # a new global `map` in engine_calls
            "rewrites_the_workers_api.py",  # serve's api dict
            "disarms_the_integrity_check.py",  # audit's cells, the snapshot, in backward
            "forges_where_through_the_tracer_class.py",  # Tracer.record, for `where`
        ]
    ),
)
def test_reaching_the_worker_through_a_frame_is_a_policy_violation(tmp_path, attack):
    graded = grade(tmp_path, attack, examples=2, parts=("arithmetic", "trigonometry"))
    assert all(p.score == 0 for p in graded.report.parts)
    assert "reached for the worker's frames (.tb_frame)" in graded.messages()


def test_the_tracer_behind_where_is_not_the_submissions_to_rewrite(tmp_path):
    attack = "forges_where_through_gettrace.py"
    graded = grade(tmp_path, attack, examples=2, parts=("trigonometry",))
    assert graded.report.score == 0
    assert "read the defaults of a function of the worker" in graded.messages()
    assert all(place["line"] != 1 for f in graded.report.findings for place in f.where)


def test_no_route_gives_the_submission_a_frame(tmp_path):
    graded = grade(
        tmp_path, "reaches_for_frames_by_every_route.py", examples=2, parts=("arithmetic",)
    )
    assert (graded.probe / "frames.txt").read_text() == ""
    assert graded.report.score == 0
    assert "reached for the worker's frames" in graded.messages()


def test_no_code_that_calls_what_it_is_given_asks_for_a_frame_for_the_submission(tmp_path):
    """sys._getframe has no frame of its own: handed to code that calls it (frozen
    Mapping.get, numpy.vectorize, namedtuple's defaults, the import machinery, the worker
    calling an op), the code that asked is not the submission's, and still refused."""
    graded = grade(
        tmp_path,
        "launders_frames_through_code_that_calls_what_it_is_given.py",
        examples=2,
        parts=("arithmetic", "trigonometry"),
    )
    assert (graded.probe / "frames.txt").read_text() == ""
    assert graded.report.score == 0
    assert "reached for the worker's frames" in graded.messages()


@pytest.mark.parametrize("static_policy", [True, False], ids=["policy", "guard"])
def test_a_decorated_class_or_a_format_field_reaches_no_frame(tmp_path, static_policy):
    """Review 30: getattr(Config, <computed>) with Config rebound by its decorator, and
    string.Formatter().get_field("0.__globals__[...]"): violations before anything runs;
    without the static policy, the frame laundered through Mapping.get is refused."""
    graded = grade(
        tmp_path,
        "reaches_the_builtins_through_a_decorated_class_and_a_format_field.py",
        examples=2,
        parts=("arithmetic",),
        static_policy=static_policy,
    )
    frames = graded.probe / "frames.txt"  # written only by a frame reached
    assert not frames.exists() or frames.read_text() == ""
    assert graded.report.score == 0
    said = graded.messages()
    if static_policy:
        assert "getattr(..., <computed name>)" in said and ".get_field(" in said, said
    else:
        assert "reached for the worker's frames (sys._getframe)" in said, said


def test_standard_functions_that_read_frames_cost_a_correct_engine_nothing(tmp_path):
    graded = grade(
        tmp_path,
        "uses_frames_through_the_standard_library.py",
        examples=2,
        parts=("arithmetic", "trigonometry"),
    )
    assert graded.full("arithmetic") and graded.full("trigonometry"), graded.messages()


@pytest.mark.parametrize("static_policy", [True, False], ids=["policy", "guard"])
def test_libraries_that_read_their_callers_names_cost_a_correct_engine_nothing(
    tmp_path, static_policy
):
    """NumPy's np.bmat("a b") and np.r_["a, b"] read the caller's locals by name, attrs'
    make_class its module name: allowed when the submission's own code calls them."""
    graded = grade(
        tmp_path,
        "uses_libraries_that_read_their_callers_names.py",
        examples=2,
        parts=("arithmetic", "trigonometry"),
        static_policy=static_policy,
    )
    assert graded.full("arithmetic") and graded.full("trigonometry"), graded.messages()


def test_no_folder_of_proc_can_be_opened_to_read_another_process_by_dir_fd(tmp_path):
    graded = grade(tmp_path, "opens_proc_relative_to_a_descriptor.py", parts=("arithmetic",))
    assert (graded.probe / "proc.txt").read_text() == ""
    assert graded.report.score == 0
    assert "opened the folder /proc" in graded.messages()
