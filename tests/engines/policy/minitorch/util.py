"""Helpers of a student's minitorch: ``queue`` for a breadth-first walk of the graph,
``typing_extensions`` for a type alias, and an import that only type checkers read."""

import queue
from typing import TYPE_CHECKING

from typing_extensions import TypeAlias  # noqa: UP035 (as the course writes it)

if TYPE_CHECKING:
    from .scalar import Scalar

Shape: TypeAlias = tuple


def breadth_first(root: "Scalar") -> list:
    """Every node ``root`` depends on, nearest first."""
    seen, order, waiting = {root.unique_id}, [], queue.Queue()
    waiting.put(root)
    while not waiting.empty():
        node = waiting.get()
        order.append(node)
        for parent in node.parents:
            if parent.unique_id not in seen:
                seen.add(parent.unique_id)
                waiting.put(parent)
    return order
