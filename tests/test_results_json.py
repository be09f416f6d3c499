"""results.json: shape, schema validity and what a student reads."""

from __future__ import annotations

import json
from importlib import resources

from grader.grading import grade_submission
from grader.writers.gradescope import to_results_json, validate_results

from conftest import EXAMPLES

STATUSES = {"correct", "partial", "incorrect", "invalid", "missing"}


def test_the_bundled_schema_is_the_gradescope_results_schema():
    schema = json.loads(resources.files("grader").joinpath("schemas/gradescope-results.schema.json").read_text("utf-8"))
    assert schema["$id"] == "urn:grader:gradescope:results.schema.json"
    assert schema["additionalProperties"] is False


def test_every_example_writes_a_valid_results_json(hw3, sandbox):
    for submission in sorted(p for p in EXAMPLES.iterdir() if p.name != "TEMPLATE.md" and not p.name.endswith(".yaml")):
        document = to_results_json(grade_submission(submission, hw3, sandbox=sandbox))
        validate_results(document)
        assert isinstance(document["execution_time"], float)
        for test in document["tests"]:
            assert test["extra_data"]["status"] in STATUSES
            assert test["output_format"] == "md"
            assert test["score"] <= test["max_score"]
        assert abs(document["score"] - sum(t["score"] for t in document["tests"])) < 1e-6


def test_a_student_sees_how_a_formula_was_read_and_why_a_part_is_missing(hw3, sandbox):
    tests = {t["number"]: t for t in to_results_json(grade_submission(EXAMPLES / "dana_missing", hw3, sandbox=sandbox))["tests"]}
    assert "$$" in tests["4.1"]["output"]
    assert "No answer was found" in tests["4.2"]["output"]
    assert tests["4.2"]["extra_data"]["status"] == "missing"


def test_the_template_is_an_empty_submission(hw3, sandbox):
    result = grade_submission(EXAMPLES / "TEMPLATE.md", hw3, sandbox=sandbox)
    assert {p.status for p in result.parts} == {"missing"}
    validate_results(to_results_json(result))


def test_a_flagged_answer_says_a_person_will_look_and_the_reviewer_sees_why(hw3, sandbox):
    flagged = 0
    for submission in sorted(p for p in EXAMPLES.iterdir() if p.name != "TEMPLATE.md" and not p.name.endswith(".yaml")):
        for test in to_results_json(grade_submission(submission, hw3, sandbox=sandbox))["tests"]:
            extra = test["extra_data"]
            told = "TA will look" in test["output"]
            assert told == bool(extra["needs_review"]), (submission.name, test["number"])
            assert "will be" not in test["output"].split("TA will look")[-1][:120]  # no promised score
            flagged += told
            for reason in extra.get("review_reasons", []):
                if reason.startswith("the formula could not be read or checked"):
                    assert reason.partition(": ")[2], reason  # the student's message, not only the category
    assert flagged  # the examples include answers a person must look at
