"""report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) for the course staff.

Student text reaches this page, so it is rendered by Jinja2 with autoescaping on: nothing a student typed can
become markup or script in a TA's browser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from grader import atomic
from grader.batch.diff import Change
from grader.batch.stats import ClassStats, histogram

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
class Chart:
    """A histogram laid out for SVG: bars in a `width` x `height` plot area below a title."""

    id: str
    title: str
    bars: list[Bar]
    width: int
    height: int
    peak: int


def chart(chart_id: str, title: str, values: list[float], maximum: float, *, width: int = 640, height: int = 180) -> Chart:
    bins = histogram(values, maximum)
    peak = max((c for _, c in bins), default=0)
    slot = width / max(1, len(bins))
    bars = [
        Bar(x=i * slot + 1, y=height - (c / peak * height if peak else 0), width=max(1.0, slot - 2),
            height=c / peak * height if peak else 0, label=label, count=c)
        for i, (label, c) in enumerate(bins)
    ]
    return Chart(chart_id, title, bars, width, height, peak)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("grader.batch", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pts"] = lambda v: f"{v:g}"
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%"
    return env


def render_report(stats: ClassStats, *, diff: list[Change] | None, seconds: float) -> str:
    part_values: dict[str, list[float]] = {pid: [] for pid in stats.parts}
    for g in stats.graded.values():
        for pid, score in zip(stats.part_ids, g.scores):
            part_values[pid].append(score)
    parts = []
    for pid, part in stats.parts.items():
        n = sum(part.statuses.values())
        engines = []
        for engine in part.groups:
            groups = stats.sorted_groups(pid, engine)
            engines.append({"engine": engine, "groups": groups[:MAX_GROUPS], "distinct": len(groups),
                            "answers": part.answered.get(engine, 0),
                            "single": sum(1 for g in groups if g.count == 1)})
        parts.append({
            "part": part,
            "chart": chart(f"hist-part-{pid}", f"Part {pid}: score distribution", part_values[pid], part.points, width=300, height=110),
            "statuses": [(s, part.statuses.get(s, 0), part.statuses.get(s, 0) / n if n else 0.0) for s in STATUSES],
            "items": [(label, hits, answers, hits / answers if answers else 0.0)
                      for _, label, hits, answers in stats.item_rates(pid)],
            "engines": engines,
        })
    problems = sorted((g for g in stats.graded.values() if g.status != "graded"), key=lambda g: g.submission)
    flags = sorted(stats.flags, key=lambda f: (f.part, f.submission))
    decided = sorted((g for g in stats.graded.values() if g.decided), key=lambda g: g.submission)
    return _environment().get_template("report.html.j2").render(
        title=stats.assignment.rubric.title, assignment=stats.assignment.id, summary=stats.summary(),
        max_score=stats.max_score, total_chart=chart("hist-total", "Total score", stats.totals(), stats.max_score),
        parts=parts, decided=decided, flags=flags[:MAX_ROWS], flag_count=len(flags), problems=problems, diff=diff,
        diff_rows=(diff or [])[:MAX_ROWS], labels=stats.labels, seconds=seconds,
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), max_rows=MAX_ROWS, max_names=MAX_NAMES,
    )


def write_report(path: Path, stats: ClassStats, *, diff: list[Change] | None, seconds: float) -> None:
    atomic.write_text(path, render_report(stats, diff=diff, seconds=seconds), fsync=False)
