"""Class statistics built row by row: score distributions, rubric-item hit rates, answer groups, the review list.

Only counts stay in memory; the distinct answers, one compact record per submission and the review list go to
the run's store (grader.batch.run.store), so memory does not grow with the class.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from grader.assignment import Assignment
from grader.batch.outputs.diff import Change, change
from grader.batch.outputs.overrides import Overrides
from grader.batch.run.journal import Line, Lines
from grader.batch.run.rows import Graded, Row
from grader.batch.run.store import AnswerGroup, ClassStore, Flag

__all__ = ["AnswerGroup", "ClassStats", "Flag", "PartStats", "histogram"]


@dataclass
class PartStats:
    id: str
    title: str
    points: float
    scores: Counter[float] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)  # per engine
    item_hits: Counter[str] = field(default_factory=Counter)
    engines: list[str] = field(default_factory=list)  # that have answer groups, in order of first sight

    @property
    def mean(self) -> float:
        n = sum(self.scores.values())
        return sum(s * c for s, c in self.scores.items()) / n if n else 0.0


class ClassStats:
    """Fed one row per submission; with `before` (rows of an earlier grading) it also collects what changed."""

    def __init__(self, assignment: Assignment, labels: dict[str, str] | None = None,
                 before: Mapping[str, Line] | Lines | None = None, store: ClassStore | Path | None = None,
                 overrides: Overrides | None = None):
        """`store`: where what grows with the class goes, or its scratch file (None: in memory, for small
        classes). `before`: name -> the row a regrade compares with (a mapping, or grader.batch.run.journal.Lines)."""
        self.assignment = assignment
        self.parts = {p.id: PartStats(p.id, p.title, p.points) for p in assignment.rubric.parts}
        self.part_ids = list(self.parts)
        self.labels: dict[str, str] = dict(labels or {})
        self.store = store if isinstance(store, ClassStore) else ClassStore(store)
        self.graded = self.store.graded  # name -> Graded
        self.flags = self.store.flags  # by part, then submission
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
        self.store.put_graded(graded)
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
                if engine not in stats.engines:
                    stats.engines.append(engine)
                self.store.add_to_group(stats.id, engine, key, reading, str(verdict), float(score),
                                        part_row.get("answer", ""), graded.submission, graded.who,
                                        bool(flagged and flagged[0]))
            if "review" in part_row:
                decision = part_row.get("decision") or {}
                self.store.add_flag(Flag(graded.submission, graded.who, stats.id, part_row["status"],
                                         float(part_row["score"]), list(part_row["review"]), part_row.get("answer", ""),
                                         decision.get("mark", ""), part_row.get("digest", ""), part_row.get("machine"),
                                         part_row.get("told", "")))
        self.store.row_done()

    # --- figures for the summary and the report -------------------------------------------------------------

    def totals(self) -> list[float]:
        return self.graded.totals()

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

    def sorted_groups(self, part_id: str, engine: str, limit: int = -1, names: int = -1) -> Iterator[AnswerGroup]:
        """The part's answer groups, largest first; `limit` groups, each with `names` names (-1: all)."""
        return self.store.groups(part_id, engine, limit, names)

    def group_counts(self, part_id: str, engine: str) -> tuple[int, int]:
        """(distinct answers, answers given by one submission only)."""
        return self.store.group_counts(part_id, engine)

    def close(self) -> None:
        self.store.close()


def histogram(values: Iterable[float] | Counter[float], maximum: float, bins: int = 20) -> list[tuple[str, int]]:
    """(label, count) bins from 0 to `maximum`; discrete scores get one bin each when there are few of them.
    `values`: the values, or how often each occurs (a class's scores take few distinct values)."""
    counts = values if isinstance(values, Counter) else Counter(values)
    distinct = sorted(counts)
    if len(distinct) <= 12 and maximum <= 50:
        steps = sorted(set(distinct) | {0.0, float(maximum)})
        return [(f"{s:g}", counts.get(s, 0)) for s in steps]
    width = maximum / bins if maximum > 0 else 1.0
    binned = [0] * bins
    for v, n in counts.items():
        binned[min(bins - 1, max(0, int(v / width)))] += n
    return [(f"{i * width:g}–{(i + 1) * width:g}", c) for i, c in enumerate(binned)]
