"""A matplotlib figure as an ``<svg>`` element to put inside an HTML page.

Text stays text (``svg.fonttype: none``), the RDF metadata goes, and every id (and every
``url(#id)`` or ``href="#id"`` pointing at one) starts with ``prefix``, so several
drawings share one page without two elements sharing an id. ``classes`` maps ids
(without the prefix) to the ``class`` attribute tests and CSS look for.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"


def inline(figure, prefix: str = "", classes: dict[str, str] | None = None, box=None) -> str:
    """``figure`` as SVG text (and closed: it is drawn once); ``box``: the part of it to
    keep (a ``Bbox`` in inches), else all that is drawn (``bbox_inches="tight"``)."""
    import matplotlib
    from matplotlib import pyplot as plt

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "chaingrade"}):
        figure.savefig(buffer, format="svg", bbox_inches=box or "tight", metadata={"Date": None})
    plt.close(figure)
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    root = ET.fromstring(buffer.getvalue())
    for metadata in root.findall(f"{{{SVG}}}metadata"):
        root.remove(metadata)
    classes = classes or {}
    for element in root.iter():
        own = element.get("id")
        if own in classes:
            element.set("class", classes[own])
        _prefix_references(element, prefix)
    for text in root.iter(f"{{{SVG}}}text"):  # columns made of spaces stay columns
        text.set("style", text.get("style", "") + "; white-space: pre")
    root.set("role", "img")
    return ET.tostring(root, encoding="unicode")


def _prefix_references(element, prefix: str) -> None:
    if not prefix:
        return
    for attribute, value in list(element.attrib.items()):
        if attribute == "id":
            element.set(attribute, prefix + value)
        elif attribute in ("href", f"{{{XLINK}}}href") and value.startswith("#"):
            element.set(attribute, "#" + prefix + value[1:])
        elif "url(#" in value:
            element.set(attribute, value.replace("url(#", "url(#" + prefix))
