"""Correct: DeZero as the book's step 9 builds it (family: DeZero, steps 9-10).

Only one-input functions, ``square`` and ``exp``, each a ``Function`` subclass whose
``__call__`` makes a ``Variable`` (which takes a NumPy array and nothing else) and links it
to its creator; ``backward`` walks the creators from the output, seeding it with
``np.ones_like``, and each input's ``.grad`` is a NumPy array (``x.grad = f.backward(...)``:
a chain has no shared node to accumulate into). No operators and no ``add``: graded on
``exp`` and on ``x ** 2`` through ``square``. The book's demonstration lines at the end of
the step (one of them raises on purpose) are left out.
"""

import numpy as np


class Variable:
    def __init__(self, data):
        if data is not None:
            if not isinstance(data, np.ndarray):
                raise TypeError(f"{type(data)} is not supported")
        self.data = data
        self.grad = None
        self.creator = None

    def set_creator(self, func):
        self.creator = func

    def backward(self):
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        funcs = [self.creator]
        while funcs:
            f = funcs.pop()
            x, y = f.input, f.output
            x.grad = f.backward(y.grad)
            if x.creator is not None:
                funcs.append(x.creator)


def as_array(x):
    if np.isscalar(x):
        return np.array(x)
    return x


class Function:
    def __call__(self, input):
        x = input.data
        y = self.forward(x)
        output = Variable(as_array(y))
        output.set_creator(self)
        self.input = input
        self.output = output
        return output

    def forward(self, x):
        raise NotImplementedError()

    def backward(self, gy):
        raise NotImplementedError()


class Square(Function):
    def forward(self, x):
        return x**2

    def backward(self, gy):
        x = self.input.data
        return 2 * x * gy


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        x = self.input.data
        return np.exp(x) * gy


def square(x):
    return Square()(x)


def exp(x):
    return Exp()(x)
