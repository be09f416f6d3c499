"""The reading table: what students type -> the LaTeX of the reading, or the error at its offset."""

from __future__ import annotations

import pytest

from grader.formula import ReadError, ReadOk, read_formula

from .conftest import PART_SPECS, REFERENCE, load, part_spec

ROWS = load("reading.yaml")


def test_table_is_big_enough():
    assert len(ROWS) >= 150
    assert sum("error" in r for r in ROWS) >= 50


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['spec']}:{r['input'][:40]!r}" for r in ROWS])
def test_reading(row):
    spec = part_spec(PART_SPECS[row["spec"]])
    res = read_formula(row["input"], spec, constants=REFERENCE.constants)
    if "latex" in row:
        assert isinstance(res, ReadOk), getattr(res, "message", "")
        assert res.latex == row["latex"]
        if "note" in row:
            assert any(n.startswith(row["note"]) for n in res.notes)
        else:
            assert not res.notes
    else:
        assert isinstance(res, ReadError), f"read as {getattr(res, 'latex', '')}"
        assert res.message == row["error"]
        assert res.offset == row["offset"]
        assert 0 <= res.offset <= len(row["input"])
        # the caret sits under the offset, in the line that holds it
        _, caret_line = res.caret().split("\n")
        assert "^" in caret_line
