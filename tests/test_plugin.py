"""The pytest plugin end to end, in pytest subprocesses (pytester): points, partial credit,
visibility, Gradescope results, JUnit XML, and pytest-xdist with a crashing worker."""

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from graders.platforms.gradescope import TEST_FIELDS, TOP_LEVEL_FIELDS, validate

pytest_plugins = ["pytester"]

ASSIGNMENT = Path(__file__).resolve().parent.parent / "assignments" / "scalar_autodiff"
SOLUTION = ASSIGNMENT / "solution" / "engine.py"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def buggy_engine(path: Path) -> Path:
    """The reference engine with d/dy (x - y) = +1: only the ``sub`` op is wrong."""
    path.write_text(
        SOLUTION.read_text().replace("other.grad -= out.grad\n", "other.grad += out.grad\n", 1)
    )
    return path


def set_up_assignment(pytester: pytest.Pytester) -> Path:
    """A copy of scalar_autodiff in pytester's folder, with a buggy student file beside it."""
    shutil.copy(ASSIGNMENT / "assignment.toml", pytester.path / "assignment.toml")
    shutil.copy(ASSIGNMENT / "test_engine.py", pytester.path / "test_engine.py")
    (pytester.path / "solution").mkdir()
    shutil.copy(SOLUTION, pytester.path / "solution" / "engine.py")
    return buggy_engine(pytester.path / "student.py")


def run(pytester: pytest.Pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=300)


def results_of(path: Path) -> dict:
    data = json.loads(path.read_text())
    assert validate(data) == []
    assert set(data) <= TOP_LEVEL_FIELDS
    assert all(set(t) <= TEST_FIELDS for t in data["tests"])
    return data


def test_partial_credit_gradescope_results_and_junit_xml_agree_serial_and_xdist(pytester):
    student = set_up_assignment(pytester)
    common = ["--submission", str(student), "--examples", "5"]

    serial = run(
        pytester, *common, "--gradescope-results", "serial.json", "--junitxml", "junit.xml"
    )
    serial.assert_outcomes(passed=5, failed=1)
    # The failure is the finding in plain words, not a wall of Hypothesis internals.
    failure = serial.stdout.str()
    assert "arithmetic: 16 / 20 points" in failure
    assert "step local-derivative, op sub (b)" in failure
    assert "reproduce with:" in failure
    for noise in ("Falsifying example", "Traceback", "hypothesis/core.py", "ExceptionGroup"):
        assert noise not in failure

    parallel = run(pytester, *common, "-n", "2", "--gradescope-results", "xdist.json")
    parallel.assert_outcomes(passed=5, failed=1)

    one, two = results_of(pytester.path / "serial.json"), results_of(pytester.path / "xdist.json")
    assert one["tests"] == two["tests"]  # one result per test, in collection order
    assert one["score"] == two["score"] == 96
    arithmetic = one["tests"][0]
    assert arithmetic["name"] == "arithmetic" and arithmetic["status"] == "failed"
    assert (arithmetic["score"], arithmetic["max_score"]) == (16, 20)  # 4 of 5 ops right
    assert "step local-derivative, op sub (b)" in arithmetic["output"]
    assert [t["number"] for t in one["tests"]] == ["1", "2", "3", "4", "5", "6"]
    assert sum(t["max_score"] for t in one["tests"]) == 100

    junit = pytester.path / "junit.xml"
    xmlschema.XMLSchema(SCHEMAS / "junit-xunit2.xsd").validate(junit)  # pytest's default family
    suite = ET.parse(junit).getroot().find("testsuite")
    points = {p.get("name"): p.get("value") for p in suite.find("properties").iter("property")}
    nodeid = "test_engine.py::test_arithmetic"
    assert (points[f"score:{nodeid}"], points[f"max_score:{nodeid}"]) == ("16", "20")
    assert sum(float(v) for k, v in points.items() if k.startswith("score:")) == 96


MIXED_TESTS = """
import pytest


@pytest.mark.points(10)
def test_scaled(chaingrade):
    chaingrade.check_part("arithmetic")


@pytest.mark.points(4)
@pytest.mark.visibility("hidden")
def test_part_with_its_own_visibility(chaingrade):
    chaingrade.check_part("powers")


@pytest.mark.points(5)
def test_plain_pass():
    pass


@pytest.mark.points(3)
@pytest.mark.visibility("after_published")
def test_plain_fail():
    assert 1 + 1 == 3


@pytest.mark.points(2)
@pytest.mark.skip(reason="not this term")
def test_skipped():
    pass


def test_without_points():
    pass
"""


def test_markers_scale_points_and_set_visibility(pytester):
    student = set_up_assignment(pytester)
    (pytester.path / "test_engine.py").unlink()
    toml = pytester.path / "assignment.toml"
    toml.write_text(
        toml.read_text().replace(
            'name = "arithmetic"\n', 'name = "arithmetic"\nvisibility = "after_due_date"\n'
        )
    )
    pytester.makepyfile(test_mixed=MIXED_TESTS)
    result = run(
        pytester,
        "--submission",
        str(student),
        "--examples",
        "5",
        "--gradescope-results",
        "out/results.json",
    )
    result.assert_outcomes(passed=3, failed=2, skipped=1)
    data = results_of(pytester.path / "out" / "results.json")
    tests = {t["name"]: t for t in data["tests"]}
    assert list(tests) == [
        "arithmetic",
        "powers",
        "test_plain_pass",
        "test_plain_fail",
        "test_without_points",
    ]  # skipped tests earn and cost nothing
    assert tests["arithmetic"]["extra_data"]["cases_digest"]  # which cases it checked
    assert tests["arithmetic"] | {"output": "", "extra_data": {}} == {
        "name": "arithmetic",
        "score": 8.0,
        "max_score": 10.0,
        "status": "failed",
        "output": "",
        "visibility": "after_due_date",
        "number": "1",
        "extra_data": {},
        "output_format": "md",
    }  # 16/20 of the part, scaled to the test's 10 points; visibility from assignment.toml
    assert (tests["powers"]["score"], tests["powers"]["visibility"]) == (4.0, "hidden")
    assert (tests["test_plain_pass"]["score"], tests["test_plain_pass"]["max_score"]) == (5, 5)
    assert "```python" in tests["arithmetic"]["output"]  # the reproducer, as a code block
    plain_fail = tests["test_plain_fail"]
    assert (plain_fail["score"], plain_fail["status"]) == (0.0, "failed")
    assert plain_fail["visibility"] == "after_published"
    assert "assert 1 + 1 == 3" in plain_fail["output"]
    assert tests["test_without_points"]["max_score"] == 0.0
    assert data["score"] == 8 + 4 + 5


def test_a_part_test_that_never_ran_is_worth_its_parts_points_from_the_toml(pytester):
    """The bundled tests write no points marker: a part's points are said once, in
    assignment.toml. A run stopped after the first failure (``-x``) still counts every
    test at its part's points, so the total stays the assignment's."""
    student = set_up_assignment(pytester)
    assert "mark.points" not in (pytester.path / "test_engine.py").read_text()
    result = run(
        pytester, "--submission", str(student), "--examples", "2", "-x",
        "--gradescope-results", "results.json",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    data = results_of(pytester.path / "results.json")
    worth = {t["name"]: t["max_score"] for t in data["tests"]}
    assert worth == {
        "arithmetic": 20.0,  # ran: named by its part
        "test_powers": 15.0,
        "test_exponentials_and_logs": 15.0,
        "test_trigonometry": 15.0,
        "test_activations": 15.0,
        "test_chain_rule_machinery": 20.0,
    }
    assert [t["status"] for t in data["tests"][1:]] == ["failed"] * 5


def test_a_crashed_xdist_worker_is_a_failed_test_with_no_points(pytester):
    pytester.makepyfile(
        test_crash="""
        import os
        import pytest


        @pytest.mark.points(4)
        def test_crashes_its_worker():
            os._exit(1)


        @pytest.mark.points(1)
        @pytest.mark.parametrize("n", range(3))
        def test_fine(n):
            pass
    """
    )
    result = run(pytester, "-n", "2", "--gradescope-results", "results.json")
    result.assert_outcomes(passed=3, failed=1)
    data = results_of(pytester.path / "results.json")
    names = [t["name"] for t in data["tests"]]
    assert sorted(names) == [
        "test_crashes_its_worker",
        "test_fine[0]",
        "test_fine[1]",
        "test_fine[2]",
    ]  # exactly one result per test
    crashed = data["tests"][names.index("test_crashes_its_worker")]
    assert (crashed["status"], crashed["score"], crashed["max_score"]) == ("failed", 0.0, 4.0)
    assert "crashed" in crashed["output"]
    assert data["score"] == 3


def test_a_bad_visibility_marker_is_a_usage_error(pytester):
    pytester.makepyfile(
        test_bad="""
        import pytest


        @pytest.mark.visibility("secret")
        def test_x():
            pass
    """
    )
    result = run(pytester, "--gradescope-results", "results.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "choose one of visible, hidden, after_due_date, after_published" in result.stderr.str()
