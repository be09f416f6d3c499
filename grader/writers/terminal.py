"""Plain-text summaries for people at a terminal."""

from __future__ import annotations

from grader.escape import visible
from grader.results import SubmissionResult

_SYMBOL = {"correct": "✔", "partial": "~", "incorrect": "✘", "invalid": "!", "missing": "·"}


def submission_summary(result: SubmissionResult) -> str:
    width = max((len(p.title) for p in result.parts), default=0)
    lines = [f"{result.assignment}: {visible(result.submission)}"]
    for part in result.parts:
        flag = "  (review)" if part.needs_review else ""
        lines.append(
            f"  {_SYMBOL[part.status]} {part.id:<5} {part.title:<{width}}  "
            f"{part.score:>5g} / {part.max_score:<4g} {part.status}{flag}"
        )
    lines.append(f"  Total {result.score:g} / {result.max_score:g}")
    lines.extend(f"  note: {visible(note)}" for note in result.notes)
    return "\n".join(lines)
