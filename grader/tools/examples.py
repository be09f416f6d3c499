"""Example submissions with the scores a TA gave them, and the rule for "the grader agrees with the TA".

An assignment's examples live in the folder its rubric names under `examples:`. Each example is either a
folder holding the answers and an `expected.yaml`, or a single answers file `<name>.md` (or .txt, .yaml,
...) with `<name>.expected.yaml` beside it. `expected.yaml` gives the TA's score per part, and optionally
the status a part must have and the parts a person must review:

    parts: {"4.1": 10, "4.2": 5}
    status: {"4.3": missing}
    review: ["1"]

Both `grader check` and the test suite judge the examples with `compare`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from grader.assignment import validate
from grader.results import Status, SubmissionResult
from grader.rubric import Part, Rubric
from grader.rubric.yamlio import Document, Problem, read_document

EXPECTED = "expected.yaml"
_SUFFIX = ".expected.yaml"
# A text score is a judgement: within this share of the text section's points counts as agreeing.
TEXT_TOLERANCE = 0.2
_EPS = 1e-9


class Expected(BaseModel):
    """What a TA decided about one example submission."""

    model_config = ConfigDict(extra="forbid")

    student: str = Field("", description="Who the example is, and what is special about it.")
    parts: dict[str, float] = Field(description="The TA's score per part id.")
    status: dict[str, Status] = Field(default_factory=dict, description="The status a part must have.")
    review: list[str] = Field(default_factory=list, description="Parts the grader must flag for a person.")


@dataclass(frozen=True)
class Example:
    name: str
    submission: Path
    expected_path: Path


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between the grader and the TA, about one part (or the whole example)."""

    part_id: str | None
    key: str  # where in expected.yaml: "parts", "status" or "review"
    message: str


def find_examples(folder: Path) -> list[Example]:
    """Every example in `folder`, in name order. A single-file example without its answers file is skipped."""
    found = []
    for expected in sorted(folder.glob(f"*/{EXPECTED}")):
        found.append(Example(expected.parent.name, expected.parent, expected))
    for expected in sorted(folder.glob(f"*{_SUFFIX}")):
        stem = expected.name[: -len(_SUFFIX)]
        answers = sorted(p for p in folder.glob(f"{stem}.*") if p.is_file() and not p.name.endswith(_SUFFIX))
        found.append(Example(stem, answers[0] if answers else folder / stem, expected))
    return sorted(found, key=lambda e: e.name)


def read_expected(path: Path, *, display: str | None = None) -> tuple[Expected, Document]:
    """Read an expected.yaml; raises FileProblems with positions, like a rubric."""
    doc = read_document(path, display=display)
    return validate(Expected, doc), doc


def text_tolerance(part: Part) -> float:
    """How far the grader may be from the TA on this part: nothing for formulas, 20% of a text section."""
    return TEXT_TOLERANCE * (part.text.points or 0.0) if part.text is not None else 0.0


def compare(result: SubmissionResult, expected: Expected, rubric: Rubric) -> list[Mismatch]:
    """Where the grader disagrees with the TA. A part listed under `review` must be flagged instead of scored."""
    by_id = {p.id: p for p in result.parts}
    mismatches = []
    for key, part_ids in (("parts", list(expected.parts)), ("status", list(expected.status)), ("review", expected.review)):
        mismatches += [Mismatch(pid, key, f"the rubric has no part {pid}") for pid in part_ids if pid not in by_id]
    for part_id in expected.review:
        got = by_id.get(part_id)
        if got is not None and not got.needs_review:
            mismatches.append(Mismatch(
                part_id, "review",
                f"part {part_id}: the TA wants it flagged for review; the grader gives {got.score:g} "
                f"[{got.status}] without a flag",
            ))
    for part_id, ta_score in expected.parts.items():
        got = by_id.get(part_id)
        if got is None or part_id in expected.review:
            continue
        tolerance = text_tolerance(rubric.part(part_id))
        if abs(got.score - ta_score) > tolerance + _EPS:
            within = f" (±{tolerance:g})" if tolerance else ""
            mismatches.append(Mismatch(
                part_id, "parts",
                f"part {part_id}: the TA gave {ta_score:g}{within}, the grader gives {got.score:g} [{got.status}]",
            ))
    for part_id, status in expected.status.items():
        got = by_id.get(part_id)
        if got is not None and got.status != status:
            mismatches.append(Mismatch(
                part_id, "status", f"part {part_id}: the status is {got.status}, expected {status}"
            ))
    return mismatches


def mismatch_problem(doc: Document, mismatch: Mismatch) -> Problem:
    """A mismatch at the line of expected.yaml it is about."""
    if mismatch.part_id is None:
        return doc.problem((), mismatch.message)
    if mismatch.key == "review":
        review = doc.data.get("review", []) if isinstance(doc.data, dict) else []
        index = next((i for i, p in enumerate(review) if str(p) == mismatch.part_id), 0)
        return doc.problem(("review", index), mismatch.message)
    return doc.problem((mismatch.key, mismatch.part_id), mismatch.message)


def missing_answers(example: Example, *, display: str | None = None) -> Problem | None:
    """A single-file example whose answers file is not there."""
    if example.submission.exists():
        return None
    shown = display or str(example.expected_path)
    return Problem(shown, 1, 1, f"no answers file `{example.name}.*` beside this file")

