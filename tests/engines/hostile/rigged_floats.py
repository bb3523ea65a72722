# ruff: noqa: F821
"""Lie: every gradient is a float subclass rigged to look right.

The gradients are wrong (the truth plus one; the output's own is 1), but each is a
``Rigged`` float whose ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``-``, ``abs`` and
``repr`` all claim agreement with anything. A grader that compared the student's objects
would pass them. Expected: the worker sends ``float()`` of each, the trusted side sees
plain wrong numbers: ``local-derivative`` findings, no op part scores anything.
"""


class Rigged(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __sub__(self, other):
        return Rigged(0.0)

    __rsub__ = __sub__

    def __abs__(self):
        return Rigged(0.0)

    def __repr__(self):
        return "1.0"

    __str__ = __repr__

    def __hash__(self):
        return 0

    def __float__(self):
        return self


_honest_backward = Tensor.backward


def _rigged_backward(self):
    _honest_backward(self)
    seen, todo = set(), [self]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.grad = Rigged(1.0) if node is self else Rigged(float(node.grad) + 1)
        todo.extend(node._parents)


Tensor.backward = _rigged_backward
