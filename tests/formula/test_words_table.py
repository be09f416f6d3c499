"""Words next to a formula (tests/formula/data/words.yaml): read, flagged, or harmless prose."""

from pathlib import Path

import pytest
import yaml

from grader.formula import FormulaSpec, grade_formula

CASES = yaml.safe_load((Path(__file__).parent / "data" / "words.yaml").read_text())["cases"]
SPEC = FormulaSpec(variables={"n": {}}, points=10)


@pytest.mark.parametrize("row", CASES, ids=lambda r: r["answer"])
def test_words(row):
    out = grade_formula(row["answer"], "n(n+1)/2", SPEC)
    assert (out.score, out.needs_review) == (row["score"], row["review"]), out.feedback
    if row["review"]:
        assert any(f.startswith("I ignored the words") for f in out.feedback)
    if "reading" in row:
        assert row["reading"] in out.reading
