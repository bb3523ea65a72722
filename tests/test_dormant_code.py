"""Code that never runs when graded is not judged by the static policy; code that may run is.

A course's package carries functions the grader never calls (DeZero's dataset loaders and
graph plotter, ``engines/families/dezero_final``): the policy, told what the worker calls
(``presets.worker_names``) and which file it imports, judges only what may run
(``graders.sandbox.dormant``). Each attack below reaches the same constructs from code that
may run, by a name, a dunder, a decorator, a default, a computed name, a class's
``__dict__`` or another file, and stays a violation.
"""

from __future__ import annotations

import pytest

from graders.presets import PRESETS, worker_names
from graders.sandbox.policy import Policy, check

CALLED = worker_names(PRESETS["mygrad"])
ENGINE = "def tensor(x):\n    return x\n"


def violations(sources: dict[str, str]) -> list[str]:
    return [str(v) for v in check(sources, Policy(), CALLED, "engine.py")]


#: A helper module's code that only functions no running code names use.
NEVER_RUN = {
    "subprocess for a plot": "import subprocess\ndef plot(g):\n    subprocess.run(['dot', g])\n",
    "a loader of an unused class": (
        "import gzip\nimport pickle\nclass Loader:\n    def prepare(self):\n"
        "        with gzip.open('f') as f:\n            return pickle.load(f), eval('1')\n"
    ),
    "a path computed at the top": (
        "import os\ncache = os.path.join(os.path.expanduser('~'), '.cache')\n"
        "def get_file(url):\n    os.mkdir(cache)\n    return open(url)\n"
    ),
    "a method of a used class no one calls (DeZero's Layer.save_weights)": (
        "import numpy as np\nclass Layer:\n    def save_weights(self, path):\n"
        "        np.savez_compressed(path, w=1)\nlayer = Layer()\n"
    ),
    "the book's header: a membership test of globals()": (
        "import subprocess\nif '__file__' in globals():\n    import os, sys\n"
        "    sys.path.append(os.path.join(os.path.dirname(__file__), '..'))\n"
        "def plot():\n    subprocess.run('dot')\n"
    ),
    "docstrings that spell their class and what it holds (a documented DeZero fork)": (
        'import os\nclass ResNet:\n    """ResNet\n\n    Attributes:\n'
        '        res2 (Block): Block\n    """\n'
        "    def __init__(self, path):\n        self.size = os.path.getsize(path)\n"
        'class Block:\n    """Block"""\n    def __init__(self):\n'
        '        "a string as a comment: ResNet"\n        os.remove("x")\n'
    ),
    "micrograd's op label '*' beside a dataset loader never called": (
        "import gzip\nimport os\nLABELS = ['+', '*']\nclass Mnist:\n"
        "    def __init__(self):\n        self.x = self._parse(os.path.dirname(__file__))\n"
        "    def _parse(self, path):\n        return gzip.open(path).read()\n"
    ),
}


@pytest.mark.parametrize("name", sorted(NEVER_RUN))
def test_code_that_never_runs_is_not_judged(name):
    sources = {"engine.py": "import helpers\n" + ENGINE, "helpers.py": NEVER_RUN[name]}
    assert violations(sources) == []
    assert check(sources, Policy()) != []  # judged whole, it breaks the rules


#: Each reaches what the policy forbids from code that may run: (helpers.py, engine.py).
MAY_RUN = {
    "a method the worker calls": (
        "import os\nclass T:\n    def backward(self):\n        os.system('x')\n",
        "from helpers import T\n" + ENGINE,
    ),
    "a helper a called method calls": (
        "import subprocess\ndef helper():\n    subprocess.run('x')\n"
        "class T:\n    def backward(self):\n        helper()\n",
        "from helpers import T\n" + ENGINE,
    ),
    "a dunder of a class that is made": (
        "class T:\n    def __add__(self, other):\n        return open('x')\n",
        "from helpers import T\ndef tensor(x):\n    return T()\n",
    ),
    "a function decorated by the student's own decorator": (
        "def register(f):\n    return f\n@register\ndef hidden():\n    return open('x')\n",
        "import helpers\n" + ENGINE,
    ),
    "a default computed when the def runs": (
        "def plot(x=open('x')):\n    pass\n",
        "import helpers\n" + ENGINE,
    ),
    "a class whose base makes it (an Enum)": (
        "import enum\nclass E(enum.Enum):\n    A = 1\n    def __init__(self, v):\n"
        "        open('x')\n",
        "import helpers\n" + ENGINE,
    ),
    "a method read off its class by a computed name": (
        "class C:\n    def hidden(self):\n        return open('x')\n",
        "from helpers import C\ndef tensor(x):\n    name = 'hid' + 'den'\n"
        "    return getattr(C, name)(x)\n",
    ),
    "a class's namespace read by keys": (
        "class C:\n    def hidden(self):\n        return open('x')\n",
        "from helpers import C\ndef tensor(x):\n    return [f(x) for f in C.__dict__.values()]\n",
    ),
    "a module imported for dormant code, read off it elsewhere": (
        "import subprocess as sp\ndef plot():\n    sp.run('x')\n",
        "import helpers\ndef tensor(x):\n    helpers.sp.run('y')\n    return x\n",
    ),
    "an import nothing uses (there for what importing does)": (
        "import subprocess\n",
        "import helpers\n" + ENGINE,
    ),
    "a standard module used at the top": (
        "import os\ncwd = os.getcwd()\ndef get():\n    os.mkdir(cwd)\n",
        "import helpers\n" + ENGINE,
    ),
    "a stand-in imported where it never runs": (
        "def compare(x):\n    import torch\n    return torch.tensor(x)\n",
        "import helpers\n" + ENGINE,
    ),
    # Review 33: methods called by names no code of the submission writes.
    "a file's write, called by print(file=...)": (
        "class W:\n    def write(self, text):\n        open('x')\n",
        "import helpers\ndef tensor(x):\n    print(x, file=helpers.W())\n    return x\n",
    ),
    "a mapping's keys, called by dict(**m)": (
        "class M:\n    def keys(self):\n        return open('x')\n"
        "    def __getitem__(self, k):\n        return k\n",
        "import helpers\ndef tensor(x):\n    dict(**helpers.M())\n    return x\n",
    ),
    "a method named as a ufunc, called by NumPy on an object array": (
        "class C:\n    def conjugate(self):\n        return open('x')\n",
        "import numpy as np\nimport helpers\n"
        "def tensor(x):\n    np.conj(np.array([helpers.C()], dtype=object))\n    return x\n",
    ),
    "a hook a standard base class calls (Queue._init)": (
        "import queue\nclass Q(queue.Queue):\n    def _init(self, maxsize):\n"
        "        self.queue = open('x')\n",
        "import helpers\ndef tensor(x):\n    helpers.Q()\n    return x\n",
    ),
    "a hook of a subclass of a class with a standard base": (
        "import random\nclass R(random.Random):\n    pass\nclass S(R):\n"
        "    def getrandbits(self, k):\n        return open('x')\n",
        "import helpers\ndef tensor(x):\n    helpers.S(0).randrange(9)\n    return x\n",
    ),
    "a function registered by another object's setter": (
        "class Registry:\n    def setter(self, f):\n        f()\nreg = Registry()\n"
        "@reg.setter\ndef hidden():\n    open('x')\n",
        "import helpers\n" + ENGINE,
    ),
    "a function decorated by the student's own staticmethod": (
        "def staticmethod(f):\n    f()\n    return f\n"
        "@staticmethod\ndef hidden():\n    open('x')\n",
        "import helpers\n" + ENGINE,
    ),
    "a function found by listing a module's globals": (
        "def hidden():\n    open('x')\n"
        "def run_all():\n    [f() for f in list(globals().values()) if callable(f)]\n",
        "import helpers\ndef tensor(x):\n    helpers.run_all()\n    return x\n",
    ),
    "an unused class found by __subclasses__": (
        "class Base:\n    pass\nclass Hidden(Base):\n    def run(self):\n        open('x')\n",
        "import helpers\n"
        "def tensor(x):\n    helpers.Base.__subclasses__()[0]().run()\n    return x\n",
    ),
}


@pytest.mark.parametrize("name", sorted(MAY_RUN))
def test_what_may_run_is_judged(name):
    helpers, engine = MAY_RUN[name]
    assert violations({"engine.py": engine, "helpers.py": helpers}) != [], name


#: A class named only in a docstring, reached through the docstring's text: (helpers.py,
#: engine.py). A docstring's words name nothing until running code reads a ``__doc__``.
DOCSTRING_READ = {
    "a class named only in a docstring, read through __doc__": (
        "import os\nclass Block:\n    def __init__(self):\n        os.remove('x')\n",
        'import typing\nimport helpers\nclass Holder:\n    """helpers.Block"""\n'
        "def tensor(x):\n    Holder.__annotations__ = {'b': Holder.__doc__}\n"
        "    typing.get_type_hints(Holder)['b']()\n    return x\n",
    ),
    "a class named only in a docstring, read through a format field": (
        "import os\nclass Block:\n    def __init__(self):\n        os.remove('x')\n",
        'import typing\nimport helpers\nclass Holder:\n    """helpers.Block"""\n'
        "def tensor(x):\n    Holder.__annotations__ = {'b': '{0.__doc__}'.format(Holder)}\n"
        "    typing.get_type_hints(Holder)['b']()\n    return x\n",
    ),
}


@pytest.mark.parametrize("name", sorted(DOCSTRING_READ))
def test_a_docstring_read_makes_the_names_it_spells_count(name):
    helpers, engine = DOCSTRING_READ[name]
    found = violations({"engine.py": engine, "helpers.py": helpers})
    assert any(v.startswith("helpers.py:1: import os") for v in found), found


def test_importing_everything_of_a_module_still_reads_what_it_imports():
    helpers = "import gzip\ndef load(path):\n    return gzip.open(path)\n"
    engine = "from helpers import *\n" + ENGINE
    found = violations({"engine.py": engine, "helpers.py": helpers})
    assert any(v.startswith("helpers.py:1: import gzip") for v in found), found


def test_the_entrys_own_functions_may_all_run():
    """What the entry module binds at its top, the worker may call (--api auto tries its
    classes): a helper there is judged though nothing names it."""
    source = "import subprocess\ndef helper():\n    subprocess.run('x')\n" + ENGINE
    assert violations({"engine.py": source}) != []
    assert violations({"engine.py": ENGINE, "helpers.py": source.replace(ENGINE, "")}) == []


def test_without_the_workers_names_everything_is_judged():
    sources = {
        "engine.py": "import helpers\n" + ENGINE,
        "helpers.py": NEVER_RUN["subprocess for a plot"],
    }
    assert [v.construct for v in check(sources, Policy())] == ["import subprocess"]
    assert check(sources, Policy(computed_names=True), CALLED, "engine.py") != []


#: minitorch's testing.py (Module 1 and 2 scaffold): a class made generic, its methods
#: listed with dir() and read by getattr on the class itself.
MINITORCH_TESTING = (
    "from typing import Generic, TypeVar\nA = TypeVar('A')\n"
    "class MathTest(Generic[A]):\n"
    "    @staticmethod\n    def neg(a):\n        return -a\n"
    "    @classmethod\n    def _tests(cls):\n        out = []\n"
    "        for k in dir(MathTest):\n"
    "            if callable(getattr(MathTest, k)) and not k.startswith('_'):\n"
    "                out.append((k, getattr(cls, k)))\n        return out\n"
)


def test_the_courses_generic_test_class_may_be_read_by_computed_names():
    engine = "from testing import MathTest\n" + ENGINE
    assert violations({"engine.py": engine, "testing.py": MINITORCH_TESTING}) == []
    rebound = MINITORCH_TESTING.replace("TypeVar('A')\n", "TypeVar('A')\nGeneric = A\n")
    assert violations({"engine.py": engine, "testing.py": rebound}) != []
