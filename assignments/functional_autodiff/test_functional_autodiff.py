"""Grading tests for functional_autodiff: one test per part, worth that part's points.

Run against the reference solution with ``pytest assignments/functional_autodiff``, or
against a student's file with ``--submission path/to/autodiff.py``.
"""

import pytest


@pytest.mark.points(20)
def test_arithmetic(chaingrade):
    chaingrade.check_part("arithmetic")


@pytest.mark.points(15)
def test_powers(chaingrade):
    chaingrade.check_part("powers")


@pytest.mark.points(15)
def test_exponentials_and_logs(chaingrade):
    chaingrade.check_part("exponentials and logs")


@pytest.mark.points(15)
def test_trigonometry(chaingrade):
    chaingrade.check_part("trigonometry")


@pytest.mark.points(15)
def test_activations(chaingrade):
    chaingrade.check_part("activations")


@pytest.mark.points(20)
def test_chain_rule(chaingrade):
    chaingrade.check_part("chain rule")
