"""One-bug variants of ``minitorch_module2/`` (a finished minitorch Module 2): each is the
correct package with one line of a student's Task 2.4 ``backward`` written wrong, as such
bugs are met in public Module 2 solutions. ``write(name, folder)`` copies the package
with the bug into ``folder``; ``EXPECTED[name]`` is the one finding it must get
(``(step, op, argument)``) and nothing else but the ops Module 2 has not.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

CORRECT = Path(__file__).resolve().parent / "minitorch_module2"


@dataclass(frozen=True)
class Bug:
    file: str
    right: str
    wrong: str
    expected: tuple


BUGS = {
    # Permute.backward permuting by the forward's order again, not by its inverse
    "permute_backward_same_order": Bug(
        "tensor_functions.py",
        "return grad_output._new(grad_output._tensor.permute(*inverse)), 0.0",
        "return grad_output._new(grad_output._tensor.permute(*order)), 0.0",
        ("local-derivative", "transpose", None),
    ),
    # Exp.backward multiplying by the saved input instead of exp(input)
    "exp_backward_uses_input": Bug(
        "tensor_functions.py",
        """        out = t1.f.exp_map(t1)
        ctx.save_for_backward(out)
        return out""",
        """        out = t1.f.exp_map(t1)
        ctx.save_for_backward(t1)
        return out""",
        ("local-derivative", "exp", None),
    ),
    # Sigmoid.backward as grad * s, the (1 - s) factor forgotten
    "sigmoid_backward_drops_one_minus": Bug(
        "tensor_functions.py",
        "return grad_output.f.mul_zip(grad_output, s.f.mul_zip(s, one_minus))",
        "return grad_output.f.mul_zip(grad_output, s)",
        ("local-derivative", "sigmoid", None),
    ),
}


def write(name: str, folder: Path) -> Path:
    """The package with bug ``name``, as a student's repository at ``folder``."""
    bug = BUGS[name]
    shutil.copytree(CORRECT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / "minitorch" / bug.file
    text = path.read_text()
    assert text.count(bug.right) == 1, name
    path.write_text(text.replace(bug.right, bug.wrong))
    return folder
