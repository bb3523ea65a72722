"""The static policy: what a submission's source may use, checked before it runs.

Every construct that reaches into the interpreter is named with its line; every correct
engine and solution we have passes untouched; the lists come from assignment.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.assignment import load
from graders.grading import grade
from graders.sandbox.policy import DEFAULT_IMPORTS, Policy, check

ROOT = Path(__file__).resolve().parent.parent
CORRECT = sorted((ROOT / "tests" / "engines" / "correct").glob("*.py"))
SOLUTIONS = sorted(ROOT.glob("assignments/*/solution/*.py"))


def flagged(source: str, policy: Policy | None = None) -> list[str]:
    return [v.construct for v in check({"engine.py": source}, policy or Policy())]


@pytest.mark.parametrize(
    "source, construct",
    [
        ("import os", "import os"),
        ("import importlib.util", "import importlib.util"),
        ("from sys import modules", "from sys import ..."),
        ("import __main__", "import __main__"),
        ("x = eval('1')", "eval"),
        ("f = open('solution.py')", "open"),
        ("g = globals()", "globals"),
        ("b = __builtins__", "__builtins__"),
        ("m = __import__('os')", "__import__"),
        ("def f(): pass\ng = f.__globals__", ".__globals__"),
        ("k = object.__subclasses__()", ".__subclasses__"),
        ("c = (1).__class__.__mro__", ".__mro__"),
        ("def f(e): return e.__traceback__.tb_frame.f_back", ".__traceback__"),
        ("import numpy as np\nc = np.ctypeslib", ".ctypeslib"),
        ("import numpy as np\nd = np.load('x.npy')", ".load"),
        ("from numpy import fromfile", "from numpy import fromfile"),
        ("import functools\nos = functools.os", ".os"),
        ("def f(o, name): return getattr(o, name)", "getattr(..., <computed name>)"),
        ("def f(o): return getattr(o, '__globals__')", "'__globals__'"),
        ("import operator\ng = operator.attrgetter('__globals__')", "'__globals__'"),
        ("import functools\nfunctools.reduce(getattr, ['__closure__'], f)", "getattr"),
        ("g = getattr", "getattr"),
        ("getattr(*[len, '__self__'])", "getattr(..., <computed name>)"),
        ("import typing\ns = typing.__dict__['sys']", "'sys'"),
        ("import numpy.ctypeslib as c", "import numpy.ctypeslib"),
        ("setattr(f, '__code__', g)", "'__code__'"),
    ],
)
def test_each_construct_that_reaches_into_the_interpreter_is_named(source, construct):
    assert construct in flagged(source)


def test_violations_carry_file_and_line():
    (violation,) = check({"engine.py": "x = 1\n\nimport socket\n"}, Policy())
    assert str(violation) == "engine.py:3: import socket (a module this assignment does not allow)"


@pytest.mark.parametrize("path", CORRECT + SOLUTIONS, ids=lambda p: p.stem)
def test_every_correct_engine_and_solution_passes(path):
    assert flagged(path.read_text()) == []


def test_ordinary_engine_code_is_untouched():
    source = """
import math
from dataclasses import dataclass, field
import numpy as np

@dataclass
class Value:
    data: float
    grad: float = 0.0
    _prev: tuple = field(default=())

    def __add__(self, other):
        out = Value(self.data + getattr(other, "data", other))
        out.__dict__["note"] = type(self).__name__
        return out

    __radd__ = __add__

    def load(self):  # a method called load is not numpy's
        return self.load

def walk(v, seen=set()):
    return [walk(p) for p in v._prev if p not in seen]

setattr(Value, "__mul__", lambda a, b: Value(a.data * b.data))
"""
    assert flagged(source) == []


def test_computed_names_can_be_allowed_by_the_assignment():
    source = "import math\ndef f(name, x):\n    return getattr(math, name)(x)"
    assert flagged(source) == ["getattr(..., <computed name>)"]
    assert flagged(source, Policy.from_toml({"computed_names": True})) == []
    assert flagged("x = '__globals__'", Policy(computed_names=True)) == ["'__globals__'"]


def test_the_lists_come_from_assignment_toml():
    policy = Policy.from_toml({"allowed_imports": ["math", "random"]})
    assert flagged("import random", policy) == []
    assert flagged("import numpy", policy) == ["import numpy"]
    assert flagged("import os", Policy(enabled=False)) == []
    with pytest.raises(ValueError, match="unknown fields"):
        Policy.from_toml({"allowed_import": []})
    assert load("scalar_autodiff").policy.allowed_imports == DEFAULT_IMPORTS


def test_a_violation_scores_zero_everywhere_before_anything_runs(tmp_path):
    engine = tmp_path / "engine.py"
    marker = tmp_path / "ran"
    engine.write_text(
        f"import os\nopen({str(marker)!r}, 'w').close()\n"
        + (ROOT / "assignments/scalar_autodiff/solution/engine.py").read_text()
    )
    report = grade(load("scalar_autodiff"), engine, examples=2)
    assert report.score == 0 and not marker.exists()
    (finding,) = report.findings
    assert finding.message.startswith("policy violation: engine.py:1: import os")
    assert "engine.py:2: open" in finding.message


def test_a_syntax_error_names_its_line_and_an_empty_file_gets_one_finding(tmp_path):
    broken, empty = tmp_path / "engine.py", tmp_path / "empty" / "engine.py"
    broken.write_text("def f(:\n    pass\n")
    empty.parent.mkdir()
    empty.write_text('"""Nothing yet."""\n')
    (syntax,) = grade(load("scalar_autodiff"), broken).findings
    assert "syntax error: engine.py:1" in syntax.message
    report = grade(load("scalar_autodiff"), empty)
    assert len(report.findings) == 1 and "is empty" in report.findings[0].message


def test_text_that_typing_would_evaluate_is_flagged():
    """``typing.get_type_hints`` runs string annotations through ``eval``: a string
    annotation that is code, and the functions that evaluate them, are violations; plain
    type names in strings are not."""
    source = (
        "import typing\n"
        "def f(a: \"__import__('os')\", b: 'list[int]', c: 'Tensor') -> 'float | None':\n"
        "    pass\n"
        "typing.get_type_hints(f)\n"
    )
    found = [str(v) for v in check({"engine.py": source}, load("scalar_autodiff").policy)]
    assert any("engine.py:2" in v and "run as code" in v for v in found), found
    assert any("engine.py:4" in v and ".get_type_hints" in v for v in found), found
    assert len(found) == 2, found
