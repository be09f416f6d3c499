"""The interface the pipeline and the CLI call: names, signatures, what every outcome carries."""

from __future__ import annotations

import inspect

import pytest
import sympy as sp
from pydantic import ValidationError

from grader.formula import (
    FormulaSpec,
    ReadError,
    ReadOk,
    Verdict,
    check_equivalence,
    grade_formula,
    read_formula,
)

SPEC = FormulaSpec(variables={"n": {}}, points=10,
                   wrong_answers=[{"answer": "n(n-1)/2", "points": 5, "feedback": "Forgot the diagonal."}])


def test_signatures():
    assert list(inspect.signature(grade_formula).parameters) == ["answer", "reference", "spec", "constants"]
    assert inspect.signature(grade_formula).parameters["constants"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(read_formula).parameters) == ["text", "spec", "constants"]
    assert list(inspect.signature(check_equivalence).parameters)[:3] == ["a", "b", "spec"]


def test_read_formula_success_has_expression_and_latex():
    res = read_formula("n(n+1)/2", SPEC)
    assert isinstance(res, ReadOk) and res.ok
    n = sp.Symbol("n", integer=True, positive=True)
    assert sp.simplify(res.expr - n * (n + 1) / 2) == 0
    assert res.latex == r"\frac{n \left(n + 1\right)}{2}"


def test_read_formula_failure_has_offset_and_caret():
    res = read_formula("n(n+1)/2 + N", SPEC)
    assert isinstance(res, ReadError) and not res.ok
    assert res.offset == 11
    assert res.caret() == "n(n+1)/2 + N\n           ^"
    assert "did you mean `n`" in res.message
    assert res.student_message().endswith("```\nn(n+1)/2 + N\n           ^\n```")


def test_outcome_of_a_correct_answer():
    out = grade_formula("\\binom{n+1}{2}", "n(n+1)/2", SPEC)
    assert (out.engine, out.status, out.score, out.max_score) == ("formula", "correct", 10, 10)
    assert out.reading == r"$$\binom{n + 1}{2}$$"
    assert out.details["verdict"] == "equivalent"
    assert out.details["latex"] == r"\binom{n + 1}{2}"
    assert out.details["canonical"].startswith("values:")
    assert out.items[0].hit and out.items[0].points == 10
    assert "equivalent" in out.feedback[0]


def test_outcome_of_a_known_wrong_answer():
    out = grade_formula("(n^2-n)/2", "n(n+1)/2", SPEC)
    assert (out.status, out.score) == ("partial", 5)
    assert out.details["verdict"] == "not_equivalent"
    assert out.details["matched_wrong_answer"] == 0
    assert "Forgot the diagonal." in out.feedback
    assert [i.id for i in out.items] == ["equivalence", "wrong_answer:1"]


def test_outcome_of_an_unreadable_answer():
    out = grade_formula("n(n+1", "n(n+1)/2", SPEC)
    assert out.status == "invalid" and out.score == 0
    assert out.details["verdict"] == "unreadable"
    assert "```" in out.error and "^" in out.error


def test_the_reading_says_how_1_over_2n_was_read():
    out = grade_formula("1/2n(n+1)", "n(n+1)/2", SPEC)
    assert out.status == "correct"
    assert out.reading == r"$$\frac{1}{2} \cdot n \left(n + 1\right)$$"
    assert any("dividing by `2` only" in f for f in out.feedback)
    assert read_formula("1/(2n)", SPEC).latex == r"\frac{1}{2 n}"


def test_bad_reference_or_spec_is_could_not_check():
    out = grade_formula("n", "n(n+", SPEC)
    assert out.status == "invalid" and out.details["verdict"] == "could_not_check"
    for bad in (["n is prime"], ["m < n"]):
        with pytest.raises(ValidationError):  # caught when the rubric is loaded, not when grading
            FormulaSpec(variables={"n": {}}, constraints=bad, points=1)
    with pytest.raises(ValidationError):
        FormulaSpec(variables={"n": {}}, sequences={"x": {}})


def test_check_equivalence_returns_a_verdict():
    v = check_equivalence("n^2 - n", "n(n-1)", SPEC)
    assert isinstance(v, Verdict) and v.equivalent and v.reason
    v = check_equivalence("n^2", "n(n-1)", SPEC)
    assert v.verdict == "not_equivalent" and "n = " in v.counterexample


def test_references_are_parsed_once():
    a = read_formula("(t+1)(2n-t)/2", FormulaSpec(variables={"n": {}, "t": {}}))
    b = read_formula("(t+1)(2n-t)/2", FormulaSpec(variables={"n": {}, "t": {}}))
    assert a is b


def test_a_check_reads_and_evaluates_only_the_answer(monkeypatch):
    """The reference and the wrong answers are read, and evaluated at each sample point, once per part."""
    from grader.formula import grade
    from grader.formula.checking import equivalence

    spec = FormulaSpec(variables={"n": {}}, points=10, seed=20261126,  # a spec of its own: nothing cached yet
                       wrong_answers=[{"answer": "n(n-1)/2", "points": 5, "feedback": "Forgot the diagonal."}])
    reads: list[str] = []
    evaluated: list[str] = []
    read, value_at = grade.read_formula, equivalence.value_at
    monkeypatch.setattr(grade, "read_formula", lambda text, *a, **k: reads.append(text) or read(text, *a, **k))
    monkeypatch.setattr(equivalence, "value_at", lambda f, *a, **k: evaluated.append(f.text) or value_at(f, *a, **k))
    answers = ["n^2/2 + n/2", "(n^2 - n)/2", "n^2", "n(n+1)/2 + 1", "n(n+1)/2 * (n-1)/(n-1)"]
    outs = [grade_formula(answer, "n(n+1)/2", spec) for answer in answers]
    assert [o.status for o in outs] == ["correct", "partial", "incorrect", "incorrect", "incorrect"]
    assert sorted(reads) == sorted(["n(n+1)/2", "n(n-1)/2", *answers])
    points = len(equivalence.sample_points(spec))
    assert evaluated.count("n(n+1)/2") <= points and evaluated.count("n(n-1)/2") <= points


def test_grade_formula_never_raises_on_odd_input():
    for answer in (None, 3, b"n", "n" * 30_000):
        out = grade_formula(answer, "n", SPEC)  # type: ignore[arg-type]
        assert out.status == "invalid"
