# ruff: noqa: F821, F841 (names read by NumPy from a string)
"""Not an attack: a correct engine that, in its first calls of ``backward`` (at request
time, not only as it is imported), uses installed libraries that read their caller's
frame for their own ends: NumPy's matrix builder, ``np.bmat("a b; c d")`` and the string
keys of ``np.r_``/``np.c_`` (``np.r_["a, b"]``: the names are looked up in the caller's
locals and globals), NumPy's ``np.r_["0,2", a, b]`` (a directive, no frame), and attrs'
``make_class`` (the made class's module name, as ``namedtuple``), from a function and from
a method. Families: numerical-methods notebooks building block matrices with ``np.bmat``;
engines declaring their node records with attrs.

Expected: full marks; none of it is the submission reaching for a frame.
"""

import numpy

try:
    import attr
except ImportError:  # not installed: the NumPy half still counts
    attr = None

_A = numpy.eye(2)


def _block_matrices():
    b = numpy.zeros((2, 2))
    whole = numpy.bmat("_A b; b _A")  # a local and a global, by name
    stacked = numpy.r_["_A, b"], numpy.c_["_A; b"], numpy.r_["0,2", [1.0], [2.0]]
    assert whole.shape == (4, 4) and stacked[0].shape == (2, 4), (whole, stacked)
    if attr is not None:
        record = attr.make_class("Record", ["value", "grad"])
        assert record(1.0, 0.0).grad == 0.0 and record.__module__ == __name__
    return whole


class _Blocks:
    def build(self):
        local = numpy.ones((1, 2))
        return numpy.bmat("local; local")


_backward = Tensor.backward
_calls = []


def _backward_with_blocks(self):
    if len(_calls) < 3:  # a few times in each process, at request time: that is the point
        _calls.append((_block_matrices(), _Blocks().build()))
    _backward(self)


Tensor.backward = _backward_with_blocks
