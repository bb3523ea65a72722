"""Take docs/report.png and docs/class-summary.png: the pages as a browser shows them.

    python docs/screenshots.py

Grades a buggy engine of the corpus with ``chaingrade check --html`` and a small class
(the reference, a few bugs, an unfinished engine, a file that is not a submission) with
``chaingrade batch``, then opens both pages in Debian's Chromium (``/usr/bin/chromium``)
through playwright and saves full-page screenshots beside this file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
CLASS = (
    "cos_sign",
    "breadth_first_order",
    "assigns_everywhere",
    "mul_assigns_grad",
    "tanh_unsquared",
    "log_undefined",
    "tanh_not_implemented",
)


def chaingrade(*args: str, cwd: Path) -> None:
    # As root, batch would run each worker as its own user, which needs a Python every
    # user can read; a picture needs no isolation.
    env = {**os.environ, "CHAINGRADE_WORKER_USER": ""}
    command = [sys.executable, "-m", "graders.platforms.cli", *args]
    subprocess.run(command, cwd=cwd, check=False, env=env)


def buggy(name: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(ROOT / "tests/engines/buggy.py"), name, str(path)],
        check=True,
        capture_output=True,
    )
    return path


def shoot(page: Path, png: Path, width: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        tab = browser.new_page(viewport={"width": width, "height": 800})
        tab.goto(page.as_uri())
        tab.screenshot(path=str(png), full_page=True)
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        engine = buggy("breadth_first_order", work / "student" / "engine.py")
        chaingrade("check", str(engine), "--html", str(work / "report.html"), cwd=work)
        shoot(work / "report.html", HERE / "report.png", 1000)
        submissions = work / "submissions"
        for name in CLASS:
            buggy(name, submissions / f"{name}.py")
        (submissions / "solution.py").write_bytes(
            (ROOT / "assignments/scalar_autodiff/solution/engine.py").read_bytes()
        )
        (submissions / "notes.txt").write_text("not a submission\n")
        chaingrade("batch", str(submissions), "--out", str(work / "out"), "--no-progress", cwd=work)
        shoot(work / "out" / "summary.html", HERE / "class-summary.png", 1300)


if __name__ == "__main__":
    main()
