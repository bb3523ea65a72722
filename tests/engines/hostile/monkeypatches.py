# ruff: noqa: F821
"""Tamper: monkeypatch math, NumPy, MyGrad and Hypothesis.

``math.exp`` returns twice the truth, and the engine's ``exp`` (and ``sigmoid``, which
calls ``math.exp``) is consistent with the patched math: its derivative is its own
wrong value. NumPy's and MyGrad's ``exp`` are patched the same way, ``numpy.allclose``
and ``numpy.isclose`` always say yes, and Hypothesis's ``given`` runs nothing. (Run with
no forbidden imports and the static policy off, so that MyGrad can be patched at all;
reaching for chaingrade's own modules is ``patches_chaingrade.py``.)

Expected: all of it happens in the worker only. The trusted side recomputes with its own
math, NumPy and MyGrad: exp and sigmoid get ``forward`` findings, the rest is graded as
usual, and the score is not full.
"""

import math

import hypothesis
import mygrad
import numpy

_true_exp = math.exp
math.exp = lambda v: 2 * _true_exp(v)
numpy.exp = lambda v, *a, **k: 2 * numpy.e**v
numpy.allclose = numpy.isclose = lambda *a, **k: True
mygrad.exp = lambda v, *a, **k: 2 * mygrad.tensor(numpy.e) ** v
hypothesis.given = lambda *a, **k: lambda f: lambda *x, **y: None
