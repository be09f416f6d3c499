"""Verdicts on answers from outside HW3 (tests/formula/data/beyond_hw3.yaml): calculus, probability, sigmoids,
formulas without variables, tolerances, the complex domain."""

from pathlib import Path

import pytest
import yaml

from grader.formula import FormulaSpec, check_equivalence, grade_formula

DATA = yaml.safe_load((Path(__file__).parent / "data" / "beyond_hw3.yaml").read_text())
SPECS = {k: FormulaSpec(points=1, **v) for k, v in DATA["specs"].items()}


@pytest.mark.parametrize("row", DATA["cases"], ids=lambda r: f"{r['spec']}:{r['answer']}~{r['reference']}")
def test_case(row):
    spec = SPECS[row["spec"]]
    verdict = check_equivalence(row["answer"], row["reference"], spec, prove=False)
    assert verdict.verdict == row["verdict"], verdict.reason
    if verdict.verdict == "not_equivalent":
        assert verdict.counterexample, "a counterexample names its point"
    assert bool(verdict.isolated) == bool(row.get("isolated")), verdict.reason
    out = grade_formula(row["answer"], row["reference"], spec)
    if row["verdict"] == "equivalent":
        assert out.score == 1 and out.needs_review == bool(row.get("review")), out.feedback
        if row.get("isolated"):
            assert any("isolated point" in f for f in out.feedback)
    elif row["verdict"] == "not_equivalent":
        assert out.score == 0 and out.status == "incorrect"
