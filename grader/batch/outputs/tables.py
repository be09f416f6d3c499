"""The CSV files of a batch: grades (ours and a gradebook's import format), the review list, answer groups, the
regrade diff. Cells that a spreadsheet would run as a formula (=, +, -, @ first) are quoted with a `'`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

from grader import atomic
from grader.batch.outputs.diff import Change
from grader.batch.outputs.stats import ClassStats
from grader.batch.run.rows import Graded
from grader.escape import csv_cell

POINTS_POSSIBLE = "Points Possible"


def _cell(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    # Student-controlled text must not become a spreadsheet formula (CSV injection) nor hide what it says.
    return csv_cell("" if value is None else str(value))


def _write(path: Path, header: list[str], rows: Iterable[list[object]]) -> None:
    with atomic.writing(path) as handle:  # streamed: a table of 400,000 answer groups is never one string
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) for v in row])


def _users(users: tuple[tuple[str, str, str], ...], field: int) -> str:
    return "; ".join(u[field] for u in users if u[field])


def write_grades(path: Path, stats: ClassStats, graded: Iterable[Graded]) -> None:
    """One row per submission (`graded`, in the class's order): identity, each part's score, the total, the TA
    decisions in it, the status (and error)."""
    part_ids = list(stats.parts)
    header = ["submission", "name", "email", "sid", *part_ids, "total", "reviewed", "status", "error"]
    possible: list[object] = [POINTS_POSSIBLE, "", "", "", *(stats.parts[p].points for p in part_ids), stats.max_score,
                              "", "", ""]

    def rows() -> Iterable[list[object]]:
        yield possible
        for g in graded:
            yield [g.submission, _users(g.users, 0) or g.who, _users(g.users, 1), _users(g.users, 2),
                   *g.scores, g.total, g.decided, g.status, g.error]

    _write(path, header, rows())


def write_gradebook(path: Path, stats: ClassStats, graded: Iterable[Graded]) -> None:
    """Canvas's gradebook import layout: one row per student (each member of a group gets the group's score)."""
    column = f"{stats.assignment.rubric.title} ({stats.assignment.id})"
    # "Notes" is Canvas's own notes column: it says which scores a TA set, and imports as no assignment.
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column, "Notes"]

    def rows() -> Iterable[list[object]]:
        yield [POINTS_POSSIBLE, "", "", "", "", stats.max_score, ""]
        for g in graded:
            note = f"reviewed: {g.decided}" if g.decided else ""
            for name, email, sid in g.users or [(g.who, "", "")]:
                yield [name or g.who, "", sid, email, "", g.total, note]

    _write(path, header, rows())


def write_review(path: Path, stats: ClassStats) -> None:
    _write(path, ["submission", "who", "part", "status", "score", "reasons", "answer", "decision"],
           ([f.submission, f.who, f.part, f.status, f.score, "; ".join(f.reasons), f.answer, f.decision]
            for f in stats.flags))


def write_groups(path: Path, stats: ClassStats) -> None:
    def rows() -> Iterable[list[object]]:
        for pid, part in stats.parts.items():
            for engine in part.engines:
                for g in stats.sorted_groups(pid, engine):
                    decision = stats.overrides.group_decision(pid, engine, g.key)
                    decided = "" if decision is None else (
                        "accepted" if decision.score is None else f"{decision.score:g}") + (
                        f" by {decision.who}" if decision.who else "")
                    yield [pid, engine, g.count, g.verdict, g.score, g.reading, g.sample, g.key, "; ".join(g.who),
                           decided]

    _write(path, ["part", "engine", "count", "verdict", "score", "reading", "example", "key", "who", "decision"],
           rows())


def write_regrade(path: Path, diff: list[Change], labels: dict[str, str]) -> None:
    def items(change: Change) -> str:
        return "; ".join(
            f"{pid} {labels.get(f'{pid}|{key}', key)}: {'—' if a is None else f'{a:g}'} → {'—' if b is None else f'{b:g}'}"
            for pid, key, a, b in change.items)

    _write(path, ["submission", "who", "before", "after", "change", "parts", "items"],
           ([c.submission, c.who, c.before, c.after, c.delta,
             "; ".join(f"{p}: {a:g} → {b:g}" for p, a, b in c.parts), items(c)] for c in diff))
