"""Instructors' unittest checks (gradescope-utils decorators: @weight, @number, @visibility,
@partial_credit, ...), run with gradescope-utils' JSONTestRunner and merged into the same results.json.

They run in a child process (`python -m grader.autograder.checks`) with a time and memory limit, so a
check that hangs, crashes or exhausts memory costs only its own tests. The runner's known faults are
mended here: a failing `setUpClass`/`setUpModule` made it crash and write nothing (now every test it
stopped is reported as failed with the fixture's error), a failing `subTest` made the test vanish, and
skipped tests were silently omitted. Its string `execution_time` is dropped (the run has its own).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import unittest
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from grader.results import NOT_YOUR_FAULT

# Address space, not resident memory: numpy and BLAS reserve far more than they touch. It stops a runaway
# check; the container's own limit bounds what is really used.
CHECKS_MEMORY_MB = 2048
_FIXTURE = re.compile(r"^(setUpClass|tearDownClass|setUpModule|tearDownModule) \((.+)\)$")


@dataclass
class ChecksOutcome:
    tests: list[dict[str, Any]] = field(default_factory=list)
    leaderboard: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None  # for instructors (stdout); students get a failed test


def _problem_test(message: str) -> dict[str, Any]:
    return {
        "name": "Code checks", "score": 0.0, "max_score": 0.0, "status": "failed", "visibility": "visible",
        "output": f"The code checks could not run to the end ({message}). {NOT_YOUR_FAULT}",
        "output_format": "text", "extra_data": {"kind": "checks_failed"},
    }


def _clean_test(test: Any) -> dict[str, Any] | None:
    """Keep a runner test only if it fits Gradescope's schema (numbers as numbers, outputs capped)."""
    # Here, not at the top: the child process never needs them.
    from grader.writers.gradescope import MAX_OUTPUT_CHARS, validate_results
    from grader.writers.schema_check import InvalidDocument

    if not isinstance(test, dict):
        return None
    test = dict(test)
    for key in ("score", "max_score"):
        if key in test:
            try:
                test[key] = float(test[key])
            except (TypeError, ValueError):
                test.pop(key)
    if "number" in test:
        test["number"] = str(test["number"])
    if "tags" in test:
        test["tags"] = [str(t) for t in test["tags"] or []]
    if isinstance(test.get("output"), str) and len(test["output"]) > MAX_OUTPUT_CHARS:
        test["output"] = test["output"][: MAX_OUTPUT_CHARS - 40] + "\n…(output shortened)"
    extra = test.get("extra_data")
    test["extra_data"] = {**(extra if isinstance(extra, dict) else {}), "kind": "check"}
    try:
        validate_results({"score": 0.0, "tests": [test]})
    except InvalidDocument:
        return None
    return test


def read_checks_output(data: Any) -> ChecksOutcome:
    """Turn the runner's JSON into tests fit for results.json."""
    if not isinstance(data, dict):
        return ChecksOutcome(problem="the checks wrote no results")
    tests = [t for t in map(_clean_test, data.get("tests") or []) if t is not None]
    dropped = len(data.get("tests") or []) - len(tests)
    board = [
        {k: v for k, v in e.items() if k in ("name", "value", "order") and v is not None}
        for e in data.get("leaderboard") or [] if isinstance(e, dict) and isinstance(e.get("value"), (int, float, str))
    ]
    problem = f"{dropped} test(s) had a malformed result and were dropped" if dropped else None
    return ChecksOutcome(tests=tests, leaderboard=board, problem=problem)


def run_checks(checks_dir: Path, *, submission: Path, cwd: Path, timeout: float, python: str = sys.executable) -> ChecksOutcome:
    """Run the checks in a child process and collect their tests. Never raises."""
    out = cwd / "results" / ".checks.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    env = {**os.environ, "GRADER_SUBMISSION": str(submission)}
    command = [python, "-m", "grader.autograder.checks", str(checks_dir.resolve()), "--output", str(out)]
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, timeout=max(1.0, timeout), capture_output=True,
                              text=True, errors="replace", preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        outcome = ChecksOutcome(problem=f"the checks did not finish within {timeout:.0f} s")
    else:
        sys.stdout.write(proc.stdout[-20_000:] + proc.stderr[-20_000:])
        try:
            outcome = read_checks_output(json.loads(out.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            outcome = ChecksOutcome(problem=f"the checks ended with exit status {proc.returncode} and no results")
    if outcome.problem:
        outcome.tests.append(_problem_test(outcome.problem))
    return outcome


def _limit_memory() -> None:
    limit = CHECKS_MEMORY_MB * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


# --- inside the child process -------------------------------------------------------------------------


def _iter_tests(suite: unittest.TestSuite | unittest.TestCase) -> Iterator[unittest.TestCase]:
    if isinstance(suite, unittest.TestSuite):
        for item in suite:
            yield from _iter_tests(item)
    else:
        yield suite


def _result_class(suite: unittest.TestSuite) -> type:
    from gradescope_utils.autograder_utils.json_test_runner import JSONTestResult

    everything = [t for t in _iter_tests(suite) if hasattr(t, "_testMethodName")]

    class MendedResult(JSONTestResult):
        """JSONTestResult that reports fixture errors, failed subtests and skips instead of losing them."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._reported: set[str] = set()
            self._subtest_errors: dict[str, Any] = {}

        def processResult(self, test: Any, err: Any = None) -> None:  # noqa: N802 - gradescope-utils' name
            if not hasattr(test, "_testMethodName"):
                self._fixture_failed(test, err)
                return
            if test.id() in self._reported:
                return
            self._reported.add(test.id())
            super().processResult(test, err)

        def _fixture_failed(self, holder: Any, err: Any) -> None:
            match = _FIXTURE.match(getattr(holder, "description", ""))
            fixture, owner = match.groups() if match else ("fixture", "")
            stopped = [t for t in everything if t.id().startswith(owner + ".") and t.id() not in self._reported]
            if not stopped:
                self.results.append({"name": getattr(holder, "description", "fixture"), "status": "failed",
                                     "output": f"{fixture} failed: {err[1] if err else ''}"})
            for test in stopped:
                self._reported.add(test.id())
                entry = self.buildResult(test, err)
                entry["output"] = f"Not run: {fixture} of {owner} failed: {err[1] if err else ''}"
                if "max_score" in entry:
                    entry["score"] = 0.0
                self.results.append(entry)

        def addSubTest(self, test: Any, subtest: Any, err: Any) -> None:  # noqa: N802
            super().addSubTest(test, subtest, err)
            if err is not None:
                self._subtest_errors.setdefault(test.id(), err)

        def stopTest(self, test: Any) -> None:  # noqa: N802
            err = self._subtest_errors.pop(test.id(), None) if hasattr(test, "id") else None
            if err is not None:
                self.processResult(test, err)
            super().stopTest(test)

        def addSkip(self, test: Any, reason: str) -> None:  # noqa: N802
            super().addSkip(test, reason)
            if not hasattr(test, "_testMethodName") or test.id() in self._reported:
                return
            self._reported.add(test.id())
            entry = self.buildResult(test)
            if "max_score" in entry:
                entry["score"] = 0.0
                entry["status"] = "failed" if entry["max_score"] > 0 else "passed"
            entry["output"] = f"Skipped: {reason}"
            self.results.append(entry)

    return MendedResult


def _child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.autograder.checks")
    parser.add_argument("checks_dir")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)

    from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

    checks = Path(args.checks_dir).resolve()
    sys.path.insert(0, str(checks))
    suite = unittest.defaultTestLoader.discover(str(checks), pattern="test*.py", top_level_dir=str(checks))
    runner_class = type("MendedRunner", (JSONTestRunner,), {"resultclass": _result_class(suite)})
    with open(args.output + ".tmp", "w", encoding="utf-8") as stream:
        runner_class(stream=stream, post_processor=lambda data: data.pop("execution_time", None)).run(suite)
    os.replace(args.output + ".tmp", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
