"""Repositories laid out as real courses' hand-ins are, built into a folder by :func:`build`.

Each layout reproduces one family's repository as students push it (studied on public
ones: CMU 10-414's needle hw1, minitorch Module 1, karpathy/micrograd and its forks,
DeZero's book repository), with the scratch files beside the engine that make finding it
hard: a notebook at the top, tests, apps and project scripts that import the engine. The
engine itself is one of this project's own correct engines (``ENGINE`` entries), placed
where the family keeps its engine; every other file is written here. ``picked`` is what
``graders.submission`` must grade, as the "About your submission" note names it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

ENGINES = Path(__file__).resolve().parent.parent
#: A file whose text is one of the project's correct engines.
NEEDLE = ("engine", ENGINES / "families" / "needle_scalar.py")
NEEDLE_HW1 = ("engine", ENGINES / "tensor" / "needle_hw1.py")
MINITORCH = ("engine", ENGINES / "families" / "minitorch_scalar.py")
MICROGRAD = ("engine", ENGINES / "correct" / "closures_micrograd.py")
DEZERO = ("engine", ENGINES / "families" / "dezero_steps.py")
MYGRAD = ("engine", ENGINES.parent.parent / "assignments/scalar_autodiff/solution/engine.py")


def _notebook(*cells: str) -> str:
    """A scratch notebook (nbformat 4) of code cells, as a student leaves one beside."""
    return json.dumps(
        {
            "cells": [
                {
                    "id": f"cell{n}",
                    "cell_type": "code",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [],
                    "source": c,
                }
                for n, c in enumerate(cells)
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


@dataclass(frozen=True)
class Layout:
    family: str
    api: str
    assignment: str = "scalar_autodiff"
    #: relative path -> text, or an ``("engine", path)`` entry.
    files: dict = field(default_factory=dict)
    #: What is graded, as the note shows it, and the module imported.
    picked: str = ""
    module: str = ""

    @property
    def engine(self) -> Path:
        """The project's engine this layout places (the first ``ENGINE`` entry)."""
        return next(c[1] for c in self.files.values() if isinstance(c, tuple))


LAYOUTS = {
    # CMU 10-414 hw1: the package under python/, the course's notebook at the top, an app
    # and the course's tests that import it.
    "needle_hw1": Layout(
        family="needle",
        api="needle",
        files={
            "python/needle/__init__.py": "from .autograd import Tensor\nfrom .autograd import *\n",
            "python/needle/autograd.py": NEEDLE,
            "python/needle/device.py": "def cpu():\n    return 'cpu'\n",
            "apps/simple_ml.py": "import sys\nsys.path.append('python/')\nimport needle as ndl\n",
            "tests/test_autograd_hw.py": "import needle as ndl\n\ndef test_x():\n    pass\n",
            "hw1.ipynb": _notebook("!pip install numdifftools", "import needle as ndl"),
            "README.md": "# Homework 1\n",
        },
        picked="python/needle/",
        module="needle",
    ),
    # The same repository with the array engine hw1 asks for, graded by tensor_autodiff.
    "needle_hw1_tensor": Layout(
        family="needle",
        api="needle",
        assignment="tensor_autodiff",
        files={
            "python/needle/__init__.py": "from .autograd import Tensor\nfrom .autograd import *\n",
            "python/needle/autograd.py": NEEDLE_HW1,
            "apps/simple_ml.py": "import sys\nsys.path.append('python/')\nimport needle as ndl\n",
            "tests/hw1/test_autograd_hw.py": "import needle as ndl\n",
            "hw1.ipynb": _notebook("import needle as ndl"),
        },
        picked="python/needle/",
        module="needle",
    ),
    # minitorch Module 1: the package re-exports every module with `import *`; the
    # project's scripts and the course's tests import it.
    "minitorch_module1": Layout(
        family="minitorch",
        api="minitorch",
        files={
            "minitorch/__init__.py": "from .testing import *  # noqa\n"
            "from .scalar import *  # noqa\n",
            "minitorch/scalar.py": MINITORCH,
            "minitorch/testing.py": "class MathTest:\n    pass\n",
            "project/run_scalar.py": "import minitorch\n\nclass Network:\n    pass\n",
            "tests/test_scalar_autodiff.py": "import minitorch\n",
            "setup.py": "class Scalar:\n    pass\n",
        },
        picked="minitorch/",
        module="minitorch",
    ),
    # karpathy/micrograd and its forks: an empty __init__.py, the engine in engine.py,
    # nn.py importing it absolutely, the demo notebook and a test at the top.
    "micrograd_fork": Layout(
        family="micrograd",
        api="micrograd",
        files={
            "micrograd/__init__.py": "",
            "micrograd/engine.py": MICROGRAD,
            "micrograd/nn.py": "from micrograd.engine import Value\n\nclass Module:\n    pass\n",
            "demo.ipynb": _notebook("from micrograd.engine import Value", "%matplotlib inline"),
            "test/test_engine.py": "from micrograd.engine import Value\n",
        },
        # the assignment's engine.py, imported as the student imports it from the
        # repository (a reproducer's `from micrograd.engine import Value` runs there)
        picked="micrograd/engine.py",
        module="micrograd.engine",
    ),
    # A fork that renamed the package and its engine module: found by the Value it
    # defines, imported as the package's module (its __init__.py exports nothing).
    "micrograd_fork_renamed": Layout(
        family="micrograd",
        api="micrograd",
        files={
            "nanograd/__init__.py": "",
            "nanograd/value.py": MICROGRAD,
            "nanograd/nn.py": "from nanograd.value import Value\n\nclass Module:\n    pass\n",
            "demo.ipynb": _notebook("from nanograd.value import Value"),
        },
        picked="nanograd/value.py",
        module="nanograd.value",
    ),
    # A course's micrograd as one script named micrograd.py, with a script that uses it.
    "micrograd_script": Layout(
        family="micrograd",
        api="micrograd",
        files={
            "hw2/micrograd.py": MICROGRAD,
            "hw2/train.py": "from micrograd import Value\n",
            "hw2/notes.txt": "my notes\n",
        },
        picked="hw2/micrograd.py",
        # The project's tests install PyPI's micrograd, and a loose module is never
        # imported under an installed module's name (graders.submission).
        module="engine",
    ),
    # DeZero's book repository: the package (its __init__.py imports from dezero.core,
    # absolutely) and the steps, each a script with its own Variable.
    "dezero_book": Layout(
        family="dezero",
        api="dezero",
        files={
            "dezero/__init__.py": "from dezero.core import Variable\nfrom dezero.core import *\n",
            "dezero/core.py": DEZERO,
            "steps/step01.py": "import numpy as np\n\nclass Variable:\n    pass\n",
            "steps/step02.py": "import numpy as np\n\nclass Variable:\n    pass\n",
            "examples/spiral.py": "import dezero\n",
        },
        picked="dezero/",
        module="dezero",
    ),
    # An upload of one file of any name (Gradescope keeps the student's own file name).
    "one_file_upload": Layout(
        family="mygrad",
        api="mygrad",
        files={"cos_sign.py": MYGRAD},
        picked="cos_sign.py",
        module="cos_sign",
    ),
}


def build(name: str, folder: Path) -> Path:
    """Write layout ``name`` into ``folder`` (created) and return it."""
    for relative, content in LAYOUTS[name].files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content[1].read_text() if isinstance(content, tuple) else content
        path.write_text(text)
    return folder
