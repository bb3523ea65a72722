"""minitorch's typed modules (``tensor.py``, ``tensor_functions.py``): imports that only
type checkers read, under ``if TYPE_CHECKING:`` (appended to a minitorch engine). One
is a module the policy does not allow (``os``), for an annotation: the block never runs.

Expected: full marks, no violation.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from os import PathLike

    import numpy.typing as npt


def history_to_file(scalar: "Scalar", path: "PathLike[str]") -> None:  # noqa: F821
    raise NotImplementedError("never called while grading")


def as_array(values: "npt.ArrayLike") -> list:
    return list(values)
