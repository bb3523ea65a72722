# ruff: noqa: F821
"""Die: ``KeyboardInterrupt`` and ``SystemExit`` raised inside the reverse pass.

``sin``'s backward raises KeyboardInterrupt, ``cos``'s raises SystemExit(3). Neither may
stop grading or escape as "the grader was interrupted". Expected: ``error`` findings for
sin and cos; every other op graded as usual.
"""


def sin(x):
    out = Tensor(math.sin(x.data), (x,))

    def backward():
        raise KeyboardInterrupt

    out._backward = backward
    return out


def cos(x):
    out = Tensor(math.cos(x.data), (x,))

    def backward():
        raise SystemExit(3)

    out._backward = backward
    return out
