"""The student pack: what students get for an assignment (``chaingrade release``).

    DIR/
      README.md                      how to install and check, then the assignment's README
      engine.py                      the starter (everything in starter/, at the top)
      assignment.toml                visible parts only, no solution
      test_engine.py                 public tests only
      ...                            the assignment's other files (data its grading reads)
      chaingrade-X-py3-none-any.whl  chaingrade itself
      requirements.txt               that wheel (its dependencies come from the package index)
      wheels/                        with --wheelhouse: every dependency's wheel, and then
                                     requirements.txt installs with no index at all
      constraints.txt                exact pins for the Classroom workflow's Python
      .github/workflows/classroom.yml  GitHub Classroom autograding for the public tests

Never in it: ``solution/`` (keep instructor-only files there), tests of parts that are
not ``visible`` (hidden, after_due_date, after_published), or files that only such parts
name in assignment.toml (an exercise file, say). In the pack, ``pip install -r
requirements.txt`` installs chaingrade from the wheel beside it, ``chaingrade check
engine.py`` finds the pack's own assignment.toml and runs what CI runs, and ``pytest``
grades the student's own file (the plugin falls back to it when there is no solution).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import tomli_w

from graders.assignment import Assignment, AssignmentError
from graders.platforms import classroom, distribution, testfiles, wheelhouse

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GETTING_STARTED = """\
# Getting started

This folder is your assignment pack. In a terminal, in this folder, once:

```bash
python3 -m venv .venv && . .venv/bin/activate   # a virtual environment (Python 3.10+)
pip install -r requirements.txt                  # {installs}
```

Then write your code in `{submission}` and check it, as the autograder grades it:

```bash
chaingrade check {submission}
```

`pytest` runs the public tests, and `chaingrade policy` lists what your code may import
and use.

"""


#: What the install line says, with and without the pack's own wheels.
FROM_THE_INDEX = (
    "chaingrade from this folder; numpy, MyGrad, Hypothesis\n"
    "#   and the rest from the package index (PyPI): this step needs the network"
)
FROM_THE_PACK = "everything from this folder: no network needed"


class ReleaseError(ValueError):
    """A pack that cannot be made; the message says what to fix."""


def release(
    assignment: Assignment,
    out: Path,
    *,
    force: bool = False,
    python: str = classroom.DEFAULT_PYTHON,
    wheels: list[tuple[str | None, str]] | None = None,
) -> list[Path]:
    """Write the student pack for ``assignment`` into ``out``; the files written.
    ``python`` is the Classroom workflow's Python, which constraints.txt pins for.
    ``wheels``: the ``(platform, Python)`` pairs to bundle every dependency's wheel for
    (``wheelhouse.targets``), so the pack installs with no index; None bundles none."""
    folder = assignment.folder
    readme = folder / "README.md"
    starter = folder / "starter"
    if not readme.is_file():
        raise ReleaseError(f"{folder} has no README.md for students")
    if not (starter / assignment.submission).is_file():
        raise ReleaseError(f"{starter} has no {assignment.submission} for students to start from")
    getting_started = GETTING_STARTED.format(
        submission=assignment.submission,
        installs=FROM_THE_PACK if wheels else FROM_THE_INDEX,
    )
    files: dict[str, bytes] = {"README.md": getting_started.encode() + readme.read_bytes()}
    for path in sorted(starter.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(starter).as_posix()] = path.read_bytes()
    files["assignment.toml"] = public_config(assignment).encode()
    public = _public_tests(assignment)
    if not public:
        raise ReleaseError(f"{assignment.name} has no visible tests to release")
    files.update(public)
    tests = {path.resolve() for path in testfiles.test_files(folder)}
    hidden = _hidden_parts_files(assignment)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (
            not path.is_file()
            or testfiles.is_private(relative)
            or path.suffix == ".pyc"
            or path.resolve() in tests | hidden
            or relative.as_posix() in ("README.md", "assignment.toml")
        ):
            continue
        files[relative.as_posix()] = path.read_bytes()  # data the tests or grading read
    wheel_name, wheel = distribution.wheel()
    files[wheel_name] = wheel
    files["requirements.txt"] = (
        wheelhouse.requirements(wheel_name)
        if wheels
        else (
            "# chaingrade, from the wheel beside this file; what it needs (numpy, MyGrad,\n"
            "# Hypothesis, ...) from the package index, so installing needs the network.\n"
            f"./{wheel_name}\n"
        )
    ).encode()
    files[".gitignore"] = b".venv/\n__pycache__/\n.hypothesis/\n.pytest_cache/\n"
    files["constraints.txt"] = distribution.requirements_text(
        python, header="Exact versions for the Classroom workflow"
    ).encode()
    try:  # the visible tests, which are exactly the pack's
        files[classroom.WORKFLOW_PATH] = classroom.workflow(assignment, python=python).encode()
    except classroom.ClassroomError as e:
        raise ReleaseError(str(e)) from None
    solution = assignment.solution
    if solution is not None and solution.is_file():
        copies = [name for name, data in files.items() if data == solution.read_bytes()]
        if copies:
            raise ReleaseError(f"{', '.join(copies)} would be a copy of the reference solution")

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} is a file, not a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ReleaseError(f"{out} is not empty (pass --force to replace it)")
        _check_safe_to_replace(out, folder)
        shutil.rmtree(out)

    written = []
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    if wheels:
        try:
            written += wheelhouse.download(out / wheel_name, out / wheelhouse.FOLDER, wheels)
        except (wheelhouse.WheelhouseError, distribution.DistributionError):
            shutil.rmtree(out)  # no half-made pack that would not install
            raise
    return written


def public_config(assignment: Assignment) -> str:
    """assignment.toml without the solution and without parts students may not see."""
    data = tomllib.loads((assignment.folder / "assignment.toml").read_text(encoding="utf-8"))
    data.pop("solution", None)
    data["parts"] = [
        p for p in data.get("parts", []) if p.get("visibility", "visible") == "visible"
    ]
    if not data["parts"]:
        raise ReleaseError(f"{assignment.name} has no visible parts to release")
    header = (
        f"# {assignment.name}, as released to students by chaingrade: the parts you "
        "can see, graded as in CI.\n"
    )
    return header + tomli_w.dumps(data)


def _public_tests(assignment: Assignment) -> dict[str, bytes]:
    """Each test file with its non-visible tests cut out; files left with none are dropped."""
    parts = {p.name: p for p in assignment.parts}
    files = {}
    for path in testfiles.test_files(assignment.folder):
        relative = path.relative_to(assignment.folder).as_posix()
        tests = testfiles.read_file(path, relative, parts)
        if not any(t.visibility == "visible" for t in tests):
            continue
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for test in sorted(tests, key=lambda t: -t.lines[0]):
            if test.visibility != "visible":
                first, last = test.lines
                del lines[first - 1 : last]
        text = re.sub(r"\n{4,}", "\n\n\n", "".join(lines))  # no gaps where tests were
        files[relative] = text.encode()
    return files


def _hidden_parts_files(assignment: Assignment) -> set[Path]:
    """Files that only parts students may not see name (an exercise file, say)."""
    named: dict[bool, set[Path]] = {True: set(), False: set()}
    for part in assignment.parts:
        for value in part.extra.values():
            if isinstance(value, str) and (assignment.folder / value).is_file():
                named[part.visibility == "visible"].add((assignment.folder / value).resolve())
    return named[False] - named[True]


def _check_safe_to_replace(out: Path, folder: Path) -> None:
    out, folder = out.resolve(), folder.resolve()
    if out == folder or out in folder.parents or folder in out.parents or out == Path.home():
        raise ReleaseError(f"refusing to replace {out}: it holds or is inside the assignment")


__all__ = ["AssignmentError", "ReleaseError", "public_config", "release"]
