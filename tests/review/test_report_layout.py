"""report.html in headless Chromium at 1400 and 800 px: part cards side by side, then in one column; math
laid out as MathML; every histogram has ticks on both axes."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.batch import run_batch

from .cdp import Browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory, hw3) -> Path:
    out = tmp_path_factory.mktemp("layout") / "out"
    run_batch(submissions=ROOT / "submissions_example", outdir=out, assignment=hw3, jobs=1)
    return out / "report.html"


@pytest.mark.parametrize("width, columns", [(1400, 2), (800, 1)])
def test_cards_collapse_on_narrow_screens(report, tmp_path, width, columns):
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(report.as_uri(), width=width, height=900)
        browser.wait_for("document.readyState === 'complete'")
        tracks = browser.eval("getComputedStyle(document.querySelector('.card')).gridTemplateColumns.split(' ').length")
        assert tracks == columns
        # Rubric labels get room: no label cell narrower than a third of the card.
        narrowest = browser.eval("Math.min(...[...document.querySelectorAll('table.items td:first-child')]"
                                 ".map(td => td.getBoundingClientRect().width))")
        card = browser.eval("document.querySelector('.card').getBoundingClientRect().width")
        assert narrowest > card / 3
        assert browser.eval("document.documentElement.scrollWidth") <= width
        # MathML is laid out by the browser: a fraction is taller than a line of text.
        height = browser.eval("document.querySelector('.math math').getBoundingClientRect().height")
        assert height > 20
        ticks = browser.eval("[...document.querySelectorAll('figure.chart-figure')].map(f => f.querySelectorAll('text.tick').length)")
        assert ticks and min(ticks) >= 4
    finally:
        browser.close()
