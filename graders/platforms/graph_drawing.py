"""A finding's case drawn as a graph: the composition, layered by networkx, drawn by
matplotlib into inline SVG, with the wrong node and the wrong chain-rule edge in red.

The drawing reads only a finding's JSON (``Finding.to_json()``, whose ``case`` holds the
composition, the point, the trusted and the student's numbers, and the focus), so the
same code draws for ``chaingrade check --html`` and for batch pages read back from
results.json. Inputs and numbers sit at the bottom, the output at the top; each node is
a box with its line of code, its value, its expected gradient and the student's::

    >>> svg = draw(EXAMPLE, prefix="f1-")
    >>> 'id="f1-node-x"' in svg and 'class="node wrong"' in svg
    True
    >>> 'id="f1-edge-x-a-0"' in svg and 'class="edge wrong"' in svg
    True

Element ids (``PREFIX node-NAME``, ``PREFIX edge-ARG-CONSUMER-POSITION``, ``PREFIX
const-CONSUMER-POSITION``) and classes (``node``, ``edge``, ``wrong``, ``differs``,
``contribution``) are what tests and the page's CSS rely on. Layout and drawing are the
libraries' (``nx.topological_generations``, ``nx.multipartite_layout``,
``nx.draw_networkx_edges``); only the highlighting is ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from graders.engine.reproducer import write_node
from graders.model.composition import Composition, Const
from graders.platforms import array_graph
from graders.results import number
from graders.tolerances import close, grading

RED = "#c0392b"
ORANGE = "#e67e22"
GREY = "#7f8c8d"

#: What is drawn: a scalar composition, or an array one seen as one (``array_graph``).
Drawn = Composition | array_graph.ArrayGraph
#: A node of the drawing: an index of the composition, or ("const", consumer, position).
Vertex = int | tuple[str, int, int]
#: An edge of the drawing: (argument node, consumer node, argument position).
Edge = tuple[int, int, int]


@dataclass(frozen=True)
class Highlight:
    """What a finding points at: its node, its edges, and the words put on them."""

    node: int | None
    edges: dict[Edge, str] = field(default_factory=dict)
    #: Said beside the node when no edge carries the step (forward, seed).
    node_label: str = ""
    #: The edges that carry a contribution to a shared node (machinery findings).
    contributions: frozenset[Edge] = frozenset()


#: What drawing needs beyond chaingrade's own dependencies (the ``html`` extra).
LIBRARIES = ("matplotlib", "networkx")


def missing_libraries() -> list[str]:
    """The drawing libraries not installed here (the page then goes without graphs)."""
    from importlib.util import find_spec

    return [name for name in LIBRARIES if find_spec(name) is None]


def drawable(finding: dict) -> bool:
    """Whether a finding's case can be drawn: engine findings with trusted numbers, and
    array findings (``array_graph``)."""
    case = finding.get("case")
    return array_graph.drawable(case) or (
        isinstance(case, dict)
        and isinstance(case.get("composition"), dict)
        and isinstance(case.get("expected"), dict)
    )


def draw(finding: dict, prefix: str = "") -> str | None:
    """The finding's case as an ``<svg>`` element (text), or None when it has none.
    ``prefix`` starts every id, so several drawings can share one page."""
    if not drawable(finding):
        return None
    case = finding["case"]
    if array_graph.drawable(case):
        graph = array_graph.ArrayGraph(case)
        marks = array_graph.highlight(finding, graph, Highlight)
        figure = _figure(graph, case, marks, ARRAY_LAYER_HEIGHT)
        return _svg(figure, graph, marks, prefix)
    composition = Composition.from_json(case["composition"])
    marks = highlight(finding, composition)
    figure = _figure(composition, case, marks)
    return _svg(figure, composition, marks, prefix)


# --- what the finding points at ----------------------------------------------------------


def highlight(finding: dict, composition: Composition) -> Highlight:
    """The wrong node and the edge whose chain-rule step is wrong, with the step's name
    on it: ``local-derivative of cos``, ``upstream into sin``, ``accumulation at x``."""
    focus = (finding.get("case") or {}).get("focus") or {}
    node = focus.get("node") if isinstance(focus.get("node"), int) else None
    if node is None or not 0 <= node < composition.size:
        return Highlight(None)
    step, op = finding.get("step"), finding.get("op")
    names = composition.all_names
    if step in ("local-derivative", "upstream") and op:
        edge = _edge_of_op(composition, node, op, finding.get("argument"))
        if edge is not None:
            label = (
                f"local-derivative of {op}" if step == "local-derivative" else f"upstream into {op}"
            )
            if step == "local-derivative" and finding.get("argument_name"):
                label += f" ({finding['argument_name']})"
            return Highlight(node, {edge: label})
    if step in ("accumulation", "order"):
        return _machinery(step, composition, node)
    if step == "forward" and op:
        return Highlight(node, node_label=f"forward of {op}")
    return Highlight(node, node_label=f"{step} at {names[node]}" if step else "")


def _edge_of_op(composition: Composition, node: int, op: str, argument: int | None) -> Edge | None:
    """The edge from ``node`` into a consumer applying ``op`` (at ``argument``, if given)."""
    for consumer, position in composition.consumers[node]:
        if composition.node(consumer).op == op and argument in (None, position):
            return (node, consumer, position)
    return None


def _machinery(step: str, composition: Composition, node: int) -> Highlight:
    """Every contribution to the shared node: the focus itself when it is used more than
    once, else the first node it gets its gradient through that is."""
    names = composition.all_names
    shared, path = _shared(composition, node)
    uses = composition.consumers[shared]
    edges: dict[Edge, str] = {}
    numbers: dict[int, list[str]] = {}  # consumer -> which of the uses are its
    for n, (consumer, _) in enumerate(uses, 1):
        numbers.setdefault(consumer, []).append(str(n))
    for consumer, position in uses:
        which = " and ".join(numbers[consumer])
        edges[(shared, consumer, position)] = (
            f"{step} at {names[shared]}: use {which} of {len(uses)}"
        )
    contributions = frozenset(edges)
    for edge in path:  # how the focus gets its gradient from the shared node
        edges[edge] = (
            f"order: {names[edge[1]]} passed its gradient on too early"
            if step == "order"
            else f"{step}: through {names[edge[1]]}"
        )
    return Highlight(node, edges, contributions=contributions)


def _shared(composition: Composition, node: int) -> tuple[int, list[Edge]]:
    """The first node at or after ``node`` (following consumers) with several uses, and
    the edges walked to reach it."""
    path: list[Edge] = []
    current = node
    while len(composition.consumers[current]) == 1:
        consumer, position = composition.consumers[current][0]
        path.append((current, consumer, position))
        current = consumer
    if not composition.consumers[current]:  # reached the output: no node is shared
        return node, []
    return current, path


# --- the picture -------------------------------------------------------------------------


def _graph(composition: Drawn):
    """The composition as a networkx multigraph (``x + x`` has two edges), numbers
    included, each vertex's layer its topological generation."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(composition.size))
    for consumer in range(len(composition.inputs), composition.size):
        for position, arg in enumerate(composition.node(consumer).args):
            source = ("const", consumer, position) if isinstance(arg, Const) else arg
            graph.add_edge(source, consumer, key=position)
    for layer, vertices in enumerate(nx.topological_generations(graph)):
        for vertex in vertices:
            graph.nodes[vertex]["layer"] = layer
    return graph


#: Inches from one layer of boxes to the next: a scalar box holds its line, value and
#: gradients; an array box its line and shape.
LAYER_HEIGHT = 2.1
ARRAY_LAYER_HEIGHT = 1.7
#: Inches of white kept around what is drawn (the rest of the axes is cropped away).
PAD = 0.12


def _figure(composition: Drawn, case: dict, marks: Highlight, layer_height=LAYER_HEIGHT):
    import matplotlib

    matplotlib.use("Agg")
    import networkx as nx
    from matplotlib import pyplot as plt

    graph = _graph(composition)
    layer = nx.get_node_attributes(graph, "layer")
    layers = 1 + max(layer.values())
    widest = max(list(layer.values()).count(k) for k in range(layers))
    positions = nx.multipartite_layout(graph, subset_key="layer", align="horizontal")
    height = max(2.0, layer_height * layers)
    figure, axes = plt.subplots(figsize=(max(3.6, 2.9 * widest), height))
    axes.set_axis_off()
    bends = _bends(graph, layer)
    for bend in sorted(set(bends.values())):
        edges = [e for e, b in bends.items() if b == bend]
        patches = nx.draw_networkx_edges(
            graph,
            positions,
            edgelist=edges,
            ax=axes,
            arrows=True,
            arrowstyle="-|>",
            arrowsize=12,
            node_size=2600,
            edge_color=[RED if _edge(e) in marks.edges else GREY for e in edges],
            width=[2.4 if _edge(e) in marks.edges else 1.0 for e in edges],
            connectionstyle=f"arc3,rad={bend}",
        )
        for patch, edge in zip(patches, edges):
            patch.set_gid(_edge_id(composition, _edge(edge)) or None)
    for vertex, (x, y) in positions.items():
        _box(axes, composition, case, marks, vertex, x, y)
    axes.margins(x=0.35 / widest + 0.12, y=0.45 / layers + 0.1)
    axes.autoscale_view()
    renderer = figure.canvas.get_renderer()  # pyright: ignore[reportAttributeAccessIssue] (Agg)
    boxes = [_extent(t, renderer) for t in axes.texts]
    for edge, label in _labels(marks).items():
        text = axes.text(
            0,
            0,
            label,
            ha="center",
            parse_math=False,  # a student's text is never mathtext ($...$)
            va="center",
            fontsize=9,
            color=RED,
            zorder=4,
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.9),
            gid=_edge_id(composition, edge) + "-label",
        )
        _place_label(axes, text, boxes, positions[edge[0]], positions[edge[1]], bends[edge])
        boxes.append(_extent(text, renderer))  # the next label keeps off this one too
    return figure


#: Where along its edge a label may sit (0: the source, 1: the consumer), in the order tried.
LABEL_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)


def _place_label(axes, text, boxes, start, end, bend: float) -> None:
    """Put an edge's label at the first spot along the edge where it covers no node's box
    nor a label placed before (a label over a box hid the node's text); the middle when
    every spot does."""
    renderer = axes.figure.canvas.get_renderer()  # pyright: ignore[reportAttributeAccessIssue] (Agg)
    for spot in LABEL_SPOTS:
        text.set_position(_along(axes, start, end, bend, spot))
        extent = _extent(text, renderer)
        if not any(extent.overlaps(box) for box in boxes):
            return
    text.set_position(_along(axes, start, end, bend, 0.5))


def _bends(graph, layer: dict) -> dict[tuple, float]:
    """How much each edge curves (matplotlib's ``arc3`` ``rad``): a second edge between
    the same nodes (``x * x``) bends away from the first, and an edge that skips layers
    bends around the boxes in between."""
    bends = {}
    seen: dict[tuple, int] = {}
    for source, target, key in graph.edges(keys=True):
        parallel = seen.get((source, target), 0)
        seen[(source, target)] = parallel + 1
        skips = layer[target] - layer[source] > 1
        bends[(source, target, key)] = round(0.3 * parallel + (0.55 if skips else 0.0), 2)
    return bends


def _extent(text, renderer):
    """A text's box (its bbox patch) on the figure, in display units, before drawing."""
    text.update_bbox_position_size(renderer)
    return text.get_bbox_patch().get_window_extent(renderer)


def _along(axes, start, end, bend: float, spot: float) -> tuple[float, float]:
    """The point ``spot`` of the way along an ``arc3`` curve (a quadratic Bezier through
    matplotlib's control point, which is set in display space), in data coordinates."""
    import numpy as np

    to_display = axes.transData
    p0, p1 = to_display.transform(start), to_display.transform(end)
    dx, dy = p1 - p0
    control = (p0 + p1) / 2 + bend * np.array([dy, -dx])
    point = (1 - spot) ** 2 * p0 + 2 * (1 - spot) * spot * control + spot**2 * p1
    return tuple(to_display.inverted().transform(point))


def _labels(marks: Highlight) -> dict[Edge, str]:
    """One label per pair of nodes (``x + x`` has two edges and one label), on the first
    of its edges."""
    by_pair: dict[tuple[int, int], tuple[Edge, list[str]]] = {}
    for edge, label in marks.edges.items():
        first, labels = by_pair.setdefault(edge[:2], (edge, []))
        labels.append(label)
    return {first: " + ".join(dict.fromkeys(labels)) for first, labels in by_pair.values()}


def _edge(edge: tuple) -> Edge | None:
    source, consumer, position = edge
    return None if isinstance(source, tuple) else (source, consumer, position)


def _edge_id(composition: Drawn, edge: Edge | None) -> str:
    names = composition.all_names
    if edge is None:
        return ""
    return f"edge-{names[edge[0]]}-{names[edge[1]]}-{edge[2]}"


def _box(axes, composition: Drawn, case: dict, marks: Highlight, vertex, x, y) -> None:
    if isinstance(vertex, tuple):  # a number written into the composition
        _, consumer, position = vertex
        value = composition.node(consumer).args[position].value
        axes.text(
            x,
            y,
            number(value),
            ha="center",
            parse_math=False,  # a student's text is never mathtext ($...$)
            va="center",
            family="monospace",
            fontsize=10,
            color=GREY,
            zorder=3,
            bbox=dict(boxstyle="round", fc="#f4f6f6", ec=GREY),
            gid=f"const-{composition.all_names[consumer]}-{position}",
        )
        return
    wrong = vertex == marks.node
    differs = _differs(case, vertex)
    if isinstance(composition, array_graph.ArrayGraph):  # arrays: the node and its shape
        lines = composition.box_lines(vertex)
    else:
        lines = [_code(composition, case, vertex), *_numbers(case, vertex)]
    if wrong and marks.node_label:
        lines.append(f"<- {marks.node_label}")
    axes.text(
        x,
        y,
        "\n".join(lines),
        ha="center",
        parse_math=False,  # a student's text is never mathtext ($...$)
        va="center",
        multialignment="left",
        family="monospace",
        fontsize=10,
        zorder=3,
        bbox=dict(
            boxstyle="round,pad=0.4",
            fc="#fdedec" if wrong else "white",
            ec=RED if wrong else ORANGE if differs else "#34495e",
            lw=2.4 if wrong else 1.6 if differs else 1.0,
        ),
        gid=f"node-{composition.all_names[vertex]}",
    )


def _code(composition: Composition, case: dict, index: int) -> str:
    if index < len(composition.inputs):
        point = case.get("point") or []
        value = point[index] if index < len(point) else None
        return f"{composition.inputs[index]} = {number(value)}"
    api = array_graph.case_api(case)
    if api is None:
        return composition.line(index)
    return f"{composition.all_names[index]} = {write_node(composition, index, api)}"


def _numbers(case: dict, index: int) -> list[str]:
    expected, actual = case.get("expected") or {}, case.get("actual") or {}
    value = _entry(expected, "values", index)
    your_value = _entry(actual, "values", index)
    lines = [f"value {_shown(value)}"]
    if not _agree(your_value, value):
        lines.append(f"value {_shown(your_value)} yours")
    lines.append(f"grad  {_shown(_entry(expected, 'grads', index))} expected")
    lines.append(f"grad  {_shown(_entry(actual, 'grads', index))} yours")
    return lines


def _entry(numbers: dict, kind: str, index: int):
    """One node's number, or None where it was not read (in an inputs-only API, the
    student's gradients stop after the inputs)."""
    values = numbers.get(kind) if isinstance(numbers, dict) else None
    return values[index] if isinstance(values, list) and index < len(values) else None


def _shown(value) -> str:
    if value is None:
        return "not read"
    if isinstance(value, dict):  # {"not_a_number": "str"}
        return f"a {str(value.get('not_a_number', '?'))[:12]}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return number(float(value))
    return str(value)[:14]


def _agree(actual, expected) -> bool:
    if actual is None or expected is None:
        return True  # nothing to compare: say nothing
    if not isinstance(actual, int | float) or isinstance(actual, bool):
        return False
    if not isinstance(expected, int | float) or not math.isfinite(expected):
        return False
    return close(float(actual), float(expected), **grading())


def _differs(case: dict, index: int) -> bool:
    """The student's gradient of this node is read and is not the expected one."""
    expected, actual = case.get("expected") or {}, case.get("actual") or {}
    return not _agree(_entry(actual, "grads", index), _entry(expected, "grads", index))


# --- SVG out -----------------------------------------------------------------------------


def _svg(figure, composition: Drawn, marks: Highlight, prefix: str) -> str:
    from graders.platforms.inline_svg import inline

    svg = inline(figure, prefix, _classes(composition, marks), box=_content(figure))
    return svg.replace("<svg ", '<svg class="graph" ', 1)


def _content(figure):
    """What is drawn (boxes, labels, edges), in inches with :data:`PAD` around it: the
    axes keep margins so no box is cut, which would otherwise be white on the page."""
    from matplotlib.transforms import Bbox

    renderer = figure.canvas.get_renderer()  # pyright: ignore[reportAttributeAccessIssue] (Agg)
    axes = figure.axes[0]
    extents = [_extent(t, renderer) for t in axes.texts]
    extents += [p.get_window_extent(renderer) for p in axes.patches]
    drawn = Bbox.union(extents).transformed(figure.dpi_scale_trans.inverted())
    return drawn.padded(PAD)


def _classes(composition: Drawn, marks: Highlight) -> dict[str, str]:
    """id -> class for the elements tests and the page's CSS look for."""
    names = composition.all_names
    classes = {}
    for edge in marks.edges:
        kind = "edge wrong contribution" if edge in marks.contributions else "edge wrong"
        classes[_edge_id(composition, edge)] = kind
        classes[_edge_id(composition, edge) + "-label"] = "edge-label wrong"
    for index, name in enumerate(names):
        if index == marks.node:
            classes[f"node-{name}"] = "node wrong"
    for edge in _all_edges(composition):
        classes.setdefault(_edge_id(composition, edge), "edge")
    for name in names:
        classes.setdefault(f"node-{name}", "node")
    return classes


def _all_edges(composition: Drawn) -> list[Edge]:
    return [
        (arg, consumer, position)
        for consumer in range(len(composition.inputs), composition.size)
        for position, arg in composition.node(consumer).node_args()
    ]


EXAMPLE = {
    "step": "local-derivative",
    "op": "cos",
    "argument": 0,
    "argument_name": "a",
    "case": {
        "composition": {
            "inputs": ["x"],
            "names": ["a"],
            "nodes": [{"op": "cos", "syntax": "cos", "args": [0]}],
        },
        "point": [0.5],
        "expected": {"values": [0.5, 0.8775825618903728], "grads": [-0.479425538604203, 1.0]},
        "actual": {"values": [0.5, 0.8775825618903728], "grads": [0.479425538604203, 1.0]},
        "focus": {"node": 0, "kind": "grad"},
    },
}
