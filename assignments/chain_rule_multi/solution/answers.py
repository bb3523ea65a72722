"""Reference solution for chain_rule_multi: every step derived by hand.

Each function takes the inputs (x, y) and returns one derivative at that point.
"""

import math

# --- first example: p = y*x**2, q = 2*x + y, g = p**2 - q**3 --------------------------


def first_dg_dp(x, y):
    p = y * x**2
    return 2 * p


def first_dg_dq(x, y):
    q = 2 * x + y
    return -3 * q**2


def first_dp_dx(x, y):
    return 2 * x * y


def first_dp_dy(x, y):
    return x**2


def first_dq_dx(x, y):
    return 2.0


def first_dq_dy(x, y):
    return 1.0


def first_dg_dx(x, y):
    # dg/dx = dg/dp * dp/dx + dg/dq * dq/dx
    return first_dg_dp(x, y) * first_dp_dx(x, y) + first_dg_dq(x, y) * first_dq_dx(x, y)


def first_dg_dy(x, y):
    # dg/dy = dg/dp * dp/dy + dg/dq * dq/dy
    return first_dg_dp(x, y) * first_dp_dy(x, y) + first_dg_dq(x, y) * first_dq_dy(x, y)


# --- second example: p = 4*y - x, q = 3*x*y - 4*y, g = p**2 * q -------------------------


def second_dg_dp(x, y):
    p, q = 4 * y - x, 3 * x * y - 4 * y
    return 2 * p * q


def second_dg_dq(x, y):
    return (4 * y - x) ** 2


def second_dp_dx(x, y):
    return -1.0


def second_dp_dy(x, y):
    return 4.0


def second_dq_dx(x, y):
    return 3 * y


def second_dq_dy(x, y):
    return 3 * x - 4


def second_dg_dx(x, y):
    return second_dg_dp(x, y) * second_dp_dx(x, y) + second_dg_dq(x, y) * second_dq_dx(x, y)


def second_dg_dy(x, y):
    return second_dg_dp(x, y) * second_dp_dy(x, y) + second_dg_dq(x, y) * second_dq_dy(x, y)


# --- three paths: p = x*y, q = x + 2*y, u = sin(p) + q**2, g = u*p -----------------------


def third_dg_dp(x, y):
    # g = u * p with u held fixed: dg/dp = u
    p, q = x * y, x + 2 * y
    return math.sin(p) + q**2


def third_dg_du(x, y):
    return x * y


def third_du_dp(x, y):
    return math.cos(x * y)


def third_du_dq(x, y):
    return 2 * (x + 2 * y)


def third_dp_dx(x, y):
    return y


def third_dp_dy(x, y):
    return x


def third_dq_dx(x, y):
    return 1.0


def third_dq_dy(x, y):
    return 2.0


def third_dg_dx(x, y):
    # Three paths from x to g: g-p-x, g-u-p-x and g-u-q-x.
    return (
        third_dg_dp(x, y) * third_dp_dx(x, y)
        + third_dg_du(x, y) * third_du_dp(x, y) * third_dp_dx(x, y)
        + third_dg_du(x, y) * third_du_dq(x, y) * third_dq_dx(x, y)
    )


def third_dg_dy(x, y):
    return (
        third_dg_dp(x, y) * third_dp_dy(x, y)
        + third_dg_du(x, y) * third_du_dp(x, y) * third_dp_dy(x, y)
        + third_dg_du(x, y) * third_du_dq(x, y) * third_dq_dy(x, y)
    )
