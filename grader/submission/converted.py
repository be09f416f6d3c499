"""What a document reader (PDF, LaTeX, Word, notebook) hands back to the submission pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Scan:
    """Text read by OCR from scanned pages: each line read, with Tesseract's confidence (0-100)."""

    confidence: float
    lines: dict[str, float] = field(default_factory=dict)

    def confidence_of(self, answer: str) -> float | None:
        """How sure OCR was of this answer (its lines' confidences, by length); None when OCR did not read it."""
        found = [(len(line), self.lines[line]) for line in map(str.strip, answer.splitlines()) if line in self.lines]
        total = sum(n for n, _ in found)
        return sum(n * c for n, c in found) / total if total else None


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
