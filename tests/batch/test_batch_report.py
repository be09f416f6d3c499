"""report.html: axes with ticks and counts, rendered math, what the student read, misconceptions apart from
concepts, decisions, and a status line without a stray separator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from grader.batch import run_batch
from grader.batch.outputs.report import chart

CHARTS = yaml.safe_load(Path(__file__).with_name("report_charts.yaml").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", CHARTS, ids=[c["name"] for c in CHARTS])
def test_axes_have_ticks(case):
    values = case.get("values") or [float(v) for v, n in case["values_repeat"] for _ in range(n)]
    c = chart("h", "t", [float(v) for v in values], case["maximum"], width=case["width"], height=110)
    assert [t.label for t in c.x_ticks] == case["x"]
    assert [t.label for t in c.y_ticks] == case["y"]
    assert c.counts is case["counts"]
    assert sum(b.count for b in c.bars) == len(values)
    assert all(0 <= t.at <= c.width for t in c.x_ticks) and all(0 <= t.at <= c.height for t in c.y_ticks)


@pytest.fixture(scope="module")
def report(tmp_path_factory, hw3) -> str:
    out = tmp_path_factory.mktemp("report") / "out"
    run_batch(submissions=ROOT / "submissions_example", outdir=out, assignment=hw3, jobs=1)
    return (out / "report.html").read_text(encoding="utf-8")


def test_formula_readings_are_mathml_not_raw_latex(report):
    groups = report[report.index('id="groups"'):]
    assert "<math" in groups and "<mfrac>" in groups
    assert "<code>$$" not in groups  # no reading left as raw LaTeX (the examples are as the students wrote them)


def test_a_flag_shows_what_the_student_read_with_the_caret(report):
    flags = report[report.index('id="flags"'):report.index('id="groups"')]
    assert "The student read:" in flags
    told = re.findall(r'<div class="told">(.*?)</div>', flags, re.S)
    assert any("Unknown name `N`" in t and "(t+1)(2N-t)/2\n       ^" in t for t in told)
    assert all("```" not in t for t in told)


def test_misconceptions_are_marked_apart_from_concepts(report, hw3):
    part = report[report.index('id="part-1"'):report.index('id="part-2.1"')]
    assert part.count('class="item-misconception"') == len(hw3.rubric.part("1").text.misconceptions)
    assert part.count('class="item-concept"') >= 4
    assert 'class="rate bad"' in part


def test_status_lines_end_without_a_separator(report):
    for line in re.findall(r'<div class="note">([^<]*(?:correct|partial|incorrect|invalid|missing)[^<]*)</div>', report):
        assert not line.strip().endswith("·") and not line.strip().startswith("·"), line


def test_bidi_and_zero_width_characters_are_spelled_out(tmp_path, hw3):
    # A name that reads as another once a right-to-left override reorders it.
    subs = tmp_path / "subs"
    (subs / "evil\u202egnp.md").mkdir(parents=True)
    (subs / "evil\u202egnp.md" / "answers.md").write_text("## 4.1\nn(n+1)/2\u200b\n", encoding="utf-8")
    run_batch(submissions=subs, outdir=tmp_path / "out", assignment=hw3, jobs=1)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "\u202e" not in html and "\u200b" not in html
    assert "evil&lt;U+202E&gt;gnp.md" in html
