"""What people's screens show for student-controlled text: the table in escape_cases.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.batch.outputs.tables import _write
from grader.escape import csv_cell, inline_code, markdown_text

CASES = yaml.safe_load((Path(__file__).with_name("escape_cases.yaml")).read_text(encoding="utf-8"))
SHOWN = {"markdown": markdown_text, "code": inline_code, "csv": csv_cell}


@pytest.mark.parametrize("case", CASES, ids=[repr(c["text"])[:40] for c in CASES])
def test_each_screen_shows_the_text_safely(case):
    for screen, expected in case.items():
        if screen != "text":
            assert SHOWN[screen](case["text"]) == expected, screen


def test_every_csv_the_batch_writes_goes_through_the_cell_rule(tmp_path):
    _write(tmp_path / "t.csv", ["answer"], [["\uff1dHYPERLINK(1)"], ["ok\u202e"]])
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[1:] == ["'\uff1dHYPERLINK(1)", "ok<U+202E>"]
