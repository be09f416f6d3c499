"""The example submissions score what a careful TA gave them (expected.yaml beside each).

The rule (grader.tools.examples.compare, which `grader check` uses too): formula-only parts must match exactly;
a part with a text section may differ by 20% of the text section's points (2 of 10). A part the TA lists
under `review` must be flagged for review instead: the grader's job there is to send it to a person.
"""

from __future__ import annotations

import pytest

from grader.grading import grade_submission
from grader.tools.examples import compare, find_examples, read_expected
from grader.writers.gradescope import to_results_json, validate_results

from conftest import EXAMPLES

CASES = find_examples(EXAMPLES)


def test_there_are_enough_examples():
    assert len(CASES) >= 8
    assert all(case.submission.exists() for case in CASES)


@pytest.mark.parametrize("example", CASES, ids=[c.name for c in CASES])
def test_example_scores_as_a_ta_would(example, hw3, sandbox):
    expected, _ = read_expected(example.expected_path)
    result = grade_submission(example.submission, hw3, sandbox=sandbox)
    validate_results(to_results_json(result))
    mismatches = compare(result, expected, hw3.rubric)
    assert not mismatches, "\n".join(m.message for m in mismatches)
