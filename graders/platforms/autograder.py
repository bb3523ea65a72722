"""Gradescope's autograder zip (``chaingrade gradescope``), and the step that always leaves
a results file behind.

The zip holds ``setup.sh``, ``run_autograder``, ``requirements.txt`` (exact pins for the
base image's Python, see ``graders.platforms.distribution``), chaingrade's own wheel, a
pytest configuration of ours, the assignment's grading files (never ``solution/`` or
``starter/``) and, unless ``--public-seed`` is given, ``grading_seed``: a secret random
seed, readable by root only, that no student process can see.

* ``setup.sh`` (root, once) checks the image's Python, installs the pins and the wheel
  into a virtual environment other users can run, and creates the unprivileged user
  student code runs as.
* ``run_autograder`` (root, per submission) makes its source folder root-only, checks
  that the submission can be graded as handed in (``graders.submission``: a file, a
  folder or a notebook; otherwise every part scores 0 with the reason), and runs the
  assignment's tests with our pytest configuration (no plugin autoload, no conftest from
  the submission), which copy into the worker's folder only what the entry imports. pytest and the
  grading stay root; only the student's worker runs as the unprivileged user
  (``CHAINGRADE_WORKER_USER``); if that user cannot be used, grading stops with the
  reason and never falls back to running student code as root. It always leaves
  ``results.json`` behind (:func:`collect`).

Every ``/autograder`` path can be moved with an environment variable
(``CHAINGRADE_AUTOGRADER``, ``..._SOURCE``, ``..._SUBMISSION``, ``..._RESULTS``,
``..._PYTHON``, ``..._USER``), so the same scripts run on a laptop or in a test.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import shlex
import sys
import zipfile
from pathlib import Path

from graders import presets
from graders.assignment import Assignment, AssignmentError, load
from graders.platforms import distribution, testfiles
from graders.platforms.gradescope import validate, write, zero
from graders.submission import HandInError

GRADER_USER = "chaingrade"
SEED_FILE = "grading_seed"


class AutograderError(ValueError):
    """An autograder that cannot be built; the message says what to fix."""


PYTEST_INI = """\
# chaingrade's own pytest configuration for the autograder: nothing from the submission.
[pytest]
addopts = --import-mode=importlib -p no:cacheprovider
python_files = test_*.py *_test.py
markers =
    points(n): how many points the test is worth
    visibility(name): visible, hidden, after_due_date or after_published
"""

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# The pins in requirements.txt are for Python {python} (the base image's python3).
set -euo pipefail
cd "$(dirname "$0")"
AUTOGRADER="${{CHAINGRADE_AUTOGRADER:-/autograder}}"
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
python3 - <<'EOF'
import sys
if sys.version_info[:2] != {python_tuple}:
    sys.exit("this autograder was built for Python {python} (chaingrade gradescope --python "
             f"{python}); this image has {{sys.version.split()[0]}}: rebuild it with "
             f"--python {{sys.version_info.major}}.{{sys.version_info.minor}}")
EOF
# A virtual environment outside /root, so the unprivileged user can run its Python.
python3 -m venv "$AUTOGRADER/venv"
"$AUTOGRADER/venv/bin/python" -m pip install --no-cache-dir -r requirements.txt
"$AUTOGRADER/venv/bin/python" -m pip install --no-cache-dir --no-deps ./{wheel}
chmod -R a+rX "$AUTOGRADER/venv"
# The unprivileged user the student's code runs as (pytest and the grading stay root).
id -u {user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {user}
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this, as root, for every submission. It grades what was uploaded (a
# file, a folder or a notebook; the worker gets only the entry and the files it imports),
# runs the assignment's tests with chaingrade's own pytest configuration (no plugin
# autoload, no conftest from the submission), runs the student's code as an unprivileged
# user, and always leaves results.json behind. Paths default to Gradescope's; override
# them to run it anywhere (CHAINGRADE_AUTOGRADER, _SOURCE, _SUBMISSION, _RESULTS, _PYTHON,
# _USER; an empty CHAINGRADE_USER runs student code as the calling user, for trials).
set -uo pipefail
AUTOGRADER="${{CHAINGRADE_AUTOGRADER:-/autograder}}"
SOURCE="${{CHAINGRADE_SOURCE:-$AUTOGRADER/source}}"
SUBMISSION="${{CHAINGRADE_SUBMISSION:-$AUTOGRADER/submission}}"
RESULTS="${{CHAINGRADE_RESULTS:-$AUTOGRADER/results}}"
PYTHON="${{CHAINGRADE_PYTHON:-$AUTOGRADER/venv/bin/python}}"
GRADER_USER="${{CHAINGRADE_USER-{user}}}"
OPTIONS=({options})

mkdir -p "$RESULTS"
chmod 700 "$SOURCE"  # the tests and the grading seed are root's alone
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/tests" "$WORK/tmp"
cp -R "$SOURCE/assignment/." "$WORK/tests/"
cp "$SOURCE/pytest.ini" "$WORK/pytest.ini"

collect() {{  # results.json from what pytest wrote, or every part at zero with the reason
    "$PYTHON" -I -m graders.platforms.autograder collect "$WORK/results.json" \\
        "$RESULTS/results.json" --assignment "$SOURCE/assignment" --message "$*"
}}

# What was uploaded, as chaingrade reads it (graders.submission): one that cannot be
# graded as handed in (no entry module, a limit broken) scores 0 and says why.
if ! problem="$("$PYTHON" -I -m graders.platforms.autograder check "$SUBMISSION" \\
                  --assignment "$SOURCE/assignment" 2>&1)"; then
    collect "Your submission cannot be graded as handed in: $problem"
    exit 0
fi

env_vars=(PATH=/usr/local/bin:/usr/bin:/bin HOME="$WORK" TMPDIR="$WORK/tmp" LANG=C.UTF-8
          PYTEST_DISABLE_PLUGIN_AUTOLOAD=1)
for name in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do  # numpy needs them on some CPUs
    if [ -n "${{!name:-}}" ]; then env_vars+=("$name=${{!name}}"); fi
done

# pytest and the grading stay root; only the student's worker runs as the unprivileged
# user (chaingrade's runner switches to it), so a submission can neither signal the
# grader nor read or write its files. No such user: stop, never grade as root instead.
if [ "$(id -u)" = 0 ] && [ -n "$GRADER_USER" ]; then
    if ! id -u "$GRADER_USER" >/dev/null 2>&1; then
        collect "The autograder is misconfigured: there is no user $GRADER_USER to run" \\
                "submissions as (setup.sh creates it)."
        exit 0
    fi
    env_vars+=(CHAINGRADE_WORKER_USER="$GRADER_USER")
elif [ "$(id -u)" = 0 ]; then
    echo "chaingrade: CHAINGRADE_USER is empty: student code runs as root"
fi
command=(env -i "${{env_vars[@]}}" "$PYTHON" -I -m pytest -p graders.platforms.pytest_plugin
         -c "$WORK/pytest.ini" --rootdir "$WORK" --confcutdir "$WORK/tests" -q -rN
         "$WORK/tests" --submission "$SUBMISSION"
         --gradescope-results "$WORK/results.json" "${{OPTIONS[@]}}")
if [ -f "$SOURCE/{seed_file}" ]; then
    command+=(--grading-seed-file "$SOURCE/{seed_file}")
fi
(cd "$WORK" && "${{command[@]}}")
status=$?
if [ "$(id -u)" = 0 ] && [ -n "$GRADER_USER" ]; then
    pkill -KILL -u "$GRADER_USER" 2>/dev/null || true  # anything the submission left running
fi
collect "The autograder could not finish (pytest exited with status $status)."
exit 0
"""


def build(
    assignment: Assignment,
    output: Path,
    *,
    python: str = distribution.GRADESCOPE_PYTHON,
    private_seed: bool = True,
    examples: int | None = None,
    user: str = GRADER_USER,
    api: str | None = None,
    entry: str | None = None,
) -> Path:
    """Write Gradescope's autograder zip for ``assignment`` to ``output``. ``api`` and
    ``entry`` are ``--api`` and ``--entry``, given to every grading of the zip (a student
    on Gradescope can pass neither)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_-]*", user):
        raise AutograderError(f"--user {user!r} is not a valid user name")
    files = testfiles.grading_files(assignment)
    if not any(testfiles.is_test_file(name) for name in files):
        raise AutograderError(f"{assignment.folder} has no test files (test_*.py) to run")
    distribution.check_python(python)
    wheel_name, wheel = distribution.wheel()
    options = grading_options(examples=examples, api=api, entry=entry)
    archive_files: dict[str, tuple[str | bytes, int]] = {
        "setup.sh": (
            SETUP_SH.format(
                python=python,
                python_tuple=tuple(map(int, python.split("."))),
                wheel=wheel_name,
                user=user,
            ),
            0o755,
        ),
        "run_autograder": (
            RUN_AUTOGRADER.format(
                user=user,
                seed_file=SEED_FILE,
                options=" ".join(shlex.quote(o) for o in options),
            ),
            0o755,
        ),
        "requirements.txt": (
            distribution.requirements_text(
                python, header="Pinned by chaingrade gradescope: what grading needs"
            ),
            0o644,
        ),
        "pytest.ini": (PYTEST_INI, 0o644),
        wheel_name: (wheel, 0o644),
        **{f"assignment/{name}": (data, 0o644) for name, data in files.items()},
    }
    if private_seed:
        archive_files[SEED_FILE] = (f"{secrets.randbelow(2**63)}\n", 0o600)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (data, mode) in sorted(archive_files.items()):
            distribution.add_to_zip(archive, name, data, mode)
    return output


def grading_options(*, examples: int | None, api: str | None, entry: str | None) -> list[str]:
    """The options ``run_autograder`` gives pytest; raises AutograderError on an ``--api``
    that is no API or an empty ``--entry``."""
    options = ["--examples", str(examples)] if examples is not None else []
    if api is not None:
        try:
            options += ["--api", presets.portable(api)]
        except ValueError as e:
            raise AutograderError(str(e)) from None
    if entry is not None:
        if not entry.strip():
            raise AutograderError("--entry: name a module or a path in the hand-in")
        options += ["--entry", entry.strip()]
    return options


# --- run_autograder's last step ------------------------------------------------------


def collect(found: Path, destination: Path, assignment_folder: Path, message: str) -> dict:
    """Copy pytest's results to Gradescope's place if they are sound; else every part at 0."""
    try:
        data = json.loads(Path(found).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if data is None or validate(data) or not data.get("tests"):
        data = zero(load(str(assignment_folder)), message)
    write(data, destination)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graders.platforms.autograder")
    commands = parser.add_subparsers(dest="command", required=True)
    step = commands.add_parser("collect", help="run_autograder's last step")
    step.add_argument("found", type=Path)
    step.add_argument("destination", type=Path)
    step.add_argument("--assignment", type=Path, required=True)
    step.add_argument("--message", required=True)
    first = commands.add_parser(
        "check", help="run_autograder's first step: can the upload be graded as handed in?"
    )
    first.add_argument("submission", type=Path)
    first.add_argument("--assignment", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return check(args.submission, args.assignment)
        collect(args.found, args.destination, args.assignment, args.message)
    except AssignmentError as e:
        parser.error(str(e))
    return 0


def check(submission: Path, assignment_folder: Path) -> int:
    """0 if ``submission`` can be graded as handed in; else 1, and why on standard output."""
    try:
        load(str(assignment_folder)).handed_in(submission)
    except HandInError as e:
        print(e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
