"""What the review page walks: the answer groups and the flagged answers of a graded batch, most students first.

Read from the batch's journal (the grader's own verdicts) with the TA's decisions (overrides.json) on top, so
the page shows what `grader batch` would write. A group of two or more answers is decided as a group; a
flagged answer given by one student alone is decided on its submission.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.assignment import Assignment
from grader.batch.outputs.overrides import Decision, Overrides
from grader.batch.outputs.stats import ClassStats
from grader.batch.run.journal import Journal
from grader.batch.runner import STATE_DIR
from grader.escape import visible
from grader.mathml import reading_html

MAX_NAMES = 60


class NotGraded(ValueError):
    """The folder holds no batch graded with this assignment."""


@dataclass
class Item:
    """One thing to decide: an answer group (scope group) or one flagged answer (scope submission)."""

    id: str
    scope: str
    part: str
    title: str
    engine: str
    key: str
    count: int
    flagged: int
    answer: str
    reading: str
    verdict: str
    score: float
    points: float
    submission: str = ""
    digest: str = ""
    reasons: list[str] = field(default_factory=list)
    told: str = ""  # what the student read about why the answer could not be checked (first of the group)
    rubric: list[dict[str, Any]] = field(default_factory=list)
    students: list[str] = field(default_factory=list)
    decision: dict[str, Any] | None = None

    def page(self) -> dict[str, Any]:
        """The item as the page's data: plain values, and the reading as sanitised MathML."""
        data = {k: _shown(v) for k, v in self.__dict__.items() if k not in ("key", "digest")}
        data["reading_html"] = str(reading_html(self.reading)) if self.reading else ""
        return data


def _shown(value: Any) -> Any:
    """Every string the page shows with its bidi and zero-width characters spelled out (the page sets them as
    text, so they are never markup, but they could still reorder what the TA reads)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    return value


def _id(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "replace")).hexdigest()[:16]


def _decision_view(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {"score": decision.score, "comment": decision.comment, "who": decision.who, "when": decision.when}


@dataclass
class ReviewList:
    assignment: Assignment
    outdir: Path
    items: list[Item]
    overrides: Overrides

    def find(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


def load_review(outdir: Path, assignment: Assignment) -> ReviewList:
    """Every group of two or more answers, then every flagged answer of its own, each sorted by students."""
    journal = Journal(outdir / STATE_DIR / "journal.jsonl")
    fingerprint = assignment.fingerprint()
    history = journal.read(fingerprint)
    current = {name: line for name, line in history.latest.items() if line.fp == fingerprint}
    if not current:
        raise NotGraded(f"{outdir}: no batch graded with this rubric and reference: run `grader batch` first "
                        f"(with the same --assignment)")
    overrides = Overrides.load(outdir, assignment)
    stats = ClassStats(assignment, history.labels, overrides=overrides)
    rows = {}
    for name, line in current.items():
        row = line.row()
        rows[name] = row
        stats.add(row)
    sections = {p.id: {"formula": p.formula.points if p.formula else 0.0, "text": p.text.points if p.text else 0.0}
                for p in assignment.rubric.parts}

    def part_row(submission: str, pid: str) -> dict[str, Any]:
        return next((p for p in rows[submission].get("parts", []) if p.get("id") == pid), {})

    def rubric(submission: str, pid: str, engine: str | None) -> list[dict[str, Any]]:
        hits = part_row(submission, pid).get("items", {})
        out = []
        for full, label in stats.labels.items():
            prefix, _, key = full.partition("|")
            if prefix != pid or (engine and not key.startswith(engine + ":")):
                continue
            out.append({"label": label, "hit": key in hits, "points": hits.get(key), "kind": stats.item_kind(pid, key)})
        return out

    reasons: dict[tuple[str, str], list[str]] = {(f.submission, f.part): f.reasons for f in stats.flags}
    told = {(f.submission, f.part): "\n".join(x for x in f.told.splitlines() if not x.startswith("```"))
            for f in stats.flags if f.told}
    groups, singles = [], []
    for pid, part in stats.parts.items():
        for engine in part.engines:
            for g in stats.sorted_groups(pid, engine):
                if g.count >= 2:
                    why = list(dict.fromkeys(r for s in g.submissions for r in reasons.get((s, pid), [])))
                    groups.append(Item(
                        id=_id("group", pid, engine, g.key), scope="group", part=pid, title=part.title,
                        engine=engine, key=g.key, count=g.count, flagged=g.flagged, answer=g.sample,
                        reading=g.reading, verdict=g.verdict, score=g.score, points=sections[pid][engine],
                        reasons=why[:8], told=next((told[s, pid] for s in g.submissions if (s, pid) in told), ""),
                        rubric=rubric(g.sample_of, pid, engine), students=g.who[:MAX_NAMES],
                        decision=_decision_view(overrides.group_decision(pid, engine, g.key))))
                elif g.flagged or (g.submissions and (g.submissions[0], pid) in reasons):
                    name = g.submissions[0]
                    row = part_row(name, pid)
                    if any(i.submission == name and i.part == pid for i in singles):
                        continue  # a combined part: one item for the submission's part, not one per section
                    singles.append(Item(
                        id=_id("submission", pid, name), scope="submission", part=pid, title=part.title,
                        engine="", key="", count=1, flagged=1, answer=row.get("answer", ""),
                        reading=" ".join(x[2] for x in row.get("groups", []) if x[2]), verdict=row.get("status", ""),
                        score=float(row.get("score", 0.0)), points=part.points, submission=name,
                        digest=row.get("digest", ""), reasons=reasons.get((name, pid), []), told=told.get((name, pid), ""),
                        rubric=rubric(name, pid, None), students=g.who[:1],
                        decision=_decision_view(overrides.submission_decision(name, pid))))
    groups.sort(key=lambda i: (i.flagged == 0, -i.count, i.part))
    singles.sort(key=lambda i: (i.part, i.submission))
    return ReviewList(assignment, outdir, groups + singles, overrides)
