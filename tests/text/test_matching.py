"""Matching behaviour of the free-text engine, driven by tests/text/matching_cases.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.rubric import Rubric
from grader.text import TextSpec, grade_text, lexicon

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = yaml.safe_load((HERE / "matching_cases.yaml").read_text())
RUBRIC = Rubric.model_validate(yaml.safe_load((ROOT / "rubrics" / "hw3.yaml").read_text()))


def _spec(case: dict) -> TextSpec:
    if "part" in case:
        spec = RUBRIC.part(case["part"]).text
        assert spec is not None
        return spec
    return TextSpec.model_validate({"points": 10, **case["spec"]})


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matching(case: dict) -> None:
    if case.get("wordnet") and not lexicon.available():
        pytest.skip("WordNet is not installed (apt-get install wordnet-base)")
    outcome = grade_text(case["answer"], _spec(case), case.get("reference"))
    items = {i.id: i for i in outcome.items}
    found = set(outcome.details["concepts_found"])
    context = f"{outcome.details}\n{outcome.feedback}\n{outcome.review_reasons}"
    for cid in case.get("found", []):
        assert cid in found, context
    for cid in case.get("not_found", []):
        assert cid not in found, context
    if "swapped" in case:
        assert set(case["swapped"]) <= set(outcome.details["swapped"]), context
        if not case["swapped"]:
            assert not outcome.details["swapped"], context
    for cid in case.get("negated", []):
        assert cid in outcome.details["negated"], context
    if "misconceptions" in case:
        assert sorted(outcome.details["misconceptions_found"]) == sorted(case["misconceptions"]), context
    if "score" in case:
        assert outcome.score == pytest.approx(case["score"]), context
    if "status" in case:
        assert outcome.status == case["status"], context
    for flag in case.get("flags", []):
        assert any(flag in r for r in outcome.review_reasons), context
    for flag in case.get("not_flags", []):
        assert not any(flag in r for r in outcome.review_reasons), context
    for cap in case.get("caps", []):
        assert any(cap in c for c in outcome.details["caps"]), context
    if "partly" in case:
        assert outcome.details["partly"] == case["partly"], context
    if case.get("no_flags"):
        assert not outcome.needs_review and not outcome.review_reasons, context
    for text in case.get("feedback", []):
        assert any(text in f for f in outcome.feedback), context
    for item_id, words in case.get("evidence", {}).items():
        assert items[item_id].evidence is not None and words.lower() in items[item_id].evidence.lower(), context
