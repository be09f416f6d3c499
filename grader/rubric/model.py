"""The rubric and reference models: one definition that validates YAML, documents every field and
generates the JSON Schema editors use (`grader schema`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.autograder.policy import GradescopePolicy
from grader.formula.spec import FormulaSpec
from grader.text.spec import TextSpec


class Part(BaseModel):
    """One graded part of the assignment: a formula, a free text, or both (a combined part)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description='Part id as students write it, e.g. "4.1".')
    title: str = Field(description="Short title shown as the test name on Gradescope.")
    points: float = Field(gt=0, description="Points of the part.")
    formula: FormulaSpec | None = Field(None, description="Check a formula for equivalence with the reference.")
    text: TextSpec | None = Field(None, description="Score a free-text explanation against concepts.")

    @model_validator(mode="after")
    def _sections_share_points(self) -> Part:
        sections = [s for s in (self.formula, self.text) if s is not None]
        if not sections:
            raise ValueError("a part needs a `formula` section, a `text` section, or both")
        if len(sections) == 1:
            if sections[0].points is None:
                sections[0].points = self.points
        elif any(s.points is None for s in sections):
            raise ValueError("a part with both `formula` and `text` must give each section its `points`")
        # Whether the sections' points add up is checked with the assignment (grader.assignment), where the
        # message can point at the right line.
        return self


class Rubric(BaseModel):
    """An assignment's rubric: its parts, their points and how each is checked."""

    model_config = ConfigDict(extra="forbid")

    assignment: str = Field(description="Short id of the assignment, e.g. hw3.")
    title: str = Field(description="Full title, shown to students.")
    reference: str = Field(description="Path of the reference file, relative to this rubric file.")
    total: float | None = Field(None, description="Total points; when given, the parts must add up to it.")
    examples: str | None = Field(
        None,
        description=(
            "Folder of example submissions, relative to this file, each with the scores a TA gave "
            "(`expected.yaml`); `grader check` grades them and compares."
        ),
    )
    parts: list[Part] = Field(min_length=1)
    gradescope: GradescopePolicy | None = Field(
        None, description="Gradescope autograder settings: late policy and when students see parts and reference answers.",
    )

    @model_validator(mode="after")
    def _ids_unique(self) -> Rubric:
        seen: set[str] = set()
        for part in self.parts:
            if part.id in seen:
                raise ValueError(f"part id {part.id!r} appears twice")
            seen.add(part.id)
        return self

    @model_validator(mode="after")
    def _policy_names_known_parts(self) -> Rubric:
        unknown = sorted(set(self.gradescope.part_visibility) - {p.id for p in self.parts}) if self.gradescope else []
        if unknown:
            raise ValueError(f"gradescope.part_visibility names parts that do not exist: {', '.join(unknown)}")
        return self

    def part(self, part_id: str) -> Part:
        for part in self.parts:
            if part.id == part_id:
                return part
        raise KeyError(part_id)


class ReferencePart(BaseModel):
    """The reference for one part."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(description="Model answer in Markdown, shown to students per the assignment's visibility.")
    formula: str | None = Field(None, description="Reference formula of a formula part.")


class Reference(BaseModel):
    """Reference solutions of an assignment."""

    model_config = ConfigDict(extra="forbid")

    assumptions: str = Field("", description="What the reference assumes (e.g. a figure students saw), in Markdown.")
    constants: dict[str, int | float] = Field(
        default_factory=dict,
        description="Named values the reference formulas use (e.g. network weights); edit them in this one place.",
    )
    parts: dict[str, ReferencePart]
