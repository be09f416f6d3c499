"""The engine's fast paths change no grade: every case graded with them and without them (`grader.formula.fast`)
gives the same outcome, field by field (score, status, verdict, feedback, grouping key, reading, ...).

Inputs: the formula case table (tests/formula/cases/), the answers from outside HW3 (data/beyond_hw3.yaml), and
answers to HW3's parts written with an explicit `...` pattern, where the pattern fast path does its work.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from grader.formula import FormulaSpec, check_equivalence, fast, grade_formula

from .conftest import REFERENCE, part_spec, reference_formula

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "cases"))

from table import load_cases  # noqa: E402

_BEYOND = yaml.safe_load((HERE / "data" / "beyond_hw3.yaml").read_text(encoding="utf-8"))
# Patterns: sums and alternating sums of a sequence, written forwards, backwards, grouped, empty at the edge.
_PATTERNS = [
    ("1", "h_T = x_2 - x_1 + x_4 - x_3 + \\dots + x_T - x_{T-1}"),
    ("1", "h_T = x_T - x_{T-1} + x_{T-2} - x_{T-3} + \\cdots + x_2 - x_1"),
    ("1", "h_T = (x_2 - x_1) + (x_4 - x_3) + \\ldots + (x_T - x_{T-1})"),
    ("1", "h_T = x_1 - x_2 + x_3 - x_4 + \\dots + x_{T-1} - x_T"),
    ("1", "h_T = x_1 + x_2 + \\dots + x_T"),
    ("1", "h_T = 2x_2 - 2x_1 + 2x_4 - 2x_3 + \\dots + 2x_T - 2x_{T-1}"),
    ("4.1", "1 + 2 + 3 + \\dots + n"),
    ("4.1", "n + (n-1) + \\dots + 2 + 1"),
    ("4.1", "1 + 2 + \\cdots + (n-1)"),
    ("4.1", "\\frac{1}{2} + 1 + \\frac{3}{2} + \\dots + \\frac{n}{2}"),
    ("4.1", "1 + 2 + 4 + \\dots + 2^n"),
    ("4.1", "1 \\cdot 2 \\cdots n"),
    ("4.1", "0.5 + 1 + 1.5 + \\dots + n/2"),
    ("4.2", "(n) + (n-1) + \\dots + (n-t)"),
    ("4.2", "1 + 2 + \\dots + t + (n-t)(t+1)"),
    ("4.3", "\\frac{n}{w}(1 + 2 + \\dots + w)"),
]


def _cases() -> list[tuple[str, str, str, FormulaSpec, dict | None]]:
    """(id, answer, reference, spec, constants) of every input."""
    out = []
    for case in load_cases():
        try:
            spec = FormulaSpec.model_validate(case.spec_data())
        except ValueError:
            continue  # a spec the rubric model refuses is not graded at all
        out.append((case.id, case.answer, case.reference, spec, None))
    specs = {k: FormulaSpec(points=1, **v) for k, v in _BEYOND["specs"].items()}
    for i, row in enumerate(_BEYOND["cases"]):
        out.append((f"beyond_hw3-{i}", row["answer"], row["reference"], specs[row["spec"]], None))
    for i, (part, answer) in enumerate(_PATTERNS):
        out.append((f"pattern-{i}", answer, reference_formula(part), part_spec(part), REFERENCE.constants))
    return out


CASES = _cases()


def _grade_all(on: bool) -> dict[str, dict]:
    fast.set_enabled(on)  # also forgets what was cached under the other setting
    try:
        graded = {}
        for cid, answer, reference, spec, constants in CASES:
            out = grade_formula(answer, reference, spec, constants=constants).model_dump()
            verdict = check_equivalence(answer, reference, spec, constants=constants, prove=False)
            graded[cid] = {"outcome": out, "verdict": verdict}
        return graded
    finally:
        fast.set_enabled(True)


@pytest.fixture(scope="module")
def both() -> tuple[dict, dict]:
    return _grade_all(False), _grade_all(True)


def test_every_input_is_graded() -> None:
    assert len(CASES) >= 630 + len(_BEYOND["cases"]) + len(_PATTERNS) - 5  # a few specs may be refused


def test_fast_paths_change_no_outcome(both) -> None:
    plain, quick = both
    differ = [cid for cid in plain if plain[cid] != quick[cid]]
    shown = [(cid, plain[cid]["outcome"]["details"], quick[cid]["outcome"]["details"]) for cid in differ[:3]]
    assert not differ, f"{len(differ)} inputs graded differently with the fast paths: {shown}"


def test_the_patterns_are_evaluated(both) -> None:
    # The pattern fast path is exercised: most of these answers are decided, not left undecided.
    _, quick = both
    decided = [cid for cid in quick if cid.startswith("pattern-")
               and quick[cid]["outcome"]["details"]["verdict"] in ("equivalent", "not_equivalent")]
    assert len(decided) >= len(_PATTERNS) - 3


def test_the_switch_reaches_the_engine() -> None:
    # With the switch off, the parse and the patterns take the plain path (their caches stay empty).
    from grader.formula.checking import patterns

    fast.set_enabled(False)
    try:
        grade_formula("1 + 2 + \\dots + n", reference_formula("4.1"), part_spec("4.1"))
        assert not patterns._PLANS
    finally:
        fast.set_enabled(True)
    grade_formula("1 + 2 + \\dots + n", reference_formula("4.1"), part_spec("4.1"))
    assert patterns._PLANS
