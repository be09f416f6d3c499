"""Properties of the reader and the grader on generated inputs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grader.formula import (
    FormulaSpec,
    ReadError,
    ReadOk,
    check_equivalence,
    grade_formula,
    read_formula,
)

SPEC = FormulaSpec(variables={"n": {}, "t": {}}, constraints=["t < n"], points=4,
                   wrong_answers=[{"answer": "n t", "points": 1, "feedback": "no"}])
PIECES = ["n", "t", "2", "0.5", "(", ")", "{", "}", "+", "-", "*", "/", "^", "!", " ", ",", "_", "=", "...",
          "\\frac", "\\binom", "\\cdot", "\\sum_{i=1}^{n}", "i", "\\left(", "\\right)", "\\lfloor", "\\rfloor",
          "binomial(", "C(", "min(", "max(", "floor(", "log", "sqrt", "$", "$$", "²", "½", "·", "−", "ｎ",
          "N", "x", "\\input", "__", ".", "'", "\x00", "é", "\n", "answer:", "dot products"]

texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
    st.text(max_size=60),
)


@given(texts)
def test_reader_returns_success_or_a_located_failure(text):
    res = read_formula(text, SPEC)
    assert isinstance(res, (ReadOk, ReadError))
    if isinstance(res, ReadError):
        assert 0 <= res.offset <= len(text)
        assert res.message
        assert "^" in res.caret()
    else:
        assert res.latex


@given(texts)
def test_grading_never_raises(text):
    out = grade_formula(text, "(t+1)(2n-t)/2", SPEC)
    assert out.status in ("correct", "partial", "incorrect", "invalid")
    assert 0 <= out.score <= 4
    assert out.details["verdict"] in ("equivalent", "not_equivalent", "undecided", "unreadable", "could_not_check")
    if out.status == "invalid":
        assert out.error


def _formulas():
    leaves = st.sampled_from(["n", "t", "1", "2", "3", "0.5", "(n+1)"])

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda x: f"({x[0]}{x[1]}{x[2]})"),
            st.tuples(inner, inner).map(lambda x: f"{x[0]}({x[1]})"),  # implicit multiplication
            st.tuples(inner, st.sampled_from(["2", "3"])).map(lambda x: f"{x[0]}^{x[1]}"),
            st.tuples(inner, inner).map(lambda x: f"\\frac{{{x[0]}}}{{{x[1]}}}"),
            st.tuples(inner, inner).map(lambda x: f"min({x[0]}, {x[1]})"),
            inner.map(lambda x: f"floor({x})"),
            st.sampled_from(["binomial(n, 2)", "t!", "\\binom{n}{t}", "\\sum_{i=1}^{n} i"]),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@given(_formulas())
def test_the_reading_reads_back_to_the_same_formula(text):
    first = read_formula(text, SPEC)
    if isinstance(first, ReadError):  # constant parts such as 1/(1-1) are refused, with a reason
        assert "undefined" in first.message or "too large" in first.message, first
        return
    again = read_formula(first.latex, SPEC)
    assert isinstance(again, ReadOk), (first.latex, again)
    verdict = check_equivalence(first, again, SPEC, prove=False)
    assert verdict.verdict in ("equivalent", "undecided"), (text, first.latex, verdict)


Q1 = FormulaSpec(variables={"T": {}}, constraints=["T even"], length="T", targets=["h_T"], find_in_text=True,
                 sequences={"x": {"role": "input"}, "h": {"role": "state", "initial": "h_0"}}, points=15,
                 recurrence_points=5)
Q1_PIECES = ["x_", "h_", "T", "t", "k", "{", "}", "(", ")", "2k", "-1", "+", "-", " ", "=", "$", "...", "\\dots",
             "\\sum_{k=1}^{T/2}", "\\sum_{t=1}^{T}", "(-1)^", "h_T = ", "h_t = ", "x_{2k}", "x_{2k-1}", "x_T",
             "h_{t-1}", "w_in", "w_rec", "h_0", ".", ",", "\n", "The output ", "even", "1", "2"]


@given(st.lists(st.sampled_from(Q1_PIECES), max_size=30).map("".join))
def test_sequence_answers_never_raise(text):
    consts = {"w_in": 1, "w_rec": -1, "w_out": 1, "h_0": 0}
    out = grade_formula(text, "h_t = w_in x_t + w_rec h_{t-1}", Q1, constants=consts)
    assert out.status in ("correct", "partial", "incorrect", "invalid")
    res = read_formula(text, Q1, constants=consts)
    if isinstance(res, ReadError):
        assert 0 <= res.offset <= len(text)
