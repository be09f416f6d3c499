"""`grader explain`: what the grader does with one answer to one part, before anyone is graded with it.

The answer is decoded, cut and graded as a submission's answer is (`grade_part`, in the sandbox), so what
a TA sees here is what a student would get: how the answer was read, the verdict, every rubric item that matched
or not and why, and the points.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from grader.assignment import Assignment
from grader.escape import visible
from grader.grading import grade_answer, grade_part
from grader.results import ItemResult, Outcome, PartResult
from grader.rubric import Part
from grader.sandbox import Sandbox
from grader.submission import MAX_FILE_BYTES, Answers, clean_answer, decode, read_file
from grader.submission.converted import a_kind

_MARK = {True: "✔", False: "✘"}
# Details the engines record that say something to a TA; the rest (hashes, raw LaTeX) is noise here.
_DETAILS = ("verdict", "reason", "method", "counterexample", "points_checked", "caps")


class UnknownPart(LookupError):
    """The part id names no part of the rubric; the message lists the ones that exist."""


def find_part(assignment: Assignment, part_id: str) -> Part:
    try:
        return assignment.rubric.part(part_id)
    except KeyError:
        ids = assignment.part_ids
        close = difflib.get_close_matches(part_id, ids, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise UnknownPart(f"{assignment.id} has no part {part_id!r}; {hint}its parts are {', '.join(ids)}") from None


def read_answer(*, answer: str | None, file: str | None) -> str:
    """The answer from the command line, or from a file (`-` reads standard input), decoded and cut as a
    submission's answer is, so the TA sees what a student submitting it would get."""
    if file is None:
        return clean_answer(answer or "")
    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    text = decode(data[:MAX_FILE_BYTES])
    if text is None:
        raise ValueError(f"{file} is not a text file")
    return clean_answer(text)


DOCUMENTS = (".tex", ".ipynb", ".docx", ".odt", ".pdf")


def read_document(path: Path, part_id: str, part_ids: list[str]) -> tuple[Answers, str]:
    """A document (LaTeX, notebook, Word, PDF) read as a submission is, with lines saying how it was read
    and what became of the part: the TA sees what a student handing in this file would get."""
    answers = read_file(path, part_ids)
    found = [p for p in part_ids if answers.get(p)]
    kind = answers.kind or "file"
    lines = [f"{path.name}: read as {a_kind(kind)}; parts found: {', '.join(found) or 'none'}"]
    lines += [f"  note: {note}" for note in answers.notes]
    if answers.review:
        lines.append(f"  every part goes to review: {answers.review}")
    if answers.scan is not None:
        confidence = answers.scan.confidence_of(answers.get(part_id) or "")
        lines.append(f"  scanned pages were read by OCR (confidence {answers.scan.confidence:.0f}%"
                     + (f", {confidence:.0f}% for this part" if confidence is not None else "")
                     + "): in a submission, text is graded and flagged, and a formula goes to a person")
    elif answers.layout_math:
        lines.append("  its math was rebuilt from the page layout: a formula that does not score in full is flagged")
    return answers, visible("\n".join(lines))  # names and notes quote the student's file


def explain_answer(*, assignment: Assignment, part_id: str, answer: str, document: Answers | None = None,
                   sandbox: Sandbox | None = None) -> PartResult:
    """Grade one answer to one part exactly as a submission's answer would be graded; with the `document` it
    was read from, as that format's answers are (a scan's formula goes to a person, a PDF's is shown as read)."""
    part = find_part(assignment, part_id)
    own = sandbox is None
    box = sandbox or Sandbox()
    try:
        if document is not None:
            return grade_answer(part, document, assignment, box)
        return grade_part(part, answer if answer.strip() else None, assignment, box)
    finally:
        if own:
            box.close()


def render_explanation(part: Part, result: PartResult) -> str:
    """The explanation as a TA reads it at a terminal, with the student's control, bidi and zero-width
    characters spelled out (an answer must not move the cursor or reorder what the TA reads)."""
    return visible(_explanation(part, result))


def _explanation(part: Part, result: PartResult) -> str:
    kinds = " + ".join(k for k, s in (("formula", part.formula), ("text", part.text)) if s is not None)
    lines = [f"part {part.id} “{part.title}” ({part.points:g} points, {kinds})"]
    if result.answer is None:
        lines.append("answer: (empty) → missing, 0 points")
        if result.needs_review:
            lines.append("flagged for review: " + "; ".join(result.review_reasons))
        return "\n".join(lines)
    lines.append("answer: " + _indent(result.answer.strip(), "        "))
    for outcome in result.outcomes:
        lines.append("")
        lines.extend(_outcome_lines(outcome))
    lines.append("")
    lines.append(f"score: {result.score:g} / {result.max_score:g} ({result.status})")
    if result.needs_review:
        lines.append("flagged for review: " + "; ".join(result.review_reasons))
    return "\n".join(lines)


def _outcome_lines(outcome: Outcome) -> list[str]:
    lines = [f"{outcome.engine}: {outcome.score:g} / {outcome.max_score:g} ({outcome.status})"]
    if outcome.reading:
        lines.append(f"  read as: {_flat(outcome.reading.strip().strip('$'))}")
    if outcome.error:
        # The student's message is Markdown; at a terminal the caret block needs no fences.
        error = "\n".join(ln for ln in outcome.error.strip().split("\n") if ln.strip().strip("`"))
        lines.append("  could not be checked: " + _indent(error, "    "))
    shown = {k: outcome.details[k] for k in _DETAILS if outcome.details.get(k)}
    if shown:
        lines.append("  " + ", ".join(f"{k}: {v}" for k, v in shown.items()))
    lines.extend(_item_line(item) for item in outcome.items)
    if outcome.feedback:
        lines.append("  feedback to the student:")
        lines.extend(f"    {_flat(sentence)}" for sentence in outcome.feedback)
    return lines


def _item_line(item: ItemResult) -> str:
    points = f" {item.points_text}" if item.points_text else ""
    if item.penalty:  # stating it is the bad outcome: marked differently from a concept found
        line = f"  {'!' if item.hit else '·'} misconception: {item.label} [{item.id}]{points}"
    else:
        line = f"  {_MARK[item.hit]} {item.label} [{item.id}]{points}"
    if item.evidence:
        line += f" — “{_flat(item.evidence)}”"
    if item.feedback:
        line += f"\n      {_flat(item.feedback)}"
    return line


def _flat(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _indent(text: str, prefix: str) -> str:
    return text.replace("\n", "\n" + prefix)
