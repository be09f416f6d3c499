"""The one results model: every writer (Gradescope JSON, CSV, report, terminal) reads from these types.

Engines return an `Outcome` per answer section; the grading pipeline combines them into a `PartResult` per
rubric part and a `SubmissionResult` per submission.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["correct", "partial", "incorrect", "invalid", "missing"]

# Said to a student whenever the grader, not their work, is why something was not graded.
NOT_YOUR_FAULT = "This is a problem of the grader, not of your work: the course staff can see what went wrong."

# Scores are compared after rounding so 0.1 + 0.2 style drift never turns "correct" into "partial".
_EPS = 1e-9


def status_for(score: float, max_score: float) -> Status:
    """The status a score implies when the answer was read and checked."""
    if max_score > 0 and score >= max_score - _EPS:
        return "correct"
    if score > _EPS:
        return "partial"
    return "incorrect"


class ItemResult(BaseModel):
    """The verdict on one rubric item: a concept, a known wrong answer, a misconception, the equivalence check."""

    id: str
    label: str = Field(description="The item in plain words, as the student reads it.")
    points: float = Field(description="Points this item gave; negative for a penalty.")
    max_points: float = Field(0.0, description="Points the item can give (0 for a penalty).")
    hit: bool = Field(description="Whether the item applied to this answer.")
    penalty: bool = Field(False, description="A misconception: applying costs points instead of earning them.")
    evidence: str | None = Field(None, description="The words of the answer that matched.")
    feedback: str | None = Field(None, description="What the student is told about this item.")

    @property
    def points_text(self) -> str:
        """`3/5` for an item that can give points, `-2` for a penalty, "" for one worth nothing on its own."""
        if self.max_points > 0:
            return f"{self.points:g}/{self.max_points:g}"
        return f"{self.points:+g}" if self.points else ""


class Outcome(BaseModel):
    """What one engine concluded about one answer (or one section of a combined answer)."""

    engine: Literal["formula", "text"]
    score: float
    max_score: float
    status: Status
    reading: str | None = Field(None, description="How the answer was read, in Markdown ($$...$$ for formulas).")
    items: list[ItemResult] = Field(default_factory=list)
    feedback: list[str] = Field(default_factory=list, description="Sentences for the student.")
    error: str | None = Field(None, description="Why the answer could not be read or checked (student-facing).")
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict, description="Machine-readable extras (verdict, ...).")


class PartResult(BaseModel):
    """One rubric part of one submission."""

    id: str
    title: str
    score: float
    max_score: float
    status: Status
    answer: str | None = Field(None, description="The student's raw answer; None when missing.")
    outcomes: list[Outcome] = Field(default_factory=list)
    model_answer: str | None = Field(None, description="The reference answer, shown per the assignment's visibility.")

    @property
    def needs_review(self) -> bool:
        return any(o.needs_review for o in self.outcomes)

    @property
    def review_reasons(self) -> list[str]:
        # Once each: a reason that holds for the whole document is given to each of the part's outcomes.
        return list(dict.fromkeys(r for o in self.outcomes for r in o.review_reasons))


class SubmissionResult(BaseModel):
    """Everything known about one graded submission."""

    assignment: str
    submission: str = Field(description="Name of the submission (folder or file name).")
    parts: list[PartResult]
    notes: list[str] = Field(default_factory=list, description="Submission-level messages for the student.")
    execution_time: float = 0.0
    metadata: dict[str, Any] = Field(default_factory=dict, description="Student identity, timestamps, ...")

    @property
    def score(self) -> float:
        return sum(p.score for p in self.parts)

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts)
