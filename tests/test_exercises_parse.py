"""Exercise files: the course's examples parse; anything but arithmetic is refused by line."""

import pytest

from graders.exercises.parse import ExerciseError, load, parse
from graders.model.composition import Const
from strategies.points import DEFAULT_BOX

FIRST = "p = y * x**2\nq = 2*x + y\ng = p**2 - q**3\n"
SECOND = "p = 4*y - x\nq = 3*x*y - 4*y\ng = p**2 * q\n"


def test_first_course_example_one_op_per_node_with_its_own_names():
    exercise = parse(FIRST)
    assert exercise.inputs == ("x", "y")
    assert exercise.named == ("p", "q", "g")
    assert exercise.output == "g"
    assert exercise.composition.source().splitlines() == [
        "t1 = x ** 2",
        "p = y * t1",
        "t2 = 2 * x",
        "q = t2 + y",
        "t3 = p ** 2",
        "t4 = q ** 3",
        "g = t3 - t4",
    ]
    assert exercise.lines == {"p": "p = y * x**2", "q": "q = 2*x + y", "g": "g = p**2 - q**3"}
    assert exercise.dependencies == {"p": ("x", "y"), "q": ("x", "y"), "g": ("p", "q")}
    assert exercise.local["g"].inputs == ("p", "q")
    assert exercise.local["g"].source() == "t3 = p ** 2\nt4 = q ** 3\ng = t3 - t4"
    assert exercise.boxes == (DEFAULT_BOX, DEFAULT_BOX)


def test_second_course_example():
    exercise = parse(SECOND)
    assert exercise.named == ("p", "q", "g")
    assert exercise.dependencies["q"] == ("x", "y")
    assert exercise.composition.evaluate([5.0, 4.0])[-1] == 11**2 * 44


def test_powers_map_to_the_three_catalog_ops_and_numbers_fold():
    exercise = parse("g = x**2 + 2**x + x**y + x**(1/2) - -x")
    ops = [(n.op, n.args) for n in exercise.composition.nodes]
    assert ("pow", (0, Const(2.0))) in ops
    assert ("rpow", (Const(2.0), 0)) in ops
    assert ("pow_var", (0, 1)) in ops
    assert ("pow", (0, Const(0.5))) in ops
    assert ("neg", (0,)) in ops


def test_functions_of_the_catalog_and_declared_boxes():
    exercise = parse("y: (0.1, 1)\nx: [1, 2]\nu = exp(sin(x) * y)\nz = log(u + 1) / sqrt(y)")
    assert exercise.inputs == ("y", "x")  # the declarations' order
    assert exercise.boxes == ((0.1, 1.0), (1.0, 2.0))
    assert [n.op for n in exercise.composition.nodes] == [
        "sin",
        "mul",
        "exp",
        "add",
        "log",
        "sqrt",
        "div",
    ]


def test_loads_a_file_and_names_it_in_errors(tmp_path):
    path = tmp_path / "bad.chain"
    path.write_text("p = x * y\ng = p.real\n")
    with pytest.raises(ExerciseError, match=r"bad\.chain, line 2: attribute access"):
        load(path)


@pytest.mark.parametrize(
    "source, line, message",
    [
        ("p = __import__('os')\ng = p * x", 1, "unknown function '__import__'"),
        ("p = x * y\ng = os.system(p)", 2, "attribute access is not allowed"),
        ("p = x * 2\ng = p.__class__", 2, "attribute access is not allowed"),
        ("p = x\ng = p * 2", 1, "only renames x"),
        ("p = x * 2\ng = (lambda: p)()", 2, "lambda is not allowed"),
        ("g = (lambda t: t)", 1, "lambda is not allowed"),
        ("g = abs(x)", 1, "unknown function 'abs'"),
        ("p = x * 2\n\ng = foo(p)", 3, "unknown function 'foo'"),
        ("import os\ng = x", 1, "an import"),
        ("g = x % 2", 1, "operator"),
        ("g = x[0] * 2", 1, "indexing is not allowed"),
        ("g = x * 2 if x > 0 else x", 1, "conditional expression"),
        ("g = 'a' * x", 1, "is not a number"),
        ("g = exp(x, 2)", 1, "exactly one argument"),
        ("g = exp(x=2)", 1, "exactly one argument"),
        ("g = exp", 1, "is a function"),
        ("exp = x * 2", 1, "cannot be used as a variable name"),
        ("g = x * 2\ng = x * 3", 2, "assigned twice"),
        ("g = p * 2\np = x * 3", 2, "used on line 1 before it is assigned"),
        ("p = x * 2\ng = x * 3", 1, "p is never used"),
        ("g = 2 ** 3", 1, "constant"),
        ("g = log(-1) * x", 1, "not a finite number"),
        ("x: (1, 2)\ng = x * y", 2, "y is not declared"),
        ("g = x * 2\nx: (1, 2)", 2, "declare the inputs before"),
        ("x: (2, 1)\ng = x * 2", 1, "empty"),
        ("g = x *", 1, "not valid Python syntax"),
        ("a, b = x, x", 1, "one name at a time"),
        ("def f():\n    pass", 1, "function definition"),
    ],
)
def test_refuses_anything_else_naming_the_line(source, line, message):
    with pytest.raises(ExerciseError) as raised:
        parse(source, name="ex.chain")
    assert f"ex.chain, line {line}:" in str(raised.value)
    assert message in str(raised.value)


def test_nothing_is_evaluated(tmp_path):
    marker = tmp_path / "ran"
    source = f"g = __import__('pathlib').Path({str(marker)!r}).touch()"
    with pytest.raises(ExerciseError):
        parse(source)
    assert not marker.exists()


def test_an_empty_exercise_is_an_error():
    with pytest.raises(ExerciseError, match="no assignments"):
        parse("# only a comment\n")
