"""How a format was read reaches the grade: a scan goes to review part by part, never `missing`; a formula
rebuilt from a page's layout is shown as read and flagged when it does not score in full."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.grading import grade_answers, grade_submission
from grader.submission import Answers
from grader.submission.converted import Scan
from grader.submission.pdf.ocr import find_tesseract

ROOT = Path(__file__).resolve().parents[2]


def test_a_scan_sends_every_part_to_review_and_none_is_missing(hw3, sandbox):
    answers = Answers(source="scan.pdf", kind="PDF", review="the PDF has no text layer (a scan or a photo)")
    result = grade_answers(answers, hw3, submission="s", sandbox=sandbox)
    assert [p.status for p in result.parts] == ["invalid"] * len(hw3.part_ids)
    assert all(p.needs_review and p.score == 0 for p in result.parts)
    assert all("no text layer" in p.outcomes[0].error for p in result.parts)


def test_a_pdf_with_some_scanned_pages_grades_what_it_read_and_flags_it(hw3, sandbox):
    answers = Answers(answers={"4.1": "n(n+1)/2"}, source="mixed.pdf", kind="PDF",
                      review="pages 2-3 of this PDF have no text layer")
    parts = {p.id: p for p in grade_answers(answers, hw3, submission="s", sandbox=sandbox).parts}
    assert parts["4.1"].status == "correct" and parts["4.1"].score == 10  # what was read keeps its points
    assert all(p.needs_review and "no text layer" in " ".join(p.review_reasons) for p in parts.values())
    assert parts["4.2"].status == "invalid" and parts["4.2"].status != "missing"


def test_text_read_by_ocr_is_graded_and_flagged_and_a_formula_from_a_scan_goes_to_a_person(hw3, sandbox):
    typed = "One-hot vectors are huge and sparse, all orthogonal: no similarity between words. Embeddings are dense."
    answers = Answers(answers={"3.2": typed, "4.1": "n(n+1)/2", "4.3": "n(w+1)/2"}, source="scan.pdf", kind="PDF",
                      review="pages 1, 2 were read by OCR", layout_math=True,
                      scan=Scan(91.0, {typed: 87.4, "n(n+1)/2": 96.0}))
    parts = {p.id: p for p in grade_answers(answers, hw3, submission="s", sandbox=sandbox).parts}
    text = parts["3.2"]
    assert text.score > 0 and text.needs_review
    assert text.outcomes[0].feedback[0].startswith("I read this from a scan with confidence 87%: `One-hot vectors")
    # A formula OCR read well, and right, is still not a verdict: 0 for now, and a person grades it.
    formula = parts["4.1"]
    assert formula.status == "invalid" and formula.score == 0 and formula.needs_review
    assert "I read this from a scan with confidence 96%: `n(n+1)/2`" in formula.outcomes[0].error
    # A line OCR did not read (a text-layer page beside the scan) is graded as read, and flagged.
    assert parts["4.3"].status == "correct" and parts["4.3"].needs_review
    assert parts["1"].status == "invalid" and parts["1"].needs_review  # nothing read: never `missing`


@pytest.mark.skipif(find_tesseract() is None, reason="tesseract is not installed (Debian: tesseract-ocr)")
def test_a_scanned_pdf_is_read_by_ocr_and_every_part_goes_to_a_person(hw3, sandbox):
    result = grade_submission(ROOT / "tests/submission/pdf/ada_scan.pdf", hw3, sandbox=sandbox)
    parts = {p.id: p for p in result.parts}
    assert all(p.needs_review and p.status != "missing" for p in parts.values())
    assert all(parts[i].status == "invalid" and parts[i].score == 0 for i in ("4.1", "4.2", "4.3"))
    assert all(parts[i].score == 10 for i in ("2.1", "2.2", "3.2")), {i: p.score for i, p in parts.items()}
    assert "are scanned or photographed: I read them with OCR (confidence" in " ".join(result.notes)


def test_a_layout_formula_that_does_not_read_is_shown_as_read_and_flagged(hw3, sandbox):
    answers = Answers(answers={"4.1": "n(n+1)/2", "4.2": "(t+1)(2n-t))/2 ??", "4.3": "n(w+1)"},
                      kind="PDF", layout_math=True)
    parts = {p.id: p for p in grade_answers(answers, hw3, submission="s", sandbox=sandbox).parts}
    assert parts["4.1"].status == "correct" and not parts["4.1"].needs_review
    unread = parts["4.2"]
    assert unread.status == "invalid" and unread.score == 0 and unread.needs_review
    assert "I read this from your PDF as: `(t+1)(2n-t))/2 ??`" in unread.outcomes[0].error
    wrong = parts["4.3"]
    assert wrong.needs_review and wrong.status != "correct"
    assert any("I read this from your PDF as" in f for f in wrong.outcomes[0].feedback)


def test_the_same_answers_typed_are_not_flagged(hw3, sandbox):
    answers = Answers(answers={"4.3": "n(w+1)"})
    part = {p.id: p for p in grade_answers(answers, hw3, submission="s", sandbox=sandbox).parts}["4.3"]
    assert not any("I read this" in f for f in part.outcomes[0].feedback)


# `grader explain --file DOCUMENT` grades the part as a submission of that document would be graded.
_EXPLAINED = [
    ("formats/ada_bold.docx", "4.1", False,
     ["ada_bold.docx: read as a Word document; parts found: 1, 2.1", "score: 10 / 10"]),
    ("graded/ada_raised.pdf", "4.1", False,
     ["score: 0 / 10 (incorrect)", "flagged for review: the formula was read from the PDF's layout"]),
    ("graded/ada_raised.pdf", "4.3", False,
     ["answer: (empty) → missing, 0 points", "flagged for review: no answer to this part was found in the PDF"]),
    ("pdf/ada_scan.pdf", "4.1", True,
     ["score: 0 / 10 (invalid)", "flagged for review: the formula is in a scan"]),
]


@pytest.mark.parametrize("file, part, ocr, expected", _EXPLAINED, ids=[f"{f}:{p}" for f, p, _, _ in _EXPLAINED])
def test_explain_file_grades_the_part_as_the_document_is_graded(file, part, ocr, expected):
    if ocr and find_tesseract() is None:
        pytest.skip("tesseract is not installed (`apt-get install tesseract-ocr`; .ci/run installs it)")
    proc = subprocess.run([sys.executable, "-m", "grader", "explain", "--part", part, "--file",
                           str(ROOT / "tests/submission" / file)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    for line in expected:
        assert line in proc.stdout, proc.stdout


_SCAN_LINES = {"The encoder reads the whole source sen-": 90.0, "tence first, then the decoder writes.": 70.0,
               "n(n+1)/2": 96.0}


@pytest.mark.parametrize("answer, every_page, confidence", [
    ("n(n+1)/2", False, 96.0),
    # A word hyphenated at a line end is joined into one line: both lines OCR read still count, by length.
    ("The encoder reads the whole source sentence first, then the decoder writes.", False, (39 * 90 + 37 * 70) / 76),
    ("typed on a page with a text layer", False, None),
    ("typed on a page with a text layer", True, 91.0),  # every page was scanned: OCR read every answer
])
def test_how_sure_ocr_was_of_an_answer(answer, every_page, confidence):
    scan = Scan(91.0, _SCAN_LINES, every_page=every_page)
    assert scan.confidence_of(answer) == (pytest.approx(confidence) if confidence is not None else None)
