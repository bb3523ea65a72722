"""The feedback page: one self-contained HTML file for one graded submission.

It shows the score per part and, for each finding, its step, op, rule, expected and
actual numbers, the case drawn as a graph (``graph_drawing``: the wrong node and edge in
red) and the reproducer with a copy button. Everything is inline (SVG, CSS, a few lines
of script for the copy button): the page opens from disk and makes no network request.

The page is built from a Gradescope results.json (``gradescope.from_report``), so
``chaingrade check --html``, ``chaingrade grade --html``, ``graders.check()`` in a
notebook and ``batch``'s per-student pages (read back from ``OUT/NAME.json``) are one
page. A part whose visibility is ``hidden`` shows no findings, as on Gradescope.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from graders import places, root_cause
from graders.platforms.report import NOTES_HEADING
from graders.results import at_text, number

#: Classes and ids the page's CSS, script and tests rely on: ``.chaingrade`` (the root),
#: ``section.finding#finding-N``, ``button.copy[data-target]``, ``code#reproducer-N``.
STYLE = """
.chaingrade { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1c2833;
  max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.45; }
.chaingrade h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.chaingrade h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d5d8dc; }
.chaingrade h3 { font-size: 1.05rem; margin-bottom: .3rem; }
.chaingrade .meta { color: #5d6d7e; margin-top: 0; }
.chaingrade table.parts { border-collapse: collapse; margin: 1rem 0; }
.chaingrade table.parts th, .chaingrade table.parts td { padding: .25rem .8rem;
  border-bottom: 1px solid #e5e8e8; text-align: left; }
.chaingrade table.parts td.score { text-align: right; font-variant-numeric: tabular-nums; }
.chaingrade tr.full td.score { color: #1e8449; }
.chaingrade tr.partial td.score { color: #b03a2e; }
.chaingrade section.finding { border: 1px solid #d5d8dc; border-left: 4px solid #c0392b;
  border-radius: 4px; padding: .3rem 1rem 1rem; margin: 1rem 0; }
.chaingrade dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
.chaingrade dt { color: #5d6d7e; }
.chaingrade dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.chaingrade figure { margin: .8rem 0; overflow-x: auto; }
.chaingrade figure svg { max-width: 100%; min-width: min(100%, 26rem); height: auto; }
.chaingrade figcaption { color: #5d6d7e; font-size: .9rem; }
.chaingrade .reproducer { position: relative; }
.chaingrade pre { background: #f4f6f6; padding: .8rem; border-radius: 4px; overflow-x: auto; }
.chaingrade button.copy { position: absolute; top: .4rem; right: .4rem; cursor: pointer; }
.chaingrade .passed { color: #1e8449; }
.chaingrade pre.excerpt span, .chaingrade pre.excerpt mark { display: block; min-height: 1.2em; }
.chaingrade pre.excerpt mark.here { background: #fadbd8; color: inherit; }
"""

#: Copies the reproducer next to the button; falls back to a selection where the
#: clipboard API is missing (an old browser, a page not in a secure context).
SCRIPT = """
(function (root) {
  root.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.target).textContent;
      var done = function () { button.textContent = "Copied"; };
      var fallback = function () {
        var area = document.createElement("textarea");
        area.value = text;
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
        done();
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})(document.currentScript.parentElement);
"""


def page(results: dict, *, title: str | None = None) -> str:
    """The whole page for one results.json (``gradescope.from_report``)."""
    title = title or _title(results)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<main class="chaingrade">\n{_body(results)}\n<script>{SCRIPT}</script>\n</main>\n'
        "</body>\n</html>\n"
    )


def fragment(results: dict) -> str:
    """The page's content with its style and script, for Jupyter's ``_repr_html_``:
    everything scoped under ``.chaingrade``."""
    return (
        f'<div class="chaingrade">\n<style>{STYLE}</style>\n'
        f"{_body(results)}\n<script>{SCRIPT}</script>\n</div>"
    )


def write(results: dict, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(results), encoding="utf-8")
    return path


# --- the parts of the page -------------------------------------------------------------


def _title(results: dict) -> str:
    extra = _extra(results)
    who = extra.get("submission") or (extra.get("batch") or {}).get("name") or "submission"
    return f"chaingrade: {who}, {extra.get('assignment', 'assignment')}"


def _extra(results: dict) -> dict:
    extra = results.get("extra_data")
    return extra if isinstance(extra, dict) else {}


def _body(results: dict) -> str:
    extra = _extra(results)
    tests = [t for t in results.get("tests", []) if isinstance(t, dict)]
    maximum = sum(float(t.get("max_score", 0)) for t in tests)
    html = [
        f"<h1>{escape(_title(results).removeprefix('chaingrade: '))}: "
        f"{_points(results.get('score', 0))} / {_points(maximum)}</h1>",
        f'<p class="meta">{escape(_first_line(results.get("output", "")))}</p>',
        _parts_table(tests),
        _notes(extra),
    ]
    findings = [f for f in extra.get("findings") or [] if isinstance(f, dict)]
    hidden = {t.get("name") for t in tests if t.get("visibility") == "hidden"}
    shown = [f for f in findings if f.get("part") not in hidden]
    if extra.get("error") and not findings:
        html.append(f'<p class="error">Not graded: {escape(str(extra["error"]))}</p>')
    elif not shown:
        html.append('<p class="passed">No findings: every chain-rule step checked out.</p>')
    for n, finding in enumerate(shown, 1):
        html.append(_finding(n, finding))
    if len(shown) < len(findings):
        html.append("<p>Findings of hidden tests are not shown.</p>")
    printed = _printed(results.get("output", ""))
    if printed:
        html.append(f"<h2>Your code printed</h2>\n<pre>{escape(printed)}</pre>")
    return "\n".join(html)


def _parts_table(tests: list[dict]) -> str:
    rows = []
    for test in tests:
        score, maximum = float(test.get("score", 0)), float(test.get("max_score", 0))
        kind = "full" if score >= maximum else "partial"
        rows.append(
            f'<tr class="{kind}"><td>{escape(str(test.get("name", "")))}</td>'
            f'<td class="score">{_points(score)} / {_points(maximum)}</td></tr>'
        )
    return (
        '<table class="parts">\n<thead><tr><th>part</th><th>score</th></tr></thead>\n'
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>"
    )


def _finding(n: int, finding: dict) -> str:
    from graders.platforms import graph_drawing

    headline = _headline(finding)
    html = [
        f'<section class="finding" id="finding-{n}">',
        f"<h3>{n}. {escape(headline)}</h3>",
        f'<p class="message">{escape(str(finding.get("message", "")))}</p>',
        _facts(finding),
        _where(finding),
    ]
    missing = graph_drawing.missing_libraries()
    svg = None if missing else _drawn(finding, n)
    if missing and graph_drawing.drawable(finding):
        html.append(
            f'<p class="no-graph">The graph of this case needs {" and ".join(missing)}: '
            f"<code>pip install {' '.join(missing)}</code></p>"
        )
    if svg is not None:
        html.append(f"<figure>{svg}<figcaption>{_caption(finding)}</figcaption></figure>")
    reproducer = finding.get("reproducer")
    if reproducer:
        html.append(
            '<div class="reproducer"><h4>Reproduce it</h4>'
            f'<button type="button" class="copy" data-target="reproducer-{n}">Copy</button>'
            f'<pre><code id="reproducer-{n}">{escape(reproducer)}</code></pre></div>'
        )
    html.append("</section>")
    return "\n".join(html)


def _caption(finding: dict) -> str:
    """What a graph's boxes hold: a scalar case's numbers; an array case's shapes (its
    numbers are in the finding's text and its reproducer)."""
    if "array_composition" in (finding.get("case") or {}):
        held = "with its shape"
    else:
        held = "with its value, the gradient it should get and the one your engine gave"
    return (
        f"The case your engine got wrong: each box is a node, {held}; red marks the wrong "
        "node and the chain-rule step that broke."
    )


def _headline(finding: dict) -> str:
    text = f"step {finding.get('step')}"
    for key, word in (("function", "function"), ("op", "op")):
        if finding.get(key):
            text += f", {word} {finding[key]}"
    if finding.get("op") and finding.get("argument_name"):
        text += f" ({finding['argument_name']})"
    if finding.get("part"):
        text += f" (part {finding['part']})"
    return text


def _drawn(finding: dict, n: int) -> str | None:
    """The finding's graph, or None when it cannot be drawn: a page is never lost to one
    drawing (a student's text that matplotlib cannot lay out, say)."""
    from graders.platforms import graph_drawing

    try:
        return graph_drawing.draw(finding, prefix=f"f{n}-")
    except Exception:  # noqa: BLE001 - the finding is still shown, without its graph
        return None


def _facts(finding: dict) -> str:
    facts = [
        ("step", finding.get("step")),
        ("op", finding.get("op")),
        ("function", finding.get("function")),
        ("argument", finding.get("argument_name")),
        ("node", finding.get("node")),
        ("rule", finding.get("rule")),
        ("expected", _number(finding.get("expected"))),
        ("your engine gives", _number(finding.get("actual"))),
        ("at", at_text(finding["at"]) if isinstance(finding.get("at"), dict) else None),
    ]
    rows = [
        f"<dt>{escape(name)}</dt><dd>{escape(str(value))}</dd>"
        for name, value in facts
        if value not in (None, "")
    ]
    return f"<dl>{''.join(rows)}</dl>"


def _where(finding: dict) -> str:
    """The first place in the student's code (``Finding.where``): where, and the lines
    around it with that line highlighted; empty when there is none."""
    found = finding.get("where") or []
    if not found or not isinstance(found[0], dict):
        return ""
    place = found[0]
    rows = []
    for at, line, here in places.excerpt_lines(place):
        text = escape(f"{at:>4} | {line}")
        rows.append(f'<mark class="here">{text}</mark>' if here else f"<span>{text}</span>")
    root = place.get("built_on")
    cause = ""
    if isinstance(root, str) and isinstance(finding.get("op"), str):
        said = root_cause.statement(finding["op"], root, place)
        cause = f'<p class="root-cause"><strong>Root cause:</strong> {escape(said)}</p>'
    return (
        '<div class="where"><h4>Where in your code</h4>'
        f"<p><code>{escape(places.location(place))}</code> in "
        f"<code>{escape(str(place['function']))}</code></p>"
        f'<pre class="excerpt"><code>{"".join(rows)}</code></pre>{cause}</div>'
    )


def _number(value) -> str | None:
    return None if value is None else number(value)


def _points(value) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _printed(text: str) -> str:
    """What the student's code printed, as ``gradescope.from_report`` appends it (the notes
    ``gradescope.with_notes`` appends after it are not part of it)."""
    marker = "Your code printed (last lines):\n"
    printed = text.split(marker, 1)[1] if marker in text else ""
    return printed.split("\n\n" + NOTES_HEADING, 1)[0]


def _notes(extra: dict) -> str:
    """How the submission was read (``extra_data["notes"]``: a notebook's dropped magics,
    what a folder held that was not graded), as the text report lists them."""
    notes = [str(n) for n in extra.get("notes") or [] if isinstance(n, str)]
    if not notes:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return f'<div class="notes"><h2>{escape(NOTES_HEADING)}</h2><ul>{items}</ul></div>'
