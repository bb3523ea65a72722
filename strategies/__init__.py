"""Hypothesis strategies for chain-rule testing: compositions and fair input points."""

from strategies.compositions import compositions
from strategies.points import point_sets, points

__all__ = ["compositions", "point_sets", "points"]
