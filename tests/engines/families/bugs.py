"""Engines of other families, and their bugs: a table, as ``tests/engines/buggy.py`` is for
the reference solution.

Each family is a correct engine in this folder, written in the style of the real code, and
the API that grades it (a preset name, or a JSON file here). Each bug is one family's engine
with exact text replacements (each old text occurs exactly once when its turn comes), a
one-line description, ``expected = (step, op, argument)``, the finding chaingrade must make,
and ``shows``: texts its reproducer must contain, so it is written in the family's API.

    python tests/engines/families/bugs.py                 # list the bugs
    python tests/engines/families/bugs.py NAME OUT.py     # write one buggy engine
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent


class Family(NamedTuple):
    engine: str  # the correct engine's file, in this folder
    api: str  # a preset name or an API file in this folder, as ``--api`` takes it
    #: What a reproducer in this family's API contains.
    shows: tuple[str, ...]

    @property
    def path(self) -> Path:
        return HERE / self.engine

    @property
    def api_option(self) -> str:
        """``api`` as ``--api`` and ``load(..., api=)`` take it (a file by its full path)."""
        return str(HERE / self.api) if self.api.endswith(".json") else self.api


FAMILIES: dict[str, Family] = {
    "minitorch": Family("minitorch_scalar.py", "minitorch", ("Scalar(", ".backward()")),
    "dezero": Family("dezero_steps.py", "dezero", ("import numpy as np", "Variable(np.array(")),
    "needle": Family("needle_scalar.py", "needle", ("Tensor(", ".numpy()")),
    "pyad": Family(
        "pyad_functions.py", "pyad_functions.json", (".adjoint = 1.0", ".backwards()", "Var(")
    ),
}


class Bug(NamedTuple):
    name: str
    family: str
    description: str
    expected: tuple  # (step, op, argument)
    replacements: tuple[tuple[str, str], ...]
    #: Texts, besides the family's, that the reproducer of the expected finding contains.
    shows: tuple[str, ...] = ()


BUGS: tuple[Bug, ...] = (
    # --- minitorch Module 1 ---------------------------------------------------------------
    Bug(
        "minitorch_mul_drops_d_output",
        "minitorch",
        "``Mul.backward`` returns the local derivatives ``(b, a)`` without multiplying them "
        "by ``d_output``.",
        ("upstream", "mul", None),
        (("return b * d_output, a * d_output", "return b, a"),),
    ),
    Bug(
        "minitorch_log_back_drops_d",
        "minitorch",
        "``log_back(x, d)`` returns ``1 / (x + EPS)``: the guard is kept, ``d`` is dropped.",
        ("upstream", "log", None),
        (("return d / (x + EPS)", "return 1.0 / (x + EPS)"),),
        (".log()",),
    ),
    Bug(
        "minitorch_inv_back_sign",
        "minitorch",
        "``inv_back`` loses the minus sign (d/dx 1/x taken as 1/x**2), so ``a / b`` gets a "
        "wrong derivative with respect to ``b``.",
        ("local-derivative", "div", 1),
        (("return -(1.0 / x**2) * d", "return (1.0 / x**2) * d"),),
    ),
    Bug(
        "minitorch_derivatives_overwritten",
        "minitorch",
        "``backpropagate`` stores each contribution in ``derivatives`` instead of adding it, "
        "so a node used more than once keeps only its last contribution.",
        ("accumulation", None, None),
        (
            (
                "derivatives[v.unique_id] = derivatives[v.unique_id] + d",
                "derivatives[v.unique_id] = d",
            ),
        ),
    ),
    # --- DeZero ---------------------------------------------------------------------------
    Bug(
        "dezero_exp_backward_uses_x",
        "dezero",
        "``Exp.backward`` multiplies by the input ``x`` instead of the output ``y = exp(x)``.",
        ("local-derivative", "exp", 0),
        (
            (
                "        y = self.outputs[0]\n        gx = gy * y\n",
                "        x = self.inputs[0]\n        gx = gy * x\n",
            ),
        ),
        ("exp(",),
    ),
    Bug(
        "dezero_grad_overwritten",
        "dezero",
        "``backward`` sets ``x.grad = gx`` (step 14 before its fix) instead of adding to a "
        "gradient already there.",
        ("accumulation", None, None),
        (
            (
                "                    if x.grad is None:\n"
                "                        x.grad = gx\n"
                "                    else:\n"
                "                        x.grad = x.grad + gx\n",
                "                    x.grad = gx\n",
            ),
        ),
    ),
    Bug(
        "dezero_no_generations",
        "dezero",
        "``backward`` pops functions in the order they were added (steps before 16), not by "
        "generation, so a function can run before all its outputs' consumers are done.",
        ("order", None, None),
        (("                funcs.sort(key=lambda x: x.generation)\n", ""),),
    ),
    # --- needle ---------------------------------------------------------------------------
    Bug(
        "needle_grads_list_overwritten",
        "needle",
        "``compute_gradient_of_variables`` replaces ``node_to_output_grads_list[inp]`` with "
        "the newest contribution instead of appending to it.",
        ("accumulation", None, None),
        (
            (
                "            if inp not in node_to_output_grads_list:\n"
                "                node_to_output_grads_list[inp] = []\n"
                "            node_to_output_grads_list[inp].append(grad)\n",
                "            node_to_output_grads_list[inp] = [grad]\n",
            ),
        ),
        (".grad.numpy()",),
    ),
    Bug(
        "needle_power_scalar_out_grad_base",
        "needle",
        "``PowerScalar.gradient`` raises ``out_grad`` to the power instead of the input: "
        "``n * out_grad ** (n - 1)``.",
        ("local-derivative", "pow", 0),
        (
            (
                "return out_grad * self.scalar * power_scalar(a, self.scalar - 1)",
                "return self.scalar * power_scalar(out_grad, self.scalar - 1)",
            ),
        ),
        (" ** ", ".grad.numpy()"),
    ),
    Bug(
        "needle_rsub_is_sub",
        "needle",
        "``__rsub__ = __sub__``, as in the homework's template, so ``2 - x`` computes ``x - 2``.",
        ("forward", "sub", None),
        (
            (
                "    def __rsub__(self, other):\n        return AddScalar(other)(Negate()(self))\n",
                "    __rsub__ = __sub__\n",
            ),
        ),
        ("2 - ",),
    ),
    # --- a function-style library ---------------------------------------------------------
    Bug(
        "pyad_sub_second_sign",
        "pyad",
        "``sub(a, b)`` records +1 as the derivative with respect to ``b`` instead of -1.",
        ("local-derivative", "sub", 1),
        (("[(a, 1.0), (b, -1.0)]", "[(a, 1.0), (b, 1.0)]"),),
        ("sub(",),
    ),
    Bug(
        "pyad_square_derivative",
        "pyad",
        "``square(a)`` records ``a`` as its derivative instead of ``2 * a``.",
        ("local-derivative", "pow", 0),
        (("[(a, 2.0 * a.value)]", "[(a, a.value)]"),),
        ("square(",),
    ),
    Bug(
        "pyad_recursive_backwards",
        "pyad",
        "``backwards`` recurses into each parent as soon as it has pushed to it, so a node "
        "reached along two paths passes its adjoint on before it is complete, and twice.",
        ("order", None, None),
        (
            (
                "        for node in reversed(self._topological_order()):\n"
                "            for parent, local in node.parents:\n"
                "                parent.adjoint += local * node.adjoint\n",
                "        for parent, local in self.parents:\n"
                "            parent.adjoint += local * self.adjoint\n"
                "            parent.backwards()\n",
            ),
        ),
    ),
)

BY_NAME = {bug.name: bug for bug in BUGS}
NAMES = tuple(BY_NAME)


class CorpusDrift(ValueError):
    """A replacement's old text is not in its engine exactly once."""


def source(name: str) -> str:
    """The buggy engine ``name``: its family's engine with the replacements applied."""
    try:
        bug = BY_NAME[name]
    except KeyError:
        raise KeyError(f"no buggy engine {name!r}; the table has: {', '.join(NAMES)}") from None
    family = FAMILIES[bug.family]
    text = family.path.read_text(encoding="utf-8")
    for number, (old, new) in enumerate(bug.replacements, 1):
        count = text.count(old)
        if count != 1:
            raise CorpusDrift(
                f"{name}, replacement {number}: the text occurs {count} times in "
                f"{family.engine} (it must occur exactly once):\n{old!r}"
            )
        text = text.replace(old, new)
    return f"# Buggy ({name}): {bug.description}\n# EXPECTED = {bug.expected!r}\n" + text


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
        print("usage: python tests/engines/families/bugs.py [NAME OUT.py]", file=sys.stderr)
        return 2
    name, out = argv
    try:
        write(name, out)
    except (KeyError, CorpusDrift) as error:
        print(error.args[0], file=sys.stderr)
        return 1
    bug = BY_NAME[name]
    print(f"wrote {out} (chaingrade check --api {FAMILIES[bug.family].api_option} {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
