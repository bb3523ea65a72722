"""Reproducers in the forms the worker called the engine in (family: DeZero, steps 9-19).

An engine whose Variables have no operators (``engines/families/dezero_step16.py``: ``add``,
``square`` and ``exp`` as module functions) is called under ``--api dezero`` as
``add(x, y)``, ``square(x)`` and with numbers made Variables; the worker says so when it
imports the engine (``engine_calls.revised``), so the reproducer a student pastes writes
the same calls and runs against their engine.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.assignment import load
from graders.engine.grader import EngineGrader
from graders.engine.reproducer import reproducer
from graders.model.composition import Composition, Const, Node
from graders.presets import PRESETS, resolve
from graders.sandbox import engine_calls

FOLDER = Path(__file__).resolve().parent / "engines" / "families"


def runs(code: str, folder: Path) -> subprocess.CompletedProcess:
    """The reproducer run as a student would: a file beside their engine, its own process."""
    (folder / "reproduce.py").write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "reproduce.py"], capture_output=True, text=True, cwd=folder, timeout=60
    )


def buggy_step16(folder: Path) -> Path:
    """Step 16 with add's backward doubling the gradient of its second argument."""
    text = (FOLDER / "dezero_step16.py").read_text()
    assert text.count("        return gy, gy\n") == 1
    path = folder / "step16.py"
    path.write_text(text.replace("        return gy, gy\n", "        return gy, 2 * gy\n"))
    return path


@pytest.mark.slow
def test_the_printed_reproducer_calls_the_engines_functions_and_runs(tmp_path):
    path = buggy_step16(tmp_path)
    report = EngineGrader(load("scalar_autodiff", api="dezero"), path, examples=5).grade()
    charged = [f for f in report.findings if f.step != "missing"]
    assert {(f.step, f.op) for f in charged} == {("local-derivative", "add")}, [
        f.summary() for f in report.findings
    ]
    code = charged[0].reproducer
    assert "from step16 import Variable, add" in code and "add(" in code, code
    assert " + " not in code, code
    done = runs(code, tmp_path)
    assert done.returncode == 0, f"{code}\n{done.stderr}"
    assert "expected 1" in done.stdout  # d/dy (x + y), and the engine's 2 printed before it
    assert done.stdout.split("=")[1].split()[0] == "2.0", done.stdout


def revised_for(path: Path) -> dict:
    """What the worker reports for the engine at ``path`` under ``--api dezero`` (our own
    engine, imported here as the worker imports it)."""
    sys.path.insert(0, str(path.parent))
    try:
        module = importlib.import_module(path.stem)
        return engine_calls.revised(module, PRESETS["dezero"].for_worker())
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop(path.stem, None)


def test_the_worker_reports_functions_squares_and_leaves_for_an_operator_less_engine():
    changes = revised_for(FOLDER / "dezero_step16.py")
    assert changes == {
        "names": {"add": "add"},
        "aliases": {"square": "x ** 2"},
        "constants": "leaf",
    }
    assert revised_for(FOLDER / "dezero_step22.py") is None  # operators: nothing to revise


def test_a_revised_api_writes_each_node_as_the_worker_called_it(tmp_path):
    """``square(x)`` for ``x ** 2``, ``add`` for ``+``, the number 3 a Variable; run
    against the engine, the reproducer prints the engine's gradient."""
    shutil.copyfile(FOLDER / "dezero_step16.py", tmp_path / "step16.py")
    api = resolve({**PRESETS["dezero"].to_json(), **revised_for(tmp_path / "step16.py")})
    two, three = Const(2.0), Const(3.0)
    comp = Composition(("x",), (Node("pow", (0, two)), Node("add", (1, three))), ("a", "b"))
    code = reproducer(comp, [0.7], api, "step16", [(0, "grad", 1.4)])
    assert "a = square(x)" in code and "b = add(a, Variable(np.array(3.0)))" in code, code
    done = runs(code, tmp_path)
    assert done.returncode == 0, f"{code}\n{done.stderr}"
    assert done.stdout.split() == ["x.grad.data", "=", "1.4", "expected", "1.4"], done.stdout
