"""Grading tests for tensor_autodiff: one test per part, worth that part's points
(``points`` in assignment.toml: the plugin reads them there).

Run against the reference solution with ``pytest assignments/tensor_autodiff``, or against
a student's file with ``--submission path/to/engine.py``.
"""


def test_elementwise_and_broadcasting(chaingrade):
    chaingrade.check_part("elementwise and broadcasting")


def test_reductions(chaingrade):
    chaingrade.check_part("reductions")


def test_shape_ops(chaingrade):
    chaingrade.check_part("shape ops")


def test_matmul(chaingrade):
    chaingrade.check_part("matmul")


def test_reverse_pass(chaingrade):
    chaingrade.check_part("reverse pass")
