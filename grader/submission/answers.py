"""The answers found in a submission, and the limits every reader keeps to."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.submission.converted import Scan

# A whole file is read up to this size (Gradescope accepts large uploads; a Typora or notebook export with
# images inlined runs to tens of megabytes). Embedded images are dropped before splitting, and each answer
# is cut to MAX_ANSWER_CHARS, so size costs the answers that are too long, never the parts after them.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ANSWER_CHARS = 20_000
MAX_NESTING = 50  # lists and mappings inside one answer of a YAML or JSON file


@dataclass
class Answers:
    """The answers found in a submission, keyed by part id, and notes on how they were found.

    `kind` names the format the answers were read from ("PDF", "LaTeX file", ...). `review`, when set, is why
    every part goes to a person instead of being graded as read (a scan without a text layer). `layout_math`
    says formulas were rebuilt from a page's layout, so one that does not read is shown as read and flagged.
    `scan` is what OCR read from scanned pages (see `Scan.confidence_of`).
    """

    answers: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    notes: list[str] = field(default_factory=list)
    kind: str | None = None
    review: str | None = None
    layout_math: bool = False
    scan: Scan | None = None

    def get(self, part_id: str) -> str | None:
        text = self.answers.get(part_id)
        return text if text is not None and text.strip() else None


def clean_answer(text: str) -> str:
    """One answer as the engines get it: newlines folded, unwritable characters replaced, length capped."""
    return printable(text[:MAX_ANSWER_CHARS].replace("\r\n", "\n").replace("\r", "\n"))


def printable(text: str) -> str:
    """Lone surrogates (undecodable file names, `\\ud800` escapes in JSON) cannot be written out as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")
