"""The student's own module named ``autograd.py`` (student repositories that keep the
reverse pass apart from the ``Value`` class): the topological order, iterative. Named like
the PyPI autograd library, which computes derivatives; this one is the student's own, and
``import autograd`` in their engine means it.

``tests/test_policy.py`` hands it in beside ``engine.py`` (a micrograd engine) with
``engine_tail.py`` appended, whose ``backward`` uses it. Expected: full marks.
"""


def topological_order(root, parents_of):
    """Every node ``root`` depends on, each after all of its parents."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack += [(parent, False) for parent in parents_of(node)]
    return order
