"""The chain rule for one variable, by hand: fill in every NotImplementedError.

Each function takes the input x and returns one derivative at that point, as a number.
Derive it by hand first; write the formula here. Do not import mygrad (or any other
autodiff library): use it on your own to confirm your answers, as the course does.

Check your work with:  chaingrade check answers.py --assignment chain_rule_single
"""

import math  # noqa: F401  (for exp, log, sin and cos)

# --- chain rule: f(x) = (x**2 + 1)**3 as f = g**3 with g = x**2 + 1 ----------


def df_dg(x):
    """df/dg for f = g**3, at x."""
    raise NotImplementedError("df_dg")


def dg_dx(x):
    """dg/dx for g = x**2 + 1, at x."""
    raise NotImplementedError("dg_dx")


def df_dx(x):
    """df/dx = df/dg*dg/dx, at x."""
    raise NotImplementedError("df_dx")


# --- power rule: the same f, expanded: f = x**6 + 3*x**4 + 3*x**2 + 1 ----------


def expanded_df_dx(x):
    """df/dx for f = x**6 + 3*x**4 + 3*x**2 + 1 by the power rule alone, at x.

    It must agree with your chain-rule df_dx: compare the two at a few points.
    """
    raise NotImplementedError("expanded_df_dx")


# --- four compositions: u = x**2 + 1, v = log(u), w = sin(v), z = exp(w) ----------


def dz_dw(x):
    """dz/dw for z = exp(w), at x."""
    raise NotImplementedError("dz_dw")


def dw_dv(x):
    """dw/dv for w = sin(v), at x."""
    raise NotImplementedError("dw_dv")


def dv_du(x):
    """dv/du for v = log(u), at x."""
    raise NotImplementedError("dv_du")


def du_dx(x):
    """du/dx for u = x**2 + 1, at x."""
    raise NotImplementedError("du_dx")


def dz_dx(x):
    """dz/dx = dz/dw*dw/dv*dv/du*du/dx, at x."""
    raise NotImplementedError("dz_dx")
