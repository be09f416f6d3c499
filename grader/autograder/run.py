"""Grade one submission inside the Gradescope container and always leave a valid results.json.

Layout under the root (`/autograder` on Gradescope, `--root` or GRADER_AUTOGRADER_ROOT elsewhere):
`source/` (the unpacked zip, with `autograder.json`), `submission/`, `submission_metadata.json`,
`results/results.json`.

Guarantees, from the outside in: `run_autograder` (the shell script) writes a fallback document before
starting Python and bounds the run with `timeout`; this module writes a checkpoint after every part
(atomically), so a kill leaves the parts graded so far; it stops taking new parts when the time budget
runs low and turns SIGTERM into an orderly stop; and any exception becomes a visible "Grading failed"
test, the traceback going to stdout, which only instructors see.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

from grader import atomic

ROOT_ENV = "GRADER_AUTOGRADER_ROOT"
MANIFEST = "autograder.json"
# Testing hook, inert unless set: "start" fails before anything is graded, "part:<id>" raises when that
# part is reached, "kill:<id>" makes the process die there without a word (as the kernel's OOM killer does),
# "hang:<id>" makes it wait there until a signal (as a time limit does).
CRASH_ENV = "GRADER_AUTOGRADER_CRASH"
# Seconds kept free at the end of the budget to write results and run the checks' remainder.
STOP_MARGIN = 15.0


class Stopped(BaseException):
    """Raised from the signal handlers: the run must stop and report what it has."""


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def metadata(self) -> Path:
        return self.root / "submission_metadata.json"

    @property
    def results(self) -> Path:
        return self.root / "results" / "results.json"


def default_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or "/autograder")


def read_manifest(source: Path) -> dict[str, Any]:
    data = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "rubric" not in data:
        raise ValueError(f"{source / MANIFEST} does not name the rubric")
    return data


def _crash_hook(where: str) -> None:
    wanted = os.environ.get(CRASH_ENV, "")
    if wanted == where or wanted == f"part:{where}":
        raise RuntimeError(f"crash forced by {CRASH_ENV}={wanted}")
    if wanted == f"kill:{where}":
        os._exit(137)
    if wanted == f"hang:{where}":
        time.sleep(3600)


def _install_stop_signals(deadline: float) -> Callable[[], None]:
    """SIGTERM (from `timeout`) and an alarm at the deadline raise Stopped; returns the undo."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals reach only the main thread; the budget check between parts still holds

    def stop(signum: int, frame: Any) -> None:
        raise Stopped("the time limit was reached" if signum == signal.SIGALRM else "the run was stopped")

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_REAL, max(0.1, deadline - time.monotonic()))

    def undo() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return undo


def run_autograder(*, root: Path, budget: float | None = None, log: TextIO = sys.stdout) -> dict[str, Any]:
    """Grade `root/submission`, write `root/results/results.json` and return the document."""
    from grader.autograder.release import fallback_document, grading_failed_message

    started = time.monotonic()
    paths = Layout(root)
    atomic.write_json(paths.results, fallback_document(grading_failed_message(0, 0)))
    state = _RunState(paths=paths, log=log, started=started)
    undo = lambda: None  # noqa: E731
    try:
        _crash_hook("start")
        state.load()
        policy_budget = state.policy_budget()
        total = budget if budget is not None else policy_budget
        deadline = started + total
        undo = _install_stop_signals(deadline)
        state.grade(deadline=deadline - STOP_MARGIN)
        state.run_checks(deadline=deadline - 5.0)
    except (Exception, Stopped) as exc:
        undo()  # no alarm may interrupt the report of the failure
        state.fail(exc)
    finally:
        undo()
    document = state.final_document()
    atomic.write_json(paths.results, document)
    print(f"wrote {paths.results} in {time.monotonic() - started:.1f} s: score {document.get('score')}", file=log)
    return document


def check_installation(*, root: Path) -> str:
    """Load the assignment and the grading pipeline as a run would; raises if that cannot work."""
    import grader.grading  # noqa: F401 - the engines load here: a broken install fails at setup, not per student
    from grader.assignment import load_assignment

    manifest = read_manifest(Layout(root).source)
    assignment = load_assignment(Layout(root).source / manifest["rubric"])
    if manifest.get("wordnet"):
        from grader.text import lexicon

        if not lexicon.available():  # the zip carries it: without it the text scores would differ from the build's
            raise RuntimeError("the zip's WordNet data (wordnet/) was not installed into the environment's share/wordnet")
    return f"grader ready: {assignment.id}, {len(assignment.part_ids)} parts, fingerprint {assignment.fingerprint()}"


class _RunState:
    """What the run has done so far, so any failure still reports every part already graded."""

    def __init__(self, *, paths: Layout, log: TextIO, started: float):
        self.paths, self.log, self.started = paths, log, started
        self.assignment: Any = None
        self.info: Any = None
        self.answers: Any = None
        self.graded: list[Any] = []
        self.checks: Any = None
        self.failure: str | None = None
        self.checks_dir: Path | None = None
        self.reason = "the autograder stopped before reaching this part."

    def say(self, message: str) -> None:
        print(message, file=self.log, flush=True)

    def load(self) -> None:
        from grader.assignment import load_assignment
        from grader.autograder.metadata import read_metadata
        from grader.autograder.policy import GradescopePolicy
        from grader.sandbox import Limits, Sandbox
        from grader.submission import read_submission

        manifest = read_manifest(self.paths.source)
        self.assignment = load_assignment(self.paths.source / manifest["rubric"])
        self.checks_dir = self.paths.source / manifest["checks"] if manifest.get("checks") else None
        self.info = read_metadata(self.paths.metadata)
        for problem in self.info.problems:
            self.say(f"metadata: {problem}")
        if not self.info.found and (self.assignment.rubric.gradescope or GradescopePolicy()).late is not None:
            self.say(f"metadata: no {self.paths.metadata.name}, so the late policy is not applied")
        with Sandbox(Limits()) as box:  # reading gets the limits grading gets: a hostile file costs its own read
            self.answers = read_submission(self.paths.submission, self.assignment.part_ids, sandbox=box)
        self.say(f"{self.assignment.id}: grading {self.paths.submission} ({self.answers.source or 'no answers file'})")

    def policy_budget(self) -> float:
        from grader.autograder.policy import GradescopePolicy

        return (self.assignment.rubric.gradescope or GradescopePolicy()).time_budget

    def grade(self, *, deadline: float) -> None:
        from grader.grading import grade_answer
        from grader.sandbox import Limits, Sandbox

        limits = Limits()
        with Sandbox(limits) as box:
            for part in self.assignment.rubric.parts:
                if time.monotonic() + limits.timeout > deadline:
                    raise Stopped(f"the time budget ran out before part {part.id}")
                _crash_hook(part.id)
                t0 = time.monotonic()
                result = grade_answer(part, self.answers, self.assignment, box)
                self.graded.append(result)
                self.say(f"  {part.id:<6} {result.score:g}/{result.max_score:g} {result.status} "
                         f"({time.monotonic() - t0:.2f} s)")
                for outcome in result.outcomes:  # why a part could not be checked: for instructors only
                    if outcome.details.get("failure"):
                        self.say(f"    {outcome.details['failure']}: {outcome.details.get('trace') or ''}".rstrip())
                # A checkpoint survives the grader being killed (the rename is atomic); only the final
                # document is synced to disk, since a container does not outlive a power cut.
                atomic.write_json(self.paths.results, self.document(checkpoint=True), fsync=False)

    def run_checks(self, *, deadline: float) -> None:
        if self.checks_dir is None:
            return
        from grader.autograder.checks import run_checks

        self.say(f"running code checks in {self.checks_dir}")
        self.checks = run_checks(self.checks_dir, submission=self.paths.submission, cwd=self.paths.root,
                                 timeout=deadline - time.monotonic())
        if self.checks.problem:
            self.say(f"checks: {self.checks.problem}")

    def fail(self, exc: BaseException) -> None:
        from grader.autograder.release import grading_failed_message

        self.say("GRADING FAILED (students see a notice, not this traceback):")
        self.say("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        if isinstance(exc, Stopped):
            self.reason = f"the autograder stopped before reaching this part ({exc})."
        total = len(self.assignment.rubric.parts) if self.assignment is not None else 0
        self.failure = grading_failed_message(len(self.graded), total)

    def document(self, *, checkpoint: bool = False) -> dict[str, Any]:
        from grader.autograder.release import grading_failed_message, release_document

        failure = self.failure
        if checkpoint:
            # Stays on disk only if the process dies before the next write: then it is the truth.
            failure = grading_failed_message(len(self.graded), len(self.assignment.rubric.parts))
        from grader.grading import submission_notes

        notes = submission_notes(self.answers) if self.answers is not None else []
        return release_document(
            assignment=self.assignment, graded=self.graded, submission=self.paths.submission.name,
            notes=notes, info=self.info, checks=self.checks.tests if self.checks else (),
            leaderboard=self.checks.leaderboard if self.checks else (), failure=failure,
            not_graded_reason=self.reason, execution_time=round(time.monotonic() - self.started, 3),
        )

    def final_document(self) -> dict[str, Any]:
        from grader.autograder.release import fallback_document, grading_failed_message
        from grader.writers.gradescope import validate_results

        fallback = fallback_document(self.failure or grading_failed_message(0, 0))
        if self.assignment is None:
            return fallback
        try:
            document = self.document()
            validate_results(document)
            return document
        except Exception:  # noqa: BLE001 - a bug in reporting must not cost the student a results.json
            self.say("could not build the results document:\n" + traceback.format_exc())
            return fallback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.autograder.run", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None, help=f"container root (default: ${ROOT_ENV} or /autograder)")
    parser.add_argument("--budget", type=float, default=None, help="seconds for the whole run (default: the rubric's)")
    parser.add_argument("--check", action="store_true", help="only check that the installation can grade (setup.sh)")
    args = parser.parse_args(argv)
    root = args.root or default_root()
    if args.check:
        print(check_installation(root=root))
        return 0
    run_autograder(root=root, budget=args.budget)
    return 0


if __name__ == "__main__":
    sys.exit(main())
