"""`grader --help` and the help of every command start without the heavy modules only grading needs.

Each case runs in a fresh interpreter (an import made by another test would hide one made here) and lists
which of the heavy modules the command loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sympy", "lark", "pydantic", "yaml", "grader.formula", "grader.text", "grader.rubric", "grader.assignment")

_PROBE = """
import json, sys
from grader.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {%s} or m.startswith(%r))
print(json.dumps(heavy))
"""


def _loaded(argv: list[str]) -> list[str]:
    tops = {m for m in HEAVY if "." not in m}
    prefixes = tuple(m for m in HEAVY if "." in m)
    probe = _PROBE % (", ".join(repr(t) for t in tops), prefixes)
    proc = subprocess.run([sys.executable, "-c", probe, *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


COMMANDS = [["--help"], ["grade", "--help"], ["batch", "--help"], ["check", "--help"], ["explain", "--help"],
            ["schema", "--help"], ["new", "--help"], ["calibrate", "--help"], ["autograder", "build", "--help"],
            ["autograder", "run", "--help"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_help_imports_nothing_heavy(argv: list[str]) -> None:
    assert _loaded(argv) == []


def test_the_probe_sees_a_grading_import() -> None:
    # The probe itself works: a usage error after the assignment loads shows the modules grading needs.
    loaded = _loaded(["explain", "--part", "no-such-part", "x"])
    assert "grader.formula" in loaded and "grader.assignment" in loaded


@pytest.mark.parametrize("argv", [["schema"], ["schema", "--reference"]], ids=" ".join)
def test_the_schema_loads_the_rubric_model_not_the_engines(argv: list[str]) -> None:
    # `grader schema` needs the rubric's models; the parser, the evaluator and the text scorer load only to grade.
    loaded = _loaded(argv)
    assert "grader.rubric" in loaded
    engines = [m for m in loaded if m.split(".")[0] in ("lark", "sympy") or m.startswith(
        ("grader.formula.reading", "grader.formula.checking", "grader.formula.grade", "grader.text.scoring"))]
    assert engines == []
