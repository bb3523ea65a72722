"""The reverse pass (Module 1, Task 1.4): a topological sort and backpropagate."""

from dataclasses import dataclass


@dataclass
class Context:
    no_grad: bool = False
    saved_values: tuple = ()

    def save_for_backward(self, *values):
        if self.no_grad:
            return
        self.saved_values = values

    @property
    def saved_tensors(self):
        return self.saved_values


def topological_sort(variable):
    """Non-constant variables, the output first (a depth-first post-order, reversed)."""
    order, seen = [], set()

    def visit(var):
        if var.unique_id in seen or var.is_constant():
            return
        seen.add(var.unique_id)
        if not var.is_leaf():
            for parent in var.parents:
                visit(parent)
        order.append(var)

    visit(variable)
    return list(reversed(order))


def backpropagate(variable, deriv):
    derivatives = {variable.unique_id: deriv}
    for var in topological_sort(variable):
        d = derivatives.pop(var.unique_id, None)
        if d is None:
            continue
        if var.is_leaf():
            var.accumulate_derivative(d)
            continue
        for parent, d_parent in var.chain_rule(d):
            if parent.is_constant():
                continue
            if parent.unique_id in derivatives:
                derivatives[parent.unique_id] = derivatives[parent.unique_id] + d_parent
            else:
                derivatives[parent.unique_id] = d_parent
