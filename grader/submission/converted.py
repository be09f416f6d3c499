"""What a document reader (PDF, LaTeX, Word, notebook) hands back to the submission pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Converted:
    """A document turned into the Markdown that `split_markdown` reads.

    `text` keeps the document's headings and numbered items as lines and its math as `$...$` LaTeX.
    `kind` names the format for the student ("PDF", "LaTeX file", "Word document", "notebook"), as in
    "I read this from your PDF as: ...". `review`, when set, is why every part goes to a person (a PDF with
    no text layer: its parts are never `missing`). `layout_math` says the math was rebuilt from the page's
    layout, so a formula that does not read is flagged for review rather than failed silently.
    """

    text: str
    kind: str
    notes: list[str] = field(default_factory=list)
    review: str | None = None
    layout_math: bool = False
