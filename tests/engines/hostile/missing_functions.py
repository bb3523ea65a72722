# ruff: noqa: F821
"""Broken: ``sqrt`` and ``relu`` do not exist and ``2 ** x`` is not supported.

Expected: ``missing`` findings for sqrt, relu and rpow; every other op graded as usual.
"""

del sqrt, relu
del Tensor.__rpow__
