"""minitorch's ``datasets.py``: toy classification sets drawn with ``random``."""

import random
from dataclasses import dataclass


def make_pts(n):
    return [(random.random(), random.random()) for _ in range(n)]


@dataclass
class Graph:
    n: int
    xs: list
    ys: list


def simple(n):
    xs = make_pts(n)
    return Graph(n, xs, [1 if x1 < 0.5 else 0 for x1, _ in xs])


datasets = {"Simple": simple}
