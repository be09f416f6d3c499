"""The grading pipeline: submission → answers → per-part grading → one SubmissionResult.

Each part is graded in the sandbox worker, so a hostile or pathological answer costs at most its own
time and memory budget and 0 points for that part; the other parts are still graded.
"""

from __future__ import annotations

import re
import time
import traceback
from pathlib import Path

from grader.assignment import Assignment
from grader.escape import inline_code, markdown_text
from grader.formula import grade_formula
from grader.results import NOT_YOUR_FAULT, Outcome, PartResult, SubmissionResult, status_for
from grader.rubric import Part
from grader.sandbox import Sandbox, SandboxFailure
from grader.submission import UNREAD_EQUATION, Answers, read_submission
from grader.text import grade_text



def grade_sections(
    part: Part, answer: str, reference_formula: str | None, constants: dict, reference_answer: str | None = None
) -> list[Outcome]:
    """Grade one answer with each engine its part uses. Runs inside the sandbox worker."""
    outcomes = []
    if part.formula is not None:
        assert reference_formula is not None  # load_assignment refuses formula parts without one
        outcomes.append(grade_formula(answer, reference_formula, part.formula, constants=constants))
    if part.text is not None:
        outcomes.append(grade_text(answer, part.text, reference_answer))
    return outcomes


def _failed_outcome(part: Part, message: str, details: dict | None = None, *, reason: str | None = None) -> Outcome:
    engine = "formula" if part.formula is not None else "text"
    return Outcome(
        engine=engine, score=0.0, max_score=part.points, status="invalid", error=message,
        needs_review=True, review_reasons=[reason or message], details=details or {},
    )


def unchecked_part(part: Part, message: str, *, reason: str) -> PartResult:
    """A part the grader could not check at all (a crash, a run that stopped): 0 for now, flagged for the staff."""
    return PartResult(id=part.id, title=part.title, score=0.0, max_score=part.points, status="invalid",
                      outcomes=[_failed_outcome(part, message, reason=reason)])


def submission_notes(answers: Answers) -> list[str]:
    """What the student is told about the submission as a whole: the file graded, what was ignored and why."""
    return ([f"Graded {inline_code(answers.source)}."] if answers.source else []) + list(answers.notes)


def grade_part(part: Part, answer: str | None, assignment: Assignment, sandbox: Sandbox | None) -> PartResult:
    """Grade one part. Never raises: every failure becomes an `invalid` part with a message."""
    if answer is None:
        return PartResult(id=part.id, title=part.title, score=0.0, max_score=part.points, status="missing")
    ref = assignment.reference.parts.get(part.id)
    args = (part, answer, ref.formula if ref else None, assignment.reference.constants, ref.answer if ref else None)
    try:
        outcomes = sandbox.run(grade_sections, *args) if sandbox else grade_sections(*args)
    except SandboxFailure as failure:
        reason = {
            "timeout": "Your answer could not be checked: checking it took longer than the time limit.",
            "memory": "Your answer could not be checked: checking it needed more memory than allowed.",
        }.get(failure.kind, f"Your answer could not be checked because the grader failed. {NOT_YOUR_FAULT}")
        outcomes = [_failed_outcome(part, reason, {"failure": failure.kind, "trace": failure.detail})]
    except Exception:  # noqa: BLE001 - one part's failure must not stop the others
        message = f"Your answer could not be checked because the grader failed. {NOT_YOUR_FAULT}"
        outcomes = [_failed_outcome(part, message, {"failure": "crash", "trace": traceback.format_exc(limit=20)})]
    return combine(part, answer, outcomes)


def grade_answer(part: Part, answers: Answers, assignment: Assignment, sandbox: Sandbox | None) -> PartResult:
    """Grade the submission's answer to one part, as its format was read (see `Answers.review`, `layout_math`)."""
    answer = answers.get(part.id)
    if answers.review and answer is None:
        # Nothing of this part could be read as text (a scan): a person grades it; it is never called missing.
        message = f"Your answer to this part could not be read as text. {markdown_text(answers.review)}"
        return unchecked_part(part, message, reason=answers.review)
    if answer is None and answers.kind:
        return _missing_from(part, answers.kind)
    result = grade_part(part, answer, assignment, sandbox)
    confidence = answers.scan.confidence_of(answer) if answers.scan and answer else None
    if confidence is not None:
        result = _read_from_scan(part, result, confidence)
    elif answers.layout_math and result.answer:
        result = _layout_read(result, answers.kind or "file")
    if UNREAD_EQUATION in (answer or ""):
        result = _unread_equation(part, result, answers.kind or "document")
    if answers.review:  # part of the file could not be read (scanned pages): what was read is graded, and checked
        result = result.model_copy(update={"outcomes": [
            o.model_copy(update={"needs_review": True, "review_reasons": [*o.review_reasons, answers.review]})
            for o in result.outcomes]})
    return result


def _unread_equation(part: Part, result: PartResult, kind: str) -> PartResult:
    """An answer holding an equation of the document that could not be read: what was read is graded for now
    (the placeholder itself reads as no formula), and a person grades the part."""
    said = (f"An equation in this answer could not be read from your {kind}, so a TA will grade this part. "
            "What could be read was graded for now.")
    reason = f"an equation in this answer could not be read from the {kind}"
    outcomes = [o.model_copy(update={"feedback": [said, *o.feedback], "needs_review": True,
                                     "review_reasons": [*o.review_reasons, reason]}) for o in result.outcomes]
    return combine(part, result.answer or "", outcomes)


def _missing_from(part: Part, kind: str) -> PartResult:
    """No answer to a part was found in a converted document (a PDF, a Word or LaTeX file): its headings and
    numbering are read from the layout, which can miss one, so the 0 is checked by a person, never silent."""
    message = (f"No answer to this part was found in your {kind}, so it scores 0 for now. Headings and numbered "
               f"items are read from the document's layout and one may have been missed: a TA will check "
               f"whether your answer to {inline_code(part.id)} is there.")
    outcome = Outcome(engine="formula" if part.formula is not None else "text", score=0.0, max_score=part.points,
                      status="missing", feedback=[message], needs_review=True,
                      review_reasons=[f"no answer to this part was found in the {kind}"])
    return PartResult(id=part.id, title=part.title, score=0.0, max_score=part.points, status="missing",
                      outcomes=[outcome])


# Around a layout-read answer's graded formula, a line of math with no words (or such a rest of its own line)
# is layout the formula did not use: an exponent raised past a fraction, read as a line of its own, say.
_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[^\W\d_]{2,}")
_MATH_SIGN = re.compile(r"[0-9=+\-*/^_<>|\\≠≤≥±×÷·%√∑∫]")


def _unused_math(answer: str, formula: str | None) -> str | None:
    lines = answer.splitlines()
    at = next((i for i, line in enumerate(lines) if formula and formula in line), None)
    if at is None:
        return None
    before, _, after = lines[at].partition(formula)
    if before.rstrip().endswith("="):  # a left-hand side the formula engine took off (`h_T = ...`)
        before = before[:before.rfind("$") + 1]
    around = [before + " " + after, *lines[max(0, at - 1):at], *lines[at + 1:at + 2]]
    for text in around:
        text = " ".join(text.replace("$", " ").split())
        if text and _MATH_SIGN.search(text) and not _WORD.search(_COMMAND.sub(" ", text)):
            return text
    return None


def _as_read(answer: str | None) -> str:
    """An answer as the student is shown it was read from their document: on one line, cut, as code."""
    return inline_code(" ".join((answer or "").split())[:300])


def _layout_read(result: PartResult, kind: str) -> PartResult:
    """Math rebuilt from a page's layout may be misread: a formula that did not read, or did not score in
    full, is shown to the student as read and goes to a person, never a silent verdict. One that scored in
    full keeps its score, but goes to a person too when part of the layout around it was not used."""
    said = f"I read this from your {kind} as: {_as_read(result.answer)}"
    outcomes = []
    for outcome in result.outcomes:
        if outcome.engine == "formula" and outcome.score >= outcome.max_score:
            unused = _unused_math(result.answer or "", outcome.details.get("formula"))
            if unused:
                outcome = outcome.model_copy(update={
                    "feedback": [f"{said}. The formula I graded leaves out {inline_code(unused[:100])}: a TA will "
                                 "check the reading.", *outcome.feedback],
                    "needs_review": True, "review_reasons": [
                        *outcome.review_reasons, f"the formula read from the {kind}'s layout leaves out {unused[:100]!r}"]})
        elif outcome.engine == "formula":
            outcome = outcome.model_copy(update={
                "error": f"{said}\n\n{outcome.error}" if outcome.error else outcome.error,
                "feedback": outcome.feedback if outcome.error else [said, *outcome.feedback],
                "needs_review": True, "review_reasons": [
                    *outcome.review_reasons, f"the formula was read from the {kind}'s layout and may be misread"]})
        outcomes.append(outcome)
    return result.model_copy(update={"outcomes": outcomes})


def _read_from_scan(part: Part, result: PartResult, confidence: float) -> PartResult:
    """An answer OCR read from a scan: its text is graded for now, shown as read and checked by a person; a
    formula OCR read is not checked at all (a misread script or fraction would be a silent wrong verdict)."""
    said = f"I read this from a scan with confidence {confidence:.0f}%: {_as_read(result.answer)}"
    outcomes = []
    for outcome in result.outcomes:
        if outcome.engine == "formula":
            message = f"{said}\n\nA formula read from a scan is not checked automatically; a person will grade it."
            outcome = outcome.model_copy(update={
                "score": 0.0, "status": "invalid", "error": message, "feedback": [message], "needs_review": True,
                "review_reasons": [f"the formula is in a scan (OCR confidence {confidence:.0f}%)"]})
        else:
            outcome = outcome.model_copy(update={
                "feedback": [said, *outcome.feedback], "needs_review": True,
                "review_reasons": [*outcome.review_reasons, f"the text was read by OCR (confidence {confidence:.0f}%)"]})
        outcomes.append(outcome)
    return combine(part, result.answer or "", outcomes)


def _flag_unchecked(outcome: Outcome) -> Outcome:
    # An answer the grader could not read or check is exactly what a person should look at. Outcomes may be
    # shared through a cache, so flag a copy.
    if outcome.status != "invalid" or outcome.needs_review:
        return outcome
    # The reviewer sees the reason the student was given (its first line: a caret drawing may follow).
    detail = (outcome.error or "").strip().splitlines()
    reason = f"the {outcome.engine} could not be read or checked" + (f": {detail[0]}" if detail else "")
    return outcome.model_copy(update={"needs_review": True, "review_reasons": [*outcome.review_reasons, reason]})


def combine(part: Part, answer: str, outcomes: list[Outcome]) -> PartResult:
    outcomes = [_flag_unchecked(o) for o in outcomes]
    score = min(part.points, max(0.0, sum(o.score for o in outcomes)))
    if outcomes and all(o.status == "invalid" for o in outcomes):
        status = "invalid"
    else:
        status = status_for(score, part.points)
    return PartResult(
        id=part.id, title=part.title, score=round(score, 4), max_score=part.points,
        status=status, answer=answer, outcomes=outcomes,
    )


def grade_answers(answers: Answers, assignment: Assignment, *, submission: str, sandbox: Sandbox | None) -> SubmissionResult:
    """Grade answers that were already read (batch grading starts here; `grader explain` calls grade_part)."""
    started = time.perf_counter()
    parts = [grade_answer(part, answers, assignment, sandbox) for part in assignment.rubric.parts]
    return SubmissionResult(
        assignment=assignment.id, submission=submission, parts=parts, notes=submission_notes(answers),
        execution_time=round(time.perf_counter() - started, 4),
    )


def grade_submission(path: Path, assignment: Assignment, *, sandbox: Sandbox | None = None) -> SubmissionResult:
    """Read and grade one submission (a folder or a single answers file)."""
    started = time.perf_counter()
    own = sandbox is None
    box = sandbox or Sandbox()
    try:
        answers = read_submission(path, assignment.part_ids, sandbox=box)
        result = grade_answers(answers, assignment, submission=path.name, sandbox=box)
    finally:
        if own:
            box.close()
    result.execution_time = round(time.perf_counter() - started, 4)
    return result
