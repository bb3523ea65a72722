"""chaingrade as it travels: its own wheel, and exact pins of what grading needs.

Gradescope's zip, the student pack and the Classroom workflow install chaingrade on
machines that have no copy of this checkout, with the Python those machines have:

* :func:`wheel` builds chaingrade itself as a pure-Python wheel from the installed
  packages (an editable checkout or an installed copy alike), offline, byte for byte
  the same each time;
* :func:`pins` gives exact versions of what grading needs for a given Python version:
  the versions installed here when that is the Python running (what was tested), and
  otherwise pip's own resolver for that version (``pip install --dry-run --report``),
  with environment markers evaluated for that Python, not this one.

``SUPPORTED_PYTHONS`` is the range pyproject.toml declares; Gradescope's base images are
Ubuntu 22.04 (Python 3.10, the default) and 24.04 (Python 3.12).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata as metadata
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

#: Python versions chaingrade supports (pyproject.toml: requires-python >= 3.10).
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
#: Gradescope's default base image (Ubuntu 22.04) has Python 3.10.
GRADESCOPE_PYTHON = "3.10"
#: chaingrade's dependencies grading does without: parallel test runs (the autograder runs
#: pytest serially). Extras (``batch``) are never pinned; everything else is.
NOT_FOR_GRADING = frozenset({"pytest-xdist"})
PACKAGES = ("graders", "strategies")


class DistributionError(ValueError):
    """chaingrade or its pins cannot be packed; the message says what to fix."""


def this_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def check_python(python: str) -> str:
    if python not in SUPPORTED_PYTHONS:
        raise DistributionError(
            f"--python {python}: chaingrade supports Python {', '.join(SUPPORTED_PYTHONS)}"
        )
    return python


# --- pins ------------------------------------------------------------------------------


def grading_requirements(python: str) -> list[Requirement]:
    """chaingrade's own requirements that apply on ``python``: no extras, and none of
    :data:`NOT_FOR_GRADING`."""
    env = marker_environment(python)
    found = []
    for text in metadata.requires("chaingrade") or []:
        requirement = Requirement(text)
        if _canonical(requirement.name) in NOT_FOR_GRADING:
            continue
        if requirement.marker is None or requirement.marker.evaluate({**env, "extra": ""}):
            found.append(requirement)
    return found


def pins(python: str) -> dict[str, str]:
    """Exact versions of everything grading needs on CPython ``python``, by name."""
    check_python(python)
    wanted = grading_requirements(python)
    if python == this_python():
        try:
            return _installed_closure(wanted, python)
        except metadata.PackageNotFoundError:
            pass  # not everything is installed here: ask pip
    return _resolved(wanted, python)


def requirements_text(python: str, *, header: str) -> str:
    lines = [f"{name}=={version}" for name, version in sorted(pins(python).items())]
    return f"# {header} (Python {python}).\n" + "\n".join(lines) + "\n"


def marker_environment(python: str) -> dict[str, str]:
    env = {key: str(value) for key, value in default_environment().items()}
    if python != this_python():
        env["python_version"] = python
        env["python_full_version"] = f"{python}.0"
    return env


def _installed_closure(wanted: list[Requirement], python: str) -> dict[str, str]:
    env = marker_environment(python)
    found: dict[str, str] = {}
    todo = list(wanted)
    while todo:
        requirement = todo.pop()
        name = _canonical(requirement.name)
        if name in found:
            continue
        dist = metadata.distribution(requirement.name)
        found[name] = dist.version
        todo += _needs(dist.requires or [], requirement.extras, env)
    return found


def _resolved(wanted: list[Requirement], python: str) -> dict[str, str]:
    """pip's resolution for ``python``; pip evaluates markers for the running Python, so
    what the resolved packages need on ``python`` is added until nothing is missing."""
    env = marker_environment(python)
    asked = [str(r) for r in wanted]
    for _ in range(5):
        report = _pip_report(asked, python)
        found = {
            _canonical(item["metadata"]["name"]): item["metadata"]["version"]
            for item in report["install"]
        }
        missing = []
        for item in report["install"]:
            extras = item.get("requested_extras") or []
            for need in _needs(item["metadata"].get("requires_dist") or [], extras, env):
                if _canonical(need.name) not in found and str(need) not in asked:
                    missing.append(str(need))
        if not missing:
            return found
        asked += missing
    raise DistributionError(f"could not close the requirements for Python {python}")


def _needs(requires: list[str], extras, env: dict) -> list[Requirement]:
    needed = []
    for text in requires:
        requirement = Requirement(text)
        environments = [{**env, "extra": e} for e in (set(extras) | {""})]
        if requirement.marker is None or any(requirement.marker.evaluate(e) for e in environments):
            requirement.marker = None
            needed.append(requirement)
    return needed


def _pip_report(requirements: list[str], python: str) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--python-version",
            python,
            "--target",
            str(Path(scratch) / "target"),
            "--report",
            str(report),
            *requirements,
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not report.is_file():
            tail = " / ".join(done.stderr.strip().splitlines()[-3:])
            raise DistributionError(
                f"could not resolve chaingrade's requirements for Python "
                f"{python} (pip needs to reach a package index): {tail}"
            )
        return json.loads(report.read_text(encoding="utf-8"))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- the wheel ---------------------------------------------------------------------------


def wheel() -> tuple[str, bytes]:
    """chaingrade itself as a pure-Python wheel: ``(file name, bytes)``."""
    dist = metadata.distribution("chaingrade")
    version = dist.version
    tag = f"chaingrade-{version}"
    files: dict[str, bytes] = {}
    for package in PACKAGES:
        root = Path(importlib.import_module(package).__path__[0])
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root.parent)
            if (
                path.is_file()
                and "__pycache__" not in relative.parts
                and path.suffix not in (".pyc", ".pyo")
            ):
                files[relative.as_posix()] = path.read_bytes()
    info = f"{tag}.dist-info"
    meta = ["Metadata-Version: 2.1", "Name: chaingrade", f"Version: {version}"]
    meta += [f"Requires-Python: {r}" for r in dist.metadata.get_all("Requires-Python") or []]
    meta += [f"Provides-Extra: {e}" for e in dist.metadata.get_all("Provides-Extra") or []]
    meta += [f"Requires-Dist: {r}" for r in dist.requires or []]
    files[f"{info}/METADATA"] = ("\n".join(meta) + "\n").encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: chaingrade\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{info}/entry_points.txt"] = (dist.read_text("entry_points.txt") or "").encode()
    files[f"{info}/top_level.txt"] = ("\n".join(PACKAGES) + "\n").encode()
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            add_to_zip(archive, name, data, 0o644)
    return f"{tag}-py3-none-any.whl", buffer.getvalue()


def add_to_zip(archive: zipfile.ZipFile, name: str, data: str | bytes, mode: int) -> None:
    """A file with a fixed date and the given mode, so archives are reproducible."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data.encode() if isinstance(data, str) else data)


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
