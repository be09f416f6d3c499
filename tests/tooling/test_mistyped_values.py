"""Any value of a rubric replaced by a value of the wrong kind is reported as a message with a position,
never a crash: a TA's typo anywhere must end in `file:line:col: error: ...`."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from grader.assignment import consistency_problems, read_assignment
from grader.rubric.yamlio import FileProblems

BASE = Path(__file__).parent / "broken" / "_base"
WRONG = [None, 0, -1, "x", [], {}, True, [1], {"a": 1}]


def _paths(data, prefix=()):
    yield prefix
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield from _paths(value, (*prefix, key))


@pytest.mark.parametrize("wrong", WRONG, ids=[repr(w) for w in WRONG])
def test_every_value_of_the_wrong_kind_is_a_message(wrong, tmp_path):
    shutil.copy(BASE / "reference.yaml", tmp_path / "reference.yaml")
    rubric = yaml.safe_load((BASE / "rubric.yaml").read_text(encoding="utf-8"))
    for path in [p for p in _paths(rubric) if p and p[0] != "reference"]:
        data = copy.deepcopy(rubric)
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = wrong
        (tmp_path / "rubric.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        try:
            problems = consistency_problems(read_assignment(tmp_path / "rubric.yaml"))
        except FileProblems as exc:
            problems = exc.problems
        for problem in problems:
            assert problem.message and problem.line >= 1 and problem.col >= 1, (path, problem)
