"""`grader check` on a folder of broken assignments: each case must produce exactly the messages it lists.

A case is a folder under broken/ holding what differs from broken/_base (a valid two-part assignment):
usually rubric.yaml or reference.yaml, sometimes examples. Its expected.txt holds a comment saying what
the case is about, `exit N`, `load: refused` or `load: loads`, then every line `grader check` prints
before its summary, in order.

`load: refused` means every command that grades (`grade`, `batch`, `explain`, `autograder build`) must
refuse the assignment before grading anyone, printing the case's errors; `load: loads` means the problem
is one only `grader check` can find (it grades the reference or the examples) and grading goes ahead.
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
    exit_code, _, messages = _case(case)
    return exit_code, messages


def _case(case: Path) -> tuple[int, bool, list[str]]:
    lines = [ln for ln in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert lines[0].startswith("exit "), f"{case.name}/expected.txt must start with `exit N`"
    assert lines[1] in ("load: refused", "load: loads"), f"{case.name}/expected.txt: second line must be `load: ...`"
    return int(lines[0].split()[1]), lines[1] == "load: refused", lines[2:]


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


def test_check_exits_2_exactly_when_grading_would_refuse_the_files():
    """Exit 2 is "errors in the files", the same verdict as `grader grade`; 1 is kept for the faults only
    grading the reference or the examples can show."""
    for case in CASES:
        code, refused, _ = _case(case)
        assert not refused or code == 2, f"{case.name}: grading refuses it, so `check` must exit 2"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_assignment_gives_exact_messages(case, tmp_path, monkeypatch, capsys):
    exit_code, messages = _expected(case)
    monkeypatch.chdir(_assignment(case, tmp_path))
    code = main(["check", "."])
    printed = capsys.readouterr().out.splitlines()
    assert printed[:-1] == messages
    assert code == exit_code, printed[-1]


def _grading_commands(tmp_path: Path) -> dict[str, list[str]]:
    answers = tmp_path / "answers.yaml"
    answers.write_text('"1": "n(n+1)/2"\n"2": "the mask hides future tokens"\n', encoding="utf-8")
    folder = tmp_path / "class"
    (folder / "ann").mkdir(parents=True)
    (folder / "ann" / "answers.yaml").write_text(answers.read_text(encoding="utf-8"), encoding="utf-8")
    return {
        "grade": ["grade", str(answers), "--assignment", "."],
        "batch": ["batch", str(folder), "-o", str(tmp_path / "out"), "--assignment", ".", "--jobs", "1"],
        "explain": ["explain", "--part", "1", "n(n+1)/2", "--assignment", "."],
        "build": ["autograder", "build", "-o", str(tmp_path / "autograder.zip"), "--assignment", ".",
                  "--wheel", str(tmp_path / "never-read.whl")],
    }


REFUSED = [c for c in CASES if _case(c)[1]]


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_grading_commands_refuse_a_broken_assignment(case, tmp_path, monkeypatch, capsys):
    """The errors `grader check` finds in the files stop every grading command before anyone is graded."""
    _, _, messages = _case(case)
    errors = sorted(m for m in messages if ": error: " in m)
    assert errors, f"{case.name}: a refused assignment must list its errors"
    monkeypatch.chdir(_assignment(case, tmp_path / "a"))
    for name, argv in _grading_commands(tmp_path).items():
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 2, f"{name} exited {code}: {captured.out}{captured.err}"
        assert sorted(captured.err.splitlines()) == errors, name
        assert not (tmp_path / "out").exists() and not (tmp_path / "autograder.zip").exists(), name
        assert "score" not in captured.out, name


def test_an_assignment_only_check_faults_still_grades(tmp_path, monkeypatch, capsys):
    """`load: loads` cases are graded: their faults need the reference or the examples graded to be seen."""
    loads = [c for c in CASES if not _case(c)[1]]
    assert len(loads) >= 4
    commands = _grading_commands(tmp_path)
    for case in loads:
        monkeypatch.chdir(_assignment(case, tmp_path / "a"))
        code = main(commands["explain"])
        assert code == 0, f"{case.name}: {capsys.readouterr().err}"
        capsys.readouterr()
