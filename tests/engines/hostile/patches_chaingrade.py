# ruff: noqa: F821
"""Tamper: import chaingrade's own modules in the worker and replace its comparison,
diagnosis, oracles and scoring with ones that pass everything.

Expected: chaingrade's packages cannot be imported or read from the worker (the import is
blocked and reported, even with the static policy off); every part scores 0 with a
finding "policy violation: imports graders". Nothing the worker holds decides a grade.
"""

try:
    import graders.engine.diagnosis
    import graders.tolerances
except ImportError:
    pass
else:
    graders.tolerances.close = lambda *a, **k: True
    graders.engine.diagnosis.Diagnoser.diagnose = lambda self, case: None
