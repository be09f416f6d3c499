"""What a document reader (PDF, LaTeX, Word, notebook) hands back to the submission pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a document's equation could not be read: in math, so the formula reader refuses it ("There is no formula
# here") and shows the student this line; grading sends the part that holds it to a person.
UNREAD_EQUATION = "$\\text{the equation in your document could not be read}$"


def a_kind(kind: str) -> str:
    """A format's name with its article, as a sentence says it: "a PDF", "an OpenDocument file"."""
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


@dataclass
class Scan:
    """Text read by OCR from scanned pages: each line read, with Tesseract's confidence (0-100), and whether
    every page was scanned (then every answer was read by OCR)."""

    confidence: float
    lines: dict[str, float] = field(default_factory=dict)
    every_page: bool = False

    def confidence_of(self, answer: str) -> float | None:
        """How sure OCR was of this answer (its lines' confidences, by length); None when OCR did not read it.
        A line OCR read may have been joined to the next (a hyphenated word, a formula broken after `+`)."""
        found = []
        for line in (line.strip() for line in answer.splitlines()):
            if line in self.lines:
                found.append((len(line), self.lines[line]))
            elif line:
                found += [(len(t), c) for t, c in self.lines.items() if len(t) >= 8 and t.rstrip("-\u00ad") in line]
        total = sum(n for n, _ in found)
        if not total:
            return self.confidence if self.every_page else None
        return sum(n * c for n, c in found) / total


@dataclass
class Converted:
    """A document turned into the Markdown that `split_markdown` reads.

    `text` keeps the document's headings and numbered items as lines and its math as `$...$` LaTeX.
    `kind` names the format for the student ("PDF", "LaTeX file", "Word document", "notebook"), as in
    "I read this from your PDF as: ...". `review`, when set, is why every part goes to a person (a PDF with
    no text layer: its parts are never `missing`). `layout_math` says the math was rebuilt from the page's
    layout, so a formula that does not read is flagged for review rather than failed silently. `scan` holds
what OCR read from scanned pages, which is graded for text only and always checked by a person.
    """

    text: str
    kind: str
    notes: list[str] = field(default_factory=list)
    review: str | None = None
    layout_math: bool = False
    scan: Scan | None = None
