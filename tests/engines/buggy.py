"""The buggy-engine corpus: the reference solution with one realistic bug each, generated.

Every entry of ``BUGS`` names a bug, says it in one line, gives ``EXPECTED = (step, op,
argument)``, the finding chaingrade must make, and the ``(old text, new text)`` replacements
that turn ``assignments/scalar_autodiff/solution/engine.py`` into the buggy engine. Each old
text must occur exactly once when it is applied, so an edit to the solution that a bug relies
on fails loudly (``CorpusDrift``) instead of silently grading some other engine.

    python tests/engines/buggy.py                 # list the bugs
    python tests/engines/buggy.py NAME OUT.py     # write one buggy engine, then
    chaingrade check OUT.py                       # see what a student would see

The generated file starts with the bug's description as its docstring and its ``EXPECTED``.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

SOLUTION = (
    Path(__file__).resolve().parents[2]
    / "assignments"
    / "scalar_autodiff"
    / "solution"
    / "engine.py"
)


class CorpusDrift(ValueError):
    """A replacement's old text is not in the solution exactly once."""


class Bug(NamedTuple):
    name: str
    description: str
    expected: tuple  # (step, op, argument)
    replacements: tuple[tuple[str, str], ...]
    #: Other ops the bug is in too, because they share the buggy code (``x ** y`` and
    #: ``x ** 2`` are one ``__pow__``): charged with the same step, rightly.
    also: tuple[str, ...] = ()


_BACKWARD_VISIT = (
    "        def visit(node):  # post-order: a node is appended after everything it depends on\n"
    "            if id(node) not in seen:\n"
    "                seen.add(id(node))\n"
    "                for parent in node._parents:\n"
    "                    visit(parent)\n"
    "                order.append(node)\n"
)

BUGS: tuple[Bug, ...] = (
    # --- forward ----------------------------------------------------------------------------
    Bug(
        "rpow_reversed",
        "``__rpow__`` builds ``self ** other``, so ``2 ** x`` computes ``x ** 2``.",
        ("forward", "rpow", None),
        (("return as_tensor(other) ** self", "return self ** as_tensor(other)"),),
    ),
    Bug(
        "rsub_reversed",
        "``__rsub__`` builds ``self - other``, so ``2 - x`` computes ``x - 2``.",
        ("forward", "sub", None),
        (("return as_tensor(other) - self", "return self - as_tensor(other)"),),
    ),
    Bug(
        "rtruediv_reversed",
        "``__rtruediv__`` builds ``self / other``, so ``2 / x`` computes ``x / 2``.",
        ("forward", "div", None),
        (("return as_tensor(other) / self", "return self / as_tensor(other)"),),
    ),
    Bug(
        "sigmoid_sign",
        "``sigmoid`` computes ``1/(1 + exp(x))`` (a lost minus sign) instead of "
        "``1/(1 + exp(-x))``.",
        ("forward", "sigmoid", None),
        (("s = 1 / (1 + math.exp(-x.data))", "s = 1 / (1 + math.exp(x.data))"),),
    ),
    # --- local derivative -------------------------------------------------------------------
    Bug(
        "cos_sign",
        "The derivative of ``cos(x)`` is taken as ``sin(x)`` instead of ``-sin(x)``.",
        ("local-derivative", "cos", 0),
        (
            (
                "return _unary(x, math.cos(x.data), -math.sin(x.data))",
                "return _unary(x, math.cos(x.data), math.sin(x.data))",
            ),
        ),
    ),
    Bug(
        "div_rhs_sign",
        "The derivative of ``a / b`` with respect to ``b`` is taken as ``a/b**2`` instead of "
        "``-a/b**2``.",
        ("local-derivative", "div", 1),
        (
            (
                "other.grad -= out.grad * self.data / other.data**2",
                "other.grad += out.grad * self.data / other.data**2",
            ),
        ),
    ),
    Bug(
        "exp_power_rule",
        "The derivative of ``exp(x)`` is taken by the power rule as ``x * exp(x - 1)``.",
        ("local-derivative", "exp", 0),
        (("return _unary(x, e, e)", "return _unary(x, e, x.data * math.exp(x.data - 1))"),),
    ),
    Bug(
        "log_inverse_square",
        "The derivative of ``log(x)`` is taken as ``1/x**2`` instead of ``1/x``.",
        ("local-derivative", "log", 0),
        (
            (
                "return _unary(x, math.log(x.data), 1 / x.data)",
                "return _unary(x, math.log(x.data), 1 / x.data**2)",
            ),
        ),
    ),
    Bug(
        "mul_swapped_partials",
        "``__mul__`` gives each factor its own value as derivative (d/da a*b = a) instead of "
        "the other factor's.",
        ("local-derivative", "mul", 0),
        (
            (
                "self.grad += other.data * out.grad\n"
                "            other.grad += self.data * out.grad",
                "self.grad += self.data * out.grad\n"
                "            other.grad += other.data * out.grad",
            ),
        ),
        also=("neg",),
    ),
    Bug(
        "neg_cuts_graph",
        "``__neg__`` returns a fresh leaf ``Tensor(-self.data)``, so no gradient flows "
        "through ``-x``.",
        ("local-derivative", "neg", 0),
        (("return self * -1", "return Tensor(-self.data)"),),
    ),
    Bug(
        "pow_base_no_exponent_factor",
        "The derivative of ``a ** b`` with respect to ``a`` is taken as ``a ** (b - 1)``, "
        "without the factor ``b``.",
        ("local-derivative", "pow", 0),
        (
            (
                "self.grad += other.data * self.data ** (other.data - 1) * out.grad",
                "self.grad += self.data ** (other.data - 1) * out.grad",
            ),
        ),
        also=("pow_var",),
    ),
    Bug(
        "pow_exponent_no_log",
        "The derivative of ``a ** b`` with respect to ``b`` is taken as ``a ** b``, without "
        "the factor ``log(a)``.",
        ("local-derivative", "pow_var", 1),
        (
            (
                "other.grad += out.data * math.log(self.data) * out.grad",
                "other.grad += out.data * out.grad",
            ),
        ),
        also=("rpow",),
    ),
    Bug(
        "relu_sign_derivative",
        "The derivative of ``relu(x)`` is taken as ``sign(x)``: -1 instead of 0 for negative x.",
        ("local-derivative", "relu", 0),
        (("1.0 if x.data > 0 else 0.0", "1.0 if x.data > 0 else -1.0"),),
    ),
    Bug(
        "rpow_no_log",
        "A hand-written ``__rpow__`` takes d/dx c**x as ``c**x``, forgetting the factor "
        "``log(c)``.",
        ("local-derivative", "rpow", 1),
        (
            (
                "        return as_tensor(other) ** self\n",
                "        out = Tensor(other**self.data, (self,))\n"
                "\n"
                "        def backward():\n"
                "            self.grad += out.data * out.grad\n"
                "\n"
                "        out._backward = backward\n"
                "        return out\n",
            ),
        ),
    ),
    Bug(
        "sigmoid_derivative_s",
        "The derivative of ``sigmoid(x)`` is taken as ``sigmoid(x)`` instead of "
        "``sigmoid(x)*(1 - sigmoid(x))``.",
        ("local-derivative", "sigmoid", 0),
        (("return _unary(x, s, s * (1 - s))", "return _unary(x, s, s)"),),
    ),
    Bug(
        "sqrt_forgot_root",
        "The derivative of ``sqrt(x)`` is taken as ``1/(2*x)`` instead of ``1/(2*sqrt(x))``.",
        ("local-derivative", "sqrt", 0),
        (("return _unary(x, s, 1 / (2 * s))", "return _unary(x, s, 1 / (2 * x.data))"),),
    ),
    Bug(
        "sub_rhs_sign",
        "The derivative of ``a - b`` with respect to ``b`` is taken as +1 instead of -1.",
        ("local-derivative", "sub", 1),
        (("other.grad -= out.grad\n", "other.grad += out.grad\n"),),
    ),
    Bug(
        "tan_over_sin",
        "The derivative of ``tan(x)`` is taken as ``1/sin(x)**2`` instead of ``1/cos(x)**2``.",
        ("local-derivative", "tan", 0),
        (("1 / math.cos(x.data) ** 2", "1 / math.sin(x.data) ** 2"),),
    ),
    Bug(
        "tanh_unsquared",
        "The derivative of ``tanh(x)`` is taken as ``1 - tanh(x)`` instead of ``1 - tanh(x)**2``.",
        ("local-derivative", "tanh", 0),
        (("return _unary(x, t, 1 - t * t)", "return _unary(x, t, 1 - t)"),),
    ),
    # --- local derivative wrong only in part of the domain ----------------------------------
    Bug(
        "tanh_sign_saturated",
        "A separate branch for saturated ``tanh`` (|x| >= 3) gets the derivative's sign "
        "wrong: ``t*t - 1``.",
        ("local-derivative", "tanh", 0),
        (
            (
                "return _unary(x, t, 1 - t * t)",
                "if abs(x.data) >= 3:  # saturated: the slope is tiny anyway\n"
                "        return _unary(x, t, t * t - 1)\n"
                "    return _unary(x, t, 1 - t * t)",
            ),
        ),
    ),
    Bug(
        "sigmoid_sign_right_tail",
        "A separate branch for ``sigmoid`` at x >= 3 gets the derivative's sign wrong: "
        "``s*(s - 1)``.",
        ("local-derivative", "sigmoid", 0),
        (
            (
                "return _unary(x, s, s * (1 - s))",
                "if x.data >= 3:  # right tail: s is close to 1\n"
                "        return _unary(x, s, s * (s - 1))\n"
                "    return _unary(x, s, s * (1 - s))",
            ),
        ),
    ),
    Bug(
        "sigmoid_sign_left_tail",
        "A separate branch for ``sigmoid`` at x <= -3 gets the derivative's sign wrong: "
        "``-s*(1 - s)``.",
        ("local-derivative", "sigmoid", 0),
        (
            (
                "return _unary(x, s, s * (1 - s))",
                "if x.data <= -3:  # left tail: s is close to 0\n"
                "        return _unary(x, s, -s * (1 - s))\n"
                "    return _unary(x, s, s * (1 - s))",
            ),
        ),
    ),
    Bug(
        "exp_sign_left_tail",
        "A separate branch for ``exp`` at x <= -3 takes the derivative as ``-exp(x)``.",
        ("local-derivative", "exp", 0),
        (
            (
                "return _unary(x, e, e)",
                "if x.data <= -3:  # decaying side\n"
                "        return _unary(x, e, -e)\n"
                "    return _unary(x, e, e)",
            ),
        ),
    ),
    Bug(
        "sin_sign_far",
        "For |x| >= 3.5 the derivative of ``sin(x)`` is taken as ``-cos(x)``.",
        ("local-derivative", "sin", 0),
        (
            (
                "return _unary(x, math.sin(x.data), math.cos(x.data))",
                "if abs(x.data) >= 3.5:  # past the first half-period\n"
                "        return _unary(x, math.sin(x.data), -math.cos(x.data))\n"
                "    return _unary(x, math.sin(x.data), math.cos(x.data))",
            ),
        ),
    ),
    Bug(
        "sqrt_half_large",
        "For x >= 5 the derivative of ``sqrt(x)`` is taken as ``1/sqrt(x)``, without the "
        "factor 1/2.",
        ("local-derivative", "sqrt", 0),
        (
            (
                "return _unary(x, s, 1 / (2 * s))",
                "if x.data >= 5:\n"
                "        return _unary(x, s, 1 / s)\n"
                "    return _unary(x, s, 1 / (2 * s))",
            ),
        ),
    ),
    Bug(
        "relu_dead_near_zero",
        "The derivative of ``relu(x)`` is 0 on (0, 0.05]: the student's threshold is 0.05, not 0.",
        ("local-derivative", "relu", 0),
        (("1.0 if x.data > 0 else 0.0", "1.0 if x.data > 0.05 else 0.0"),),
    ),
    # --- upstream ---------------------------------------------------------------------------
    Bug(
        "add_drops_upstream",
        "``__add__`` adds its local derivative 1 to each input's gradient instead of ``out.grad``.",
        ("upstream", "add", None),
        (
            (
                "self.grad += out.grad\n            other.grad += out.grad\n",
                "self.grad += 1.0\n            other.grad += 1.0\n",
            ),
        ),
    ),
    Bug(
        "pow_drops_upstream",
        "``__pow__`` adds its local derivatives without multiplying them by ``out.grad``.",
        ("upstream", "pow", None),
        (
            (
                "self.grad += other.data * self.data ** (other.data - 1) * out.grad",
                "self.grad += other.data * self.data ** (other.data - 1)",
            ),
            (
                "other.grad += out.data * math.log(self.data) * out.grad",
                "other.grad += out.data * math.log(self.data)",
            ),
        ),
        also=("pow_var", "rpow"),
    ),
    Bug(
        "sin_drops_upstream",
        "``sin`` builds its own node and adds ``cos(x)`` to ``x.grad`` without multiplying by "
        "``out.grad``.",
        ("upstream", "sin", None),
        (
            (
                "    return _unary(x, math.sin(x.data), math.cos(x.data))\n",
                "    out = Tensor(math.sin(x.data), (x,))\n"
                "\n"
                "    def backward():\n"
                "        x.grad += math.cos(x.data)\n"
                "\n"
                "    out._backward = backward\n"
                "    return out\n",
            ),
        ),
    ),
    # --- accumulation -----------------------------------------------------------------------
    Bug(
        "assigns_everywhere",
        "Every op assigns its contribution to an input's gradient (``x.grad = ...``) instead "
        "of adding it (``+=``), so a node used more than once keeps only the last "
        "contribution.",
        ("accumulation", None, None),
        (
            (
                "self.grad += out.grad\n            other.grad += out.grad\n",
                "self.grad = out.grad\n            other.grad = out.grad\n",
            ),
            (
                "self.grad += other.data * out.grad\n"
                "            other.grad += self.data * out.grad\n",
                "self.grad = other.data * out.grad\n"
                "            other.grad = self.data * out.grad\n",
            ),
            (
                "self.grad += out.grad\n            other.grad -= out.grad\n",
                "self.grad = out.grad\n            other.grad = -out.grad\n",
            ),
            (
                "self.grad += out.grad / other.data\n"
                "            other.grad -= out.grad * self.data / other.data**2\n",
                "self.grad = out.grad / other.data\n"
                "            other.grad = -out.grad * self.data / other.data**2\n",
            ),
            (
                "self.grad += other.data * self.data ** (other.data - 1) * out.grad",
                "self.grad = other.data * self.data ** (other.data - 1) * out.grad",
            ),
            (
                "other.grad += out.data * math.log(self.data) * out.grad",
                "other.grad = out.data * math.log(self.data) * out.grad",
            ),
            ("x.grad += derivative * out.grad", "x.grad = derivative * out.grad"),
        ),
    ),
    Bug(
        "mul_assigns_grad",
        "``__mul__`` assigns (``=``) its contributions instead of adding them (``+=``), so "
        "``x * x`` and any node with several consumers lose gradient.",
        ("accumulation", "mul", None),
        (
            (
                "self.grad += other.data * out.grad\n"
                "            other.grad += self.data * out.grad\n",
                "self.grad = other.data * out.grad\n"
                "            other.grad = self.data * out.grad\n",
            ),
        ),
        also=("neg",),
    ),
    # --- order ------------------------------------------------------------------------------
    Bug(
        "breadth_first_order",
        "``backward`` processes nodes in breadth-first order from the output, which is not a "
        "reverse topological order.",
        ("order", None, None),
        (
            (
                "        order, seen = [], set()\n\n" + _BACKWARD_VISIT + "\n        visit(self)\n",
                "        order, seen = [self], {id(self)}\n"
                "        for node in order:  # breadth-first: the list grows while we walk it\n"
                "            for parent in node._parents:\n"
                "                if id(parent) not in seen:\n"
                "                    seen.add(id(parent))\n"
                "                    order.append(parent)\n",
            ),
            ("for node in reversed(order):", "for node in order:"),
        ),
    ),
    Bug(
        "preorder_traversal",
        "``backward`` visits nodes depth-first in preorder (a node before its inputs) instead "
        "of reverse topological order.",
        ("order", None, None),
        (
            (
                _BACKWARD_VISIT,
                "        def visit(node):  # preorder: a node, then everything it depends on\n"
                "            if id(node) not in seen:\n"
                "                seen.add(id(node))\n"
                "                order.append(node)\n"
                "                for parent in node._parents:\n"
                "                    visit(parent)\n",
            ),
            ("for node in reversed(order):", "for node in order:"),
        ),
    ),
    Bug(
        "topo_without_visited",
        "The topological sort keeps no visited set, so a node reached along two paths is "
        "processed twice.",
        ("order", None, None),
        (
            ("order, seen = [], set()", "order = []"),
            (
                "            if id(node) not in seen:\n"
                "                seen.add(id(node))\n"
                "                for parent in node._parents:\n"
                "                    visit(parent)\n"
                "                order.append(node)\n",
                "            for parent in node._parents:\n"
                "                visit(parent)\n"
                "            order.append(node)\n",
            ),
        ),
    ),
    # --- seed -------------------------------------------------------------------------------
    Bug(
        "no_seed",
        "``backward`` never sets the output's gradient to 1, so every gradient stays 0.",
        ("seed", None, None),
        (("        self.grad = 1.0\n", ""),),
    ),
    Bug(
        "zero_grad_after_seed",
        "``backward`` sets the seed, then zeroes every gradient in the graph (the seed "
        "included) before the reverse pass.",
        ("seed", None, None),
        (
            (
                "        self.grad = 1.0\n",
                "        self.grad = 1.0\n"
                "        for node in order:  # start from clean gradients\n"
                "            node.grad = 0.0\n",
            ),
        ),
    ),
    # --- missing ----------------------------------------------------------------------------
    Bug(
        "log_undefined",
        "The module defines no ``log`` function at all.",
        ("missing", "log", None),
        (("def log(x):\n    return _unary(x, math.log(x.data), 1 / x.data)\n\n\n", ""),),
    ),
    Bug(
        "rpow_missing",
        "The engine has no ``__rpow__``, so ``2 ** x`` raises TypeError.",
        ("missing", "rpow", None),
        (("\n    def __rpow__(self, other):\n        return as_tensor(other) ** self\n", ""),),
    ),
    Bug(
        "tanh_not_implemented",
        "``tanh`` is still the starter's stub and raises NotImplementedError.",
        ("missing", "tanh", None),
        (
            (
                "    t = math.tanh(x.data)\n    return _unary(x, t, 1 - t * t)\n",
                '    raise NotImplementedError("TODO: tanh")\n',
            ),
        ),
    ),
    # --- error ------------------------------------------------------------------------------
    Bug(
        "cos_returns_none",
        "``cos`` builds its node but forgets ``return``, so it returns None.",
        ("error", "cos", None),
        (
            (
                "    return _unary(x, math.cos(x.data), -math.sin(x.data))",
                "    _unary(x, math.cos(x.data), -math.sin(x.data))",
            ),
        ),
    ),
    Bug(
        "neg_returns_float",
        "``__neg__`` returns the plain float ``-self.data`` instead of a Tensor.",
        ("error", "neg", None),
        (("return self * -1", "return -self.data"),),
    ),
    Bug(
        "rmul_recursion",
        "``__rmul__`` returns ``other * self``, which calls ``__rmul__`` again: ``3 * x`` "
        "raises RecursionError.",
        ("error", "mul", None),
        (("return as_tensor(other) * self", "return other * self"),),
    ),
)


def _own_unary(name: str, value: str, derivative: str) -> tuple[str, str]:
    """The replacement that gives a unary op (written with ``_unary`` in the solution) a
    node and backward of its own that assigns its contribution (``x.grad = ...``)."""
    return (
        f"    return _unary(x, {value}, {derivative})\n",
        f"    out = Tensor({value}, (x,))\n"
        "\n"
        "    def backward():  # assigns: forgets what x got from its other uses\n"
        f"        x.grad = ({derivative}) * out.grad\n"
        "\n"
        "    out._backward = backward\n"
        "    return out\n",
    )


def _overwrite(op: str, what: str, replacements, also: tuple[str, ...] = ()) -> Bug:
    """A bug where one op's backward assigns (``=``) instead of adding (``+=``)."""
    return Bug(
        f"{op}_overwrites",
        f"{what} assigns its contribution to an input's gradient (``=`` for ``+=``), so an "
        "input also used elsewhere keeps only that contribution.",
        ("accumulation", op, None),
        tuple(replacements),
        also,
    )


#: One overwrite per op kind, each in that op's own backward alone.
OVERWRITES: tuple[Bug, ...] = (
    _overwrite(
        "add",
        "``__add__``",
        [("            other.grad += out.grad\n", "            other.grad = out.grad\n")],
    ),
    _overwrite(
        "sub",
        "``__sub__``",
        [("            other.grad -= out.grad\n", "            other.grad = -out.grad\n")],
    ),
    _overwrite(
        "div",
        "``__truediv__``",
        [
            (
                "            other.grad -= out.grad * self.data / other.data**2\n",
                "            other.grad = -out.grad * self.data / other.data**2\n",
            )
        ],
    ),
    _overwrite(
        "neg",
        "A hand-written ``__neg__``",
        [
            (
                "        return self * -1\n",
                "        out = Tensor(-self.data, (self,))\n"
                "\n"
                "        def backward():\n"
                "            self.grad = -out.grad\n"
                "\n"
                "        out._backward = backward\n"
                "        return out\n",
            )
        ],
    ),
    _overwrite(
        "rpow",
        "A hand-written ``__rpow__``",
        [
            (
                "        return as_tensor(other) ** self\n",
                "        out = Tensor(other**self.data, (self,))\n"
                "\n"
                "        def backward():\n"
                "            self.grad = out.data * math.log(other) * out.grad\n"
                "\n"
                "        out._backward = backward\n"
                "        return out\n",
            )
        ],
    ),
    _overwrite(
        "pow",
        "``__pow__`` for the base",
        [
            (
                "            self.grad += other.data * self.data ** (other.data - 1) * out.grad\n",
                "            self.grad = other.data * self.data ** (other.data - 1) * out.grad\n",
            )
        ],
        also=("pow_var",),
    ),
    _overwrite(
        "pow_var",
        "``__pow__`` for the exponent",
        [
            (
                "                other.grad += out.data * math.log(self.data) * out.grad\n",
                "                other.grad = out.data * math.log(self.data) * out.grad\n",
            )
        ],
        also=("rpow",),
    ),
    _overwrite("exp", "``exp``", [_own_unary("exp", "e", "e")]),
    _overwrite("log", "``log``", [_own_unary("log", "math.log(x.data)", "1 / x.data")]),
    _overwrite("sin", "``sin``", [_own_unary("sin", "math.sin(x.data)", "math.cos(x.data)")]),
    _overwrite("cos", "``cos``", [_own_unary("cos", "math.cos(x.data)", "-math.sin(x.data)")]),
    _overwrite(
        "tan", "``tan``", [_own_unary("tan", "math.tan(x.data)", "1 / math.cos(x.data) ** 2")]
    ),
    _overwrite("tanh", "``tanh``", [_own_unary("tanh", "t", "1 - t * t")]),
    _overwrite("sqrt", "``sqrt``", [_own_unary("sqrt", "s", "1 / (2 * s)")]),
    _overwrite("sigmoid", "``sigmoid``", [_own_unary("sigmoid", "s", "s * (1 - s)")]),
    _overwrite(
        "relu", "``relu``", [_own_unary("relu", "max(x.data, 0.0)", "1.0 if x.data > 0 else 0.0")]
    ),
)

BUGS += OVERWRITES
BY_NAME: dict[str, Bug] = {bug.name: bug for bug in BUGS}
NAMES: tuple[str, ...] = tuple(sorted(BY_NAME))


def solution_text() -> str:
    return SOLUTION.read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str, *, what: str) -> str:
    """``text`` with ``old`` replaced by ``new``; ``CorpusDrift`` unless ``old`` occurs once."""
    count = text.count(old)
    if count != 1:
        raise CorpusDrift(
            f"{what}: the text to replace occurs {count} times in {SOLUTION.name} "
            f"(it must occur exactly once; has the solution changed?):\n{old!r}"
        )
    return text.replace(old, new)


def _header(text: str, bug: Bug) -> str:
    """The solution's docstring replaced by the bug's description, and its ``EXPECTED``."""
    if not text.startswith('"""'):
        raise CorpusDrift(f"{SOLUTION.name} no longer starts with its docstring")
    docstring = text[: text.index('"""', 3) + 3]
    # written as the old corpus files were: double quotes, the repr of None and of ints
    expected = (
        "(" + ", ".join(f'"{v}"' if isinstance(v, str) else repr(v) for v in bug.expected) + ")"
    )
    description = textwrap.fill(
        bug.description, width=94, break_long_words=False, break_on_hyphens=False
    )
    text = replace_once(text, docstring, f'"""{description}"""', what=f"{bug.name} (docstring)")
    return replace_once(
        text,
        "\nimport math\n",
        f"\nimport math\n\nEXPECTED = {expected}\n",
        what=f"{bug.name} (EXPECTED)",
    )


def source(name: str) -> str:
    """The buggy engine ``name``: the solution with the bug's replacements applied in order."""
    try:
        bug = BY_NAME[name]
    except KeyError:
        raise KeyError(f"no buggy engine {name!r}; the corpus has: {', '.join(NAMES)}") from None
    text = solution_text()
    for number, (old, new) in enumerate(bug.replacements, 1):
        text = replace_once(text, old, new, what=f"{name}, replacement {number}")
    return _header(text, bug)


def write(name: str, path: str | Path) -> Path:
    """Write the buggy engine ``name`` to ``path`` and return the path."""
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
        print("usage: python tests/engines/buggy.py [NAME OUT.py]", file=sys.stderr)
        return 2
    name, out = argv
    try:
        write(name, out)
    except (KeyError, CorpusDrift) as error:
        print(error.args[0], file=sys.stderr)
        return 1
    print(f"wrote {out}: {BY_NAME[name].description}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
