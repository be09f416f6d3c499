"""What a student sees when: per-part visibility and reference answers, data-driven over release policies."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from grader.assignment import load_assignment
from grader.autograder.metadata import metadata_from
from grader.autograder.release import release_document
from grader.grading import grade_submission
from grader.rubric.yamlio import FileProblems

from agutil import DATA, base_metadata, check_release, merged, part_tests, policy_assignment
from conftest import EXAMPLES

CASES = yaml.safe_load((DATA / "visibility_cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ada(hw3, sandbox):
    return grade_submission(EXAMPLES / "ada_markdown", hw3, sandbox=sandbox)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_release_policy(case, ada, tmp_path):
    assignment = load_assignment(policy_assignment(tmp_path, case["policy"]))
    document = release_document(assignment=assignment, graded=ada.parts, submission="ada", notes=ada.notes)
    check_release(document, assignment)
    expect = case["expect"]
    tests = part_tests(document)
    assert {pid: t["visibility"] for pid, t in tests.items() if "visibility" in t} == expect["parts"]
    references = [t for t in document["tests"] if t.get("extra_data", {}).get("kind") == "reference"]
    assert Counter(t["visibility"] for t in references) == Counter(expect["references"])
    assert all("score" not in t for t in references), "a reference test must not change the score"
    assert all(("**Reference answer:**" in t["output"]) == expect["inline"] for t in tests.values())
    assert document["output"].startswith("Score: 100 / 100") == expect["total_shown"]
    assert document["score"] == 100


def test_a_late_submission_loses_points_in_a_test_of_its_own(ada, tmp_path):
    rubric = policy_assignment(tmp_path, {"late": {"percent_per_day": 10, "max_percent": 30}})
    info = metadata_from(merged(base_metadata(), {"created_at": "2026-03-04T12:00:00-08:00"}))
    document = release_document(assignment=load_assignment(rubric), graded=ada.parts, submission="ada", info=info)
    late = [t for t in document["tests"] if t.get("extra_data", {}).get("kind") == "late_penalty"]
    assert [(t["score"], t["max_score"]) for t in late] == [(-20.0, 0.0)]
    assert document["score"] == 80 == sum(t.get("score", 0) for t in document["tests"])
    assert "1 day 12 hours 1 minute after the due date" in document["output"]
    assert document["extra_data"]["late"]["earned_before_penalty"] == 100


def test_a_policy_naming_an_unknown_part_is_refused_with_its_position(tmp_path):
    rubric = policy_assignment(tmp_path, {"part_visibility": {"9.9": "hidden"}})
    with pytest.raises(FileProblems) as caught:
        load_assignment(rubric)
    assert "gradescope.part_visibility names parts that do not exist: 9.9" in str(caught.value)
    assert str(rubric) + ":" in str(caught.value)
