"""Hypothesis strategies for chain-rule testing: compositions and fair input points, on
scalars (``compositions``, ``points``, ``point_sets``, ``coordinate``) and on arrays
(``array_compositions``, ``array_points``)."""

from strategies.arrays import array_compositions, array_points
from strategies.compositions import compositions
from strategies.points import coordinate, point_sets, points

__all__ = [
    "array_compositions",
    "array_points",
    "compositions",
    "coordinate",
    "point_sets",
    "points",
]
