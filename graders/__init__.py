"""chaingrade: grade reverse-mode autodiff and name the wrong chain-rule step.

``graders.check("engine.py")`` grades a file, a folder or a notebook from Python (see
``graders.platforms.interactive``); importing ``graders`` itself loads nothing else.
"""

from __future__ import annotations

import sys

# MyGrad imports its GRU layer on import, and with numba installed (chaingrade[minitorch],
# the test extra) that layer compiles numba kernels there and then: 3 s or more in every
# grading process, for a layer grading never uses. Without the module MyGrad leaves it out
# (mygrad.nnet.layers catches the ImportError). Nothing is imported here.
sys.modules.setdefault("mygrad.nnet.layers.gru", None)  # type: ignore[arg-type]

__all__ = ["__version__", "check"]

__version__ = "0.1.0"


def check(submission, assignment=None, *, api=None, entry=None, examples=None):
    """Grade ``submission`` (a file, a folder or a notebook) as ``chaingrade check`` does;
    ``entry`` is ``--entry``. The report prints as text and shows as the feedback page in
    Jupyter."""
    from graders.platforms.interactive import check as checked

    return checked(submission, assignment, api=api, entry=entry, examples=examples)
