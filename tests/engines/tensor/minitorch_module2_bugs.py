"""One-bug variants of ``minitorch_module2/`` (a finished minitorch Module 2): each is the
correct package with one line of a student's Task 2.4 ``backward`` (or of ``mean``, or a
whole-reduction Function of the student's own) written wrong, as such bugs are met in
public Module 2 solutions; the ``mean_all`` ones show only when a matrix is reduced whole
(minitorch's ``x.mean()``, shape (1,)). ``write(name, folder)`` copies the package
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
    #: Code the bug adds at the end of ``file`` (a Function of the student's own).
    added: str = ""


#: A student's own Function for ``mean()`` over everything, written as minitorch's ``All``
#: is (one node: the operand made contiguous, viewed flat, reduced), its backward taking
#: the count as ``len(a)``, the first side: right on a vector, wrong on any other shape.
_MEAN_ALL = """

class MeanAll(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a.shape)
        flat = a.contiguous().view(a.size)
        return flat.f.add_reduce(flat, 0) / a.size

    @staticmethod
    def backward(ctx, grad_output):
        (shape,) = ctx.saved_values
        return grad_output / shape[0]
"""


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
    # mean() over everything dividing by the first side (len(a)), not by every element:
    # right on a vector, wrong on a matrix (a whole reduction of an n-d operand)
    "mean_all_divides_by_first_side": Bug(
        "tensor.py",
        "return self.sum() / self.size",
        "return self.sum() / self.shape[0]",
        ("forward", "mean", None),
    ),
    # the same mistake in the backward of a student's own whole-mean Function (_MEAN_ALL):
    # the value is right, the gradient of a matrix's mean() is not
    "mean_all_backward_divides_by_first_side": Bug(
        "tensor.py",
        "return self.sum() / self.size",
        "from .tensor_functions import MeanAll\n\n        return MeanAll.apply(self)",
        ("local-derivative", "mean", None),
        added=_MEAN_ALL,
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
    if bug.added:
        functions = folder / "minitorch" / "tensor_functions.py"
        functions.write_text(functions.read_text() + bug.added)
    return folder
