"""Grading tests for scalar_autodiff: one test per part, worth that part's points
(``points`` in assignment.toml: the plugin reads them there).

Run against the reference solution with ``pytest assignments/scalar_autodiff``, or against
a student's file with ``--submission path/to/engine.py``.
"""


def test_arithmetic(chaingrade):
    chaingrade.check_part("arithmetic")


def test_powers(chaingrade):
    chaingrade.check_part("powers")


def test_exponentials_and_logs(chaingrade):
    chaingrade.check_part("exponentials and logs")


def test_trigonometry(chaingrade):
    chaingrade.check_part("trigonometry")


def test_activations(chaingrade):
    chaingrade.check_part("activations")


def test_chain_rule_machinery(chaingrade):
    chaingrade.check_part("chain-rule machinery")
