"""`grade_formula`: read the answer, compare it with the reference and the known wrong answers, say why.

    verdict (details)   status                       score
    equivalent          correct                      the formula's points (`recurrence_points` for a recurrence)
    not_equivalent      partial / incorrect          the matched wrong answer's points, else 0
    undecided           invalid, needs review        0 (or a matched wrong answer's points): never a silent "wrong"
    unreadable          invalid                      0, `error` holds the message and the caret
                        (incorrect for a prose-only answer to a `find_in_text` part: no formula was written)
    could_not_check     invalid, needs review        0 (bad reference, internal failure)

`details`: verdict, latex, canonical (equal for answers decided equivalent: the key of the reference's values, or of
the matched wrong answer's), reason, method (sampling | proof | counterexample | none), points_checked,
counterexample, matched_wrong_answer (index or None), formula (the text read), recurrence, notes.
"""

from __future__ import annotations

import hashlib
import logging

from grader.escape import inline_code
from grader.formula.checking.domain import NO_VARIABLES
from grader.formula.checking.equivalence import Values, Verdict, compare, fingerprint
from grader.formula.reading.read import (
    Constants,
    ReadError,
    ReadOk,
    ReadResult,
    exact_constants,
)
from grader.formula.checking.bounds import read_formula
from grader.formula.spec import FormulaSpec, spec_key
from grader.results import ItemResult, Outcome, status_for

log = logging.getLogger(__name__)

CANONICAL_POINTS = 14  # values at the first sample points make the grouping key of an answer
COULD_NOT_CHECK = "Your answer could not be checked automatically; a TA will look at it."


def grade_formula(
    answer: str,
    reference: str,
    spec: FormulaSpec,
    *,
    constants: dict[str, int | float] | None = None,
) -> Outcome:
    """Grade one formula answer against the reference. Never raises: a failure is status `invalid`."""
    max_score = float(spec.points or 0.0)
    try:
        return _grade(answer, reference, spec, constants, max_score)
    except Exception as exc:
        log.exception("formula grading failed")
        return _could_not_check(max_score, f"internal error: {type(exc).__name__}: {str(exc)[:200]}")


def _could_not_check(max_score: float, why: str, latex: str | None = None) -> Outcome:
    return Outcome(
        engine="formula",
        score=0.0,
        max_score=max_score,
        status="invalid",
        reading=f"$${latex}$$" if latex else None,
        error=COULD_NOT_CHECK,
        feedback=[COULD_NOT_CHECK],
        needs_review=True,
        review_reasons=[f"formula could not be checked: {why}"],
        details={"verdict": "could_not_check", "latex": latex, "canonical": None, "reason": why},
    )


def _canonical(vals: Values) -> str:
    n = min(len(vals), CANONICAL_POINTS)
    text = "|".join(fingerprint(v) if not isinstance(v, Exception) else "undef" for v in (vals[i] for i in range(n)))
    return "values:" + hashlib.sha1(text.encode()).hexdigest()[:16]


class _Part:
    """What grading needs of a part besides the answer: the reference and the known wrong answers read, their
    values at the sample points (each computed on first use, then kept) and their grouping keys. Built once per
    reference text, spec and constants (`_part`), so that a check reads and evaluates only the student's answer."""

    __slots__ = ("consts", "ref", "ref_key", "ref_values", "wrong", "wrong_keys")

    def __init__(self, reference: str, spec: FormulaSpec, constants, consts: Constants) -> None:
        self.consts = consts
        self.ref: ReadResult = read_formula(reference, spec, constants=constants)
        self.ref_values: Values | None = None
        self.ref_key: str | None = None
        if isinstance(self.ref, ReadOk):
            self.ref_values = Values(self.ref, spec, consts)
            self.ref_key = _canonical(self.ref_values)
        wrong: list[tuple[int, ReadOk, Values]] = []
        for i, wa in enumerate(spec.wrong_answers):
            wr = read_formula(wa.answer, spec, constants=constants)
            if isinstance(wr, ReadOk):  # `grader check` reports a wrong answer that cannot be read
                wrong.append((i, wr, Values(wr, spec, consts)))
        self.wrong = tuple(wrong)
        self.wrong_keys = {i: _canonical(v) for i, _, v in wrong}


_PARTS: dict[tuple, _Part] = {}
_PARTS_SIZE = 256  # parts, not answers: a run grades a handful of assignments


def _part(reference: str, spec: FormulaSpec, constants, consts: Constants) -> _Part:
    """The part's reference and wrong answers, cached by the reference's text, what of the spec reads and samples
    them (`spec_key`: the spec's JSON, computed once per spec object) and the constants' values."""
    key = (reference, spec_key(spec, "grade"), consts.key)
    hit = _PARTS.get(key)
    if hit is None:
        hit = _Part(reference, spec, constants, consts)
        if len(_PARTS) >= _PARTS_SIZE:
            _PARTS.clear()
        _PARTS[key] = hit
    return hit


def _grade(answer: str, reference: str, spec: FormulaSpec, constants, max_score: float) -> Outcome:
    consts = exact_constants(constants)
    part = _part(reference, spec, constants, consts)
    ref = part.ref
    if isinstance(ref, ReadError):
        return _could_not_check(max_score, f"the reference formula could not be read: {ref.message}")
    stu = read_formula(answer, spec, constants=constants)
    if isinstance(stu, ReadError):
        return _unreadable(stu, spec, max_score)
    stu_values = Values(stu, spec, consts)  # shared by the comparisons below and the grouping key
    verdict = compare(stu, ref, spec, consts, prove=False, va=stu_values, vb=part.ref_values)
    feedback: list[str] = []
    items: list[ItemResult] = []
    review: list[str] = []
    matched: int | None = None
    score = 0.0
    if verdict.verdict == "equivalent":
        recurrence_only = stu.is_recurrence and spec.recurrence_points is not None
        score = min(spec.recurrence_points or 0.0, max_score) if recurrence_only else max_score
        said = spec.recurrence_feedback if recurrence_only else "Equivalent to the expected formula."
        feedback.append("Your recurrence is equivalent to the expected answer." if recurrence_only
                        else "Your answer is equivalent to the expected formula.")
        if recurrence_only:
            feedback.append(spec.recurrence_feedback)
        if verdict.isolated:
            feedback.append(f"Your formula has no value at {verdict.isolated}, an isolated point where the expected "
                            "formula has one; everywhere else they agree, so it is counted as equivalent."
                            if spec.isolated_points == "accept" else
                            f"Your formula has no value at {verdict.isolated}, an isolated point where the expected "
                            "formula has one; everywhere else they agree. A TA will decide whether that counts.")
            if spec.isolated_points == "review":
                review.append(f"equivalent except at an isolated point: {verdict.isolated}")
        items.append(ItemResult(id="recurrence" if recurrence_only else "equivalence",
                                label="A correct recurrence, not solved" if recurrence_only
                                else "Equivalent to the reference formula",
                                points=score, max_points=max_score, hit=True, evidence=stu.text, feedback=said))
    else:
        matched = _matching_wrong_answer(stu, stu_values, spec, part)
        feedback.append(_verdict_sentence(verdict, matched))
        items.append(ItemResult(id="equivalence", label="Equivalent to the reference formula", points=0.0,
                                max_points=max_score, hit=False, evidence=stu.text, feedback=feedback[0]))
        if matched is not None:
            wa = spec.wrong_answers[matched]
            score = min(wa.points, max_score)
            feedback.append(wa.feedback)
            items.append(ItemResult(id=f"wrong_answer:{matched + 1}", label=f"Known wrong answer `{wa.answer}`",
                                    points=score, max_points=score, hit=True, evidence=stu.text,
                                    feedback=wa.feedback))
        if verdict.verdict == "undecided":
            review.append(f"formula equivalence undecided: {verdict.reason}")
    feedback.extend(stu.notes)
    ignored = _ignored_words(stu)
    if ignored and verdict.verdict == "equivalent":  # never full marks for a formula whose words may change it
        feedback.append(ignored)
        review.append(f"formula read without the words next to it: {', '.join(stu.ignored)}")
        score = 0.0
    elif ignored:
        feedback.append(ignored)
        review.append(f"formula read without the words next to it: {', '.join(stu.ignored)}")
    if stu.others:  # more than one formula: the one graded may not be the one meant, or the answer hedges
        shown = ", ".join(inline_code(o) for o in stu.others[:3])
        feedback.append(f"Your answer has more than one formula; I graded {inline_code(stu.text)} and not {shown}. "
                        "A person will check which one you meant.")
        review.append(f"the answer has several formulas; graded {stu.text!r}, not {', '.join(map(repr, stu.others[:3]))}")
    if verdict.rule != "exact":
        feedback.append(f"Numbers were compared {_rule_sentence(spec)}.")
    elif verdict.verdict == "not_equivalent" and "." in stu.text and any(c.isdigit() for c in stu.text):
        feedback.append("Numbers were compared exactly: a decimal is read as the exact number it writes "
                        "(0.33 is 33/100, not 1/3).")
    undecided = (verdict.verdict == "undecided" and matched is None) or bool(ignored and verdict.equivalent)
    return Outcome(
        engine="formula",
        score=score,
        max_score=max_score,
        status="invalid" if undecided else _status(verdict.verdict, score, max_score),
        reading=f"$${stu.latex}$$",
        error=COULD_NOT_CHECK if undecided else None,
        items=items,
        feedback=feedback,
        needs_review=bool(review),
        review_reasons=review,
        details={
            "verdict": verdict.verdict,
            "latex": stu.latex,
            "canonical": _group_key(stu, stu_values, verdict, matched, spec, part),
            "reason": verdict.reason,
            "method": verdict.method,
            "points_checked": verdict.points,
            "counterexample": verdict.counterexample,
            "matched_wrong_answer": matched,
            "formula": stu.text,
            "recurrence": stu.is_recurrence,
            "notes": list(stu.notes),
            "isolated": verdict.isolated,
            "rule": verdict.rule,
        },
    )


def _ignored_words(stu: ReadOk) -> str:
    if not stu.ignored:
        return ""
    words = ", ".join(f"`{w}`" for w in stu.ignored)
    return (f"I ignored the words {words} next to your formula, which could change what it says; a TA will "
            "read your answer.")


def _rule_sentence(spec: FormulaSpec) -> str:
    if spec.tolerance is not None:
        return f"within a relative error of {spec.tolerance:g}"
    return f"to {spec.decimals} decimal place{'s' if spec.decimals != 1 else ''} (within half a unit of the last)"


def _unreadable(stu: ReadError, spec: FormulaSpec, max_score: float) -> Outcome:
    if stu.no_formula and spec.find_in_text:  # prose only, in a combined part: no formula was written
        return Outcome(
            engine="formula",
            score=0.0,
            max_score=max_score,
            status="incorrect",
            feedback=[stu.message],
            items=[ItemResult(id="equivalence", label="Equivalent to the reference formula", points=0.0,
                              max_points=max_score, hit=False, feedback=stu.message)],
            details={"verdict": "unreadable", "latex": None, "canonical": None, "reason": "no formula found"},
        )
    return Outcome(
        engine="formula",
        score=0.0,
        max_score=max_score,
        status="invalid",
        error=stu.student_message(),
        feedback=["I could not read your answer as a formula."],
        details={"verdict": "unreadable", "latex": None, "canonical": None, "reason": stu.message,
                 "offset": stu.offset},
    )


def _matching_wrong_answer(stu: ReadOk, stu_values: Values, spec: FormulaSpec, part: _Part) -> int | None:
    """The first known wrong answer equivalent to the student's (read with the same reader, once per part)."""
    for i, wr, wr_values in part.wrong:
        if compare(stu, wr, spec, part.consts, prove=False, va=stu_values, vb=wr_values).verdict == "equivalent":
            return i
    return None


def _verdict_sentence(verdict: Verdict, matched: int | None) -> str:
    if verdict.verdict == "undecided":
        return ("I could not decide whether your answer is equivalent to the expected formula; "
                "a TA will check it.")
    sentence = "Your answer is not equivalent to the expected formula"
    if matched is None and verdict.counterexample and verdict.undefined:
        return (f"{sentence}: it is undefined for {verdict.counterexample} ({verdict.undefined}), where the "
                "expected formula has a value.")
    if matched is None and verdict.counterexample == NO_VARIABLES and verdict.values:
        return f"{sentence}: its value is {verdict.values[0]}, which is not the expected value."
    if matched is None and verdict.counterexample and verdict.values:
        return f"{sentence}: for {verdict.counterexample} it gives {verdict.values[0]}."
    if matched is None and verdict.counterexample:
        return f"{sentence}: it has no value at {verdict.counterexample}."
    return sentence + "."


def _group_key(stu: ReadOk, stu_values: Values, verdict: Verdict, matched: int | None, spec: FormulaSpec,
               part: _Part) -> str:
    """Answers the engine decided are equivalent share one key: the reference's, or the matched wrong answer's
    (a bare recurrence, scored apart, gets its own group)."""
    if verdict.verdict == "equivalent" and part.ref_key is not None:
        return ("recurrence:" if stu.is_recurrence and spec.recurrence_points is not None else "") + part.ref_key
    if matched is not None and matched in part.wrong_keys:
        return part.wrong_keys[matched]
    return _canonical(stu_values)


def _status(verdict: str, score: float, max_score: float):
    if max_score <= 0:  # a formula worth no points (not from a rubric): the verdict alone decides
        return "correct" if verdict == "equivalent" else "incorrect"
    return status_for(score, max_score)


__all__ = ["Verdict", "grade_formula"]
