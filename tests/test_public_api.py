"""The packages' public face: ``__all__`` of ``graders`` and ``strategies`` names exactly
what they offer (every public strategy of every ``strategies`` module included)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import graders
import strategies


def _defined_here(module: types.ModuleType) -> set[str]:
    """The public functions a module defines itself, not the ones it imports (a
    ``@st.composite`` strategy keeps its function's module)."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and inspect.isfunction(value)
        if value.__module__ == module.__name__
    }


def test_graders_all_is_what_it_offers():
    assert graders.__all__ == ["__version__", "check"]
    offered = {
        name
        for name, value in vars(graders).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"  # from __future__
    }
    assert offered | {"__version__"} == set(graders.__all__)
    for name in graders.__all__:
        assert hasattr(graders, name)


def test_strategies_all_names_every_public_strategy_of_its_modules():
    found = set()
    for info in pkgutil.iter_modules(strategies.__path__):
        found |= _defined_here(importlib.import_module(f"strategies.{info.name}"))
    assert {"array_compositions", "array_points", "compositions", "points"} <= found
    assert set(strategies.__all__) == found
    assert len(strategies.__all__) == len(set(strategies.__all__))
    for name in strategies.__all__:
        assert getattr(strategies, name) is getattr(
            importlib.import_module(getattr(strategies, name).__module__), name
        )
