"""What the platform tests share: folders other users can enter, Pythons other users can
run, and the rule that a platform path is tested the way the platform runs it.

Gradescope runs as root and the student's worker as an unprivileged user, with the
image's system Python; a student installs the pack into a fresh virtual environment.
Those paths are tested that way here: nothing falls back to root or to this checkout.

* :func:`open_folder`: a fresh folder under ``/tmp`` that other users can enter (pytest's
  own temporary folders are root's alone), removed at the end of the test session.
* :func:`system_venv`: a virtual environment made with the system's ``/usr/bin/python3``
  in such a folder, with chaingrade installed from its wheel (never editable, with its
  ``batch`` extra) and its dependencies from the package index: a Python an unprivileged
  user can run. Made once per test session and shared by the xdist workers (a file lock
  decides who builds it).
* :func:`need_root`: these tests switch users, which only root can do. Elsewhere they are
  skipped with that reason, unless ``CHAINGRADE_REQUIRE_ROOT_TESTS=1`` (as in ``.ci/run``),
  where not being root fails them: CI must never pass them by skipping.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "engines" / "hostile"
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"
#: The attacks that read the bundled solution by routes only the kernel can close.
READS_THE_SOLUTION = (
    "reads_the_solution_by_computed_names.py",
    "reads_the_solution_by_dir_fd.py",
    "reads_the_solution_through_libc.py",
    "reads_the_solution_through_subclasses.py",
)
SYSTEM_PYTHON = Path("/usr/bin/python3")
REQUIRE_ROOT = "CHAINGRADE_REQUIRE_ROOT_TESTS"


def need_root() -> None:
    if os.geteuid() == 0:
        return
    reason = "switching the worker to another user needs root (as on Gradescope)"
    if os.environ.get(REQUIRE_ROOT) == "1":
        pytest.fail(f"{REQUIRE_ROOT}=1 but the tests do not run as root: {reason}")
    pytest.skip(reason)


def session_key(config: pytest.Config) -> str:
    """The same for the xdist controller and all its workers, different per session."""
    base = config._tmp_path_factory.getbasetemp()  # noqa: SLF001 - pytest's own tmp factory
    if hasattr(config, "workerinput"):
        base = base.parent
    return hashlib.sha1(str(base).encode()).hexdigest()[:12]


def shared_root(config: pytest.Config) -> Path:
    """A folder for this test session that every user can enter (mode 0755)."""
    root = Path(tempfile.gettempdir()) / f"chaingrade-tests-{session_key(config)}"
    root.mkdir(mode=0o755, exist_ok=True)
    root.chmod(0o755)
    return root


def open_folder(config: pytest.Config, name: str) -> Path:
    """A new folder under :func:`shared_root` that every user can enter."""
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=shared_root(config)))
    folder.chmod(0o755)
    return folder


def remove_shared_root(config: pytest.Config) -> None:
    shutil.rmtree(
        Path(tempfile.gettempdir()) / f"chaingrade-tests-{session_key(config)}", ignore_errors=True
    )


def unguarded_copy(assignment: Path, folder: Path) -> Path:
    """A copy of ``assignment`` in ``folder`` with its static policy off, so that attacks
    really run and the run-time defences are what stops them."""
    import tomli_w

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    shutil.copytree(assignment, folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "assignment.toml"
    data = tomllib.loads(toml.read_text(encoding="utf-8"))
    data["policy"] = {**data.get("policy", {}), "enabled": False}
    toml.write_text(tomli_w.dumps(data), encoding="utf-8")
    return folder


def attack_on(attack: str, solution: Path) -> str:
    """A hostile engine of ``tests/engines/hostile`` as a whole submission: the reference
    engine and the attack, aimed at ``solution`` (a file every user can read)."""
    text = (HOSTILE / attack).read_text().replace("@SOLUTION@", str(solution))
    return SOLUTION.read_text() + "\n\n" + text


def build_wheel(folder: Path) -> Path:
    """chaingrade's wheel, as the zip and the pack carry it."""
    from graders.platforms.distribution import wheel

    name, data = wheel()
    path = folder / name
    path.write_bytes(data)
    return path


def system_venv(config: pytest.Config) -> Path:
    """A venv of the system Python with chaingrade installed from its wheel: its python."""
    if not SYSTEM_PYTHON.is_file():
        pytest.fail(f"{SYSTEM_PYTHON} is missing: the platform tests need the system Python")
    root = shared_root(config)
    venv = root / "system-venv"
    python = venv / "bin" / "python"
    with open(root / "system-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ready").is_file():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(venv)], check=True)
            wheel = build_wheel(root)
            done = subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    f"{wheel}[batch]",
                ],
                capture_output=True,
                text=True,
                env=clean_environment(),
            )
            assert done.returncode == 0, done.stdout + done.stderr
            subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
            (venv / "ready").write_text("ok")
    return python


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what points Python at this checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST_", "CHAINGRADE_"))
    }
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return {**env, **extra}


def chaingrade_from(
    python: Path, *args, cwd: Path, env: dict | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """``chaingrade ARGS`` with the given Python's installed copy (not this checkout)."""
    return subprocess.run(
        [str(python), "-m", "graders.platforms.cli", *map(str, args)],
        cwd=cwd,
        env=env or clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
