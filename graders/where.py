"""``where`` on findings, for every kind: the student's own line, decided from traced runs.

After a part is graded, each finding that names a number of one op (``forward``,
``local-derivative``, ``upstream``), an overwrite (``accumulation``), the seed or a raise
(``error``) is run once more in the worker, traced (``graders.sandbox.tracing``), all in
one request; only these few runs are traced, never the search. What the tracer saw
decides the place:

* ``forward``, ``local-derivative``, ``upstream``: the op alone on fresh leaves at the
  finding's values (``graders.model.probes.isolated``), beside a contrast run of every
  other op the engine has (``_not_own``): what ops of two entries or more run is shared (the
  reverse pass, minitorch's ``chain_rule``, a ``_unary`` helper) and never the place;
  another op's entry and its closures (``__pow__`` under ``__rpow__``) is that op's. The
  place is the first line where the number the engine ends with (the node's value; the
  argument's gradient) appeared: written into the argument's gradient (micrograd's
  ``self.grad += ...``), returned (``Mul.backward``'s ``return b, a``), passed to a call
  (``Value(self.data * other.data, ...)``) or bound to a local; in shared code, the op's own
  caller. When the op's backward is all shared code (a helper, a tape), the line of its
  forward that worked the derivative out (times the upstream gradient the probe ran under,
  the number the engine ends with) and handed it on last (``_unary(x, t, 1 - t)``); never
  when its own backward ran and the number was not seen there. A number worked out in
  another op's code is that op's line first when that op is wrong alone
  (``graders.root_cause``: the root cause, marked ``built_on``), else the op's own line
  (``_ordered``). Numbers are floats or NumPy arrays (``graders.places.same``); zeros say
  nothing about where they were made, and ``2 - x`` that runs ``x - y``'s very function (an
  alias ``__rsub__ = __sub__``) has no line of its own: no place.
* ``accumulation``: the finding's own case, the node whose gradient is wrong watched (the
  tensor kind: every node used more than once): the first write that left one
  contribution (computed from the reference, as the chain rule says) where the sum of the
  earlier ones and it belonged; with none, the first such store into a dict of the
  reverse pass (gradients kept in a dict: the line that overwrote there; kept in lists,
  needle's, a list counts as the sum of its contributions). Floats or arrays alike.
* ``order``: the traversal's lines: the case's reverse pass, in the functions that ran in
  the reverse pass of every op's contrast and in no op's forward (``_traversal``).
* ``seed``: the last write to the output's gradient during the reverse pass (a seed
  zeroed again after it is set: the zeroing); with none, the first line of the reverse
  pass (where it starts).
* ``error`` that the student's code raised (never a crash or a hang, which would crash or
  hang the worker again): the finding's case run again; the line of the submission that
  raised, from the exception's traceback (``Tracer.raised``), then their lines that
  called it.

* forward mode (the forward kind: a plan with ``dual``): the op's value or tangent is
  worked out as it runs, so its place is the first line of the op's own code where the
  number appeared (``_dual_number``); worked out deeper, in code of ops it is built on
  (tanh as ``(e - 1) / (e + 1)`` with ``e = exp(2 * x)``), when exactly one op whose code
  it ran is wrong alone (its contrast checked against the trusted Jacobian), that op is the
  root cause: its line first (from its own contrast run), then the op's line that called
  it.

Anything unclear (tracing disturbed, the number never seen in the op's own code, a
contrast op the engine cannot build) leaves ``where`` empty: never a wrong place.
:func:`traced_places` is the same for every kind: a kind gives what to trace for a finding
(a plan) and a contrast run per op: the engine kind's are ``graders.engine.where``, the
tensor kind's ``graders.tensor.where``, the forward kind's ``graders.forward.where``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from graders import root_cause
from graders.places import Sources, same
from graders.results import Finding
from graders.tolerances import SAME_CONTRIBUTION as _SAME

#: The most places an ``error`` lists: the line that raised and the lines that called it.
MOST_RAISED = 3
#: The most lines an ``order`` finding lists (the traversal's); more, and none.
MOST_TRAVERSAL = 40
#: An ``error`` finding's kinds (its case's ``error``) that the student's code raised, and
#: that are run again for their line; a ``crash`` or a ``timeout`` would crash or hang the
#: worker again, and never is.
RAISED = ("error", "missing")


def traced_places(grader, findings: list[Finding], plan_of, contrast_of, ops) -> list[Finding]:
    """``where`` for any kind: ``plan_of(finding)`` says what to run traced for a finding
    (a plan: ``step``, ``job``, the fields the step's decision reads) or None;
    ``contrast_of(op)`` gives an op's contrast run (``job``; ``right(run)``: did it give
    every number right; ``reflected``: a number on its left), for each of ``ops``. All
    run in one request."""
    plans = [(i, plan_of(f)) for i, f in enumerate(findings) if not f.where]
    plans = [(i, p) for i, p in plans if p is not None]
    if not plans or grader.out_of_time() is not None:
        return findings
    runner = grader.runner
    folder = str(runner.home / "submission")
    contrasts = {op: contrast_of(op) for op in ops}
    contrasts = {op: c for op, c in contrasts.items() if c is not None}
    jobs = [{**p["job"], "folder": folder, "watch": p.get("watch", [])} for _, p in plans]
    jobs += [{**c["job"], "folder": folder, "watch": []} for c in contrasts.values()]
    outcomes = runner.run(jobs)
    if runner.violations or len(outcomes) != len(jobs):
        return findings
    traced = [o[0] if o else {} for o in outcomes]
    contrast_runs = {
        op: {
            **run,
            "right": c["right"](run),
            "wrong": c["wrong"](run) if "wrong" in c else None,
            "reflected": c["reflected"],
        }
        for (op, c), run in zip(contrasts.items(), traced[len(plans) :])
    }
    sources = Sources(runner.handed_in, folder)
    located = list(findings)
    for (i, plan), outcome in zip(plans, traced):
        raw, root = _decide(plan, outcome, contrast_runs)
        found = [p for p in map(sources.place, raw) if p is not None]
        if found and len(found) == len(raw):  # every place in the student's files
            located[i] = replace(findings[i], where=root_cause.marked(found, root))
    return located


# --- deciding --------------------------------------------------------------------------------


def _decide(plan: dict, outcome: dict, contrasts: dict[str, dict]):
    """The traced places (``[path, line, qualname, first line]``) for one plan, and the op
    it is built on that is the root cause (``graders.root_cause``), or None."""
    if plan["step"] == "error":
        return _raised(outcome), None
    trace = outcome.get("trace") if isinstance(outcome, dict) else None
    if trace is None:
        return [], None
    if plan.get("dual"):
        return _dual_number(plan, outcome, trace, contrasts)
    step = plan["step"]
    if step == "seed":
        return _listed(_seed_place(trace)), None
    if step == "accumulation":
        return _listed(_overwrite_place(trace, plan["watch"], plan["contributions"])), None
    if step == "order":
        return _traversal(trace, contrasts), None
    # Contrasts that ran a reverse pass, traced, from a function other than this op's
    # (``x - y`` is a contrast for ``2 - x``): two at least, or the machinery is unknown.
    own = _entry(trace)
    others = {
        op: run["trace"]
        for op, run in contrasts.items()
        if run.get("trace")
        and _codes(run["trace"], "backward")
        and _entry(run["trace"]) not in (own, None)
    }
    if own is None or len(others) < 2 or _aliased(plan, own, contrasts):
        return [], None
    shared, elsewhere = _not_own(trace, others)
    forward = [n for n in trace["numbers"] if n["phase"] == "forward"]
    values = outcome.get("values") or []
    node = plan.get("node", len(values) - 1)
    value = values[node] if 0 <= node < len(values) else None
    if step == "shape" and _shape(value) != plan.get("value_shape"):
        step = "forward"  # the value has the wrong shape: where it was computed
    if step == "forward":
        target = value
        if _blank(target):
            return [], None
        return _ordered(_first(forward, target, elsewhere, new_only=True), contrasts, others)
    grads = outcome.get("grads") or []
    leaf = plan["leaf"]
    target = grads[leaf] if leaf < len(grads) else None
    if _blank(target):
        return [], None
    # Before the op's output got its gradient, what ran was the nodes after it (an array
    # probe's projection ``out * w``, the op's own code when the op is mul): not its step.
    start = _first_write(trace, plan.get("output"))
    backward = [n for n in trace["numbers"] if n["phase"] == "backward" and n["seq"] > start]
    backward += [
        w
        for w in trace["writes"]
        if w["phase"] == "backward" and w["index"] == leaf and w["seq"] > start
    ]
    # Any code but the shared is this op's in its reverse pass: the probe is this op alone,
    # and an op built on another (``2 ** x`` on ``__pow__``) runs that op's backward.
    found = _first(backward, target, shared, new_only=True)
    if found is not None:
        place = found[0][found[1]]
        built = [op for op, other in others.items() if _inside(_code(place), _entry(other))]
        entries = [_entry(others[op]) for op in built]
        caller = _called_from(found[0][found[1] :], entries, shared) or _caller(forward, entries)
        return root_cause.in_reverse_pass(place, built, caller, contrasts)
    own_backward = [
        line
        for line in trace["lines"]
        if line["phase"] == "backward"
        and line["seq"] > start
        and not elsewhere(_code(line["place"][0]))
    ]
    if found is None and own_backward:
        return [], None  # its own backward ran, and the number is not seen there (NumPy's, say)
    if found is None:  # the op's backward is a helper every op shares (``_unary(x, v, d)``)
        # or a tape's: the derivative was worked out, and last handed on, in its forward code
        made = [n for n in forward if n["new"] and not elsewhere(_code(n["place"][0]))]
        upstream = plan.get("upstream")
        derivative = next(  # worked out there, not an input's
            (n["value"] for n in made if same(_times(n["value"], upstream), target)), None
        )
        if derivative is not None:
            found = _first(forward[::-1], derivative, elsewhere, new_only=False)
    return _ordered(found, contrasts, others)


def _dual_number(plan: dict, outcome: dict, trace: dict, contrasts: dict[str, dict]):
    """Forward mode (``plan["read"]``: the op's value, ``values``, or tangent, ``grads``):
    both are worked out as the op runs, so the place is the first line of the op's own
    code (its entry, or a closure in it) where the number the engine ends with appeared.
    Seen first deeper (a helper, ``Dual.__init__``, another op's code: tanh written with
    your exp, mul and div) and some op it ran is wrong alone, the only one: that op is the
    root cause, and its line (from its contrast run) comes first, then the op's own line
    that called it; with none, the op's own line that led there."""
    own = _entry(trace)
    if own is None or _aliased(plan, own, contrasts):
        return [], None
    numbers = outcome.get(plan["read"]) or []
    node = plan["node"]
    target = numbers[node] if 0 <= node < len(numbers) else None
    if target is None or _blank(target):
        return [], None
    found = _first(trace["numbers"], target, lambda code: not _inside(code, own), new_only=True)
    if found is None:
        return [], None
    places, at = found
    if at == 0:
        return [places[0]], None
    ran = [
        op
        for op, run in contrasts.items()
        if run.get("trace") and _entry(run["trace"]) not in (own, None) and _ran(trace, run)
    ]
    root = root_cause.wrong_alone(ran, contrasts)
    wrong = contrasts[root]["wrong"] if root is not None else None
    if root is None or wrong is None or (plan["read"] == "values" and wrong[0] != "values"):
        return [places[at]], None  # a wrong tangent makes no value wrong
    line = _own_line(contrasts[root]["trace"], wrong[1])
    entry = _entry(contrasts[root]["trace"])
    caller = _caller(trace["numbers"], [entry])
    if line is None:
        return [], None
    if caller is None or not _inside(_code(caller), own):  # called from a helper of yours
        caller = places[at]
    return [line, caller], root


def _ran(trace: dict, run: dict) -> bool:
    """Did an op's code (its contrast's entry, or a closure in it) run in ``trace``?"""
    entry = _entry(run["trace"])
    return any(_inside(_code(e["place"][0]), entry) for e in trace["lines"])


def _own_line(trace: dict, number):
    """The first line of a run's own op (its entry) where ``number`` appeared."""
    entry = _entry(trace)
    found = _first(trace["numbers"], number, lambda code: not _inside(code, entry), True)
    return None if found is None else found[0][found[1]]


def _called_from(stack: list, entries: list, shared):
    """In a stack that starts in another op's code (one of ``entries``), the op's own line
    that called it in its backward (``gx = mul(gy, x)`` in DeZero's ``Exp.backward``);
    None when the reverse pass called it (div's node is pow's: ``_caller`` tells)."""
    inside = [any(_inside(_code(p), e) for e in entries) for p in stack]
    after = next((i for i, into in enumerate(inside) if not into), None)
    if after is None or shared(_code(stack[after])):
        return None
    return stack[after]


def _caller(forward: list, entries: list):
    """The op's line that called into another op (one of ``entries``: its function or a
    closure in it) while its forward ran: ``return self * other**-1`` in ``__truediv__``,
    ``return self**0.5`` in ``sqrt``; None if unseen."""
    for event in sorted(forward, key=_seq):
        inside = [any(_inside(_code(p), e) for e in entries) for p in event["place"]]
        if True not in inside:
            continue
        after = inside.index(True)
        while after < len(inside) and inside[after]:
            after += 1
        if after < len(inside):
            return event["place"][after]
    return None


def _blank(number) -> bool:
    """Zeros only: what every initialization and ``zeros_like`` makes, so where a number
    of zeros appeared first says nothing about which line computed it."""
    if number is None:
        return False
    data = (number,) if type(number) is float else number[1]
    return all(v == 0.0 for v in data)


def _first_write(trace: dict, index: int | None) -> int:
    """The sequence number of the first write to node ``index``'s gradient (0: none)."""
    writes = [w["seq"] for w in trace["writes"] if w["index"] == index]
    return min(writes, default=0)


def _aliased(plan: dict, own: tuple, contrasts: dict) -> bool:
    """Did a number on the left (``2 - x``) run the very function of the op's own form
    (``x - y``)? Then the operator is an alias (``__rsub__ = __sub__``), whose line never
    runs: no place, never the right form's lines."""
    run = contrasts.get(plan.get("op")) or {}
    if not plan.get("reflected") or run.get("reflected") or not run.get("trace"):
        return False
    return _entry(run["trace"]) == own


def _times(number, upstream):
    """A traced number times the upstream gradient its op was run under (``None``: 1), as
    the engine's ``derivative * out.grad`` computes it."""
    if upstream is None or number is None:
        return number
    shape, data = ((), (number,)) if type(number) is float else number
    if len(upstream[1]) == 1 and len(data) > 1:
        return shape, tuple(d * upstream[1][0] for d in data)
    if len(data) == 1 and len(upstream[1]) > 1:
        return upstream[0], tuple(data[0] * u for u in upstream[1])
    if len(data) != len(upstream[1]):
        return None
    return upstream[0], tuple(d * u for d, u in zip(data, upstream[1]))


def _shape(number) -> tuple | None:
    return () if type(number) is float else tuple(number[0]) if number else None


def _listed(place) -> list:
    return [] if place is None else [place]


def _ordered(found, contrasts: dict, others: dict):
    """The places of a number the op's own line led to (``_first``): that line alone, or,
    computed in another op's code it is built on (``__rpow__`` on ``__pow__``), both: the
    other op's line first when that op is wrong on its own (the number is wrong there: that
    op is the root cause, returned too), else the op's own line (it asked the right op for
    the wrong thing)."""
    if found is None:
        return [], None
    places, own = found
    if own == 0:
        return [places[0]], None
    built_on = [
        op
        for op, trace in others.items()
        if any(_inside(_code(p), _entry(trace)) for p in places[:own])
    ]
    if not built_on:  # computed in shared code: the op's own line is the place
        return [places[own]], None
    root = root_cause.wrong_alone(built_on, contrasts)
    if root is not None:
        return [places[0], places[own]], root
    return [places[own], places[0]], None


def _not_own(trace: dict, others: dict[str, dict]):
    """Two ``code key -> bool``: is a function ``shared`` (the reverse pass, a helper that
    ops of several entries run: ``_unary(x, value, derivative)``), and is it ``elsewhere``
    (shared, or another op's: its entry, the first function of the submission its forward
    ran, and the closures defined in it: ``__rpow__`` built on ``__pow__``)? The op's own
    entry and its closures are neither."""
    runs: dict[tuple, set] = {}
    for other in others.values():
        for code in _codes(other, "forward") | _codes(other, "backward"):
            runs.setdefault(code, set()).add(_entry(other))
    entries = {_entry(other) for other in others.values()}
    own = _entry(trace)

    def shared(code: tuple) -> bool:
        if _inside(code, own) or any(_inside(code, entry) for entry in entries):
            return False  # an op's own, or another op's it is built on (pow's under div)
        return len(runs.get(code, ())) >= 2

    def elsewhere(code: tuple) -> bool:
        return shared(code) or (
            not _inside(code, own) and any(_inside(code, entry) for entry in entries)
        )

    return shared, elsewhere


def _entry(trace: dict) -> tuple | None:
    lines = sorted((e for e in trace["lines"] if e["phase"] == "forward"), key=_seq)
    return _code(lines[0]["place"][0]) if lines else None


def _inside(code: tuple, entry: tuple | None) -> bool:
    """Is ``code`` the function ``entry`` or a function defined in it (no entry: no)?"""
    if entry is None:
        return False
    name = code[2]
    return code[0] == entry[0] and (name == entry[2] or name.startswith(entry[2] + ".<locals>."))


def _seq(event: dict) -> int:
    return event["seq"]


def _first(events, target, elsewhere, new_only: bool):
    """The first event (in ``events``' order; by sequence when ``new_only``) that holds
    ``target`` with some place in the op's own code: ``(its places, innermost first, and
    the index of the first that is the op's own)``. In shared code, that is the caller
    that is the op's own (the line of the op that called into the helper)."""
    if target is None:
        return None
    ordered = sorted(events, key=_seq) if new_only else events
    for event in ordered:
        # A number returned is where it was produced, even one met before (minitorch's
        # ``Mul.backward`` returning ``b, a``); one only handed on is not.
        if new_only and not event.get("new", True) and event.get("how") != "return":
            continue
        if not same(event["value"], target):
            continue
        own = next((i for i, p in enumerate(event["place"]) if not elsewhere(_code(p))), None)
        if own is not None:
            return event["place"], own
    return None


def _raised(outcome: dict) -> list:
    """Where the run raised: the submission's line that raised, then its own lines that
    called it (each once: a recursion repeats one), innermost first; none when the run
    did not raise again, or raised outside the submission's code."""
    if "error" not in outcome:
        return []
    places = {tuple(p[:2]): p for p in outcome.get("raised") or []}
    return list(places.values())[:MOST_RAISED]


def _seed_place(trace: dict):
    writes = sorted((w for w in trace["writes"] if w["phase"] == "backward"), key=_seq)
    if writes:  # the write that left the output's gradient as the engine ends with it
        return writes[-1]["place"][0]
    lines = [line for line in trace["lines"] if line["phase"] == "backward"]
    return min(lines, key=_seq)["place"][0] if lines else None


def _traversal(trace: dict, contrasts: dict[str, dict]) -> list:
    """The traversal's lines (an ``order`` finding): each line of the case's reverse pass
    in a function that ran in the reverse pass of every op's contrast and in no op's
    forward (``backward``, ``backpropagate``, ``topological_sort``, a ``visit`` in it;
    never an op's own backward, not even one other ops are built on, nor a closure made as
    a node is built, nor ``Function.__call__`` that DeZero's backwards call again). By
    function, in the order they first ran (the reverse pass's entry first), each
    function's lines in the order of the file. None when fewer than two contrasts ran a
    reverse pass, or the lines are more than ``MOST_TRAVERSAL``: then what the traversal
    is is not certain."""
    runs = [run["trace"] for run in contrasts.values() if run.get("trace")]
    backward = [codes for codes in (_codes(run, "backward") for run in runs) if codes]
    if len(backward) < 2:
        return []
    forward = set().union(_codes(trace, "forward"), *(_codes(run, "forward") for run in runs))
    entries = [_entry(run) for run in runs]
    every = set.intersection(*backward) - forward
    machinery = {
        code
        for code in every
        if not any(_inside(code, entry) for entry in entries) and not _made_in(code, forward)
    }
    # A helper every op's backward calls (``unbroadcast``): one of its numbers was handed
    # back to, or seen under, a function of no traversal.
    helpers = {
        _code(e["place"][0])
        for e in trace["numbers"]
        if e["phase"] == "backward"
        and len(e["place"]) > 1
        and _code(e["place"][0]) in machinery
        and _code(e["place"][1]) not in machinery
    }
    machinery = {c for c in machinery - helpers if not _made_in(c, helpers)}
    ran = sorted(
        (e for e in trace["lines"] if e["phase"] == "backward"), key=_seq
    )  # the case's reverse pass, as it ran
    first: dict[tuple, int] = {}
    lines: dict[tuple, list] = {}
    for event in ran:
        place = event["place"][0]
        code = _code(place)
        if code in machinery:
            first.setdefault(code, len(first))
            lines.setdefault((first[code], place[1]), place)
    if not lines or len(lines) > MOST_TRAVERSAL:
        return []
    return [lines[key] for key in sorted(lines)]


def _made_in(code: tuple, functions: set[tuple]) -> bool:
    """Is ``code`` a closure made in one of ``functions`` (a node's backward made as it is
    built: ``__init__``'s ``lambda: None``, a ``_unary`` helper's ``_backward``)?"""
    outer = code[2].split(".<locals>.")[:-1]
    names = {".<locals>.".join(outer[: i + 1]) for i in range(len(outer))}
    return any(f[0] == code[0] and f[2] in names for f in functions)


def _overwrite_place(trace: dict, nodes: list[int], contributions: list[list]):
    """The first write to a watched node's gradient (``nodes``, each with its consumers'
    ``contributions``) that left one contribution where the sum of the earlier gradient
    and it belonged: the line that overwrote. Numbers are floats or arrays."""
    events = []
    for node, parts in zip(nodes, contributions):
        writes = [w for w in trace["writes"] if w["phase"] == "backward" and w["index"] == node]
        events += [(w, parts) for w in writes]
    # Kept in a dict (minitorch's ``derivatives``, needle's lists of contributions): the
    # node's gradient is written once, from the dict, and a store into it overwrote.
    stores = [s for s in trace.get("stores", ()) if s["phase"] == "backward"]
    every = [part for parts in contributions for part in parts]
    events = sorted(events, key=lambda e: _seq(e[0])) + [
        (s, every) for s in sorted(stores, key=_seq)
    ]
    for write, parts in events:
        new, was = _array(write["value"]), _array(write["was"])
        if new is None or was is None or not np.any(was):
            continue
        if _one_of(new, parts) and not _one_of(_minus(new, was), parts):
            return write["place"][0]
    return None


def _array(number) -> np.ndarray | None:
    """A traced number (a float, or ``(shape, data)``) as an array."""
    if number is None:
        return None
    if type(number) is float:
        return np.asarray(number)
    return np.asarray(number[1], dtype=np.float64).reshape(number[0])


def _minus(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    return a - b if a.shape == b.shape or a.size == 1 or b.size == 1 else None


def _one_of(value: np.ndarray | None, parts) -> bool:
    """Is ``value`` one of the contributions (a float is a one-number array's)?"""
    if value is None:
        return False
    for part in parts:
        part = np.asarray(part, dtype=np.float64)
        if part.size == value.size and np.allclose(
            value.reshape(part.shape), part, rtol=_SAME["rtol"], atol=_SAME["atol"]
        ):
            return True
    return False


def _codes(trace: dict, phase: str) -> set[tuple]:
    """The functions that ran in a phase, by code key."""
    return {_code(e["place"][0]) for e in trace["lines"] if e["phase"] == phase}


def _code(place) -> tuple:
    return (place[0], place[3], place[2])
