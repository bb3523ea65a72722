"""Grading tests for tensor_autodiff: one test per part, worth that part's points.

Run against the reference solution with ``pytest assignments/tensor_autodiff``, or against
a student's file with ``--submission path/to/engine.py``.
"""

import pytest


@pytest.mark.points(30)
def test_elementwise_and_broadcasting(chaingrade):
    chaingrade.check_part("elementwise and broadcasting")


@pytest.mark.points(15)
def test_reductions(chaingrade):
    chaingrade.check_part("reductions")


@pytest.mark.points(15)
def test_shape_ops(chaingrade):
    chaingrade.check_part("shape ops")


@pytest.mark.points(15)
def test_matmul(chaingrade):
    chaingrade.check_part("matmul")


@pytest.mark.points(25)
def test_reverse_pass(chaingrade):
    chaingrade.check_part("reverse pass")
