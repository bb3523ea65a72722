"""Grading tests for chain_rule_multi: one test per part, worth that part's points
(``points`` in assignment.toml: the plugin reads them there).

Run against the reference solution with ``pytest assignments/chain_rule_multi``, or
against a student's file with ``--submission path/to/answers.py``.
"""


def test_first_example(chaingrade):
    chaingrade.check_part("first example")


def test_second_example(chaingrade):
    chaingrade.check_part("second example")


def test_three_paths(chaingrade):
    chaingrade.check_part("three paths")
