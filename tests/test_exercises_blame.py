"""Blame on plain numbers: which step a wrong answer is charged to (no worker involved)."""

from graders.exercises.blame import Broken, Observation, blame
from graders.exercises.parse import parse
from graders.exercises.steps import derive, expected

FIRST = parse("p = y * x**2\nq = 2*x + y\ng = p**2 - q**3")
STEPS = derive(FIRST)
POINTS = [(3.0, 1.0), (1.5, 0.75)]


def observe(change=None, points=POINTS):
    """Observations where the student's answers are MyGrad's, but for ``change``."""
    found = []
    for point in points:
        values = expected(FIRST, STEPS, point)
        answers = dict(values)
        if change:
            answers.update(change(point, dict(values)))
        found.append(Observation(point, values, answers))
    return found


def totals_from_own(values):
    """The student's totals computed from their (possibly wrong) partials."""
    v = values
    return {
        "dg_dx": v["dg_dp"] * v["dp_dx"] + v["dg_dq"] * v["dq_dx"],
        "dg_dy": v["dg_dp"] * v["dp_dy"] + v["dg_dq"] * v["dq_dy"],
    }


def blamed(change):
    return [(f.step, f.function) for f in blame(FIRST, STEPS, observe(change))]


def test_right_answers_have_no_findings():
    assert blame(FIRST, STEPS, observe()) == []


def test_a_wrong_partial_is_blamed_not_the_totals_that_follow_from_it():
    def change(point, v):
        v["dp_dx"] = point[0] * point[1]  # forgot the 2 of 2*x*y
        return {"dp_dx": v["dp_dx"], **totals_from_own(v)}

    findings = blame(FIRST, STEPS, observe(change))
    assert [(f.step, f.function) for f in findings] == [("local-derivative", "dp_dx")]
    assert "dg_dx is the right chain-rule combination" in findings[0].message
    assert findings[0].at == {"x": 3.0, "y": 1.0}
    assert findings[0].expected == 6.0 and findings[0].actual == 3.0
    assert findings[0].rule == "dp/dx"


def test_right_partials_and_a_wrong_total_blame_the_combination():
    findings = blame(FIRST, STEPS, observe(lambda point, v: {"dg_dx": v["dg_dx"] + 1}))
    assert [(f.step, f.function) for f in findings] == [("combination", "dg_dx")]
    assert "Your partials are right" in findings[0].message
    assert findings[0].rule == "dg/dx = dg/dp*dp/dx + dg/dq*dq/dx"


def test_a_missing_path_is_named():
    findings = blame(FIRST, STEPS, observe(lambda p, v: {"dg_dx": v["dg_dp"] * v["dp_dx"]}))
    assert [(f.step, f.function) for f in findings] == [("combination", "dg_dx")]
    assert "missing path" in findings[0].message
    assert "leaves out the path dg/dq*dq/dx" in findings[0].message


def test_a_product_where_a_sum_belongs_is_named():
    def change(point, v):
        return {"dg_dy": v["dg_dp"] * v["dp_dy"] * v["dg_dq"] * v["dq_dy"]}

    findings = blame(FIRST, STEPS, observe(change))
    assert [(f.step, f.function) for f in findings] == [("combination", "dg_dy")]
    assert "a product where a sum belongs" in findings[0].message


def test_a_sign_error_in_a_partial_is_blamed_on_the_partial():
    def change(point, v):
        v["dg_dq"] = -v["dg_dq"]
        return {"dg_dq": v["dg_dq"], **totals_from_own(v)}

    findings = blame(FIRST, STEPS, observe(change))
    assert [(f.step, f.function) for f in findings] == [("local-derivative", "dg_dq")]
    assert "the sign is wrong" in findings[0].message


def test_a_sign_error_in_the_combination_is_blamed_on_the_combination():
    def change(point, v):
        return {"dg_dx": v["dg_dp"] * v["dp_dx"] - v["dg_dq"] * v["dq_dx"]}

    findings = blame(FIRST, STEPS, observe(change))
    assert [(f.step, f.function) for f in findings] == [("combination", "dg_dx")]
    assert "sign error" in findings[0].message and "dg/dq*dq/dx" in findings[0].message


def test_a_wrong_partial_and_an_inconsistent_total_are_both_blamed():
    def change(point, v):
        return {"dp_dx": 0.0, "dg_dx": 1.0}

    assert blamed(change) == [("local-derivative", "dp_dx"), ("combination", "dg_dx")]


def test_missing_and_raising_functions():
    def change(point, v):
        return {
            "dq_dy": Broken("missing", "dq_dy() raised NotImplementedError"),
            "dg_dy": Broken("error", "dg_dy() raised ZeroDivisionError: division by zero"),
            "dp_dx": Broken("error", "dp_dx() raised ValueError"),
            "dg_dx": Broken("error", "dg_dx() raised ValueError"),
        }

    findings = blame(FIRST, STEPS, observe(change))
    assert [(f.step, f.function) for f in findings] == [
        ("error", "dp_dx"),
        ("missing", "dq_dy"),
        ("error", "dg_dx"),
        ("error", "dg_dy"),
    ]
    assert findings[3].message == "dg_dy(x=3, y=1) raised ZeroDivisionError: division by zero"
    assert findings[2].message == (
        "dg_dx(x=3, y=1) raised ValueError (perhaps only because it uses dp_dx, which fails "
        "the same way: fix that first)"
    )


def test_a_wrong_total_whose_partials_cannot_run_is_still_charged():
    def change(point, v):
        return {"dq_dx": Broken("missing", "no function"), "dg_dx": 0.0}

    assert blamed(change) == [("missing", "dq_dx"), ("combination", "dg_dx")]


def test_functions_left_out_of_a_case_are_not_judged():
    observations = observe()
    for o in observations:
        del o.answers["dp_dx"]
    assert blame(FIRST, STEPS, observations) == []


def test_a_chain_names_a_dropped_link_and_a_sum_where_a_product_belongs():
    chain = parse("a = x**2 + 1\nb = log(a)\nc = sin(b)\nf = exp(c)")
    steps = derive(chain)
    values = expected(chain, steps, (0.7,))

    def findings(total):
        answers = {**values, "df_dx": total}
        return blame(chain, steps, [Observation((0.7,), values, answers)])

    v = values
    dropped = findings(v["df_dc"] * v["dc_db"] * v["da_dx"])
    assert [(f.step, f.function) for f in dropped] == [("combination", "df_dx")]
    assert "missing link: it drops db/da" in dropped[0].message
    summed = findings(v["df_dc"] + v["dc_db"] + v["db_da"] + v["da_dx"])
    assert "a sum where a product belongs" in summed[0].message
    assert "from module" not in summed[0].reproducer
    assert summed[0].reproducer.startswith("from answers import ")


def test_a_total_that_follows_from_partials_right_only_within_tolerance_is_not_combination():
    """At (6.9, 1) dg/dx = 4x**3y**2 - 6(2x + y)**2 cancels: dp_dx off by 5e-5 (right within the
    tolerance) makes the total, the chain rule of the student's own partials, visibly wrong.
    The combination is right, so it is never blamed; the total waits for the partials."""
    from graders.exercises.grader import _PartState
    from graders.exercises.tasks import Task

    def slightly(point, v):
        v["dp_dx"] *= 1 + 5e-5
        return {"dp_dx": v["dp_dx"], **totals_from_own(v)}

    pending: set[str] = set()
    published = observe(slightly, points=[(6.9, 1.0)])
    assert blame(FIRST, STEPS, published, pending=pending) == []
    assert pending == {"dg_dx"}

    def wrong(point, v):  # elsewhere the same partial is plainly wrong
        v["dp_dx"] = point[0] * point[1]
        return {"dp_dx": v["dp_dx"], **totals_from_own(v)}

    state = _PartState(Task("multi", FIRST, tuple(STEPS)))
    state.pending = pending
    state.add(blame(FIRST, STEPS, observe(wrong), pending=state.pending))
    findings = state.findings()
    assert [(f.step, f.function) for f in findings] == [("local-derivative", "dp_dx")]
    assert "dg_dx is the right chain-rule combination" in findings[0].message
