"""Storage, shape and strides (Task 2.1 and 2.2)."""

import numba  # noqa: F401  (the course's file imports it for the CUDA backend)
import numpy as np

from . import operators


class IndexingError(RuntimeError):
    pass


def index_to_position(index, strides):
    return sum(int(i) * int(s) for i, s in zip(index, strides))


def to_index(ordinal, shape, out_index):
    for i in range(len(shape) - 1, -1, -1):
        out_index[i] = ordinal % shape[i]
        ordinal //= shape[i]


def broadcast_index(big_index, big_shape, shape, out_index):
    offset = len(big_shape) - len(shape)
    for i in range(len(shape)):
        out_index[i] = 0 if shape[i] == 1 else big_index[i + offset]


def shape_broadcast(shape1, shape2):
    n = max(len(shape1), len(shape2))
    a = [1] * (n - len(shape1)) + list(shape1)
    b = [1] * (n - len(shape2)) + list(shape2)
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise IndexingError(f"cannot broadcast {shape1} and {shape2}")
        out.append(max(x, y))
    return tuple(out)


def strides_from_shape(shape):
    layout, offset = [1], 1
    for s in reversed(shape):
        layout.append(s * offset)
        offset = s * offset
    return tuple(reversed(layout[:-1]))


class TensorData:
    def __init__(self, storage, shape, strides=None):
        self._storage = np.asarray(storage, dtype=np.float64)
        self._shape = tuple(int(s) for s in shape)
        self._strides = tuple(strides) if strides is not None else strides_from_shape(shape)
        self.size = int(operators.prod(self._shape))
        self.dims = len(self._shape)

    @property
    def shape(self):
        return self._shape

    @property
    def strides(self):
        return self._strides

    def is_contiguous(self):
        last = 1e9
        for stride in self._strides:
            if stride > last:
                return False
            last = stride
        return True

    @staticmethod
    def shape_broadcast(shape_a, shape_b):
        return shape_broadcast(shape_a, shape_b)

    def index(self, index):
        index = tuple(index)
        if len(index) != len(self._shape):
            raise IndexingError(f"index {index} must be size of {self._shape}")
        return index_to_position(index, self._strides)

    def get(self, key):
        return float(self._storage[self.index(key)])

    def set(self, key, value):
        self._storage[self.index(key)] = value

    def tuple(self):
        return (self._storage, self._shape, self._strides)

    def permute(self, *order):
        assert sorted(order) == list(range(len(self._shape))), f"bad order {order}"
        return TensorData(
            self._storage,
            tuple(self._shape[o] for o in order),
            tuple(self._strides[o] for o in order),
        )
