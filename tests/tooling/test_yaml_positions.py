"""Positions inside YAML scalars: a formula error at character k points at the right line and column,
whatever quoting the TA used (plain, single, double with escapes, literal block)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.rubric.yamlio import read_document

DOC = r"""plain: n(n+1/2
single: 'it''s n(n+1/2'
double: "\\sum_{k} (x_k"
block: |
  first line
  n(n+1/2
nested:
  - {formula: "n+"}
"""

# (key, character offset in the value, expected line, expected column), all 1-based but the offset.
CASES = [
    (("plain",), 0, 1, 8),
    (("plain",), 7, 1, 15),
    (("single",), 5, 2, 16),        # after `it''s`: the doubled quote is one character of the value
    (("double",), 0, 3, 10),
    (("double",), 5, 3, 16),        # `\\` is one character of the value, two in the file
    (("block",), 11, 6, 3),         # second line of the block, first character
    (("nested", 0, "formula"), 2, 8, 18),
]


@pytest.mark.parametrize("loc,offset,line,col", CASES)
def test_position_in_scalar(loc, offset, line, col, tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text(DOC, encoding="utf-8")
    doc = read_document(path)
    assert doc.position_in(loc, offset) == (line, col)
