"""A hand-in's ``engine.py`` that takes its engine from the student's own package
``micrograd/`` beside it (the package of ``tests/engines/policy/micrograd``), while PyPI's
micrograd is installed where the tests run: ``import micrograd`` means the student's.

Expected: full marks with ``--api micrograd``; the package is copied, not left out.
"""

from micrograd.engine import Value  # noqa: F401
