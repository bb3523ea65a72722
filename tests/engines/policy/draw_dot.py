"""micrograd's ``trace_graph.ipynb``: ``draw_dot`` draws a graph with graphviz, imported
inside the function, which grading never calls (appended to a micrograd engine).

Expected: full marks, and a note that graphviz is not installed (it is not, here): it would
fail only if ``draw_dot`` ran.
"""


def trace(root):
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    from graphviz import Digraph

    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        dot.node(name=str(id(n)), label=f"{n._op} | data {n.data:.4f} | grad {n.grad:.4f}")
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)))
    return dot
