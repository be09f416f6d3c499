"""Formula readings as MathML for the staff's pages (report, review): rendered by the browser, offline.

latex2mathml (pure Python, ~0.4 ms a formula) converts the LaTeX the grader wrote for a reading. A reading
can hold names a student chose, and the converter copies `\\text{...}` through unescaped, so its output is
parsed again and rebuilt from MathML elements and attributes only: anything else falls back to the LaTeX
shown as escaped text.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from markupsafe import Markup

_NS = "{http://www.w3.org/1998/Math/MathML}"
_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt mroot mstyle "
    "mtable mtr mtd mpadded mphantom menclose merror semantics annotation".split()
)
_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence form separator lspace rspace linethickness accent accentunder "
    "columnalign rowalign columnspacing rowspacing width height depth notation displaystyle scriptlevel "
    "minsize maxsize movablelimits symmetric largeop encoding".split()
)
_DISPLAY = re.compile(r"^\s*\$\$(.*)\$\$\s*$|^\s*\$(.*)\$\s*$", re.S)
MAX_LATEX = 4000


def _clean(element: ET.Element) -> ET.Element:
    name = element.tag[len(_NS):] if element.tag.startswith(_NS) else element.tag
    if name not in _ELEMENTS:
        raise ValueError(name)
    out = ET.Element(name, {k: v for k, v in element.attrib.items() if k in _ATTRIBUTES})
    out.text, out.tail = element.text, element.tail
    out.extend(_clean(child) for child in element)
    return out


@lru_cache(maxsize=4096)
def to_mathml(latex: str, *, display: bool = False) -> str | None:
    """The MathML of a LaTeX formula, rebuilt from MathML parts only; None when it cannot be converted."""
    if not latex.strip() or len(latex) > MAX_LATEX:
        return None
    try:
        from latex2mathml.converter import convert

        tree = ET.fromstring(convert(latex))
        clean = _clean(tree)
    except Exception:  # noqa: BLE001 - any failure (the converter's or the check's) shows the LaTeX instead
        return None
    clean.set("xmlns", _NS[1:-1])
    clean.set("display", "block" if display else "inline")
    return ET.tostring(clean, encoding="unicode", short_empty_elements=False)


def reading_html(reading: str) -> Markup:
    """A reading (`$$...$$` LaTeX, or plain words) as HTML: MathML when it converts, escaped text otherwise."""
    match = _DISPLAY.match(reading or "")
    if match:
        latex = match.group(1) if match.group(1) is not None else match.group(2)
        mathml = to_mathml(latex)
        if mathml is not None:
            return Markup(f'<span class="math" title="{html.escape(latex, quote=True)}">{mathml}</span>')
    return Markup(f'<code>{html.escape(reading or "")}</code>')
