"""The reverse pass: a topological order, then the chain rule node by node."""


def topological_order(output):
    """Every node the output depends on, the output first, each before its inputs."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent, _ in node.history:
            visit(parent)
        order.append(node)

    visit(output)
    return order[::-1]


def backpropagate(output):
    output.grad = 1.0
    for node in topological_order(output):
        for parent, local in node.history:
            parent.grad += local * node.grad
