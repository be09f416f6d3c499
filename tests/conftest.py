from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from grader.assignment import Assignment, load_assignment
from grader.sandbox import Sandbox

# Property-based tests: a quick profile for every run, a long one by hand (HYPOTHESIS_PROFILE=long pytest tests).
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "submissions_example"


@pytest.fixture(scope="session")
def hw3() -> Assignment:
    return load_assignment()


@pytest.fixture(scope="session")
def sandbox():
    with Sandbox() as box:
        yield box
