"""Grading tests for chain_rule_multi: one test per part, worth that part's points.

Run against the reference solution with ``pytest assignments/chain_rule_multi``, or
against a student's file with ``--submission path/to/answers.py``.
"""

import pytest


@pytest.mark.points(35)
def test_first_example(chaingrade):
    chaingrade.check_part("first example")


@pytest.mark.points(35)
def test_second_example(chaingrade):
    chaingrade.check_part("second example")


@pytest.mark.points(30)
def test_three_paths(chaingrade):
    chaingrade.check_part("three paths")
