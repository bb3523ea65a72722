"""chaingrade: grade reverse-mode autodiff and name the wrong chain-rule step.

``graders.check("engine.py")`` grades a file from Python or a notebook (see
``graders.platforms.interactive``); importing ``graders`` itself loads nothing else.
"""

from __future__ import annotations

__version__ = "0.1.0"


def check(submission, assignment=None, *, api=None, examples=None):
    """Grade ``submission`` as ``chaingrade check`` does; the report prints as text and
    shows as the feedback page in Jupyter."""
    from graders.platforms.interactive import check as checked

    return checked(submission, assignment, api=api, examples=examples)
