from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.formula import FormulaSpec
from grader.rubric import Reference, Rubric

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def load(name: str):
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


RUBRIC = Rubric.model_validate(yaml.safe_load((ROOT / "rubrics" / "hw3.yaml").read_text(encoding="utf-8")))
REFERENCE = Reference.model_validate(yaml.safe_load((ROOT / "reference" / "hw3.yaml").read_text(encoding="utf-8")))
PART_SPECS = {"n": "4.1", "nt": "4.2", "nw": "4.3", "q1": "1"}


def part_spec(part_id: str) -> FormulaSpec:
    spec = RUBRIC.part(part_id).formula
    assert spec is not None
    return spec


def reference_formula(part_id: str) -> str:
    formula = REFERENCE.parts[part_id].formula
    assert formula is not None
    return formula


@pytest.fixture(scope="session")
def constants() -> dict:
    return dict(REFERENCE.constants)
