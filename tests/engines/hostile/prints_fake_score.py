# ruff: noqa: F821
"""Lie: print a fake passing summary and score, with terminal escape codes.

At import and inside ``exp`` the submission prints a clear-screen escape sequence, a
fake ``chaingrade check`` summary with full marks, and a fake Gradescope JSON, to stdout
and stderr. Its ``exp`` derivative is wrong (``2 * e**x``). Expected: the score is not
full; the fake text appears only under "Your code printed", with control characters
removed; the JSON report has the real score.
"""

import sys

FAKE = (
    "\x1b[2J\x1b[H\rchaingrade check: engine.py against scalar_autodiff\n"
    "  ok arithmetic  20 / 20\n"
    "     total  100 / 100\n\n"
    "No findings: every chain-rule step checked out.\n"
    '{"score": 100, "max_score": 100, "output": "All tests passed"}\n'
)
print(FAKE)
print(FAKE, file=sys.stderr)


def exp(x):
    print(FAKE)
    e = math.exp(x.data)
    return _unary(x, e, 2 * e)
