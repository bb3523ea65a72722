"""Grading tests for chain_rule_single: one test per part, worth that part's points.

Run against the reference solution with ``pytest assignments/chain_rule_single``, or
against a student's file with ``--submission path/to/answers.py``.
"""

import pytest


@pytest.mark.points(36)
def test_chain_rule(chaingrade):
    chaingrade.check_part("chain rule")


@pytest.mark.points(24)
def test_power_rule(chaingrade):
    chaingrade.check_part("power rule")


@pytest.mark.points(40)
def test_four_compositions(chaingrade):
    chaingrade.check_part("four compositions")
