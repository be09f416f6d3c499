"""One compact record per graded submission, made from the results model in the worker.

The record goes to the parent (and, as one JSON line, to the run's journal, which is what a resumed run
reads back instead of re-grading). It holds what the CSV, the statistics, the answer groups and the
regrade diff need, and nothing a student could make large: answers are cut to a short excerpt.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from typing import Any

from grader.results import Outcome, PartResult, SubmissionResult

EXCERPT_CHARS = 240
TOLD_CHARS = 800
Row = dict[str, Any]


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def answer_digest(answer: str) -> str:
    return hashlib.sha256(answer.encode("utf-8", "replace")).hexdigest()[:16]


def item_key(outcome: Outcome, item_id: str) -> str:
    return f"{outcome.engine}:{item_id}"


def group_of(outcome: Outcome, answer: str) -> list[Any]:
    """[engine, key, reading, verdict, score, flagged]: answers with one key are one answer for a reviewer."""
    details = outcome.details
    if outcome.engine == "formula":
        key = details.get("canonical")
        verdict = details.get("verdict") or outcome.status
    else:
        key = details.get("normalised")
        verdict = outcome.status
    if not isinstance(key, str) or not key:
        # No canonical form (the answer could not be read): only the very same text is the same answer.
        key = "=" + excerpt(answer, 400)
    return [outcome.engine, key, outcome.reading or "", str(verdict), outcome.score, outcome.needs_review]


def part_row(part: PartResult, labels: dict[str, str]) -> Row:
    """One part's record; the labels of the rubric items it names go into `labels`."""
    row: Row = {"id": part.id, "score": part.score, "status": part.status}
    if part.needs_review:
        row["review"] = part.review_reasons or ["flagged for review"]
        # What the student was told (the reading's error with its caret drawing), for the reviewer's screens.
        told = "\n\n".join(o.error for o in part.outcomes if o.error)
        if told:
            row["told"] = told if len(told) <= TOLD_CHARS else told[: TOLD_CHARS - 1] + "…"
    if part.answer is not None:
        row["answer"] = excerpt(part.answer)
        # What a TA's decision on this submission's part was made on (grader.batch.outputs.overrides).
        row["digest"] = answer_digest(part.answer)
        row["groups"] = [group_of(o, part.answer) for o in part.outcomes]
        hits: dict[str, float] = {}
        for outcome in part.outcomes:
            for item in outcome.items:
                key = item_key(outcome, item.id)
                labels.setdefault(f"{part.id}|{key}", item.label)
                if item.hit:
                    hits[key] = item.points
        row["items"] = hits
    return row


def row_for(result: SubmissionResult, *, who: str, users: list[dict[str, str]], status: str,
            error: str | None, fingerprint: str, signature: str, parts: list[Row] | None = None) -> Row:
    """The submission's record; `parts`: its parts' records, if already made (their labels are then left out)."""
    labels: dict[str, str] = {}
    row: Row = {
        "submission": result.submission, "fp": fingerprint, "sig": signature, "who": who, "users": users,
        "status": status, "total": round(result.score, 4),
        "parts": [part_row(p, labels) for p in result.parts] if parts is None else parts,
    }
    if error:
        row["error"] = error
    row["labels"] = labels
    return row


@dataclass(slots=True)
class Graded:
    """What stays in memory per submission until the CSVs are written: a few fields, strings shared."""

    submission: str
    who: str
    users: tuple[tuple[str, str, str], ...]  # (name, email, sid)
    status: str
    error: str
    total: float
    scores: tuple[float, ...]  # in the rubric's part order
    decided: str = ""  # the TA decisions applied, e.g. "4.1: 3 → 5 by ta"

    @classmethod
    def of(cls, row: Row, part_ids: list[str]) -> Graded:
        by_id = {p.get("id"): p for p in row.get("parts", [])}
        users = tuple((u.get("name", ""), u.get("email", ""), u.get("sid", "")) for u in row.get("users") or [])
        return cls(
            submission=row["submission"], who=sys.intern(row.get("who", "")), users=users,
            status=sys.intern(row.get("status", "")), error=row.get("error", ""), total=float(row.get("total", 0.0)),
            scores=tuple(float(by_id[pid]["score"]) if pid in by_id else 0.0 for pid in part_ids),
            decided="; ".join(f"{p['id']}: {p['decision']['mark']}" for p in row.get("parts", []) if "decision" in p),
        )
