"""Grading tests for chain_rule_single: one test per part, worth that part's points
(``points`` in assignment.toml: the plugin reads them there).

Run against the reference solution with ``pytest assignments/chain_rule_single``, or
against a student's file with ``--submission path/to/answers.py``.
"""


def test_chain_rule(chaingrade):
    chaingrade.check_part("chain rule")


def test_power_rule(chaingrade):
    chaingrade.check_part("power rule")


def test_four_compositions(chaingrade):
    chaingrade.check_part("four compositions")
