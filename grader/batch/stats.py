"""Class statistics built row by row: score distributions, rubric-item hit rates, answer groups, the review list.

Only counts, the distinct answers and one compact record per submission are kept, never results models.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping

from grader.assignment import Assignment
from grader.batch.diff import Change, change
from grader.batch.journal import Line
from grader.batch.overrides import Overrides
from grader.batch.rows import Graded, Row


@dataclass(slots=True)
class AnswerGroup:
    """One distinct answer of one part (by equivalence class for formulas, normalised text for text)."""

    key: str
    reading: str
    verdict: str
    score: float
    sample: str
    count: int = 0
    who: list[str] = field(default_factory=list)
    sample_of: str = ""  # the submission `reading` and `sample` come from: the first by name, in any order of arrival
    flagged: int = 0  # answers of the group the grader flagged for a person
    submissions: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Flag:
    submission: str
    who: str
    part: str
    status: str
    score: float
    reasons: list[str]
    answer: str
    decision: str = ""  # how a TA decided it, if one did
    digest: str = ""
    machine: float | None = None  # the grader's score, when a decision changed it
    told: str = ""  # what the student read about why the answer could not be checked


@dataclass
class PartStats:
    id: str
    title: str
    points: float
    scores: Counter[float] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)  # per engine
    item_hits: Counter[str] = field(default_factory=Counter)
    groups: dict[str, dict[str, AnswerGroup]] = field(default_factory=dict)  # engine -> key -> group

    @property
    def mean(self) -> float:
        n = sum(self.scores.values())
        return sum(s * c for s, c in self.scores.items()) / n if n else 0.0


class ClassStats:
    """Fed one row per submission; with `before` (rows of an earlier grading) it also collects what changed."""

    def __init__(self, assignment: Assignment, labels: dict[str, str] | None = None,
                 before: Mapping[str, Line] | None = None, overrides: Overrides | None = None):
        self.assignment = assignment
        self.parts = {p.id: PartStats(p.id, p.title, p.points) for p in assignment.rubric.parts}
        self.part_ids = list(self.parts)
        self.labels: dict[str, str] = dict(labels or {})
        self.graded: dict[str, Graded] = {}
        self.flags: list[Flag] = []
        self.statuses: Counter[str] = Counter()
        self.before = before
        self.changes: list[Change] = []
        # A TA's decisions land on every row here, so every output (and the regrade diff) carries them.
        self.overrides = overrides or Overrides(assignment)

    @property
    def max_score(self) -> float:
        return sum(p.points for p in self.parts.values())

    def add(self, row: Row) -> None:
        self.labels.update(row.get("labels") or {})
        row = self.overrides.apply(row)
        graded = Graded.of(row, self.part_ids)
        self.graded[graded.submission] = graded
        if self.before is not None and graded.submission in self.before:
            moved = change(self.overrides.apply(self.before[graded.submission].row()), row)
            if moved is not None:
                self.changes.append(moved)
        self.statuses[graded.status] += 1
        for part_row in row.get("parts", []):
            stats = self.parts.get(part_row.get("id"))
            if stats is None:
                continue
            stats.scores[float(part_row["score"])] += 1
            stats.statuses[part_row["status"]] += 1
            for key in part_row.get("items", {}):
                stats.item_hits[sys.intern(key)] += 1
            for engine, key, reading, verdict, score, *flagged in part_row.get("groups", []):
                stats.answered[engine] += 1
                groups = stats.groups.setdefault(engine, {})
                group = groups.get(key)
                if group is None:
                    group = groups[key] = AnswerGroup(key, reading, verdict, float(score), part_row.get("answer", ""),
                                                      sample_of=graded.submission)
                elif graded.submission < group.sample_of:
                    group.reading, group.sample = reading, part_row.get("answer", "")
                    group.sample_of = graded.submission
                group.count += 1
                group.who.append(graded.who)
                group.submissions.append(graded.submission)
                group.flagged += bool(flagged and flagged[0])
            if "review" in part_row:
                decision = part_row.get("decision") or {}
                self.flags.append(Flag(graded.submission, graded.who, stats.id, part_row["status"],
                                       float(part_row["score"]), list(part_row["review"]), part_row.get("answer", ""),
                                       decision.get("mark", ""), part_row.get("digest", ""), part_row.get("machine"),
                                       part_row.get("told", "")))

    # --- figures for the summary and the report -------------------------------------------------------------

    def totals(self) -> list[float]:
        return [g.total for g in self.graded.values()]

    def summary(self) -> dict[str, float]:
        totals = self.totals()
        if not totals:
            return {"count": 0, "mean": 0.0, "median": 0.0, "stdev": 0.0, "min": 0.0, "max": 0.0}
        return {
            "count": len(totals), "mean": statistics.fmean(totals), "median": statistics.median(totals),
            "stdev": statistics.pstdev(totals), "min": min(totals), "max": max(totals),
        }

    def item_rates(self, part_id: str) -> list[tuple[str, str, int, int]]:
        """(item key, label, hits, answers) for every item seen on the part, in rubric order of first sight."""
        stats = self.parts[part_id]
        rows = []
        prefix = f"{part_id}|"
        for full, label in self.labels.items():
            if not full.startswith(prefix):
                continue
            key = full[len(prefix):]
            engine = key.split(":", 1)[0]
            rows.append((key, label, stats.item_hits.get(key, 0), stats.answered.get(engine, 0)))
        return rows

    def item_kind(self, part_id: str, key: str) -> str:
        """`concept` (earns points), `misconception` (a stated error that costs points) or `wrong answer`."""
        engine, _, item_id = key.partition(":")
        part = self.assignment.rubric.part(part_id)
        if engine == "formula":
            return "concept" if item_id == "equivalence" else "wrong answer"
        if part.text is not None and any(m.id == item_id for m in part.text.misconceptions):
            return "misconception"
        return "concept"

    def sorted_groups(self, part_id: str, engine: str) -> list[AnswerGroup]:
        groups = self.parts[part_id].groups.get(engine, {})
        for group in groups.values():
            group.who.sort()
            group.submissions.sort()  # rows arrive in the order workers finish (and kept ones first): list them by name
        return sorted(groups.values(), key=lambda g: (-g.count, -g.score, g.key))


def histogram(values: list[float], maximum: float, bins: int = 20) -> list[tuple[str, int]]:
    """(label, count) bins from 0 to `maximum`; discrete scores get one bin each when there are few of them."""
    distinct = sorted(set(values))
    if len(distinct) <= 12 and maximum <= 50:
        steps = sorted(set(distinct) | {0.0, float(maximum)})
        counts = Counter(values)
        return [(f"{s:g}", counts.get(s, 0)) for s in steps]
    width = maximum / bins if maximum > 0 else 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v / width)))] += 1
    return [(f"{i * width:g}–{(i + 1) * width:g}", c) for i, c in enumerate(counts)]
