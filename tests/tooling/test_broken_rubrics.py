"""`grader check` on a folder of broken assignments: each case must produce exactly the messages it lists.

A case is a folder under broken/ holding what differs from broken/_base (a valid two-part assignment):
usually rubric.yaml or reference.yaml, sometimes examples. Its expected.txt holds a comment saying what
the case is about, `exit N`, then every line `grader check` prints before its summary, in order.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.cli import main

BROKEN = Path(__file__).parent / "broken"
BASE = BROKEN / "_base"
CASES = sorted(p for p in BROKEN.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _expected(case: Path) -> tuple[int, list[str]]:
    lines = [ln for ln in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert lines[0].startswith("exit "), f"{case.name}/expected.txt must start with `exit N`"
    return int(lines[0].split()[1]), lines[1:]


def _assignment(case: Path, into: Path) -> Path:
    work = into / case.name
    shutil.copytree(case, work, ignore=shutil.ignore_patterns("expected.txt"))
    for name in ("rubric.yaml", "reference.yaml"):
        if not (work / name).exists():
            shutil.copy(BASE / name, work / name)
    return work


def test_the_base_assignment_is_clean(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(BASE)
    assert main(["check", "."]) == 0, capsys.readouterr().out


def test_there_are_cases_of_every_kind():
    codes = [_expected(case)[0] for case in CASES]
    assert len(CASES) >= 30
    assert {0, 1, 2} <= set(codes)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_assignment_gives_exact_messages(case, tmp_path, monkeypatch, capsys):
    exit_code, messages = _expected(case)
    monkeypatch.chdir(_assignment(case, tmp_path))
    code = main(["check", "."])
    printed = capsys.readouterr().out.splitlines()
    assert printed[:-1] == messages
    assert code == exit_code, printed[-1]
