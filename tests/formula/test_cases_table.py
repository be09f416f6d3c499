"""The formula case table (tests/formula/cases/*.yaml): every case through the public API, judged by its `expect`.

Cases the engine does not pass yet are listed in cases/known_failures.txt and run as strict xfails: a fix turns
one into an XPASS, which fails the suite until `python tests/formula/cases/known_failures.py` shrinks the list.
"""

from __future__ import annotations

from collections import Counter

import pytest

from .cases.table import load_cases, read_known_failures, run_case

CASES = load_cases()
KNOWN = read_known_failures()
BY_ID = {c.id: c for c in CASES}


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason="known failure (cases/known_failures.txt)")] if case.id in KNOWN else []
    return pytest.param(case, id=case.id, marks=marks)


def test_table_covers_every_category_with_pairs():
    assert len(CASES) >= 400
    assert len(BY_ID) == len(CASES), "two cases grade the same thing"
    per_file = Counter(c.category for c in CASES)
    assert len(per_file) >= 15 and min(per_file.values()) >= 10, per_file
    for category in per_file:  # each correct answer has a wrong-but-close partner in its file
        kinds = Counter("eq" if c.expect == {"equivalent"} else "other" for c in CASES if c.category == category)
        assert kinds["other"] >= kinds["eq"] // 2, (category, kinds)


def test_known_failures_name_existing_cases():
    stale = sorted(KNOWN - set(BY_ID) - {"no_false_equivalent"})
    assert not stale, f"known_failures.txt names cases that no longer exist: {stale}"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case):
    judged = run_case(case)
    assert judged.ok, f"{case.answer!r} vs {case.reference!r} ({case.raw['note']}): expected " \
                      f"{'|'.join(sorted(case.expect))}, {judged.why}"


def _headline():
    judged = [(c, run_case(c)) for c in CASES]
    right = sum(j.ok for _, j in judged)
    false_eq = [c for c, j in judged if j.false_equivalent]
    print(f"\nformula case table: {right}/{len(CASES)} right ({100 * right / len(CASES):.1f}%), "
          f"{len(false_eq)} false equivalent, {len(KNOWN)} known failures")
    return right, false_eq


@pytest.mark.xfail("no_false_equivalent" in KNOWN, strict=True,
                   reason="the engine still gives silent full marks on some cases (cases/known_failures.txt)")
def test_no_false_equivalent():
    """The headline: no answer that should not get full marks silently gets them."""
    _, false_eq = _headline()
    assert not false_eq, [f"{c.id}: {c.answer!r} vs {c.reference!r}" for c in false_eq]


def test_known_failures_are_all_that_fail():
    """Same figure as the parametrized cases, as one number a run prints."""
    right, _ = _headline()
    assert right == len(CASES) - len(KNOWN & set(BY_ID))
