"""The ``chaingrade`` command.

    chaingrade check [SUBMISSION] [--assignment NAME] [--api PRESET] [--json]

``check`` is the student's local check: it grades SUBMISSION (by default the
assignment's bundled reference solution, so a newcomer sees it work at once) with
the same settings CI uses and prints each part's score and each finding. It exits
0 when the submission earns full marks, 1 when it does not, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graders import report
from graders.assignment import AssignmentError, load
from graders.grading import grade
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
    try:
        assignment = load(args.assignment, api=args.api)
    except AssignmentError as e:
        parser.error(str(e))
    submission = args.submission or assignment.solution
    if submission is None:
        parser.error(f"assignment {assignment.name} has no reference solution: name a submission")
    if not submission.is_file():
        parser.error(f"no such file: {submission}")
    if args.examples is not None and args.examples < 1:
        parser.error("--examples must be at least 1")
    result = grade(assignment, submission, grading_seed=args.grading_seed, examples=args.examples)
    if args.json:
        print(report.as_json(result))
    else:
        header = (f"chaingrade check: {submission} against {assignment.name} "
                  f"({result.elapsed:.1f} s)")
        print(report.text(result, header=header), end="")
    return 0 if result.score == result.max_score else 1


if __name__ == "__main__":
    sys.exit(main())
