"""A bare micrograd start: ``+`` (with numbers on either side) and ``*`` of two Values
only (no numbers, no ``-x``, no ``/``), and ``*`` gives each factor its own value as
derivative. No ``*`` can send a known gradient into ``+``, but ``t + t`` can (a right
``+`` sends 2), so a right ``add`` is verified and credited (pattern 6, issue 20: DeZero's
early steps have no ``-x`` or ``/`` either)."""

API = "micrograd"
EXPECTED = [("local-derivative", "mul", 0)]
NOT_EXPECTED = [("order", None, None), ("accumulation", None, None), ("missing", "add", None)]


class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)

    def __radd__(self, other):
        return self + other

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += self.data * out.grad  # BUG: each factor's own value
            other.grad += other.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
