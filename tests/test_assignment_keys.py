"""assignment.toml's names: ``inputs_per_case`` (input points per generated case) is not
``points`` (what a part is worth); its old name ``points_per_case`` still loads, with a
warning that names the new one."""

from __future__ import annotations

import warnings

import pytest

from graders.assignment import AssignmentError, load

PARTS = "[[parts]]\nname = 'p'\npoints = 3\nops = ['add']\n"


def _loaded(tmp_path, head: str):
    (tmp_path / "assignment.toml").write_text(head + PARTS)
    return load(str(tmp_path))


def test_inputs_per_case_is_read_without_a_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assignment = _loaded(tmp_path, "inputs_per_case = 7\n")
    assert assignment.inputs_per_case == 7
    assert assignment.max_score == 3


def test_the_old_name_still_works_and_says_the_new_one(tmp_path):
    with pytest.warns(FutureWarning, match="points_per_case is now called inputs_per_case"):
        assignment = _loaded(tmp_path, "points_per_case = 5\n")
    assert assignment.inputs_per_case == 5
    assert "points_per_case" not in assignment.extra  # a known key, not an extra one


def test_both_names_at_once_is_one_clear_error(tmp_path):
    with pytest.raises(AssignmentError, match="give inputs_per_case only"):
        _loaded(tmp_path, "inputs_per_case = 5\npoints_per_case = 5\n")


def test_the_old_attribute_warns_and_gives_the_new_one(tmp_path):
    assignment = _loaded(tmp_path, "inputs_per_case = 4\n")
    with pytest.warns(DeprecationWarning, match="inputs_per_case"):
        assert assignment.points_per_case == 4


@pytest.mark.parametrize("name", ["scalar_autodiff", "tensor_autodiff", "chain_rule_multi"])
def test_the_bundled_assignments_use_the_new_name(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        assert load(name).inputs_per_case >= 1
