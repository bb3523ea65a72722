"""The chain rule for several variables, by hand: fill in every NotImplementedError.

Each function takes the inputs (x, y) and returns one derivative at that point, as a
number. Derive it by hand first; write the formula here. Do not import mygrad (or any
other autodiff library): use it on your own to confirm your answers, as the course does.

Check your work with:  chaingrade check answers.py --assignment chain_rule_multi
"""

import math  # noqa: F401  (for sin and cos in the third exercise)

# --- first example: p = y * x**2, q = 2*x + y, g = p**2 - q**3 ----------


def first_dg_dp(x, y):
    """dg/dp for g = p**2 - q**3, holding q fixed, at (x, y)."""
    raise NotImplementedError("first_dg_dp")


def first_dg_dq(x, y):
    """dg/dq for g = p**2 - q**3, holding p fixed, at (x, y)."""
    raise NotImplementedError("first_dg_dq")


def first_dp_dx(x, y):
    """dp/dx for p = y * x**2, holding y fixed, at (x, y)."""
    raise NotImplementedError("first_dp_dx")


def first_dp_dy(x, y):
    """dp/dy for p = y * x**2, holding x fixed, at (x, y)."""
    raise NotImplementedError("first_dp_dy")


def first_dq_dx(x, y):
    """dq/dx for q = 2*x + y, holding y fixed, at (x, y)."""
    raise NotImplementedError("first_dq_dx")


def first_dq_dy(x, y):
    """dq/dy for q = 2*x + y, holding x fixed, at (x, y)."""
    raise NotImplementedError("first_dq_dy")


def first_dg_dx(x, y):
    """dg/dx = dg/dp*dp/dx + dg/dq*dq/dx, at (x, y)."""
    raise NotImplementedError("first_dg_dx")


def first_dg_dy(x, y):
    """dg/dy = dg/dp*dp/dy + dg/dq*dq/dy, at (x, y)."""
    raise NotImplementedError("first_dg_dy")


# --- second example: p = 4*y - x, q = 3*x*y - 4*y, g = p**2 * q ----------


def second_dg_dp(x, y):
    """dg/dp for g = p**2 * q, holding q fixed, at (x, y)."""
    raise NotImplementedError("second_dg_dp")


def second_dg_dq(x, y):
    """dg/dq for g = p**2 * q, holding p fixed, at (x, y)."""
    raise NotImplementedError("second_dg_dq")


def second_dp_dx(x, y):
    """dp/dx for p = 4*y - x, holding y fixed, at (x, y)."""
    raise NotImplementedError("second_dp_dx")


def second_dp_dy(x, y):
    """dp/dy for p = 4*y - x, holding x fixed, at (x, y)."""
    raise NotImplementedError("second_dp_dy")


def second_dq_dx(x, y):
    """dq/dx for q = 3*x*y - 4*y, holding y fixed, at (x, y)."""
    raise NotImplementedError("second_dq_dx")


def second_dq_dy(x, y):
    """dq/dy for q = 3*x*y - 4*y, holding x fixed, at (x, y)."""
    raise NotImplementedError("second_dq_dy")


def second_dg_dx(x, y):
    """dg/dx = dg/dp*dp/dx + dg/dq*dq/dx, at (x, y)."""
    raise NotImplementedError("second_dg_dx")


def second_dg_dy(x, y):
    """dg/dy = dg/dp*dp/dy + dg/dq*dq/dy, at (x, y)."""
    raise NotImplementedError("second_dg_dy")


# --- three paths: p = x * y, q = x + 2*y, u = sin(p) + q**2, g = u * p ----------


def third_dg_dp(x, y):
    """dg/dp for g = u * p, holding u fixed, at (x, y)."""
    raise NotImplementedError("third_dg_dp")


def third_dg_du(x, y):
    """dg/du for g = u * p, holding p fixed, at (x, y)."""
    raise NotImplementedError("third_dg_du")


def third_du_dp(x, y):
    """du/dp for u = sin(p) + q**2, holding q fixed, at (x, y)."""
    raise NotImplementedError("third_du_dp")


def third_du_dq(x, y):
    """du/dq for u = sin(p) + q**2, holding p fixed, at (x, y)."""
    raise NotImplementedError("third_du_dq")


def third_dp_dx(x, y):
    """dp/dx for p = x * y, holding y fixed, at (x, y)."""
    raise NotImplementedError("third_dp_dx")


def third_dp_dy(x, y):
    """dp/dy for p = x * y, holding x fixed, at (x, y)."""
    raise NotImplementedError("third_dp_dy")


def third_dq_dx(x, y):
    """dq/dx for q = x + 2*y, holding y fixed, at (x, y)."""
    raise NotImplementedError("third_dq_dx")


def third_dq_dy(x, y):
    """dq/dy for q = x + 2*y, holding x fixed, at (x, y)."""
    raise NotImplementedError("third_dq_dy")


def third_dg_dx(x, y):
    """dg/dx = dg/dp*dp/dx + dg/du*du/dp*dp/dx + dg/du*du/dq*dq/dx, at (x, y)."""
    raise NotImplementedError("third_dg_dx")


def third_dg_dy(x, y):
    """dg/dy = dg/dp*dp/dy + dg/du*du/dp*dp/dy + dg/du*du/dq*dq/dy, at (x, y)."""
    raise NotImplementedError("third_dg_dy")
