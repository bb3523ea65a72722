"""Reference solution for chain_rule_single: every step derived by hand.

Each function takes the input x and returns one derivative at that point.
"""

import math

# --- chain rule: f = g**3 with g = x**2 + 1 ----------------------------------------------


def df_dg(x):
    g = x**2 + 1
    return 3 * g**2


def dg_dx(x):
    return 2 * x


def df_dx(x):
    # df/dx = df/dg * dg/dx
    return df_dg(x) * dg_dx(x)


# --- power rule: the same f, expanded: f = x**6 + 3*x**4 + 3*x**2 + 1 ----------------------


def expanded_df_dx(x):
    return 6 * x**5 + 12 * x**3 + 6 * x


# --- four compositions: u = x**2 + 1, v = log(u), w = sin(v), z = exp(w) -----------------


def dz_dw(x):
    w = math.sin(math.log(x**2 + 1))
    return math.exp(w)


def dw_dv(x):
    return math.cos(math.log(x**2 + 1))


def dv_du(x):
    return 1 / (x**2 + 1)


def du_dx(x):
    return 2 * x


def dz_dx(x):
    # dz/dx = dz/dw * dw/dv * dv/du * du/dx, one composition at a time
    return dz_dw(x) * dw_dv(x) * dv_du(x) * du_dx(x)
