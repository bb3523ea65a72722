"""The student API description (``graders.presets``): every field validated with an error
that says what to change, ``--api`` as a name, JSON or a file, and ``--api auto``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graders.engine.reproducer import reproducer
from graders.model.composition import Composition, Const, Node
from graders.node_source import write_node
from graders.presets import AUTO, PRESETS, Preset, from_option, resolve

SOLUTION = Path(__file__).resolve().parents[1] / "assignments/scalar_autodiff/solution/engine.py"


def test_presets_and_auto_resolve_by_name():
    assert resolve("micrograd") == PRESETS["micrograd"]
    assert resolve(AUTO) == AUTO
    assert from_option(" minitorch ").gradients == "inputs"


def test_a_mapping_starts_from_a_preset_and_keeps_its_other_fields():
    api = resolve({"preset": "micrograd", "backward": "backwards"})
    assert (api.leaf, api.unary, api.backward) == ("Value", "method", "backwards")


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"seed": "manual"}, "'seed' must be one of auto, attribute, argument"),
        ({"gradient": "grad."}, "dotted and with () for a call"),
        ({"leaf": "my leaf"}, "'leaf' must be a Python identifier"),
        ({"names": {"square": "sq"}}, "'square' is no catalog op"),
        ({"aliases": {"cube": "x ** y"}}, "one catalog op on x and a number"),
        ({"aliases": {"cube": "import os"}}, "one catalog op on x and a number"),
        ({"colour": "red"}, "unknown API fields ['colour']"),
        ({"preset": "torch"}, "'preset' must be one of"),
    ],
)
def test_a_wrong_field_is_named_with_what_it_may_be(fields, says):
    with pytest.raises(ValueError) as error:
        resolve(fields)
    assert says in str(error.value)


def test_api_option_takes_json_and_json_or_toml_files(tmp_path):
    assert from_option('{"leaf": "Var", "binary": "function"}').binary == "function"
    (tmp_path / "api.json").write_text(json.dumps({"preset": "dezero", "backward": "bw"}))
    assert from_option(str(tmp_path / "api.json")).backward == "bw"
    (tmp_path / "api.toml").write_text('[api]\nleaf = "Var"\nseed = "argument"\n')
    assert from_option(str(tmp_path / "api.toml")).seed == "argument"
    for bad, says in (("{nope", "not valid JSON"), ("[1]", "unknown API preset")):
        with pytest.raises(ValueError, match="--api: " + says):
            from_option(bad)
    (tmp_path / "bad.toml").write_text("leaf = ")
    with pytest.raises(ValueError, match="bad.toml is not valid toml"):
        from_option(str(tmp_path / "bad.toml"))


def test_forms_follow_the_fields():
    functions = Preset(binary="function", names={"pow": "power"})
    assert functions.form("add") == {"call": "function", "name": "add"}
    assert functions.form("pow") == {"call": "function", "name": "power"}
    assert functions.form("rpow") == {"call": "function", "name": "pow"}
    # A name for one operator op makes that op a function, the others stay operators.
    mixed = Preset(names={"pow": "power"})
    assert mixed.form("pow")["call"] == "function" and mixed.form("mul")["call"] == "operator"
    assert PRESETS["micrograd"].form("exp") == {"call": "method", "name": "exp"}


def test_nodes_and_reproducers_are_written_in_the_students_api():
    c = Composition(("x",), (Node("pow", (0, Const(2))), Node("sub", (Const(2), 1))), ("a", "b"))
    api = Preset(leaf="Var", binary="function", aliases={"square": "x ** 2"}, convert="ndarray")
    assert write_node(c, 1, api) == "square(x)"
    assert write_node(c, 2, api) == "sub(2, a)"
    assert write_node(c, 2, PRESETS["micrograd"]) == "2 - a"
    seeded = Preset(leaf="Var", seed="attribute", gradient="adjoint", convert="ndarray")
    text = reproducer(c, [0.5], seeded, "engine", [(0, "grad", 1.0)])
    assert "import numpy as np" in text and "x = Var(np.array(0.5))" in text
    assert "b.adjoint = np.array(1.0)\nb.backward()" in text
    assert "b.backward(1.0)" in reproducer(c, [0.5], Preset(seed="argument"), "engine", [])
    wrapped = reproducer(c, [0.5], Preset(constants="leaf"), "engine", [])
    assert "b = tensor(2.0) - a" in wrapped


def test_auto_says_what_it_found_in_the_report():
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "check", "--api", "auto", str(SOLUTION)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "100 / 100" in done.stdout
    assert "--api auto found your engine's API: leaf tensor(x), exp(x), x + y" in " ".join(
        done.stdout.split()
    )
