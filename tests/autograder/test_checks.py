"""Instructors' unittest checks (gradescope-utils) run beside the rubric and merge into results.json."""

from __future__ import annotations

import yaml

from grader.results import NOT_YOUR_FAULT
from grader.autograder.checks import read_checks_output, run_checks
from grader.writers.gradescope import validate_results

from agutil import DATA

EXPECTED = yaml.safe_load((DATA / "checks_expected.yaml").read_text(encoding="utf-8"))


def test_every_check_is_reported_even_where_gradescope_utils_loses_it(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "answers.md").write_text("## 1\n", encoding="utf-8")
    outcome = run_checks(DATA / "checks", submission=tmp_path / "submission", cwd=tmp_path, timeout=60)
    assert outcome.problem is None
    got = {t["number"]: {k: t[k] for k in ("name", "score", "max_score", "status", "visibility") if k in t}
           for t in outcome.tests}
    assert got == EXPECTED
    fixture = next(t for t in outcome.tests if t["number"] == "9.6")
    assert "setUpClass" in fixture["output"] and "the fixture could not start" in fixture["output"]
    validate_results({"score": 0.0, "tests": outcome.tests})


def test_checks_that_hang_become_one_failed_test(tmp_path):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_slow.py").write_text(
        "import time, unittest\nclass T(unittest.TestCase):\n    def test_forever(self):\n        time.sleep(60)\n",
        encoding="utf-8")
    outcome = run_checks(checks, submission=tmp_path, cwd=tmp_path, timeout=1.5)
    assert [t["extra_data"]["kind"] for t in outcome.tests] == ["checks_failed"]
    assert "did not finish within 2 s" in outcome.tests[0]["output"]
    assert NOT_YOUR_FAULT in outcome.tests[0]["output"]


def test_runner_output_is_mended_to_fit_the_schema():
    raw = {"execution_time": "0.42", "score": 3,
           "tests": [{"name": "a", "score": "2", "max_score": 2, "number": 1.1, "status": "passed"},
                     {"name": "b", "score": 1, "status": "sideways"}, "junk"],
           "leaderboard": [{"name": "speed", "value": None, "order": "desc"}, {"name": "acc", "value": 0.9, "order": None}]}
    outcome = read_checks_output(raw)
    assert [(t["name"], t["score"], t["number"]) for t in outcome.tests] == [("a", 2.0, "1.1")]
    assert outcome.leaderboard == [{"name": "acc", "value": 0.9}]
    assert outcome.problem == "2 test(s) had a malformed result and were dropped"
