"""The `gradescope:` section of a rubric: late policy and what students see when.

Every field defaults to the behaviour without the section: no late penalty, every part visible at once,
the reference answers never shown.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Visibility = Literal["visible", "after_due_date", "after_published", "hidden"]

# From least to most restrictive. Gradescope takes one value per test, so a test that must honour two
# settings (a part hidden until published, its reference shown after the due date) takes the later one.
VISIBILITY_ORDER: tuple[Visibility, ...] = ("visible", "after_due_date", "after_published", "hidden")

DEFAULT_TIME_BUDGET = 480.0
# A run keeps a margin to write its results and lets each part use the sandbox's full time limit: a budget
# below this could stop before the first part and grade nobody.
MIN_TIME_BUDGET = 60.0


def most_restrictive(*values: Visibility) -> Visibility:
    return max(values, key=VISIBILITY_ORDER.index)


class LatePolicy(BaseModel):
    """How a submission made after the student's own due date (extensions included) loses points."""

    model_config = ConfigDict(extra="forbid")

    percent_per_day: float = Field(
        0.0, ge=0, le=100,
        description="Percent of the earned score deducted for every started day (24 h) past the due date.",
    )
    max_percent: float = Field(
        100.0, ge=0, le=100,
        description="Cap on the total deduction, in percent of the earned score (e.g. 50: never lose more than half).",
    )
    grace_minutes: float = Field(
        0.0, ge=0,
        description="Minutes after the due date during which a submission still counts as on time.",
    )


class GradescopePolicy(BaseModel):
    """How the Gradescope autograder releases feedback and treats late submissions."""

    model_config = ConfigDict(extra="forbid")

    late: LatePolicy | None = Field(
        None, description="Late policy; without it late submissions are graded like any other.",
    )
    visibility: Visibility = Field(
        "visible",
        description="When students see each part's test (score and feedback): visible, after_due_date, "
        "after_published or hidden. Gradescope hides the total while any test is hidden.",
    )
    part_visibility: dict[str, Visibility] = Field(
        default_factory=dict,
        description='Per-part overrides of `visibility`, by part id, e.g. {"4.3": after_published}.',
    )
    reference_answer: Visibility = Field(
        "hidden",
        description="When students see the reference answers (a separate test per part): hidden (never), "
        "after_due_date, after_published or visible. Never earlier than the part itself.",
    )
    time_budget: float = Field(
        DEFAULT_TIME_BUDGET, ge=MIN_TIME_BUDGET,
        description="Seconds the whole run may take (at least 60); parts not reached by then are marked for the "
        "staff. Keep it below the assignment's Gradescope timeout (10 minutes by default).",
    )

    def part_visibility_of(self, part_id: str) -> Visibility:
        return self.part_visibility.get(part_id, self.visibility)

    def reference_visibility_of(self, part_id: str) -> Visibility:
        return most_restrictive(self.reference_answer, self.part_visibility_of(part_id))
