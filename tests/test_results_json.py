"""results.json: shape, schema validity and what a student reads."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grading import grade_submission
from grader.writers.gradescope import to_results_json, validate_results
from grader.writers.schema_check import Checker, InvalidDocument

from conftest import EXAMPLES

STATUSES = {"correct", "partial", "incorrect", "invalid", "missing"}


def test_the_bundled_schema_is_the_gradescope_results_schema():
    schema = json.loads(resources.files("grader").joinpath("schemas/gradescope-results.schema.json").read_text("utf-8"))
    assert schema["$id"] == "urn:grader:gradescope:results.schema.json"
    assert schema["additionalProperties"] is False
    # validate_results trusts the schema (it does not check it on every call): it is checked here.
    jsonschema.Draft202012Validator.check_schema(schema)


# Documents the run's own checker must judge as jsonschema does: valid ones, and each kind of mistake.
_VALID = {"score": 7.5, "execution_time": 0.2, "output": "ok", "output_format": "md", "visibility": "visible",
          "tests": [{"name": "1", "score": 2, "max_score": 5, "status": "failed", "output": "x", "tags": ["a"],
                     "number": "1.2", "extra_data": {"any": [1]}}],
          "leaderboard": [{"name": "accuracy", "value": 0.9, "order": "asc"}], "extra_data": {}}
_MUTATIONS = [
    {}, {"score": None}, {"score": True}, {"score": "7"}, {"execution_time": -1}, {"output_format": "markdown"},
    {"visibility": True}, {"grade": 1}, {"tests": {}}, {"tests": [{"name": 1}]}, {"tests": [{"score": "full"}]},
    {"tests": [{"status": "ok"}]}, {"tests": [{"tags": [1]}]}, {"tests": [{"extra": 1}]}, {"tests": [[]]},
    {"leaderboard": [{"name": "x"}]}, {"leaderboard": [{"value": 1}]}, {"leaderboard": [{"name": "x", "value": 1, "order": "up"}]},
    {"extra_data": []}, {"score": 1e300}, {"tests": [{"score": 1.0}, {"max_score": False}]},
]


def _cases() -> list[object]:
    cases: list[object] = [None, [], "results", 1, {}, {"tests": []}, {"tests": [{"name": "only a name"}]},
                           {"tests": [{"name": "a"}, {"name": "b", "score": 1}]}, _VALID]
    for change in _MUTATIONS:
        cases.append({**_VALID, **change})
        cases.append({**{k: v for k, v in _VALID.items() if k != "score"}, **change})
    return cases


@pytest.mark.parametrize("document", _cases(), ids=lambda d: json.dumps(d)[:60])
def test_the_runs_checker_agrees_with_jsonschema(document):
    schema = json.loads(resources.files("grader").joinpath("schemas/gradescope-results.schema.json").read_text("utf-8"))
    expected = jsonschema.Draft202012Validator(schema).is_valid(document)
    try:
        validate_results(document)  # type: ignore[arg-type]
        valid = True
    except InvalidDocument:
        valid = False
    assert valid == expected


def test_a_schema_keyword_the_checker_does_not_implement_is_refused():
    with pytest.raises(ValueError, match="pattern"):
        Checker({"type": "object", "properties": {"name": {"type": "string", "pattern": "^a"}}})


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


_KEYS = ["score", "execution_time", "output", "output_format", "visibility", "stdout_visibility", "extra_data",
         "tests", "leaderboard", "name", "max_score", "status", "number", "tags", "value", "order", "passed",
         "md", "visible", "hidden", "asc"]
_SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False) | st.sampled_from(_KEYS)
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4), max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=5), st.sampled_from([None, 0.0]))
def test_the_runs_checker_agrees_with_jsonschema_on_random_documents(document, score):
    if score is not None:
        document = {**document, "score": score}
    test_the_runs_checker_agrees_with_jsonschema(document)
