"""Phrase warnings of `grader check`, driven by tests/text/lint_cases.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.text import TextSpec
from grader.text.lint import phrase_warnings

CASES = yaml.safe_load((Path(__file__).parent / "lint_cases.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["phrase"] for c in CASES])
def test_phrase_warnings(case: dict) -> None:
    spec = TextSpec.model_validate(
        {"points": 5, "concepts": [{"id": "c", "label": "c", "points": 5, "phrases": [case["phrase"]]}]}
    )
    warnings = phrase_warnings(spec)
    assert all(loc == ("concepts", 0, "phrases", 0) for loc, _ in warnings)
    messages = " | ".join(m for _, m in warnings)
    for text in case["warns"]:
        assert text in messages, messages
    if not case["warns"]:
        assert not warnings, messages
