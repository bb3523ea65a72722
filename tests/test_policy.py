"""The static policy: what a submission's source may use, checked before it runs.

Every construct that reaches into the interpreter is named with its line; every correct
engine and solution we have passes untouched; the lists come from assignment.toml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from shared_runs import once_per_run
from suite_seeds import seeds_for

from graders.assignment import load
from graders.grading import grade
from graders.sandbox.policy import (
    DEFAULT_FORBIDDEN_IMPORTS,
    REACHING_PACKAGES,
    STAND_INS,
    Policy,
    check,
)

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
        ("from sys import modules", "from sys import modules"),
        ("import sys\nm = sys.modules", "sys"),
        ("import sys\nsys.stdout = None", "sys"),
        ("import sys as s\nf(s)", "s"),
        ("import ctypes", "import ctypes"),
        ("import _ctypes", "import _ctypes"),
        ("import pickle", "import pickle"),
        ("import types", "import types"),
        ("import json", "import json"),
        ("import inspect", "import inspect"),
        ("import gc", "import gc"),
        ("import subprocess", "import subprocess"),
        ("from importlib import import_module", "from importlib import ..."),
        ("import psutil", "import psutil"),
        ("import yaml\nx = yaml.unsafe_load(text)", "import yaml"),
        ("def f(g): return '{0.__globals__[os]}'.format(g)", "'{0.__globals__[os]}'"),
        ("s = '{x.f_back.f_globals}'", "'{x.f_back.f_globals}'"),
        ("from jinja2 import Template", "from jinja2 import ..."),
        ("import pytest\nos = pytest.importorskip('os')", "import pytest"),
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
    assert str(violation).startswith("engine.py:3: import socket (the standard module socket ")
    assert "ask your instructor to add it to allowed_imports" in violation.why


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
    policy = Policy.from_toml({"allowed_imports": ["math", "os"], "forbidden_imports": ["numba"]})
    assert flagged("import os", policy) == []
    assert flagged("import random", policy) == ["import random"]
    assert flagged("import numba", policy) == ["import numba"]
    assert flagged("import torch", policy) == []  # the assignment's list replaces the default
    strict = Policy.from_toml({"other_imports": "forbidden"})
    assert flagged("import numpy\nimport random", strict) == []
    assert flagged("import matplotlib.pyplot", strict) == ["import matplotlib.pyplot"]
    assert flagged("import os", Policy(enabled=False)) == []
    with pytest.raises(ValueError, match="unknown fields"):
        Policy.from_toml({"allowed_import": []})
    with pytest.raises(ValueError, match="both allowed and forbidden"):
        Policy.from_toml({"allowed_imports": ["torch"]})
    with pytest.raises(ValueError, match="other_imports must be one of"):
        Policy.from_toml({"other_imports": "maybe"})
    bundled = load("scalar_autodiff")
    assert bundled.policy == Policy()
    # The guard's, at run time: all but the reaching packages (pandas tries numexpr).
    assert bundled.forbidden_imports == tuple(
        m for m in DEFAULT_FORBIDDEN_IMPORTS if m not in REACHING_PACKAGES
    )


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


# --- allowed by default: what course code imports ------------------------------------


@pytest.mark.parametrize(
    "module",
    [
        "decimal",
        "fractions",
        "random",
        "queue",
        "dataclasses",
        "math",
        "statistics",
        "copy",
        "heapq",
        "bisect",
        "string",
        "re",
        "textwrap",
        "warnings",
        "contextlib",
        "weakref",
        "numbers",
        "graphlib",
        "typing_extensions",  # installed, not standard
        "numpy",
        "matplotlib.pyplot",
        "graphviz",  # not installed here: fails only if the import runs
        "numba",
    ],
)
def test_modules_that_cannot_stand_in_or_reach_the_grader_are_allowed(module):
    assert flagged(f"import {module}\nfrom {module} import x") == []


def test_of_sys_only_the_recursion_limit_and_a_few_readings_are_allowed():
    allowed = (
        "import sys\nsys.setrecursionlimit(10000)\nbig = sys.float_info.max\n"
        "print('x', file=sys.stderr)\n"
        "from sys import setrecursionlimit, getrecursionlimit\n"
        "import sys as system\nsystem.setrecursionlimit(2 * system.getrecursionlimit())\n"
    )
    assert flagged(allowed) == []
    found = check({"engine.py": "import sys\nm = sys.modules\n"}, Policy())
    assert [(v.line, v.construct) for v in found] == [(2, "sys")]
    assert "setrecursionlimit" in found[0].why


def test_a_students_own_module_wins_over_any_other_of_its_name():
    sources = {
        "engine.py": "import autograd\nfrom micrograd.topo import build\nimport mygrad\n",
        "autograd.py": "def topological_order(root): return []\n",
        "micrograd/__init__.py": "from micrograd.engine import Value\n",
        "micrograd/topo.py": "def build(v): return [v]\n",
        "mygrad.py": "x = 1\n",
    }
    assert check(sources, Policy()) == []
    # A module deep inside the package is not the student's top-level one.
    assert [v.construct for v in check({"pkg/torch.py": "", "pkg/a.py": "import torch"}, Policy())]


@pytest.mark.parametrize(
    "source",
    [
        "import autograd\nfrom autograd import grad\nd = grad(lambda x: x * x)",
        "import autograd.numpy as anp",
        "import mygrad as mg",
        "import torch",
        "from torch.autograd import grad",
        "import jax.numpy as jnp",
        "import tensorflow as tf",
        "import sympy\nd = sympy.diff(sympy.sin(sympy.Symbol('x')))",
        "from sympy import diff, Symbol",
        "import micrograd.engine",  # PyPI's micrograd, when the student has none of their own
        "import graders.ops",
        "def check_against_torch():\n    import torch\n    return torch",  # never called
    ],
)
def test_a_library_that_could_stand_in_for_the_students_derivatives_is_a_violation(source):
    (violation, *_) = check({"engine.py": source}, Policy())
    assert violation.construct.startswith(("import ", "from "))
    assert "computes derivatives itself" in violation.why or "chaingrade's own" in violation.why
    assert "your own engine" not in violation.why


def test_every_stand_in_is_blocked_at_run_time_too():
    assert set(STAND_INS) <= set(load("scalar_autodiff").forbidden_imports)


# --- code that never runs when graded ------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import os\n    import torch",
        "import typing\nif typing.TYPE_CHECKING:\n    from os import PathLike",
        "import typing as t\nif t.TYPE_CHECKING:\n    import os\nelse:\n    x = 1",
        "if __name__ == '__main__':\n    import sys, torch\n    sys.exit(torch.main())",
        "if '__main__' == __name__:\n    import os",
    ],
)
def test_blocks_that_never_run_when_graded_are_not_checked(source):
    assert flagged(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "TYPE_CHECKING = True\nif TYPE_CHECKING:\n    import os",
        "from typing import TYPE_CHECKING\nTYPE_CHECKING = 1\nif TYPE_CHECKING:\n    import os",
        "from x import flag as TYPE_CHECKING\nif TYPE_CHECKING:\n    import os",
        "import typing\ntyping.TYPE_CHECKING = True\nif typing.TYPE_CHECKING:\n    import os",
        "import typing\nsetattr(typing, 'TYPE_CHECKING', 1)\n"
        "if typing.TYPE_CHECKING:\n    import os",
        "typing = object()\nif typing.TYPE_CHECKING:\n    import os",
        "def TYPE_CHECKING():\n    pass\nif TYPE_CHECKING:\n    import os",
        "class TYPE_CHECKING:\n    pass\nif TYPE_CHECKING:\n    import os",
        "try:\n    1 / 0\nexcept Exception as TYPE_CHECKING:\n"
        "    if TYPE_CHECKING:\n        import os",
        "__name__ = '__main__'\nif __name__ == '__main__':\n    import os",
        "import engine\nengine.__name__ = '__main__'\nif __name__ == '__main__':\n    import os",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    import os",
    ],
)
def test_a_block_that_could_run_is_checked(source):
    assert "import os" in flagged(source)


#: DeZero's steps 23 on, as the book writes them: the script finds the dezero package beside.
DEZERO_PATH_LINE = (
    "if '__file__' in globals():\n"
    "    import os, sys\n"
    "    sys.path.append(os.path.join(os.path.dirname(__file__), '..'))\n"
)


def test_a_script_putting_its_own_package_on_the_import_path_is_allowed():
    assert flagged(DEZERO_PATH_LINE + "import numpy as np\nx = np.array(1.0)\n") == []
    insert = DEZERO_PATH_LINE.replace("path.append(", "path.insert(0, ")
    assert flagged(insert.replace("'..'", "'../..'")) == []


@pytest.mark.parametrize(
    "extra, construct",
    [
        ("    os.system('ls')\n", "import os"),  # anything else in the block is checked
        ("    sys.path.append('/usr/lib/python3/dist-packages')\n", "sys"),
        ("    sys.modules.pop('numpy')\n", "sys"),
        ("else:\n    import os\n", "import os"),
    ],
)
def test_a_path_block_that_does_more_is_checked(extra, construct):
    found = flagged(DEZERO_PATH_LINE + extra)
    assert any(c.startswith(construct) for c in found), found
    assert "globals" in found  # the whole block is read, its test included


def test_the_rule_holds_across_the_files_of_a_submission():
    sources = {
        "engine.py": "import helpers\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import os\n",
        "helpers.py": "import typing\ntyping.TYPE_CHECKING = True\n",
    }
    assert [v.construct for v in check(sources, Policy())] == ["import os"]


# --- names, annotations ----------------------------------------------------------------


def test_a_getattr_over_the_names_dir_lists_is_allowed_and_no_other_computed_one():
    minitorch = (
        "class MathTest:\n    @classmethod\n    def _tests(cls):\n"
        "        for k in dir(MathTest):\n"
        "            if callable(getattr(MathTest, k)) and not k.startswith('_'):\n"
        "                yield getattr(cls, k)\n"
        "names = [getattr(MathTest, n) for n in dir(MathTest)]\n"
    )
    assert flagged(minitorch) == []
    computed = "getattr(..., <computed name>)"
    rebound = "for k in dir(A):\n    pass\nk = '__glo' + 'bals__'\ng = getattr(f, k)\n"
    assert flagged(rebound) == [computed]
    assert flagged("import math\nfor k in dir(math):\n    getattr(math, k)\n") == [computed]
    assert flagged("def f(k):\n    for k in dir(A):\n        getattr(A, k)\n") == [computed]


@pytest.mark.parametrize(
    "source",
    [
        # the last review's way in: names picked from dir() of a traceback, a frame
        "def pick(obj, test):\n    for k in dir(obj):\n        if test(k):\n"
        "            return getattr(obj, k)\n",
        "for k in dir(tb):\n    if k[-5:] == 'frame':\n        f = getattr(tb, k)\n",
        "fs = [getattr(f, k) for k in dir(f) if k[-4:] == 'back']\n",
        # a classmethod's cls rebound, or shadowed by a nested function's parameter
        "class A:\n    @classmethod\n    def m(cls, tb):\n        cls = tb\n"
        "        for k in dir(cls):\n            getattr(cls, k)\n",
        "class A:\n    @classmethod\n    def m(cls):\n        def g(cls):\n"
        "            for k in dir(cls):\n                getattr(cls, k)\n",
        # not a classmethod: cls is whatever the caller passes
        "class A:\n    def m(cls):\n        for k in dir(cls):\n            getattr(cls, k)\n",
    ],
)
def test_a_name_from_dir_reaches_only_a_classmethods_own_class(source):
    assert flagged(source) == ["getattr(..., <computed name>)"]


@pytest.mark.parametrize(
    "source, construct",
    [
        ("x = vars(obj)[k]", "vars"),
        ("x = obj.__dict__[k]\ny = type(obj).__dict__['__glo' + 'bals__']", None),
        ("import operator\ng = operator.attrgetter(name)", "attrgetter(<computed name>)"),
        ("import operator\ng = operator.attrgetter('tb_frame')", "'tb_frame'"),
        ("import builtins\nbuiltins.getattr(o, k)", "import builtins"),
        ("import inspect\nf = inspect.currentframe()", "import inspect"),
        ("import traceback\nf = traceback.walk_stack(None)", "import traceback"),
        ("f = e.__traceback__.tb_frame", ".__traceback__"),
        ("g = getattr", "getattr"),
    ],
)
def test_other_ways_to_compute_a_name(source, construct):
    """What the policy says of the other ways to reach an attribute by a computed name;
    ``obj.__dict__[k]`` is what a static reading cannot see (the worker's guard refuses a
    frame at run time, whatever name reached it)."""
    found = flagged(source)
    assert construct in found if construct else found == [], found


@pytest.mark.parametrize(
    "source",
    [
        # review 30: a decorator rebinds the class's name to what it returns (a function)
        "def pick(cls):\n    return pick\n@pick\nclass Config:\n    pass\n"
        "g = getattr(Config, name)\n",
        # a metaclass, or a base's, makes the class, and may return anything
        "class Config(metaclass=M):\n    pass\ng = getattr(Config, name)\n",
        "class Base(metaclass=M):\n    pass\nclass Config(Base):\n    pass\n"
        "g = getattr(Config, name)\n",
        "import enum\nclass Config(enum.Enum):\n    A = 1\ng = getattr(Config, name)\n",
        "class Config(**keywords):\n    pass\ng = getattr(Config, name)\n",
        # a name built of literals, whatever it spells
        "class Config:\n    pass\ng = getattr(Config, '__slabolg__'[::-1])\n",
        "class Config:\n    pass\ng = getattr(Config, '__' + 'dict__')\n",
    ],
)
def test_a_computed_getattr_reads_only_a_plain_class_of_the_file(source):
    assert flagged(source) == ["getattr(..., <computed name>)"]


def test_dezeros_getattr_of_its_own_config_is_allowed():
    dezero = (
        "class Config:\n    enable_backprop = True\n"
        "class Strict(Config, object):\n    pass\n"
        "def using_config(name, value):\n    old = getattr(Config, name)\n"
        "    setattr(Config, name, value)\n    return getattr(Strict, name), old\n"
    )
    assert flagged(dezero) == []


@pytest.mark.parametrize(
    "source, construct",
    [
        # review 30: string.Formatter resolves "0.attr[key]" fields and returns the object
        (
            "import string\nF = string.Formatter()\n"
            "def get(o, d):\n    return F.get_field('0' + d, (o,), {})[0]\n",
            ".get_field(<computed format string>)",
        ),
        (
            "import string\ng = string.Formatter().get_field('0.__globals__', (f,), {})",
            "'{0.__globals__}'",
        ),
        ("import string\ns = string.Formatter().vformat(t, (o,), {})", ".vformat"),
        ("import string\ns = string.Formatter().format(t, o)", ".format"),
        ("def f(o, t):\n    return t.format(o)\n", ".format(<computed format string>)"),
        ("def f(o, t):\n    return t.format_map(o)\n", ".format_map"),
        ("def f(o, t):\n    return str.format(t, o)\n", ".format(<computed format string>)"),
        ("s = list(map(str.format, texts, objs))", ".format(<computed format string>)"),
        ("s = ('{0.' + name + '}').format(o)", ".format(<computed format string>)"),
        ("s = f'{{0.{name}}}'.format(o)", ".format(<computed format string>)"),
        ("import operator\ns = operator.methodcaller('format', o)(t)", "methodcaller"),
        ("s = '{0.__init__.__globals__[os]}'.format(o)", "'{0.__init__.__globals__[os]}'"),
        ("T = '{0.__globals__}'\ns = T.format(o)", "'{0.__globals__}'"),
        # a module's namespace, read by a computed key
        ("import typing\ns = typing.__dict__['s' + 'ys']", ".__dict__"),
    ],
)
def test_a_format_string_computed_at_run_time_is_a_computed_attribute(source, construct):
    found = flagged(source)
    assert any(construct in f for f in found), found


def test_format_strings_written_out_are_allowed():
    source = (
        "FORMAT = '{:.4f}'\nNAMED: str = '{0.data}'\n"
        "def show(t):\n    return FORMAT.format(t.data) + NAMED.format(t)"
        " + '{}({:.3f})'.format(type(t).__name__, t.data) + '{x}'.format_map({'x': 1})\n"
    )
    assert flagged(source) == []


def test_literal_strings_are_values_not_code():
    source = (
        "from typing import Annotated, Literal\n"
        "def f(op: Literal['+', '-', '**'], x: Annotated[float, '>= 0 (checked)']) "
        "-> 'Literal[\"+\"] | None':\n    pass\n"
        "Op = Literal['(', ')']\nop: Literal['a b'] = 'a b'\n"
    )
    assert flagged(source) == []
    assert flagged("def f(a: Literal['x'], b: \"__import__('os')\"): pass") == [
        "\"__import__('os')\""
    ]


def test_chaingrade_policy_says_the_rules():
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "policy"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for said in (
        "your own modules: always allowed",
        "torch",
        "setrecursionlimit",
        "decimal",
        "any other installed module (matplotlib, graphviz, numba, ...): allowed",
        "if TYPE_CHECKING:",
    ):
        assert said in text, said


# --- real course code, graded by `chaingrade check` ----------------------------------

PATTERNS = ROOT / "tests" / "engines" / "policy"
MICROGRAD = ROOT / "tests" / "engines" / "correct" / "closures_micrograd.py"
MINITORCH = ROOT / "tests" / "engines" / "families" / "minitorch_scalar.py"
SOLUTION = ROOT / "assignments" / "scalar_autodiff" / "solution" / "engine.py"


def chaingrade_check(submission: Path, *args) -> dict:
    """``chaingrade check --json``, as a student runs it (the worker as the calling user)."""
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "check", str(submission), "--json"]
        + ["--examples", "2", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "CHAINGRADE_WORKER_USER": ""},
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


def appended(base: Path, pattern: str, folder: Path) -> Path:
    """``base`` with the pattern file appended, as ``folder/engine.py``."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = folder / "engine.py"
    engine.write_text(base.read_text() + "\n\n" + (PATTERNS / pattern).read_text())
    return engine


def with_entry(tmp_path: Path, entry: str) -> Path:
    """scalar_autodiff, with the package ``entry`` handed in."""
    folder = tmp_path / f"assignment-{entry}"
    shutil.copytree(SOLUTION.parent.parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
    toml = folder / "assignment.toml"
    toml.write_text(
        toml.read_text().replace(
            'submission = "engine.py"', f'submission = "{entry}/"\nentry = "{entry}"'
        )
    )
    return folder


def package(tmp_path: Path, name: str, engine_file: str, engine: Path) -> Path:
    """The pattern package ``name`` with the family's engine copied in as ``engine_file``."""
    folder = tmp_path / "repo" / name
    shutil.copytree(PATTERNS / name, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(engine, folder / engine_file)
    return folder


def beside_package(tmp_path: Path, name: str, engine_file: str, engine: Path) -> Path:
    """A repository: ``engine.py`` (``uses_micrograd_package.py``) beside the package."""
    repo = package(tmp_path, name, engine_file, engine).parent
    shutil.copyfile(PATTERNS / "uses_micrograd_package.py", repo / "engine.py")
    return repo


def notebook_with_plot(tmp_path: Path) -> Path:
    cells = [MICROGRAD.read_text(), (PATTERNS / "plotting_cell.py").read_text()]
    path = tmp_path / "hw1.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))
    return path


def exact_numbers(tmp_path: Path, number: str) -> Path:
    text = (PATTERNS / "exact_numbers.py").read_text()
    line = "from decimal import Decimal as Number"
    assert line in text
    engine = tmp_path / "engine.py"
    engine.write_text(text.replace(line, number))
    return engine


def autograd_helper(tmp_path: Path) -> Path:
    folder = appended(MICROGRAD, "autograd_helper/engine_tail.py", tmp_path / "alice").parent
    shutil.copyfile(PATTERNS / "autograd_helper" / "autograd.py", folder / "autograd.py")
    return folder


#: Each correct engine that reproduces a pattern of real course code: how to build its
#: hand-in, and the arguments it is checked with (its family's --api).
COURSE_CODE = {
    "recursion limit (micrograd forks)": (
        lambda t: appended(MICROGRAD, "recursion_limit.py", t),
        ("--api", "micrograd"),
    ),
    "draw_dot with graphviz (micrograd)": (
        lambda t: appended(MICROGRAD, "draw_dot.py", t),
        ("--api", "micrograd"),
    ),
    "a notebook's plotting cell": (notebook_with_plot, ("--api", "micrograd")),
    "TYPE_CHECKING imports (minitorch)": (
        lambda t: appended(MINITORCH, "type_checking.py", t),
        ("--api", "minitorch"),
    ),
    "Literal annotations": (lambda t: appended(SOLUTION, "literal_annotation.py", t), ()),
    "Decimal values": (
        lambda t: exact_numbers(t, "from decimal import Decimal as Number"),
        (),
    ),
    "Fraction values": (
        lambda t: exact_numbers(t, "from fractions import Fraction as Number"),
        (),
    ),
    "a helper named autograd.py": (autograd_helper, ("--api", "micrograd")),
    "a package named micrograd (karpathy/micrograd)": (
        lambda t: package(t, "micrograd", "engine.py", MICROGRAD),
        ("--api", "micrograd", "--assignment", "ENTRY:micrograd"),
    ),
    "engine.py beside the student's package micrograd/": (
        lambda t: beside_package(t, "micrograd", "engine.py", MICROGRAD),
        ("--api", "micrograd"),
    ),
    "minitorch's scaffold (Module 1)": (
        lambda t: package(t, "minitorch", "scalar.py", MINITORCH),
        ("--api", "minitorch", "--assignment", "ENTRY:minitorch"),
    ),
}


def _arguments(tmp_path: Path, arguments: tuple[str, ...]) -> list[str]:
    return [
        str(with_entry(tmp_path, a.removeprefix("ENTRY:"))) if a.startswith("ENTRY:") else a
        for a in arguments
    ]


def checked_course_code(name: str, tmp_path: Path) -> dict:
    """The check of ``COURSE_CODE[name]``, made once per run for every test that reads it
    (``shared_runs``)."""
    build, arguments = COURSE_CODE[name]
    return once_per_run(
        f"test_policy: chaingrade check of {name}",
        lambda: chaingrade_check(build(tmp_path), *_arguments(tmp_path, arguments)),
    )


#: More of a kind another quick case shows, so ``slow`` (``--full``, as CI runs, checks
#: every one): the two minitorch packages, the two micrograd packages, the two annotation
#: imports, the two plotting imports, and the exact numbers that
#: ``test_an_engine_of_exact_numbers_gets_full_marks_at_every_seed`` grades in a quick run.
SLOW_COURSE_CODE = {
    "minitorch's scaffold (Module 1)",
    "a package named micrograd (karpathy/micrograd)",
    "Literal annotations",
    "a notebook's plotting cell",
    "Decimal values",
    "Fraction values",
}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow if n in SLOW_COURSE_CODE else ()) for n in COURSE_CODE],
)
def test_honest_course_code_gets_full_marks_and_no_violation(name, tmp_path):
    report = checked_course_code(name, tmp_path)
    assert report["score"] == report["max_score"] == 100, report["findings"][:2]
    assert report["findings"] == []


def test_a_module_that_is_not_installed_is_a_note_until_its_import_runs(tmp_path):
    report = checked_course_code("draw_dot with graphviz (micrograd)", tmp_path)
    (note,) = [n for n in report["notes"] if "graphviz" in n]
    assert note.startswith("engine.py:") and "not installed" in note and "no penalty" in note


def test_an_import_error_names_the_module_its_line_and_how_to_install_it(tmp_path):
    """minitorch Module 2: tensor_data.py imports numba at the top. numba is in the test
    extra (chaingrade[minitorch]), so the module not installed here is one renamed from
    it. Not a policy violation: an error that says what to do."""
    folder = package(tmp_path, "minitorch", "scalar.py", MINITORCH)
    init = folder / "__init__.py"
    init.write_text(init.read_text() + "from .tensor_data import *  # noqa: F403\n")
    data = folder / "tensor_data.py"
    data.write_text(data.read_text().replace("numba", ABSENT))
    report = chaingrade_check(
        folder, "--api", "minitorch", "--assignment", with_entry(tmp_path, "minitorch")
    )
    assert report["score"] == 0
    (finding,) = report["findings"]
    message = finding["message"]
    assert finding["step"] == "error" and "policy" not in message
    assert f"No module named '{ABSENT}'" in message
    line = data.read_text().splitlines().index(f"import {ABSENT}") + 1
    assert f"minitorch/tensor_data.py:{line}: {ABSENT} is not installed" in message
    assert f"pip install {ABSENT}" in message


#: A module no machine has installed (numba itself is, with the test extra).
ABSENT = "numba_never_installed"


def test_a_stand_in_imported_by_course_code_is_still_a_violation(tmp_path):
    """The PyPI autograd library, used to differentiate (no autograd.py of the student's)."""
    engine = appended(SOLUTION, "recursion_limit.py", tmp_path)
    engine.write_text(
        engine.read_text()
        + "\n\nfrom autograd import grad\n\n\ndef derivative(f):\n    return grad(f)\n"
    )
    report = chaingrade_check(engine)
    assert report["score"] == 0
    (finding,) = report["findings"]
    message = finding["message"]
    assert message.startswith("policy violation: engine.py:")
    assert "from autograd import ... (autograd computes derivatives itself" in message
    assert "sys" not in message.split("from autograd")[0]  # setrecursionlimit is not charged


@pytest.mark.parametrize(
    "number",
    ["from decimal import Decimal as Number", "from fractions import Fraction as Number"],
    ids=["Decimal", "Fraction"],
)
def test_an_engine_of_exact_numbers_gets_full_marks_at_every_seed(number, tmp_path):
    """Exact arithmetic meets every generated case: the verdict must not hang on the seed
    (every seed under the ``ci`` profile, one under ``dev``: ``suite_seeds.seeds_for``)."""
    engine = exact_numbers(tmp_path, number)
    for seed in seeds_for(number, tuple(range(1, 7))):
        report = grade(load("scalar_autodiff"), engine, grading_seed=seed, examples=2, jobs=2)
        assert report.score == 100, (seed, [f.summary() for f in report.findings][:2])
