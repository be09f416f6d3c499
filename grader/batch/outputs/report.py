"""report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) for the course staff.

Student text reaches this page, so it is rendered by Jinja2 with autoescaping on: nothing a student typed can
become markup or script in a TA's browser.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from jinja2 import Environment, PackageLoader, select_autoescape

from grader import atomic
from grader.batch.outputs.diff import Change
from grader.batch.outputs.stats import ClassStats, histogram
from grader.escape import html_value
from grader.mathml import reading_html

MAX_GROUPS = 40
MAX_ROWS = 500
MAX_NAMES = 200  # per answer group on the page; groups.csv has them all
STATUSES = ("correct", "partial", "incorrect", "invalid", "missing")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


@dataclass
class Tick:
    at: float  # x (pixels from the plot's left) or y (from its top)
    label: str


@dataclass
class Chart:
    """A histogram laid out for SVG: bars in a `width` x `height` plot area, with ticks on both axes."""

    id: str
    title: str
    bars: list[Bar]
    width: int
    height: int
    peak: int
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    counts: bool  # room for each bar's count above it


def _step(peak: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5, 10, 20, ...) giving at most `ticks` intervals up to `peak`."""
    step = 1
    while peak / step > ticks:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if peak / step <= ticks:
                break
    return step


def chart(chart_id: str, title: str, values: Iterable[float] | Counter[float], maximum: float, *, width: int = 640, height: int = 180) -> Chart:
    bins = histogram(values, maximum)
    peak = max((c for _, c in bins), default=0)
    step = _step(peak) if peak else 1
    top = max(step, -(-peak // step) * step)  # the y axis ends on a tick
    slot = width / max(1, len(bins))
    bars = [
        Bar(x=i * slot + 1, y=height - c / top * height, width=max(1.0, slot - 2), height=c / top * height,
            label=label, count=c)
        for i, (label, c) in enumerate(bins)
    ]
    y_ticks = [Tick(height - v / top * height, str(v)) for v in range(0, top + 1, step)]
    # Bins of a range ("0–5") are ticked at their edges, single scores under their bar; every k-th tick so the
    # labels (about 6 px a character) never run into each other.
    ranged = bool(bins) and "–" in bins[0][0]
    if ranged:
        edges = [b[0].split("–")[0] for b in bins] + [bins[-1][0].split("–")[1]]
        spots = [Tick(i * slot, e) for i, e in enumerate(edges)]
    else:
        spots = [Tick(i * slot + slot / 2, label) for i, (label, _) in enumerate(bins)]
    widest = max((len(t.label) for t in spots), default=1) * 6.5 + 6
    every = max(1, -(-int(widest) // max(1, int(slot))))
    x_ticks = [t for i, t in enumerate(spots) if i % every == 0]
    if spots and x_ticks[-1] is not spots[-1]:  # the axis's end is always labelled, in place of a tick too close
        if spots[-1].at - x_ticks[-1].at < widest and len(x_ticks) > 1:
            x_ticks.pop()
        x_ticks.append(spots[-1])
    return Chart(chart_id, title, bars, width, height, peak, x_ticks, y_ticks, counts=slot >= 6.5 * len(str(peak)) + 2)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("grader.batch.outputs", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=html_value)
    env.filters["pts"] = lambda v: f"{v:g}"
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%"
    env.filters["math"] = reading_html  # sanitised MathML (grader.mathml), or the LaTeX as escaped text
    env.filters["told"] = lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("```"))
    return env


def render_report(stats: ClassStats, *, diff: list[Change] | None, seconds: float, notes: list[str] = (),
                  outdir_name: str = "OUTDIR") -> str:
    part_values: dict[str, Counter[float]] = {pid: Counter() for pid in stats.parts}  # score -> how often
    for g in stats.graded.values():
        for pid, score in zip(stats.part_ids, g.scores):
            part_values[pid][score] += 1
    parts = []
    for pid, part in stats.parts.items():
        n = sum(part.statuses.values())
        engines = []
        for engine in part.engines:
            distinct, single = stats.group_counts(pid, engine)
            groups = list(stats.sorted_groups(pid, engine, MAX_GROUPS, MAX_NAMES))
            decided = {g.key: stats.overrides.group_decision(pid, engine, g.key) for g in groups}
            engines.append({"engine": engine, "groups": groups, "distinct": distinct, "decided": decided,
                            "answers": part.answered.get(engine, 0), "single": single})
        parts.append({
            "part": part,
            "chart": chart(f"hist-part-{pid}", f"Part {pid}: score distribution", part_values[pid], part.points, width=300, height=110),
            "statuses": [(s, part.statuses.get(s, 0), part.statuses.get(s, 0) / n if n else 0.0) for s in STATUSES],
            "items": [(label, hits, answers, hits / answers if answers else 0.0, stats.item_kind(pid, key))
                      for key, label, hits, answers in stats.item_rates(pid)],
            "engines": engines,
        })
    problems = sorted((g for g in stats.graded.values() if g.status != "graded"), key=lambda g: g.submission)
    flags = list(itertools.islice(stats.flags, MAX_ROWS))  # by part, then submission
    decided = [g for g in stats.graded.values() if g.decided]  # by name
    return _environment().get_template("report.html.j2").render(
        title=stats.assignment.rubric.title, assignment=stats.assignment.id, summary=stats.summary(),
        max_score=stats.max_score, total_chart=chart("hist-total", "Total score", stats.totals(), stats.max_score),
        parts=parts, decided=decided, outdir_name=outdir_name, flags=flags, flag_count=len(stats.flags),
        problems=problems, diff=diff,
        diff_rows=(diff or [])[:MAX_ROWS], labels=stats.labels, seconds=seconds,
        notes=list(notes), generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), max_rows=MAX_ROWS, max_names=MAX_NAMES,
    )


def write_report(path: Path, stats: ClassStats, *, diff: list[Change] | None, seconds: float,
                 notes: list[str] = ()) -> None:
    """`notes`: what went wrong reading the class (skipped zip members, unreadable names), shown first."""
    atomic.write_text(path, render_report(stats, diff=diff, seconds=seconds, notes=notes, outdir_name=path.parent.name),
                      fsync=False)
