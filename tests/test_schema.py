"""The committed rubric schema (what editors read) is the one the rubric model generates."""

from __future__ import annotations

import json

from grader.rubric.schema import rubric_schema

from conftest import ROOT


def test_committed_rubric_schema_matches_the_model():
    committed = json.loads((ROOT / "rubrics" / "rubric.schema.json").read_text(encoding="utf-8"))
    assert committed == rubric_schema(), "run: grader schema > rubrics/rubric.schema.json"


def test_every_rubric_points_editors_at_the_schema():
    for rubric in (ROOT / "rubrics").glob("*.yaml"):
        assert "# yaml-language-server: $schema=rubric.schema.json" in rubric.read_text(encoding="utf-8").splitlines()[0]
