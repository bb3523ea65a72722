"""The course material's MyGrad examples, reproduced exactly by both oracles."""

import pytest

from graders.model.composition import Composition, Const, Node
from graders.model.oracles import mygrad_reference, numerical_adjoints, reference

# p = y*x**2, q = 2*x + y, g = p**2 - q**3, one op per node.
FIRST = Composition(
    ("x", "y"),
    (
        Node("pow", (0, Const(2))),  # a = x ** 2
        Node("mul", (1, 2)),  # p = y * a
        Node("mul", (Const(2), 0)),  # b = 2 * x
        Node("add", (4, 1)),  # q = b + y
        Node("pow", (3, Const(2))),  # c = p ** 2
        Node("pow", (5, Const(3))),  # d = q ** 3
        Node("sub", (6, 7)),  # g = c - d
    ),
    ("a", "p", "b", "q", "c", "d", "g"),
)

# p = 4*y - x, q = 3*x*y - 4*y, g = p**2 * q.
SECOND = Composition(
    ("x", "y"),
    (
        Node("mul", (Const(4), 1)),  # a = 4 * y
        Node("sub", (2, 0)),  # p = a - x
        Node("mul", (Const(3), 0)),  # b = 3 * x
        Node("mul", (4, 1)),  # c = b * y
        Node("mul", (Const(4), 1)),  # d = 4 * y
        Node("sub", (5, 6)),  # q = c - d
        Node("pow", (3, Const(2))),  # f = p ** 2
        Node("mul", (8, 7)),  # g = f * q
    ),
    ("a", "p", "b", "c", "d", "q", "f", "g"),
)

CASES = [
    (FIRST, (3.0, 1.0), {"p": 18, "q": -147, "x": -186, "y": 15}),
    (SECOND, (5.0, 4.0), {"p": 968, "q": 121, "x": 484, "y": 5203}),
]


def test_first_example_prints_as_a_student_writes_it():
    assert FIRST.source().splitlines() == [
        "a = x ** 2",
        "p = y * a",
        "b = 2 * x",
        "q = b + y",
        "c = p ** 2",
        "d = q ** 3",
        "g = c - d",
    ]


@pytest.mark.parametrize("composition, point, published", CASES)
def test_mygrad_oracle_reproduces_published_gradients(composition, point, published):
    grads = dict(zip(composition.all_names, mygrad_reference(composition, point).grads))
    assert {name: grads[name] for name in published} == published


@pytest.mark.parametrize("composition, point, published", CASES)
def test_numerical_oracle_reproduces_published_gradients(composition, point, published):
    adjoints = dict(zip(composition.all_names, numerical_adjoints(composition, point)))
    for name, value in published.items():
        assert adjoints[name] == (pytest.approx(value, rel=1e-12), "complex")


@pytest.mark.parametrize("composition, point, published", CASES)
def test_gate_keeps_the_published_examples(composition, point, published):
    kept = reference(composition, point)
    assert kept is not None
    assert kept.grads[-1] == 1.0
