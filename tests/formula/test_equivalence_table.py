"""The equivalence table: answers against the reference (and the rubric's known wrong answers)."""

from __future__ import annotations

import pytest

from grader.formula import FormulaSpec, check_equivalence, grade_formula

from .conftest import REFERENCE, load, part_spec, reference_formula

DATA = load("equivalence.yaml")
SPECS = {k: FormulaSpec.model_validate(v) for k, v in DATA["specs"].items()}
CASES = DATA["cases"]


def _ids(c):
    return f"{c.get('part') or c.get('spec')}:{c['answer'][:40]!r}"


def test_table_is_big_enough():
    assert len(CASES) >= 120
    kinds = {c.get("status") or c.get("verdict") for c in CASES}
    assert {"correct", "partial", "incorrect", "invalid", "equivalent", "not_equivalent"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_case(case):
    if "part" in case:
        spec, ref = part_spec(case["part"]), reference_formula(case["part"])
    else:
        spec, ref = SPECS[case["spec"]], case["reference"]
    out = grade_formula(case["answer"], ref, spec, constants=REFERENCE.constants)
    verdict = out.details["verdict"]
    if "status" in case:
        assert out.status == case["status"], (out.feedback, out.details)
    if "verdict" in case:
        allowed = case["verdict"].split("_or_") if "_or_" in case["verdict"] else [case["verdict"]]
        allowed = [a if a != "not" else "not_equivalent" for a in allowed]
        assert verdict in allowed, (out.feedback, out.details)
    if "score" in case:
        assert out.score == pytest.approx(case["score"])
    if "feedback" in case:  # what the student is told, e.g. where the answer is undefined
        assert any(case["feedback"] in f for f in out.feedback), out.feedback
    if "wrong" in case:
        assert out.details["matched_wrong_answer"] == case["wrong"] - 1
    elif out.status in ("correct",):
        assert out.details["matched_wrong_answer"] is None
    # what every outcome carries
    assert out.engine == "formula" and out.max_score == spec.points
    assert {"verdict", "latex", "canonical"} <= set(out.details)
    if verdict in ("equivalent", "not_equivalent", "undecided"):
        assert out.reading == f"$${out.details['latex']}$$"
        assert out.details["canonical"]
        assert any(("equivalent" in f) or ("decide" in f) for f in out.feedback)


def test_equivalent_answers_share_a_canonical_key():
    spec, ref = part_spec("4.1"), reference_formula("4.1")
    keys = {grade_formula(a, ref, spec).details["canonical"]
            for a in ["n(n+1)/2", "\\binom{n+1}{2}", "1 + 2 + ... + n", "0.5n^2+0.5n"]}
    assert len(keys) == 1
    other = grade_formula("n(n-1)/2", ref, spec).details["canonical"]
    assert other not in keys


def test_wrong_answers_are_not_the_reference():
    """What `grader check` asserts: no listed wrong answer is equivalent to the reference."""
    for part in ("1", "4.1", "4.2", "4.3"):
        spec = part_spec(part)
        for wa in spec.wrong_answers:
            v = check_equivalence(wa.answer, reference_formula(part), spec, constants=REFERENCE.constants)
            assert v.verdict == "not_equivalent", (part, wa.answer, v)


def test_reference_answers_grade_full_marks():
    for part in ("1", "4.1", "4.2", "4.3"):
        spec = part_spec(part)
        ref = reference_formula(part)
        out = grade_formula(REFERENCE.parts[part].answer, ref, spec, constants=REFERENCE.constants)
        assert out.status == "correct", (part, out.feedback, out.error)
        assert out.score == spec.points


def test_constants_change_what_is_correct():
    spec, ref = part_spec("1"), reference_formula("1")
    alternating = "$h_T = \\sum_{k=1}^{T/2} (x_{2k} - x_{2k-1})$"
    plain_sum = "$h_T = \\sum_{t=1}^{T} x_t$"
    constants = dict(REFERENCE.constants)
    assert grade_formula(alternating, ref, spec, constants=constants).status == "correct"
    constants["w_rec"] = 1
    assert grade_formula(alternating, ref, spec, constants=constants).status != "correct"
    assert grade_formula(plain_sum, ref, spec, constants=constants).status == "correct"
    constants["w_in"] = 2
    assert grade_formula("$h_T = 2\\sum_{t=1}^{T} x_t$", ref, spec, constants=constants).status == "correct"


def test_check_equivalence_reports_a_proof_or_the_points():
    spec = part_spec("4.1")
    v = check_equivalence("n(n+1)/2", "\\binom{n+1}{2}", spec)
    assert v.verdict == "equivalent" and v.method == "proof"
    v = check_equivalence("floor(n/2) + ceil(n/2)", "n", spec)
    assert v.verdict == "equivalent" and v.method == "sampling" and v.points >= 6
    v = check_equivalence("n^2", "n", spec)
    assert v.verdict == "not_equivalent" and v.counterexample
    v = check_equivalence("N", "n", spec)
    assert v.verdict == "unreadable"
