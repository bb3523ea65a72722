"""The buggy array-engine corpus: a correct engine with one realistic bug each, generated.

Every entry of ``BUGS`` names a bug, says it in one line, gives ``EXPECTED = (step, op,
argument)``, the finding chaingrade must make, whether that finding must name axes
(``axes``), the base it is made from (``solution``: the MyGrad-like reference solution of
``tensor_autodiff``; ``needle``: ``correct/needle_style.py``, graded with ``api =
"needle"``; ``needle_hw1``: ``needle_hw1.py``, a needle hw1 solution as the course's
conventions make it, graded with ``api = "needle"``), the API it is graded with when not
its base's (``api``), and the ``(old text, new text)`` replacements that make the bug.
Each old text must occur exactly once when it is applied (``CorpusDrift`` otherwise).

    python tests/engines/tensor/buggy.py                 # list the bugs
    python tests/engines/tensor/buggy.py NAME OUT.py     # write one buggy engine
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
BASES = {
    "solution": HERE.parents[2] / "assignments" / "tensor_autodiff" / "solution" / "engine.py",
    "needle": HERE / "correct" / "needle_style.py",
    "needle_hw1": HERE / "needle_hw1.py",
}
#: The API each base is graded with.
APIS = {"solution": "mygrad", "needle": "needle", "needle_hw1": "needle"}
#: needle's names with NumPy's broadcasting: for a needle-style engine that broadcasts.
NEEDLE_IMPLICIT = '{"preset": "needle", "broadcast": "implicit"}'


#: cTensor's reverse pass: each node, once its own backward ran, runs its inputs' again.
_RECURSIVE = (
    "        def visit(node):\n"
    "            node._backward()\n"
    "            for parent in node._parents:\n"
    "                visit(parent)\n"
    "\n"
    "        visit(self)"
)


class CorpusDrift(ValueError):
    """A replacement's old text is not in the base exactly once."""


class Bug(NamedTuple):
    name: str
    description: str
    expected: tuple  # (step, op, argument)
    replacements: tuple[tuple[str, str], ...]
    axes: bool = False
    base: str = "solution"
    api: str | None = None

    @property
    def graded_with(self) -> str:
        """The API this engine is graded with."""
        return self.api or APIS[self.base]


BUGS: tuple[Bug, ...] = (
    # --- broadcasting ------------------------------------------------------------------
    Bug(
        "add_not_unbroadcast",
        "``a + b`` adds ``out.grad`` to ``b.grad`` without summing it over the broadcast axes.",
        ("unbroadcast", "add", 1),
        (
            (
                "other.grad += unbroadcast(out.grad, other.shape)",
                "other.grad = other.grad + out.grad",
            ),
        ),
        axes=True,
    ),
    Bug(
        "mul_not_unbroadcast",
        "``a * b`` gives ``a`` the broadcast gradient ``b * out.grad`` without summing it back.",
        ("unbroadcast", "mul", 0),
        (
            (
                "self.grad += unbroadcast(other.data * out.grad, self.shape)",
                "self.grad = self.grad + other.data * out.grad",
            ),
        ),
        axes=True,
    ),
    Bug(
        "sub_not_unbroadcast",
        "``a - b`` subtracts ``out.grad`` from ``b.grad`` without summing it back.",
        ("unbroadcast", "sub", 1),
        (
            (
                "other.grad -= unbroadcast(out.grad, other.shape)",
                "other.grad = other.grad - out.grad",
            ),
        ),
        axes=True,
    ),
    Bug(
        "div_denominator_not_unbroadcast",
        "``a / b`` gives the denominator its broadcast gradient without summing it back.",
        ("unbroadcast", "div", 1),
        (
            (
                "other.grad -= unbroadcast(out.grad * self.data / other.data**2, other.shape)",
                "other.grad = other.grad - out.grad * self.data / other.data**2",
            ),
        ),
        axes=True,
    ),
    Bug(
        "unbroadcast_by_mean",
        "``unbroadcast`` averages the gradient over the broadcast axes instead of summing it.",
        ("unbroadcast", "mul", 1),
        (
            ("gradient = gradient.sum(axis=0)", "gradient = gradient.mean(axis=0)"),
            (
                "gradient = gradient.sum(axis=axis, keepdims=True)",
                "gradient = gradient.mean(axis=axis, keepdims=True)",
            ),
        ),
        axes=True,
    ),
    Bug(
        "unbroadcast_leading_only",
        "``unbroadcast`` sums the axes a broadcast added in front but not the stretched ones "
        "(size 1).",
        ("unbroadcast", "add", 0),
        (
            (
                "        if size == 1 and gradient.shape[axis] != 1:",
                "        if False:",
            ),
        ),
        axes=True,
    ),
    Bug(
        "broadcast_to_not_summed",
        "``broadcast_to``'s gradient is ``out.grad`` as it is, never summed back.",
        ("unbroadcast", "broadcast_to", None),
        (("x.grad += unbroadcast(out.grad, x.shape)", "x.grad = x.grad + out.grad"),),
        axes=True,
    ),
    Bug(
        "broadcast_to_left_aligned",
        "``broadcast_to``'s gradient sums the trailing axes, as if new axes were added on the "
        "right (left-aligned broadcasting).",
        ("unbroadcast", "broadcast_to", None),
        (
            (
                "x.grad += unbroadcast(out.grad, x.shape)",
                "x.grad += np.sum(out.grad, axis=tuple(range(x.data.ndim, out.grad.ndim)))"
                ".reshape(x.shape)",
            ),
        ),
        axes=True,
    ),
    # --- reductions ----------------------------------------------------------------------
    Bug(
        "sum_ignores_out_grad",
        "``sum``'s backward adds ones to ``x.grad``, ignoring ``out.grad``.",
        ("upstream", "sum", None),
        (
            (
                "    def backward():\n        x.grad += expand(out.grad, x, axes)\n",
                "    def backward():\n        x.grad += np.ones_like(x.data)\n",
            ),
        ),
    ),
    Bug(
        "sum_reshape_trailing",
        "``sum``'s backward puts the reduced axes back at the end (right only when they are "
        "the last ones).",
        ("local-derivative", "sum", None),
        (
            (
                "    def backward():\n        x.grad += expand(out.grad, x, axes)\n",
                "    def backward():\n        kept = np.shape(out.grad)"
                " + (1,) * (x.data.ndim - np.ndim(out.grad))\n"
                "        x.grad += np.broadcast_to(np.reshape(out.grad, kept), x.shape)\n",
            ),
        ),
        axes=True,
    ),
    Bug(
        "sum_forward_drops_keepdims",
        "``sum`` ignores ``keepdims``, so ``sum(x, axis=1, keepdims=True)`` has the wrong shape.",
        ("shape", "sum", None),  # the right numbers in the wrong shape (issue 20)
        (
            (
                "out = Tensor(np.sum(x.data, axis=axes, keepdims=keepdims), (x,))",
                "out = Tensor(np.sum(x.data, axis=axes), (x,))",
            ),
        ),
    ),
    Bug(
        "mean_missing_one_over_n",
        "``mean``'s backward forgets to divide by the number of averaged elements.",
        ("local-derivative", "mean", None),
        (("x.grad += expand(out.grad, x, axes) / count", "x.grad += expand(out.grad, x, axes)"),),
        axes=True,
    ),
    Bug(
        "mean_divides_by_size",
        "``mean``'s backward divides by every element of ``x``, not only the averaged ones.",
        ("local-derivative", "mean", None),
        (
            (
                "count = int(np.prod([x.shape[a] for a in axes]))",
                "count = x.data.size",
            ),
        ),
        axes=True,
    ),
    Bug(
        "max_spreads_to_every_element",
        "``max``'s backward gives ``out.grad`` to every element, not only to the maximum.",
        ("local-derivative", "max", None),
        (
            (
                "x.grad += expand(out.grad, x, axes) * winners",
                "x.grad += expand(out.grad, x, axes)",
            ),
        ),
        axes=True,
    ),
    Bug(
        "max_ignores_out_grad",
        "``max``'s backward marks the maximum with 1, ignoring ``out.grad``.",
        ("upstream", "max", None),
        (("x.grad += expand(out.grad, x, axes) * winners", "x.grad += winners"),),
    ),
    # --- shape ops -----------------------------------------------------------------------
    Bug(
        "reshape_not_reshaped_back",
        "``reshape``'s backward adds ``out.grad`` in the output's shape.",
        ("shape", "reshape", None),
        (("x.grad += np.reshape(out.grad, x.shape)", "x.grad = x.grad + out.grad"),),
    ),
    Bug(
        "transpose_not_inverted",
        "``transpose``'s backward transposes ``out.grad`` by ``axes`` again instead of by its "
        "inverse permutation.",
        ("local-derivative", "transpose", None),
        (("np.transpose(out.grad, np.argsort(axes))", "np.transpose(out.grad, axes)"),),
    ),
    Bug(
        "transpose_not_transposed",
        "``transpose``'s backward adds ``out.grad`` as it is.",
        ("local-derivative", "transpose", None),
        (("x.grad += np.transpose(out.grad, np.argsort(axes))", "x.grad = x.grad + out.grad"),),
    ),
    # --- matmul --------------------------------------------------------------------------
    Bug(
        "matmul_lhs_not_transposed",
        "The gradient of ``a`` in ``a @ b`` is ``out.grad @ b`` (``b`` not transposed).",
        ("local-derivative", "matmul", 0),
        (
            (
                "unbroadcast(out.grad @ np.swapaxes(b.data, -1, -2), a.shape)",
                "unbroadcast(out.grad @ b.data, a.shape)",
            ),
        ),
    ),
    Bug(
        "matmul_rhs_not_transposed",
        "The gradient of ``b`` in ``a @ b`` is ``a @ out.grad`` (``a`` not transposed).",
        ("local-derivative", "matmul", 1),
        (
            (
                "unbroadcast(np.swapaxes(a.data, -1, -2) @ out.grad, b.shape)",
                "unbroadcast(a.data @ out.grad, b.shape)",
            ),
        ),
    ),
    Bug(
        "matmul_batch_not_reduced",
        "The gradient of a broadcast ``b`` in a batched ``a @ b`` keeps the batch axes.",
        ("unbroadcast", "matmul", 1),
        (
            (
                "b.grad += unbroadcast(np.swapaxes(a.data, -1, -2) @ out.grad, b.shape)",
                "b.grad = b.grad + np.swapaxes(a.data, -1, -2) @ out.grad",
            ),
        ),
        axes=True,
    ),
    # --- elementwise ---------------------------------------------------------------------
    Bug(
        "pow_out_grad_as_base",
        "``x ** c``'s backward uses ``out.grad`` as the base: ``c * out.grad ** (c - 1)``.",
        ("local-derivative", "pow", None),
        (
            (
                "self.grad += exponent * self.data ** (exponent - 1) * out.grad",
                "self.grad += exponent * out.grad ** (exponent - 1)",
            ),
        ),
    ),
    Bug(
        "unary_drops_upstream",
        "Every elementwise function's backward adds its local derivative without multiplying "
        "by ``out.grad``.",
        ("upstream", "exp", None),
        (("x.grad += derivative * out.grad", "x.grad += derivative"),),
    ),
    Bug(
        "log_inverse_square",
        "The derivative of ``log(x)`` is taken as ``1/x**2``.",
        ("local-derivative", "log", None),
        (
            (
                "return _unary(x, np.log(as_tensor(x).data), 1 / as_tensor(x).data)",
                "return _unary(x, np.log(as_tensor(x).data), 1 / as_tensor(x).data ** 2)",
            ),
        ),
    ),
    Bug(
        "tanh_derivative",
        "The derivative of ``tanh(x)`` is taken as ``1 - tanh(x)``.",
        ("local-derivative", "tanh", None),
        (("return _unary(x, t, 1 - t**2)", "return _unary(x, t, 1 - t)"),),
    ),
    Bug(
        "sigmoid_forward_sign",
        "``sigmoid`` computes ``1/(1 + exp(x))`` (a lost minus sign).",
        ("forward", "sigmoid", None),
        (
            (
                "s = 1 / (1 + np.exp(-as_tensor(x).data))",
                "s = 1 / (1 + np.exp(as_tensor(x).data))",
            ),
        ),
    ),
    # --- the reverse pass ----------------------------------------------------------------
    Bug(
        "add_overwrites_gradient",
        "``a + b`` sets ``a.grad`` instead of adding to it, so a node used twice keeps one "
        "contribution.",
        ("accumulation", None, None),
        (
            (
                "self.grad += unbroadcast(out.grad, self.shape)\n"
                "            other.grad += unbroadcast(out.grad, other.shape)",
                "self.grad = unbroadcast(out.grad, self.shape).copy()\n"
                "            other.grad += unbroadcast(out.grad, other.shape)",
            ),
        ),
    ),
    Bug(
        "breadth_first_order",
        "``backward`` visits nodes breadth-first from the output, handling a node before "
        "every node that uses it is done.",
        ("order", None, None),
        (
            (
                "        for node in reversed(order):\n            node._backward()",
                "        queue, done = [self], set()\n"
                "        while queue:\n"
                "            node = queue.pop(0)\n"
                "            if id(node) not in done:\n"
                "                done.add(id(node))\n"
                "                node._backward()\n"
                "                queue.extend(node._parents)",
            ),
        ),
    ),
    Bug(
        "recursive_backward_overcounts",
        "``backward`` recurses from the output, each node running its inputs' backward "
        "again after its own (cTensor's pattern): a node used twice passes its gradient down "
        "twice, so everything below it is over-counted.",
        ("order", None, None),
        (
            (
                "        for node in reversed(order):\n            node._backward()",
                _RECURSIVE,
            ),
        ),
    ),
    Bug(
        "recursive_backward_overcounts_and_mean_missing_one_over_n",
        "cTensor's over-counting recursive ``backward`` and, besides, ``mean``'s backward "
        "without its 1/N: the reverse pass is still judged, on the engine's own ``mean``.",
        ("order", None, None),
        (
            (
                "        for node in reversed(order):\n            node._backward()",
                _RECURSIVE,
            ),
            ("x.grad += expand(out.grad, x, axes) / count", "x.grad += expand(out.grad, x, axes)"),
        ),
    ),
    Bug(
        "backward_raises_on_bigger_graphs",
        "``backward`` raises ``NotImplementedError`` on a graph of eight nodes or more (each "
        "op alone works): an error no op explains, which costs every part it happens in.",
        ("error", None, None),
        (
            (
                "        visit(self)\n        self.grad = np.ones_like(self.data)",
                "        visit(self)\n"
                "        if len(order) >= 8:\n"
                "            raise NotImplementedError('bigger graphs are not done yet')\n"
                "        self.grad = np.ones_like(self.data)",
            ),
        ),
    ),
    Bug(
        "seed_zero",
        "``backward`` starts from ``grad = 0`` instead of 1.",
        ("seed", None, None),
        (("self.grad = np.ones_like(self.data)", "self.grad = np.zeros_like(self.data)"),),
    ),
    # --- needle-style ----------------------------------------------------------------------
    Bug(
        "needle_summation_ignores_out_grad",
        "needle's ``Summation.gradient`` broadcasts ones, ignoring ``out_grad``.",
        ("upstream", "sum", None),
        (
            (
                "return (Tensor(np.broadcast_to(g.numpy().reshape(shape), node.inputs[0].shape)),)",
                "return (Tensor(np.ones(node.inputs[0].shape)),)",
            ),
        ),
        base="needle",
    ),
    Bug(
        "needle_broadcast_to_left_aligned",
        "needle's ``BroadcastTo.gradient`` sums the trailing axes (left-aligned broadcasting).",
        ("unbroadcast", "broadcast_to", None),
        (
            (
                "return (Tensor(_sum_to(g.numpy(), node.inputs[0].shape)),)",
                "return (Tensor(np.sum(g.numpy(), axis=tuple(range(len(node.inputs[0].shape), "
                "g.numpy().ndim))).reshape(node.inputs[0].shape)),)",
            ),
        ),
        axes=True,
        base="needle",
    ),
    Bug(
        "needle_power_scalar_out_grad_base",
        "needle's ``PowerScalar.gradient`` uses ``out_grad`` as the base.",
        ("local-derivative", "pow", None),
        (
            (
                "return (Tensor(g.numpy() * self.scalar * a ** (self.scalar - 1)),)",
                "return (Tensor(self.scalar * g.numpy() ** (self.scalar - 1)),)",
            ),
        ),
        base="needle",
    ),
    Bug(
        "needle_ewise_add_not_unbroadcast",
        "needle's ``EWiseAdd.gradient`` returns ``out_grad`` for both sides, never summed back.",
        ("unbroadcast", "add", 1),
        (
            (
                "return Tensor(_sum_to(g.numpy(), a.shape)), Tensor(_sum_to(g.numpy(), b.shape))",
                "return Tensor(_sum_to(g.numpy(), a.shape)), g",
            ),
        ),
        axes=True,
        base="needle",
        api=NEEDLE_IMPLICIT,
    ),
    Bug(
        "needle_mean_missing_one_over_n",
        "needle-style ``Mean.gradient`` is ``Summation``'s, without the 1/N.",
        ("local-derivative", "mean", None),
        (
            (
                "return (Tensor(grad.numpy() * (g.numpy().size / node.inputs[0].numpy().size)),)",
                "return (grad,)",
            ),
        ),
        axes=True,
        base="needle",
    ),
    # --- needle hw1 (no implicit broadcasting) ------------------------------------------------
    Bug(
        "needle_hw1_summation_not_reshaped",
        "needle hw1's ``Summation.gradient`` broadcasts ``out_grad`` to the input's shape "
        "without reshaping it first (right only when the leading axes are summed).",
        ("local-derivative", "sum", None),
        (
            (
                "return broadcast_to(reshape(out_grad, tuple(kept)), shape)",
                "return broadcast_to(out_grad, shape)",
            ),
        ),
        axes=True,
        base="needle_hw1",
    ),
    Bug(
        "needle_hw1_summation_keepdims",
        "needle hw1's ``Summation.compute`` keeps the summed axes (``keepdims=True``): the "
        "right numbers in the wrong shape.",
        ("shape", "sum", None),
        (("return np.sum(a, axis=self.axes)", "return np.sum(a, axis=self.axes, keepdims=True)"),),
        base="needle_hw1",
    ),
    Bug(
        "needle_hw1_transpose_default_axes",
        "needle hw1's ``Transpose.gradient`` swaps the last two axes whatever axes it was given.",
        ("local-derivative", "transpose", None),
        (
            (
                "return transpose(out_grad, self.axes)",
                "return transpose(out_grad)",
            ),
        ),
        base="needle_hw1",
    ),
)

BY_NAME = {bug.name: bug for bug in BUGS}
NAMES = tuple(BY_NAME)


def replace_once(text: str, old: str, new: str, *, what: str) -> str:
    count = text.count(old)
    if count != 1:
        raise CorpusDrift(f"{what}: {old!r} occurs {count} times in its base")
    return text.replace(old, new)


def source(name: str) -> str:
    """The buggy engine ``name``: its base with the bug's replacements applied in order,
    under a docstring naming the bug and its ``EXPECTED``."""
    try:
        bug = BY_NAME[name]
    except KeyError:
        raise KeyError(f"no buggy engine {name!r}") from None
    text = BASES[bug.base].read_text(encoding="utf-8")
    for old, new in bug.replacements:
        text = replace_once(text, old, new, what=name)
    body = text.split('"""', 2)[2]
    header = f'"""{bug.description}"""\n\nEXPECTED = {bug.expected!r}\n'
    return header + body


def write(name: str, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(source(name), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if not argv:
        width = max(map(len, NAMES))
        for name in NAMES:
            print(f"{name:<{width}}  {BY_NAME[name].description}")
        return 0
    if len(argv) != 2:
        print("usage: buggy.py [NAME OUT.py]", file=sys.stderr)
        return 2
    write(argv[0], argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
