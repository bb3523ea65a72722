"""The worker's integrity check and the state it keeps out of the submission's reach.

``integrity.watch`` runs here, in the test's process (it installs nothing): each test
changes a namespace the way an attack would and reads what ``changes()`` names. The
state that steers the worker's replies (``serve``'s nested functions, the snapshot) is
checked for what a frame or an attribute walk could rewrite with no audit event: closure
cells and objects with attributes.
"""

from __future__ import annotations

import builtins
import types

import pytest

from graders.sandbox import integrity, worker


class Tracer:  # a worker class: the check reads its own attributes
    __module__ = "graders.sandbox.tracing"

    def record(self):
        return {}


def _namespace():
    return {
        "__name__": "graders.sandbox.engine_calls",
        "BINARY": {"+": max, "*": min},
        "number": float,
        "Tracer": Tracer,
    }


@pytest.fixture
def namespace():
    namespace = _namespace()
    changes = integrity.watch({"engine_calls": namespace}, {})
    assert changes() == []
    return namespace, changes


def test_a_new_global_that_shadows_a_builtin_is_named(namespace):
    namespace, changes = namespace
    namespace["map"] = lambda *a: []
    assert changes() == ["added engine_calls.map"]


def test_the_warnings_registry_python_adds_is_not_a_change(namespace):
    namespace, changes = namespace
    namespace["__warningregistry__"] = {"version": 1}
    assert changes() == []


def test_a_replaced_global_is_named(namespace):
    namespace, changes = namespace
    namespace["number"] = int
    assert changes() == ["replaced engine_calls.number"]


def test_what_a_module_level_dict_holds_is_compared(namespace):
    namespace, changes = namespace
    namespace["BINARY"]["+"] = min
    assert changes() == ["rewrote engine_calls.BINARY"]


def test_a_worker_class_whose_method_is_replaced_is_named(namespace):
    namespace, changes = namespace
    record = Tracer.record
    Tracer.record = lambda self: {"lines": []}
    try:
        assert changes() == ["rewrote engine_calls.Tracer"]
    finally:
        Tracer.record = record
    assert changes() == []


def test_a_new_builtin_is_named(namespace):
    _, changes = namespace
    builtins.chaingrade_test_name = 1
    try:
        assert changes() == ["added builtins.chaingrade_test_name"]
    finally:
        del builtins.chaingrade_test_name


def test_a_guard_function_whose_defaults_are_rewritten_is_named():
    def hook(event, args, _check=len):
        return _check(args)

    changes = integrity.watch({}, {"hook": hook})
    hook.__defaults__ = (lambda args: 0,)
    assert changes() == ["rewrote the worker's guard (hook)"]


def test_the_snapshot_is_out_of_reach():
    """No cell, no bound object: what ``changes`` compares with is in its defaults,
    tuples all the way down to the objects compared, and rewriting ``__defaults__`` is an
    audit event the guard reports."""
    changes = integrity.watch({"engine_calls": _namespace()}, {})
    assert isinstance(changes, types.FunctionType) and changes.__closure__ is None
    assert all(isinstance(d, tuple) for d in changes.__defaults__)


def test_serve_holds_nothing_in_cells():
    """``reply`` and ``audit`` take what they call as defaults, and no comprehension shares
    ``serve``'s locals: a closure cell could be rewritten with no audit event (the last
    review's A4)."""
    code = worker.serve.__code__
    nested = [c for c in code.co_consts if isinstance(c, types.CodeType)]
    assert {c.co_name for c in nested} >= {"reply", "audit"}
    assert code.co_cellvars == ()
    assert [c.co_name for c in nested if c.co_freevars] == []
