"""Places in the student's own files: what a finding's ``where`` holds, and how it reads.

A place is plain data, ``{"file", "line", "function", "code"}``: the file as handed in
(``engine.py``, ``micrograd/engine.py``, ``hw1.ipynb``), the line (in a notebook, the line
within its cell, and ``"cell"`` the cell's number), the function's qualified name
(``Tensor.__mul__.<locals>.backward``, ``Mul.backward``) and the line's text; ``excerpt``
holds the lines around it (``{"first": n, "lines": [...]}``) for the pages that show it.

The worker's tracer (``graders.sandbox.tracing``) reports places as it saw them: the
path of the copy the worker imported. :class:`Sources` turns those into places as the
student knows them, reading the text from what was handed in (never from the worker), and
:func:`checked_trace` rebuilds a traced outcome from checked parts, as the runner does
every reply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

#: Lines shown either side of a place's line in an excerpt.
AROUND = 3
#: The most records of each kind a traced outcome may hold.
MOST_RECORDS = 20000
#: The most numbers in an array the tracer records (``tracing.MOST_ELEMENTS``).
MOST_ELEMENTS = 256


class Sources:
    """The submission's files as the worker saw them (under ``folder``), as handed in."""

    def __init__(self, handed_in, folder: Path | str):
        self.handed_in = handed_in
        self.folder = str(folder).rstrip("/") + "/"
        self._lines: dict[str, list[str]] = {}

    def place(self, raw) -> dict | None:
        """A traced place (``[path, line, qualname, first line]``) as the student knows
        it, or None if it is not in one of their files."""
        path, line, function = raw[0], raw[1], raw[2]
        if not path.startswith(self.folder):
            return None
        name = path[len(self.folder) :]
        lines = self.lines(name)
        if lines is None or not 1 <= line <= len(lines):
            return None
        found = {
            "file": self.handed_in.label(name),
            "line": line,
            "function": function,
            "code": lines[line - 1].strip(),
        }
        first = max(1, line - AROUND)
        last = min(len(lines), line + AROUND)
        for segment in self.handed_in.cells.get(name, ()):
            if segment.first <= line < segment.first + segment.count:
                found["cell"] = segment.cell
                found["line"] = line - segment.first + 1
                first = max(first, segment.first)
                last = min(last, segment.first + segment.count - 1)
                found["excerpt"] = {
                    "first": first - segment.first + 1,
                    "lines": lines[first - 1 : last],
                }
                return found
        found["excerpt"] = {"first": first, "lines": lines[first - 1 : last]}
        return found

    def lines(self, name: str) -> list[str] | None:
        if name not in self._lines:
            data = self.handed_in.files.get(name)
            if data is None:
                return None
            self._lines[name] = data.decode("utf-8-sig", "replace").splitlines()
        return self._lines[name]


def text(place: Mapping) -> str:
    """``engine.py:42 in Tensor.__mul__.<locals>.backward:  self.grad += ...`` (a notebook:
    ``hw1.ipynb, cell 4, line 2 in ...``)."""
    return f"{location(place)} in {place['function']}:  {place['code']}"


def location(place: Mapping) -> str:
    if "cell" in place:
        return f"{place['file']}, cell {place['cell']}, line {place['line']}"
    return f"{place['file']}:{place['line']}"


def excerpt_lines(place: Mapping) -> list[tuple[int, str, bool]]:
    """``(line number, text, is the place's line)`` for each line of the excerpt."""
    excerpt = place.get("excerpt") or {"first": place["line"], "lines": [place["code"]]}
    return [
        (excerpt["first"] + i, line, excerpt["first"] + i == place["line"])
        for i, line in enumerate(excerpt["lines"])
    ]


# --- what comes back from the worker ---------------------------------------------------------


def checked_trace(outcome) -> dict:
    """One traced outcome (``worker.trace_one``) rebuilt from checked parts: an error with
    ``raised`` (where the submission raised it, with its callers; None if unknown), else
    ``values``, ``grads`` (numbers or None) and ``trace`` (None when tracing was disturbed,
    or when what came back is not what the tracer writes). A number is a float or an array
    as ``(shape, data)`` (tuples; see :func:`same`)."""
    if not isinstance(outcome, dict):
        return {"values": [], "grads": [], "trace": None}
    if isinstance(outcome.get("error"), dict):
        error = {"kind": "error", "op": None, "message": ""}
        return {"error": error, "raised": _places(outcome.get("raised"))}
    values = _numbers(outcome.get("values"))
    grads = _numbers(outcome.get("grads"))
    return {"values": values, "grads": grads, "trace": _record(outcome.get("trace"))}


def same(a, b) -> bool:
    """Are two traced numbers (a float, or an array as ``(shape, data)``) the very same
    numbers? A float is the same as an array holding it alone (a 0-d array's value)."""
    if a is None or b is None:
        return False
    if type(a) is float and type(b) is float:
        return a == b
    a, b = _as_array(a), _as_array(b)
    if len(a[1]) == 1 and len(b[1]) == 1:
        return a[1] == b[1]
    return a == b


def _as_array(value) -> tuple:
    return ((), (value,)) if type(value) is float else value


def _numbers(raw) -> list:
    if not isinstance(raw, list):
        return []
    return [_number(v) for v in raw[:MOST_RECORDS]]


def _number(raw):
    """A float as it is, an array (the tracer's ``[shape, data]``, the worker's ``{"shape",
    "data"}``) as ``(shape, data)`` tuples, anything else None."""
    if type(raw) is float:
        return raw
    if isinstance(raw, dict):
        raw = [raw.get("shape"), raw.get("data")]
    if not (isinstance(raw, list) and len(raw) == 2):
        return None
    shape, data = raw
    if not (isinstance(shape, list) and isinstance(data, list) and len(data) <= MOST_ELEMENTS):
        return None
    if not all(type(n) is int and 0 <= n <= MOST_ELEMENTS for n in shape[:8]) or len(shape) > 8:
        return None
    if math.prod(shape) != len(data) or not all(type(v) is float for v in data):
        return None
    return (tuple(shape), tuple(data))


def _places(raw) -> list | None:
    """A place and its callers (``[[path, line, qualname, first line], ...]``)."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= 16:
        return None
    places = [_place(p) for p in raw]
    return None if None in places else places


def _place(raw) -> list | None:
    if not (isinstance(raw, list) and len(raw) == 4):
        return None
    path, line, name, first = raw
    if not (isinstance(path, str) and isinstance(name, str)):
        return None
    if type(line) is not int or type(first) is not int:
        return None
    return [path[:4096], line, name[:200], first]


def _record(raw) -> dict | None:
    """The tracer's record, each entry checked (see ``Tracer.record``), or None."""
    if not isinstance(raw, dict):
        return None
    shapes = {
        "lines": ("seq", "phase", "place"),
        "numbers": ("seq", "phase", "how", "value", "new", "place"),
        "writes": ("seq", "phase", "index", "value", "was", "place"),
        "stores": ("seq", "phase", "value", "was", "place"),
    }
    record = {}
    for kind, fields in shapes.items():
        entries = raw.get(kind, [] if kind == "stores" else None)  # stores: newer tracers'
        if not isinstance(entries, list) or len(entries) > MOST_RECORDS:
            return None
        clean = []
        for entry in entries:
            if not (isinstance(entry, list) and len(entry) == len(fields)):
                return None
            item = dict(zip(fields, entry))
            item["place"] = _places(item["place"])
            if item["place"] is None or type(item["seq"]) is not int:
                return None
            if item["phase"] not in ("forward", "backward"):
                return None
            for key in ("value", "was"):
                if key in item:
                    item[key] = _number(item[key])
                    if type(item[key]) is float and not math.isfinite(item[key]):
                        item[key] = None
            if "index" in item and type(item["index"]) is not int:
                return None
            if "how" in item and item["how"] not in ("call", "local", "return"):
                return None
            if "new" in item and type(item["new"]) is not bool:
                return None
            clean.append(item)
        record[kind] = clean
    return record
