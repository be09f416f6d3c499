"""What the instructor sees in the terminal: a progress bar on stderr while grading, a summary at the end."""

from __future__ import annotations

import sys
import time
from typing import Mapping, Sequence, TextIO

from grader.batch.outputs.diff import Change
from grader.batch.outputs.stats import ClassStats


class Progress:
    """A one-line bar redrawn at most ten times a second; silent unless the stream is a terminal."""

    def __init__(self, total: int, stream: TextIO | None = None, *, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._drawn >= 0.1 or self.done >= self.total):
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        share = self.done / self.total if self.total else 1.0
        bar = "█" * int(share * 30) + "░" * (30 - int(share * 30))
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        self.stream.write(f"\r{bar} {self.done:,}/{self.total:,} submissions  {rate:,.0f}/s  ETA {eta:,.0f} s ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\n")
            self.stream.flush()


# Why a submission graded by an earlier run is graded again (the runner counts them per reason).
AGAIN = {
    "rubric": "re-graded because the rubric or reference changed",
    "edited": "re-graded because their files changed",
    "missing": "graded again because their results file was missing",
    "unwritten": "graded again because their results could not be written last time",
    "unrecorded": "graded again because the last run stopped before recording their results",
    "cut": "graded again because their journal line was cut short (a full disk, or a kill)",
}


def summary_text(stats: ClassStats, *, graded: int, kept: int, again: Mapping[str, int], seconds: float,
                 outdir: str, diff: list[Change] | None, extra: list[str], warnings: Sequence[str] = ()) -> str:
    """`warnings` (what went wrong reading the class) come right under the first line, marked with `!`;
    `again` counts, per reason in AGAIN, the submissions an earlier run graded that are graded again."""
    s = stats.summary()
    total = int(s["count"])
    if not total:
        return "\n".join([f"{stats.assignment.id}: no submissions were found (a folder per student, or a Gradescope "
                          "export).", *(f"  ! {w}" for w in warnings)])
    rate = graded / seconds if seconds > 0 else 0.0
    done = f"{graded} graded in {seconds:.1f} s ({rate:,.0f}/s)" if graded else f"nothing to grade ({seconds:.1f} s)"
    lines = [
        f"{stats.assignment.id}: {total} submissions: {done}"
        + (f", {kept} kept from an earlier run" if kept else "")
        + "".join(f", {again[k]} {why}" for k, why in AGAIN.items() if again.get(k)),
        *(["  The journal had a line cut short (a full disk, or a kill); its submission is graded again"]
          if again.get("cut_unknown") else []),
        *(f"  ! {w}" for w in warnings),
        f"  Score: mean {s['mean']:.1f}, median {s['median']:g}, min {s['min']:g}, max {s['max']:g} (of {stats.max_score:g})",
    ]
    width = max((len(p.title) for p in stats.parts.values()), default=0)
    for part in stats.parts.values():
        n = sum(part.statuses.values()) or 1
        lines.append(f"  {part.id:<5} {part.title:<{width}}  mean {part.mean:5.2f} / {part.points:<4g}  "
                     f"{100 * part.statuses['correct'] / n:3.0f}% correct  {part.statuses['missing']} missing")
    problems = {k: v for k, v in stats.statuses.items() if k != "graded"}
    if problems:
        lines.append("  " + ", ".join(f"{v} {k}" for k, v in sorted(problems.items())))
    decided = sum(1 for f in stats.flags if f.decision) if stats.overrides else 0
    lines.append(f"  {len(stats.flags)} answers flagged for review"
                 + (f", {decided} of them decided by a TA (overrides.json)" if decided else ""))
    if diff is not None:
        up = sum(1 for c in diff if c.delta > 0)
        down = sum(1 for c in diff if c.delta < 0)
        lines.append(f"  Regrade: {len(diff)} submissions changed ({up} up, {down} down)" if diff else
                     "  Regrade: no submission changed")
    lines.extend(f"  {line}" for line in extra)
    lines.append(f"  Wrote {outdir}/grades.csv, grades_canvas.csv, review.csv, groups.csv, report.html"
                 + (", regrade.csv" if diff is not None else "") + " and results/")
    return "\n".join(lines)
