# ruff: noqa: F821
"""Tamper: write forged results files at import, from a thread, and at exit.

The submission writes a forged full score to every results file it can think of: in its
working folder, in ``$HOME``, in ``@RESULTS@`` (standing in for Gradescope's
``/autograder/results``: ``results.json`` and a JUnit ``junit.xml``), in the grader's
working folder ``@GRADER_CWD@``, and at the fixed path Gradescope reads,
``/autograder/results/results.json``. The test stands that one in too, at
``autograder/results/results.json`` beside ``@RESULTS@`` in its temporary folder, so the
suite never writes to the real ``/autograder`` (it may run as root). It does so at import,
from a thread that keeps rewriting them every 20 ms, and from an ``atexit`` handler. Its
``exp`` derivative is wrong, so a full score would be inflated.

Expected: the score is not full, and the results the grader writes after grading are
still the grader's a while later (the worker and its thread are dead by then).
"""

import atexit
import json
import os
import threading
import time

_FORGED = json.dumps({"score": 100, "max_score": 100, "tests": [], "forged": True})
_JUNIT = '<testsuite name="forged" tests="1" failures="0"><testcase name="all"/></testsuite>'
_TARGETS = [
    (os.path.join(os.getcwd(), "results.json"), _FORGED),
    (os.path.join(os.environ.get("HOME", "."), "results.json"), _FORGED),
    (os.path.join("@RESULTS@", "results.json"), _FORGED),
    (os.path.join("@RESULTS@", "junit.xml"), _JUNIT),
    (os.path.join("@GRADER_CWD@", "results.json"), _FORGED),
    # stands in for /autograder/results/results.json, under the test's temporary folder
    (os.path.join("@RESULTS@", os.pardir, "autograder", "results", "results.json"), _FORGED),
]


def _forge():
    for path, text in _TARGETS:
        try:
            with open(path, "w") as f:
                f.write(text)
        except OSError:
            pass


def _keep_forging():
    while True:
        _forge()
        time.sleep(0.02)


_forge()
atexit.register(_forge)
threading.Thread(target=_keep_forging, daemon=True).start()


def exp(x):
    e = math.exp(x.data)
    return _unary(x, e, 2 * e)
