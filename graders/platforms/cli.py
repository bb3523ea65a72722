"""The ``chaingrade`` command.

    chaingrade check [SUBMISSION] [--assignment NAME] [--api PRESET] [--json]
    chaingrade grade SUBMISSION [--assignment NAME] [--results results.json]
    chaingrade gradescope ASSIGNMENT [-o autograder.zip]
    chaingrade classroom ASSIGNMENT [-o .github/workflows/classroom.yml]
    chaingrade release ASSIGNMENT -o DIR
    chaingrade batch SUBMISSIONS_DIR [--assignment NAME] --out DIR [--scheduler ADDRESS]

``check`` is the student's local check: it grades SUBMISSION (by default the
assignment's bundled reference solution, so a newcomer sees it work at once) with
the same settings CI uses and prints each part's score and each finding. It exits
0 when the submission earns full marks, 1 when it does not, 2 on a usage error.

``grade`` is the CI entry point: it writes Gradescope's results.json (``-`` for standard
output) and exits 0 whatever the score, once the results are written. ``gradescope``
builds Gradescope's autograder zip, ``classroom`` GitHub Classroom's workflow, and
``release`` the student pack. ``batch`` grades a folder of submissions in parallel
(locally, or on a Dask cluster) and exits 1 if any could not be graded.

Every command exits 2 with a one-line reason on bad input, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graders.assignment import AssignmentError, load
from graders.grading import grade
from graders.platforms import report
from graders.presets import PRESETS

DEFAULT_ASSIGNMENT = "scalar_autodiff"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chaingrade",
        description="Grade reverse-mode autodiff and name the wrong chain-rule step.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="check a submission locally, as CI grades it")
    check.add_argument("submission", nargs="?", type=Path,
                       help="the student's file (default: the assignment's reference solution)")
    _common_options(check)
    check.add_argument("--json", action="store_true", help="print the report as JSON")

    graded = commands.add_parser("grade", help="grade a submission into Gradescope's results.json")
    graded.add_argument("submission", type=Path, help="the student's file")
    _common_options(graded)
    graded.add_argument("--results", default="results.json", metavar="PATH",
                        help="where to write results.json; - for standard output "
                             "(default: results.json)")

    zipped = commands.add_parser("gradescope", help="build a Gradescope autograder zip")
    zipped.add_argument("assignment", help="assignment name or folder")
    zipped.add_argument("-o", "--output", type=Path, default=Path("autograder.zip"),
                        help="the zip to write (default: autograder.zip)")
    zipped.add_argument("--grading-seed", type=int,
                        help="grade with this private seed instead of the public one")
    zipped.add_argument("--examples", type=int, help="Hypothesis examples per part")
    zipped.add_argument("--user", default="chaingrade",
                        help="unprivileged user the tests run as (default: chaingrade)")

    workflow = commands.add_parser("classroom", help="write a GitHub Classroom workflow")
    workflow.add_argument("assignment", help="assignment name or folder")
    workflow.add_argument("-o", "--output", default="-",
                          help="file to write (default: standard output)")
    workflow.add_argument("--python", default="3.11", help="Python version for the runner")
    workflow.add_argument("--install", default="python -m pip install -r requirements.txt",
                          help="the step that installs chaingrade in the student's repository")

    pack = commands.add_parser("release", help="write the student pack for an assignment")
    pack.add_argument("assignment", help="assignment name or folder")
    pack.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    pack.add_argument("--force", action="store_true", help="replace a folder that is not empty")

    many = commands.add_parser("batch", help="grade a folder of submissions in parallel")
    many.add_argument("submissions", type=Path,
                      help="folder of submissions: NAME.py files or NAME/ folders")
    _common_options(many)
    many.add_argument("--out", type=Path, required=True, help="folder for the results")
    many.add_argument("--scheduler", metavar="ADDRESS",
                      help="grade on this Dask distributed scheduler (e.g. tcp://host:8786)")
    many.add_argument("--jobs", type=int, help="local parallel gradings (default: one per core)")
    many.add_argument("--timeout", type=float,
                      help="seconds one grading may take (default: the assignment's limits)")
    many.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT,
                        help=f"assignment name or folder (default: {DEFAULT_ASSIGNMENT})")
    parser.add_argument("--api", choices=sorted(PRESETS),
                        help="student API preset (default: the assignment's)")
    parser.add_argument("--grading-seed", type=int, help="override the assignment's public seed")
    parser.add_argument("--examples", type=int, help="Hypothesis examples per part")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "examples", None) is not None and args.examples < 1:
        parser.error("--examples must be at least 1")
    try:
        assignment = load(args.assignment, api=getattr(args, "api", None))
    except AssignmentError as e:
        parser.error(str(e))
    try:
        return COMMANDS[args.command](args, assignment)
    except (ValueError, OSError) as e:  # our own errors say what to fix; so do the OS's
        if not isinstance(e, _user_errors()):
            raise
        parser.error(str(e))


def _check(args, assignment) -> int:
    submission = args.submission or assignment.solution
    if submission is None:
        raise AssignmentError(
            f"assignment {assignment.name} has no reference solution: name a submission"
        )
    _need_file(submission)
    result = grade(assignment, submission, grading_seed=args.grading_seed, examples=args.examples)
    if args.json:
        print(report.as_json(result))
    else:
        header = (f"chaingrade check: {submission} against {assignment.name} "
                  f"({result.elapsed:.1f} s)")
        print(report.text(result, header=header), end="")
    return 0 if result.score == result.max_score else 1


def _grade(args, assignment) -> int:
    from graders.platforms import gradescope

    _need_file(args.submission)
    result = grade(assignment, args.submission, grading_seed=args.grading_seed,
                   examples=args.examples)
    gradescope.write(gradescope.from_report(result), args.results)
    if args.results != "-":
        header = (f"chaingrade grade: {args.submission} against {assignment.name} "
                  f"({result.elapsed:.1f} s); results in {args.results}")
        print(report.text(result, header=header), end="")
    return 0


def _gradescope(args, assignment) -> int:
    from graders.platforms import gradescope

    path = gradescope.build_autograder(assignment, args.output, grading_seed=args.grading_seed,
                                       examples=args.examples, user=args.user)
    print(f"chaingrade gradescope: wrote {path} for {assignment.name}: upload it as the "
          "assignment's autograder (base image with Python "
          f"{sys.version_info.major}.{sys.version_info.minor} or newer)")
    return 0


def _classroom(args, assignment) -> int:
    from graders.platforms import classroom

    text = classroom.workflow(assignment, python=args.python, install=args.install)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"chaingrade classroom: wrote {path}")
    return 0


def _release(args, assignment) -> int:
    from graders.platforms import release

    written = release.release(assignment, args.output, force=args.force)
    print(f"chaingrade release: wrote the student pack for {assignment.name} to {args.output}:")
    for path in written:
        print(f"  {path.relative_to(args.output)}")
    return 0


def _batch(args, assignment) -> int:
    from graders.platforms import batch

    options = []
    for flag, value in (("--api", args.api), ("--grading-seed", args.grading_seed),
                        ("--examples", args.examples)):
        if value is not None:
            options += [flag, str(value)]
    if args.timeout is not None and args.timeout <= 0:
        raise batch.BatchError("--timeout must be a positive number of seconds")
    summary = batch.run(args.submissions, assignment, args.out, scheduler=args.scheduler,
                        jobs=args.jobs, timeout=args.timeout, options=tuple(options),
                        progress=not args.no_progress)
    scores = [float(d.get("score", 0)) for d in summary.results.values()]
    mean = sum(scores) / len(scores) if scores else 0.0
    print(f"chaingrade batch: {len(summary.graded)} graded, {len(summary.skipped)} already "
          f"graded, {len(summary.errors)} could not be graded, in {summary.elapsed:.1f} s; "
          f"mean score {mean:.1f} / {assignment.max_score:g}")
    for name, reason in summary.errors.items():
        print(f"  not graded: {name}: {reason}")
    print(f"  results: {args.out}/NAME.json, {args.out}/summary.csv, {args.out}/summary.png")
    return 1 if summary.errors else 0


def _need_file(path: Path) -> None:
    if not path.is_file():
        raise AssignmentError(f"no such file: {path}")


def _user_errors() -> tuple[type[Exception], ...]:
    from graders.platforms.batch import BatchError
    from graders.platforms.classroom import ClassroomError
    from graders.platforms.gradescope import GradescopeError
    from graders.platforms.release import ReleaseError

    return (AssignmentError, BatchError, ClassroomError, GradescopeError, ReleaseError, OSError)


COMMANDS = {"check": _check, "grade": _grade, "gradescope": _gradescope,
            "classroom": _classroom, "release": _release, "batch": _batch}


if __name__ == "__main__":
    sys.exit(main())
