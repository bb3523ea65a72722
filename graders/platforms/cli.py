"""The ``chaingrade`` command.

    chaingrade check [SUBMISSION] [--assignment NAME] [--json] [--html PAGE] [GRADING OPTIONS]
    chaingrade grade SUBMISSION [--assignment NAME] [--results results.json] [--html PAGE]
                     [GRADING OPTIONS]
    chaingrade gradescope ASSIGNMENT [-o autograder.zip] [--python 3.10] [--public-seed]
                          [--api NAME|JSON|FILE] [--entry NAME]
    chaingrade classroom ASSIGNMENT [-o .github/workflows/classroom.yml] [--python 3.11]
                         [--api NAME|JSON|FILE] [--entry NAME]
    chaingrade release ASSIGNMENT -o DIR [--python 3.11] [--wheelhouse [--platform TAG]
                       [--python-version X.Y]]
    chaingrade batch SUBMISSIONS_DIR [--assignment NAME] --out DIR [--scheduler ADDRESS]
                     [GRADING OPTIONS]
    chaingrade policy [--assignment NAME]

GRADING OPTIONS are ``--api``, ``--entry``, ``--grading-seed-file`` and ``--examples``
(``graders.platforms.options``). ``--assignment`` defaults to the assignment in the
current folder (a student pack), else the bundled ``scalar_autodiff``.

``check`` is the student's local check: it grades SUBMISSION (by default the
assignment's bundled reference solution, so a newcomer sees it work at once) with the
same settings CI uses and prints each part's score and each finding. It exits 0 when
the submission earns full marks, 1 when it does not, 2 on a usage error.

``grade`` is the CI entry point: it writes Gradescope's results.json (``-`` for standard
output) and exits 0 whatever the score, once the results are written. ``--html PAGE``
on either also writes the feedback page (``graders.platforms.html_report``). ``gradescope``
builds Gradescope's autograder zip, ``classroom`` GitHub Classroom's workflow, and
``release`` the student pack. ``batch`` grades a folder of submissions in parallel
(locally, or on a Dask cluster) and exits 1 if any could not be graded. ``policy``
prints what a submission may import and use.

Every command exits 2 with a one-line reason on bad input, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from graders.assignment import AssignmentError, load
from graders.grading import grade
from graders.platforms import options, report
from graders.platforms.distribution import GRADESCOPE_PYTHON
from graders.sandbox.users import SandboxError

#: The assignment ``--assignment`` names by default when the current folder has none.
DEFAULT_ASSIGNMENT = "scalar_autodiff"
#: GitHub Classroom's runner Python, and so the student pack's pins.
CLASSROOM_PYTHON = "3.11"


def default_assignment(submission: Path | None = None) -> str:
    """The assignment in the current folder or beside the submission (a student pack),
    else the bundled example."""
    for folder in (Path("."), submission.parent if submission else None):
        if folder is not None and (folder / "assignment.toml").is_file():
            return str(folder)
    return DEFAULT_ASSIGNMENT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chaingrade",
        description=(
            "Grade autodiff engines (reverse mode, dual numbers, grad(f) and jvp) and "
            "name the wrong chain-rule step."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="check a submission locally, as CI grades it")
    check.add_argument(
        "submission",
        nargs="?",
        type=Path,
        help="the student's file, folder or notebook (default: the assignment's reference "
        "solution)",
    )
    _grading(check)
    _parts_at_once(check)
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    _html(check)

    graded = commands.add_parser("grade", help="grade a submission into Gradescope's results.json")
    graded.add_argument("submission", type=Path, help="the student's file, folder or notebook")
    _grading(graded)
    _parts_at_once(graded)
    graded.add_argument(
        "--results",
        default="results.json",
        metavar="PATH",
        help="where to write results.json; - for standard output (default: results.json)",
    )
    _html(graded)

    zipped = commands.add_parser("gradescope", help="build a Gradescope autograder zip")
    zipped.add_argument("assignment", help="assignment name or folder")
    zipped.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("autograder.zip"),
        help="the zip to write (default: autograder.zip)",
    )
    zipped.add_argument(
        "--python",
        default=GRADESCOPE_PYTHON,
        help="the Python of the Gradescope base image: 3.10 for Ubuntu 22.04 "
        "(default), 3.12 for Ubuntu 24.04",
    )
    zipped.add_argument(
        "--public-seed",
        action="store_true",
        help="grade with the assignment's public seed (default: a secret "
        "random seed baked into the zip)",
    )
    zipped.add_argument("--examples", type=int, help="Hypothesis examples per part")
    options.add_to_parser(zipped, only=("--api", "--entry"))
    zipped.add_argument(
        "--user",
        default="chaingrade",
        help="unprivileged user student code runs as (default: chaingrade)",
    )

    workflow = commands.add_parser("classroom", help="write a GitHub Classroom workflow")
    workflow.add_argument("assignment", help="assignment name or folder")
    workflow.add_argument(
        "-o", "--output", default="-", help="file to write (default: standard output)"
    )
    workflow.add_argument(
        "--python",
        default=CLASSROOM_PYTHON,
        help=f"Python version of the runner (default: {CLASSROOM_PYTHON})",
    )
    options.add_to_parser(workflow, only=("--api", "--entry"))

    pack = commands.add_parser("release", help="write the student pack for an assignment")
    pack.add_argument("assignment", help="assignment name or folder")
    pack.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    pack.add_argument("--force", action="store_true", help="replace a folder that is not empty")
    pack.add_argument(
        "--python",
        default=CLASSROOM_PYTHON,
        help="Python of the pack's Classroom workflow, which its pins are for "
        f"(default: {CLASSROOM_PYTHON})",
    )
    pack.add_argument(
        "--wheelhouse",
        action="store_true",
        help="bundle a wheel of every dependency (for this platform with this Python and "
        "with --python's, and each --platform/--python-version pair), so the pack installs "
        "with no package index",
    )
    pack.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="TAG",
        help="with --wheelhouse: also wheels for this platform tag (manylinux_2_28_x86_64, "
        "macosx_11_0_arm64, win_amd64; repeat for more)",
    )
    pack.add_argument(
        "--python-version",
        action="append",
        default=[],
        metavar="X.Y",
        help="with --wheelhouse: also wheels for this Python (paired in order with --platform)",
    )

    many = commands.add_parser("batch", help="grade a folder of submissions in parallel")
    many.add_argument(
        "submissions",
        type=Path,
        help="folder of submissions: NAME.py files, NAME/ folders, NAME.ipynb",
    )
    _grading(many)
    many.add_argument("--out", type=Path, required=True, help="folder for the results")
    many.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on this Dask distributed scheduler (e.g. tcp://host:8786)",
    )
    many.add_argument("--jobs", type=int, help="local parallel gradings (default: one per core)")
    many.add_argument(
        "--timeout",
        type=float,
        help="seconds one grading may take (default: the assignment's limits)",
    )
    many.add_argument("--no-progress", action="store_true", help="no progress bar")

    shown = commands.add_parser("policy", help="print what a submission may import and use")
    shown.add_argument(
        "--assignment",
        default=None,
        help=f"assignment name or folder (default: this folder's, else {DEFAULT_ASSIGNMENT})",
    )
    return parser


def _grading(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assignment",
        default=None,
        help=f"assignment name or folder (default: this folder's, else {DEFAULT_ASSIGNMENT})",
    )
    options.add_to_parser(parser)


def _parts_at_once(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        type=int,
        help="parts graded at once, each in a process of its own (default: one per core); "
        "the grade is the same",
    )


def _html(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="also write the feedback page: one self-contained HTML file with each "
        "finding's graph and reproducer",
    )


#: Exit status when this machine cannot grade as asked (a worker user cannot run the
#: Python, or does not exist): 0 is full marks, 1 anything less, 2 a usage error.
CANNOT_GRADE_HERE = 3


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options.check_examples(getattr(args, "examples", None))
        name = getattr(args, "assignment", None) or default_assignment(
            getattr(args, "submission", None)
        )
        assignment = load(name, api=getattr(args, "api", None), entry=getattr(args, "entry", None))
        return COMMANDS[args.command](args, assignment)
    except BrokenPipeError:  # `chaingrade release ... | head`: the reader left, not an error
        _quiet_stdout()
        return 0
    except SandboxError as e:  # the machine is set up wrong, not the command: no usage
        print(f"chaingrade: cannot grade here: {e}", file=sys.stderr)
        return CANNOT_GRADE_HERE
    except _unreachable_index() as e:  # no package index from here: not a usage error
        print(f"chaingrade: {e}", file=sys.stderr)
        return CANNOT_GRADE_HERE
    except (ValueError, OSError) as e:  # our own errors say what to fix; so do the OS's
        if not isinstance(e, _user_errors()):
            raise
        parser.error(str(e))


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so flushing it at exit raises no second
    BrokenPipeError (the recipe in Python's ``signal`` documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _graded(args, assignment, submission: Path):
    _need_file(submission)
    if args.jobs is not None and args.jobs < 1:
        raise options.UsageError(f"--jobs {args.jobs}: give at least 1")
    return grade(
        assignment,
        submission,
        grading_seed=options.grading_seed(args.grading_seed_file),
        examples=args.examples,
        jobs=args.jobs or os.cpu_count() or 1,  # parts are independent: grade them at once
    )


def _check(args, assignment) -> int:
    submission = args.submission or assignment.solution
    if submission is None:
        raise AssignmentError(
            f"assignment {assignment.name} has no reference solution: name a submission"
        )
    result = _graded(args, assignment, submission)
    _write_html(args.html, result)
    if args.json:
        print(report.as_json(result))
    else:
        private = options.grading_seed(args.grading_seed_file) is not None
        seed = (
            "a private seed"
            if private
            else "the public seed; a Gradescope autograder grades with a private one"
        )
        header = (
            f"chaingrade check: {submission} against {assignment.name} "
            f"({result.elapsed:.1f} s, {seed})"
        )
        print(report.text(result, header=header), end="")
    return 0 if result.score == result.max_score else 1


def _grade(args, assignment) -> int:
    from graders.platforms import gradescope
    from graders.sandbox.users import pool_as_root

    pool_as_root()  # grades that count: as root, never student code as root by default
    result = _graded(args, assignment, args.submission)
    gradescope.write(gradescope.from_report(result), args.results)
    _write_html(args.html, result)
    if args.results != "-":
        header = (
            f"chaingrade grade: {args.submission} against {assignment.name} "
            f"({result.elapsed:.1f} s); results in {args.results}"
        )
        print(report.text(result, header=header), end="")
    return 0


def _write_html(path: Path | None, result) -> None:
    """The feedback page, when ``--html`` asks for it (matplotlib loads only then)."""
    if path is None:
        return
    from graders.platforms import gradescope, html_report

    html_report.write(gradescope.from_report(result), path)
    print(f"chaingrade: wrote the feedback page {path}", file=sys.stderr)


def _gradescope(args, assignment) -> int:
    from graders.platforms import autograder

    options.check_examples(args.examples)
    path = autograder.build(
        assignment,
        args.output,
        python=args.python,
        private_seed=not args.public_seed,
        examples=args.examples,
        user=args.user,
        api=args.api,
        entry=args.entry,
    )
    seed = "the assignment's public seed" if args.public_seed else "a secret seed baked in"
    print(
        f"chaingrade gradescope: wrote {path} for {assignment.name}, grading with {seed}: "
        f"upload it as the assignment's autograder, on a base image with Python "
        f"{args.python}"
    )
    return 0


def _classroom(args, assignment) -> int:
    from graders.platforms import autograder, classroom

    baked = autograder.grading_options(examples=None, api=args.api, entry=args.entry)
    text = classroom.workflow(assignment, python=args.python, options=baked)
    _warn_uneven(assignment)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"chaingrade classroom: wrote {path}")
    return 0


def _warn_uneven(assignment) -> None:
    """Say where a student's Classroom total can differ from Gradescope's."""
    from graders.platforms import classroom

    for line in classroom.uneven_parts(assignment):
        print(
            f"chaingrade: warning: {line}: a partly right student's Classroom total can differ "
            "from Gradescope's; make the part's points a multiple of its items",
            file=sys.stderr,
        )


def _release(args, assignment) -> int:
    from graders.platforms import release, wheelhouse

    if (args.platform or args.python_version) and not args.wheelhouse:
        raise options.UsageError("--platform and --python-version go with --wheelhouse")
    wheels = (
        wheelhouse.targets(args.platform, args.python_version, workflow_python=args.python)
        if args.wheelhouse
        else None
    )
    written = release.release(
        assignment, args.output, force=args.force, python=args.python, wheels=wheels
    )
    _warn_uneven(assignment)
    print(f"chaingrade release: wrote the student pack for {assignment.name} to {args.output}:")
    for path in written:
        print(f"  {path.relative_to(args.output)}")
    return 0


def _batch(args, assignment) -> int:
    from graders.platforms import batch

    if args.timeout is not None and args.timeout <= 0:
        raise batch.BatchError("--timeout must be a positive number of seconds")
    seed = options.grading_seed(args.grading_seed_file)
    summary = batch.run(
        args.submissions,
        assignment,
        args.out,
        scheduler=args.scheduler,
        jobs=args.jobs,
        timeout=args.timeout,
        options=tuple(options.to_argv({"api": args.api, "examples": args.examples})),
        grading_seed=seed,
        progress=not args.no_progress,
    )
    scores = [float(d.get("score", 0)) for d in summary.results.values()]
    mean = sum(scores) / len(scores) if scores else 0.0
    print(
        f"chaingrade batch: {len(summary.graded)} graded, {len(summary.skipped)} already "
        f"graded, {len(summary.errors)} could not be graded, {len(summary.not_submissions)} "
        f"skipped as not a submission, in {summary.elapsed:.1f} s; "
        f"mean score {mean:.1f} / {assignment.max_score:g}"
    )
    for name, reason in summary.errors.items():
        print(f"  not graded: {name}: {reason}")
    for name, reason in summary.not_submissions.items():
        print(f"  skipped: {name}: {reason}")
    print(
        f"  results: {args.out}/NAME.json and NAME.html, {args.out}/summary.html, "
        "summary.csv, summary.png"
    )
    return 1 if summary.errors else 0


def _policy(args, assignment) -> int:
    print(f"{assignment.name}: what a submission may use (assignment.toml [policy])")
    print(assignment.policy.describe(), end="")
    print(
        "imports blocked while it runs (a module of the submission's own by one of these "
        f"names is not): {', '.join(assignment.forbidden_imports)}"
    )
    return 0


def _need_file(path: Path) -> None:
    """A submission is a file, a folder or a notebook (``graders.submission``): it must
    exist; what it holds is the grader's to judge (a finding, not a usage error)."""
    if not path.exists():
        raise AssignmentError(f"no such file or folder: {path}")


def _unreachable_index() -> type[Exception]:
    from graders.platforms.wheelhouse import WheelhouseError

    return WheelhouseError


def _user_errors() -> tuple[type[Exception], ...]:
    from graders.platforms.autograder import AutograderError
    from graders.platforms.batch import BatchError
    from graders.platforms.classroom import ClassroomError
    from graders.platforms.distribution import DistributionError
    from graders.platforms.release import ReleaseError

    return (
        AssignmentError,
        AutograderError,
        BatchError,
        ClassroomError,
        DistributionError,
        ReleaseError,
        options.UsageError,
        OSError,
    )


COMMANDS = {
    "check": _check,
    "grade": _grade,
    "gradescope": _gradescope,
    "classroom": _classroom,
    "release": _release,
    "batch": _batch,
    "policy": _policy,
}


if __name__ == "__main__":
    sys.exit(main())
