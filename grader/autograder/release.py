"""The results.json the container writes: the Gradescope writer's document plus the assignment's release
policy (per-test visibility, reference answers as separate tests, the late penalty), any unittest checks,
and, when grading failed, a visible test saying so.

A reference answer is put in the document only as the policy allows: inline in its part's test when it is
`visible`, as a test of its own with the policy's visibility when it is delayed, nowhere when `hidden`.
"""

from __future__ import annotations

from typing import Any, Sequence

from grader import __version__
from grader.assignment import Assignment
from grader.autograder.late import LatePenalty, late_penalty
from grader.autograder.metadata import SubmissionInfo
from grader.autograder.policy import GradescopePolicy, Visibility, most_restrictive
from grader.grading import unchecked_part
from grader.results import NOT_YOUR_FAULT, PartResult, SubmissionResult
from grader.rubric import Part
from grader.writers.gradescope import MAX_OUTPUT_CHARS, to_results_json



def grading_failed_message(graded: int, total: int) -> str:
    if graded == 0:
        return f"**Grading failed.** The autograder stopped before it could grade any part. {NOT_YOUR_FAULT}"
    return (f"**Grading failed.** The autograder stopped after grading {graded} of {total} parts; the scores of "
            f"those parts stand, the others are marked below. {NOT_YOUR_FAULT}")


def failure_test(message: str) -> dict[str, Any]:
    return {
        "name": "Grading failed", "score": 0.0, "max_score": 0.0, "status": "failed",
        "output": message, "output_format": "md", "visibility": "visible",
        "extra_data": {"kind": "grading_failed"},
    }


def fallback_document(message: str) -> dict[str, Any]:
    """The document written before grading starts; it stays only if the process dies without a word."""
    return {
        "score": 0.0, "execution_time": 0.0, "output": message, "output_format": "md",
        "tests": [failure_test(message)],
        "extra_data": {"grading_failed": True, "grader_version": __version__},
    }


def not_graded(part: Part, reason: str) -> PartResult:
    """A part the run never reached: 0 points for now, marked for the staff, with the reason for the student."""
    return unchecked_part(part, reason, reason="not graded: " + reason)


def _reference_test(part: PartResult, answer: str, visibility: Visibility) -> dict[str, Any]:
    text = answer if len(answer) <= MAX_OUTPUT_CHARS else answer[: MAX_OUTPUT_CHARS - 40] + "\n\n…(shortened)"
    return {
        "name": f"{part.title}: reference answer", "number": part.id, "output": text, "output_format": "md",
        "visibility": visibility, "extra_data": {"kind": "reference"},
    }


def _late_test(penalty: LatePenalty, visibility: Visibility) -> dict[str, Any]:
    return {
        "name": "Late submission", "score": -penalty.points, "max_score": 0.0, "status": "failed",
        "output": f"{penalty.message} That is {penalty.points:g} points.", "output_format": "md",
        "visibility": visibility,
        "extra_data": {"kind": "late_penalty", "days": penalty.days, "percent": penalty.percent},
    }


def release_document(
    *,
    assignment: Assignment,
    graded: Sequence[PartResult],
    submission: str,
    notes: Sequence[str] = (),
    info: SubmissionInfo | None = None,
    checks: Sequence[dict[str, Any]] = (),
    leaderboard: Sequence[dict[str, Any]] = (),
    failure: str | None = None,
    not_graded_reason: str = "this part was not graded.",
    execution_time: float = 0.0,
) -> dict[str, Any]:
    """The results.json for one submission, with every part of the rubric present exactly once."""
    policy = assignment.rubric.gradescope or GradescopePolicy()
    done = {p.id: p for p in graded}
    references = assignment.reference.parts
    parts = []
    for rubric_part in assignment.rubric.parts:
        part = done.get(rubric_part.id) or not_graded(rubric_part, not_graded_reason)
        shown = references[part.id].answer if part.id in references else None
        # The model answer rides inline only when it is visible at once; otherwise it is never in this test.
        inline = shown if policy.reference_visibility_of(part.id) == "visible" else None
        parts.append(part.model_copy(update={"model_answer": inline}))
    result = SubmissionResult(
        assignment=assignment.id, submission=submission, parts=parts, notes=list(notes),
        execution_time=execution_time, metadata=info.as_extra_data() if info else {},
    )
    document = to_results_json(result)

    tests: list[dict[str, Any]] = [failure_test(failure)] if failure else []
    for test, part in zip(document["tests"], parts):
        visibility = policy.part_visibility_of(part.id)
        if visibility != "visible":
            test["visibility"] = visibility
        tests.append(test)
        reference_visibility = policy.reference_visibility_of(part.id)
        if reference_visibility not in ("visible", "hidden") and part.id in references:
            tests.append(_reference_test(part, references[part.id].answer, reference_visibility))
    tests.extend(checks)

    earned = sum(t.get("score", 0.0) for t in tests)
    available = sum(t.get("max_score", 0.0) for t in tests)
    # The total (and so the late deduction, which reveals it) is shown no earlier than the last scored test.
    held_back = most_restrictive("visible", *(t.get("visibility", "visible") for t in tests if "score" in t))
    penalty = late_penalty(info, policy.late, earned) if info else None
    if penalty is not None:
        tests.append(_late_test(penalty, held_back))
    score = round(max(0.0, earned - (penalty.points if penalty else 0.0)), 4)

    output = [failure] if failure else []
    if held_back == "visible":
        tally: dict[str, int] = {}
        for part in parts:
            tally[part.status] = tally.get(part.status, 0) + 1
        counts = ", ".join(f"{n} {status}" for status, n in tally.items())
        output.append(f"Score: {score:g} / {available:g} ({counts})."
                      + (f" Includes a late deduction of {penalty.points:g} points." if penalty else ""))
    else:
        output.append("Some results are released later; your score is shown once all of them are.")
    if penalty is not None:
        output.append(penalty.message)
    output.extend(result.notes)

    document["tests"] = tests
    document["score"] = score
    document["output"] = "\n\n".join(output)
    extra = document["extra_data"]
    extra["fingerprint"] = assignment.fingerprint()
    if failure:
        extra["grading_failed"] = True
    if penalty is not None:
        extra["late"] = {"days": penalty.days, "percent": penalty.percent, "points": penalty.points,
                         "earned_before_penalty": round(earned, 4)}
    if leaderboard:
        document["leaderboard"] = list(leaderboard)
    return document
