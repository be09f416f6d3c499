"""OpenDocument formula objects -> LaTeX, put back where the document drew them.

An `.odt` keeps each equation as an embedded object (`Object 1/content.xml`, or `Formula-0/` as pandoc
writes it) holding MathML, drawn in the text by a `<draw:frame>` around a `<draw:object>`. pandoc's ODT
reader drops those frames, so before pandoc reads the document each frame becomes a placeholder word, and
after, each placeholder becomes the formula's `$...$` (`$$...$$` for a display formula). A formula this
reader does not understand becomes a visible mark and sends the document to a person, never an empty answer.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import unescape

from grader.submission.converted import UNREAD_EQUATION as UNREAD
from grader.submission.mathml import MAX_BYTES, MathMLError, mathml_to_latex

MAX_FORMULAS = 2_000
MAX_FORMULA_BYTES = MAX_BYTES  # one equation's MathML (the converter's own bound); a real one is a few KB
FORMULA_MEMBER = re.compile(r"(?:\./)?(?:Object \d{1,5}|Formula-\d{1,5})/content\.xml")
_FRAME = re.compile(r"<draw:frame\b[^>]*>((?:(?!</?draw:frame\b).)*?)</draw:frame>", re.S)
_OBJECT_HREF = re.compile(r"<draw:object\b[^>]*?\bxlink:href=\"([^\"]{1,300})\"")
_ANNOTATION = re.compile(rb"<(?:\w+:)?annotation\b[^>]*StarMath[^>]*>(.{0,300}?)</", re.S)
# What pandoc needs to read the text; pictures, thumbnails and the objects themselves stay behind.
_KEPT = re.compile(r"mimetype|META-INF/manifest\.xml|content\.xml|styles\.xml|meta\.xml")


@dataclass
class Formulas:
    """The document with placeholders, and what each placeholder stands for."""

    document: bytes
    latex: dict[str, str] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)  # why formulas were not read
    missed: int = 0  # how many were not read
    unplaced: int = 0  # of those, how many have no placeholder in the text (the whole document goes to a person)


def take_out_formulas(data: bytes) -> Formulas | None:
    """The `.odt` with every formula frame replaced by a placeholder; None when it has no formula objects."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "content.xml" not in names:
            return None
        content = archive.read("content.xml").decode("utf-8", "replace")
        found = Formulas(b"")

        def formula(href: str) -> bytes | None:
            """The object's MathML (b"" when it is too large to read); None when it is no formula."""
            member = unescape(href, {"&quot;": '"', "&apos;": "'"}).removeprefix("./").rstrip("/") + "/content.xml"
            if member not in names:
                return None
            with archive.open(member) as handle:
                head = handle.read(4096)
            # a chart or another embedded document is not a formula
            if b"MathML" not in head and b"<math" not in head:
                return None
            return b"" if archive.getinfo(member).file_size > MAX_FORMULA_BYTES else archive.read(member)

        over = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal over
            href = _OBJECT_HREF.search(match.group(1))
            source = formula(href.group(1)) if href is not None else None
            if source is None:
                return match.group(0)
            key = f"GRADERODFMATH{len(found.latex):04d}X"
            if len(found.latex) - over >= MAX_FORMULAS:
                over += 1
                found.latex[key] = UNREAD  # put back after pandoc, which would escape it
                return key
            if not source:
                found.unread.append(f"an equation is larger than {MAX_FORMULA_BYTES // 1024} KB")
                found.missed += 1
                found.latex[key] = UNREAD
                return key
            try:
                latex, display = mathml_to_latex(source)
                found.latex[key] = f"$${latex}$$" if display else f"${latex}$"
            except MathMLError as exc:
                written = _ANNOTATION.search(source)
                shown = f" (written as `{written.group(1).decode('utf-8', 'replace').strip()}`)" if written else ""
                found.unread.append(f"{exc}{shown}")
                found.missed += 1
                found.latex[key] = UNREAD
            return key

        content = _FRAME.sub(replace, content)
        if over:
            found.unread.append(f"only the first {MAX_FORMULAS} equations are read; {over} more were not")
            found.missed += over
        left = sum(formula(h) is not None for h in _OBJECT_HREF.findall(content)[:50])
        if left:
            found.unread.append("some equations are placed where this reader does not look for them")
            found.missed += left
            found.unplaced = left
        if not found.latex and not found.unread:
            return None
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for name in archive.namelist():
                if name == "content.xml":
                    copy.writestr(name, content)
                elif _KEPT.fullmatch(name):
                    copy.writestr(name, archive.read(name))
        found.document = out.getvalue()
        return found


def put_back(text: str, formulas: Formulas) -> str:
    """pandoc's Markdown with each placeholder replaced by its formula."""
    return re.sub(r"GRADERODFMATH\d{4,7}X", lambda m: formulas.latex.get(m.group(0), UNREAD), text)
