"""The reference answers, submitted as a student, score full marks."""

from __future__ import annotations

from grader.grading import grade_answers
from grader.submission import Answers


def test_reference_answers_score_full_marks(hw3, sandbox):
    answers = Answers({pid: part.answer for pid, part in hw3.reference.parts.items()})
    result = grade_answers(answers, hw3, submission="reference", sandbox=sandbox)
    lost = {p.id: f"{p.score:g}/{p.max_score:g} {p.status}" for p in result.parts if p.status != "correct"}
    assert not lost
    assert result.score == result.max_score == 100


def test_hw3_has_the_eight_parts_of_the_assignment(hw3):
    points = {p.id: p.points for p in hw3.rubric.parts}
    assert points == {"1": 30, "2.1": 10, "2.2": 10, "3.1": 10, "3.2": 10, "4.1": 10, "4.2": 10, "4.3": 10}
