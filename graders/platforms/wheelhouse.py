"""A wheel of everything the student pack installs, so the pack installs with no index.

``chaingrade release NAME -o DIR --wheelhouse`` puts a ``wheels/`` folder in the pack:
chaingrade's dependencies and the feedback page's graph libraries (matplotlib, networkx),
as wheels only (a source package would need a build, and a build needs the network), at
the versions the pack's pins say. The pack's ``requirements.txt`` then reads::

    --no-index
    --find-links ./wheels
    ./chaingrade-X-py3-none-any.whl[html]

Wheels are for this machine's platform with its Python and with the Python the pack's
Classroom workflow runs (``--python``; GitHub's runners are Linux, as this machine is),
and for each ``(platform, Python)`` target asked for (``--platform manylinux_2_28_x86_64
--python-version 3.12``), which ``pip download`` fetches with ``--platform``,
``--python-version`` and ``--implementation cp``. Downloading needs a package index
(without one, no pack is left half-made); installing from the pack never does.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from graders.platforms import distribution

#: The pack's folder of wheels.
FOLDER = "wheels"
#: What the pack installs besides chaingrade's own requirements: the page's graphs.
EXTRA = "html"


class WheelhouseError(ValueError):
    """The wheels cannot be downloaded; the message says what to fix."""


def targets(
    platforms: list[str], pythons: list[str], workflow_python: str | None = None
) -> list[tuple[str | None, str]]:
    """``(platform, Python)`` pairs to download for: this machine's first, then the pack's
    Classroom workflow's Python on this platform (a Linux runner, as GitHub's are), then
    the pairs asked for, ``--platform`` and ``--python-version`` paired in order (one of
    either pairs with every one of the other)."""
    this: list[tuple[str | None, str]] = [(None, distribution.this_python())]
    if workflow_python is not None and workflow_python != distribution.this_python():
        this.append((None, distribution.check_python(workflow_python)))
    if not platforms and not pythons:
        return this
    if len(platforms) > 1 and len(pythons) > 1 and len(platforms) != len(pythons):
        raise WheelhouseError(
            f"{len(platforms)} --platform and {len(pythons)} --python-version: give as many "
            "of each (they pair in order), or one of either"
        )
    chosen: list[str | None] = [*platforms] or [None]
    pythons = [distribution.check_python(p) for p in pythons] or [distribution.this_python()]
    count = max(len(chosen), len(pythons))
    pairs = [
        (chosen[k if len(chosen) > 1 else 0], pythons[k if len(pythons) > 1 else 0])
        for k in range(count)
    ]
    return this + [pair for pair in pairs if pair not in this]


def download(
    wheel: Path, folder: Path, pairs: list[tuple[str | None, str]], *, pip=sys.executable
) -> list[Path]:
    """Download into ``folder`` every wheel that installing ``wheel`` with its ``html``
    extra needs, for each ``(platform, Python)`` pair, pinned as the pack's constraints
    are for that Python; the wheels now in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for platform, python in pairs:
        with tempfile.TemporaryDirectory() as scratch:
            constraints = Path(scratch) / "constraints.txt"
            constraints.write_text(
                distribution.requirements_text(python, header="the pack's pins"),
                encoding="utf-8",
            )
            _pip_download(wheel, folder, constraints, platform, python, pip)
    (folder / wheel.name).unlink(missing_ok=True)  # chaingrade's own sits beside the folder
    return sorted(folder.glob("*.whl"))


def _pip_download(wheel, folder, constraints, platform, python, pip) -> None:
    command = [
        str(pip),
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--dest",
        str(folder),
        "--constraint",
        str(constraints),
    ]
    if platform is not None or python != distribution.this_python():
        command += ["--python-version", python, "--implementation", "cp"]
    if platform is not None:
        command += ["--platform", platform]
    command.append(f"{wheel}[{EXTRA}]")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = " / ".join(done.stderr.strip().splitlines()[-3:])
        where = f"{platform or 'this platform'}, Python {python}"
        raise WheelhouseError(
            f"could not download the pack's wheels for {where} (pip needs to reach a "
            f"package index): {tail}"
        )


def requirements(wheel_name: str) -> str:
    """The pack's requirements.txt when it carries its wheels: no index at all."""
    return (
        "# Everything installs from this folder: chaingrade from the wheel beside this\n"
        f"# file, what it needs (and the page's graphs) from {FOLDER}/. No package index.\n"
        f"--no-index\n--find-links ./{FOLDER}\n./{wheel_name}[{EXTRA}]\n"
    )
