"""Helpers shared by the autograder tests: assignments with a release policy, and the invariants every
results.json the container writes must keep."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.assignment import Assignment
from grader.autograder.build import build_autograder, build_wheel
from grader.autograder.policy import VISIBILITY_ORDER, GradescopePolicy
from grader.writers.gradescope import validate_results

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ROOT = HERE.parent.parent


def policy_assignment(folder: Path, policy: dict[str, Any] | None) -> Path:
    """A copy of the bundled HW3 (rubric and reference in their layout) with a `gradescope:` section."""
    (folder / "rubrics").mkdir(parents=True, exist_ok=True)
    (folder / "reference").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "reference" / "hw3.yaml", folder / "reference" / "hw3.yaml")
    text = (ROOT / "rubrics" / "hw3.yaml").read_text(encoding="utf-8")
    if policy:
        text = text.rstrip("\n") + "\n\n" + yaml.safe_dump({"gradescope": policy}, sort_keys=False)
    rubric = folder / "rubrics" / "hw3.yaml"
    rubric.write_text(text, encoding="utf-8")
    return rubric


def merged(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: merged(base.get(k), v) for k, v in override.items()}}
    return override


def base_metadata() -> dict[str, Any]:
    return json.loads((DATA / "metadata.json").read_text(encoding="utf-8"))


def check_release(document: dict[str, Any], assignment: Assignment) -> None:
    """Valid for Gradescope, and no reference answer in anything a student sees earlier than the policy says."""
    validate_results(document)
    policy = assignment.rubric.gradescope or GradescopePolicy()
    assert "Traceback" not in json.dumps(document)
    assert "stdout_visibility" not in document  # the run's output (tracebacks included) stays with instructors
    held = [t for t in document["tests"] if "score" in t and t.get("visibility", "visible") != "visible"]
    if held:  # a total shown at the top would reveal the scores held back
        assert "Score:" not in document["output"]
        late = [t for t in document["tests"] if t.get("extra_data", {}).get("kind") == "late_penalty"]
        assert all(t.get("visibility", "visible") != "visible" for t in late)
    for part_id, reference in assignment.reference.parts.items():
        snippet = " ".join(reference.answer.split())[:80]
        allowed = policy.reference_visibility_of(part_id)
        assert snippet not in " ".join(document.get("output", "").split())
        for test in document["tests"]:
            if snippet in " ".join(test.get("output", "").split()):
                shown = test.get("visibility", "visible")
                assert allowed != "hidden", f"reference of {part_id} released though the policy says never"
                assert VISIBILITY_ORDER.index(shown) >= VISIBILITY_ORDER.index(allowed), (part_id, shown, allowed)


def part_tests(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The scored test of each rubric part, by part id (each must appear once)."""
    found: dict[str, dict[str, Any]] = {}
    for test in document["tests"]:
        if "status" in test.get("extra_data", {}):
            assert test["number"] not in found, f"part {test['number']} appears twice"
            found[test["number"]] = test
    return found


@functools.lru_cache(maxsize=None)
def _workdir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="grader-autograder-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.lru_cache(maxsize=None)
def _wheel() -> Path:
    return build_wheel(_workdir())


@functools.lru_cache(maxsize=None)
def _built_zip() -> Path:
    """The bundled HW3 with the example checks: built once per test run, whichever module asks first."""
    return build_autograder(output=_workdir() / "autograder.zip", wheel=_wheel(), checks=DATA / "checks",
                            downloads=downloads()).path


@functools.lru_cache(maxsize=None)
def downloads() -> Path:
    """Target wheels downloaded once per test run and reused by every build."""
    return _workdir() / "downloads"


@pytest.fixture
def wheel() -> Path:
    return _wheel()


@pytest.fixture
def built_zip() -> Path:
    return _built_zip()
