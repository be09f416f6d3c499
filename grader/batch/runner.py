"""`grader batch`: grade a whole class, resumably, and write every output from the one results model."""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment
from grader.batch import report, tables
from grader.batch.cache import DEFAULT_CACHE_SIZE
from grader.batch.diff import Change
from grader.batch.journal import Journal
from grader.batch.overrides import Overrides, apply_to_results
from grader.batch.pool import PoolStats, WorkerPool
from grader.batch.progress import Progress, summary_text
from grader.batch.sources import Entry, SourceError, find_submissions
from grader.batch.stats import ClassStats
from grader.batch.worker import WorkerContext
from grader.sandbox import Limits

STATE_DIR = ".batch"
# Temporary files of the atomic writes of the tables, the report and the journal (see grader.atomic).
_OWN_TEMPORARY = tuple(f".{name}." for name in ("grades.csv", "grades_canvas.csv", "review.csv", "groups.csv",
                                                 "regrade.csv", "report.html", "journal.jsonl"))


@dataclass
class BatchSummary:
    """What a run did; `text` is the summary printed for the instructor."""

    submissions: int
    graded: int
    kept: int
    stale: int
    failed: int
    seconds: float
    outdir: Path
    diff: list[Change] | None
    pool: PoolStats = field(default_factory=PoolStats)
    text: str = ""


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run_batch(*, submissions: Path, outdir: Path, assignment: Assignment, jobs: int | None = None,
              regrade: bool = False, limits: Limits | None = None, progress: Progress | None = None,
              cache_size: int = DEFAULT_CACHE_SIZE) -> BatchSummary:
    """Grade every submission under `submissions` into `outdir`, keeping results an earlier run already wrote.

    Results made with another rubric or reference (their fingerprint differs) or from changed files are graded
    again; with `regrade`, `regrade.csv` and the report say who changed, by how much, on which item.
    """
    started = time.perf_counter()
    state = outdir / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    with (state / "lock").open("w") as lock:
        # Two runs into one folder would interleave their journals; the kernel drops the lock on any exit (the
        # short wait covers the workers of a run that was just killed, which die a moment after it).
        for _ in range(20):
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SourceError(f"{outdir}: another `grader batch` is writing there")
        return _run(submissions, outdir, assignment, jobs, regrade, limits or Limits(), progress, cache_size, started)


def _run(submissions: Path, outdir: Path, assignment: Assignment, jobs: int | None, regrade: bool, limits: Limits,
         progress: Progress | None, cache_size: int, started: float) -> BatchSummary:
    state = outdir / STATE_DIR
    results_dir = outdir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    entries = find_submissions(submissions, unpack_to=state / "export", outdir=outdir)
    fingerprint = assignment.fingerprint()
    journal = Journal(state / "journal.jsonl")
    history = journal.read(fingerprint)
    existing = set()
    for item in os.scandir(results_dir):
        if item.name.startswith(".") and item.name.endswith(".tmp"):
            os.unlink(item.path)  # left by a killed run: the rename never happened, so it is garbage
        else:
            existing.add(item.name)
    for folder in (outdir, state):  # the same for the tables, the report and the journal's compaction
        for item in os.scandir(folder):
            if item.name.startswith(_OWN_TEMPORARY) and item.name.endswith(".tmp"):
                os.unlink(item.path)

    # With --regrade, each submission's row is compared, as it arrives, with the one it replaces.
    overrides = Overrides.load(outdir, assignment)  # a TA's decisions, applied to every row and output
    stats = ClassStats(assignment, history.labels, before=history.before if regrade else None, overrides=overrides)
    todo: list[Entry] = []
    stale = 0
    for entry in entries:
        line = history.latest.get(entry.name)
        if line is not None and line.fp == fingerprint and line.sig == entry.signature() \
                and f"{entry.name}.json" in existing:
            stats.add(line.row())
        else:
            todo.append(entry)
            stale += line is not None and line.fp != fingerprint
    kept = len(entries) - len(todo)
    del history

    bar = progress or Progress(len(todo))
    ctx = WorkerContext(assignment, results_dir, fingerprint, limits.memory_mb, cache_size)
    pool = WorkerPool(ctx, jobs=jobs or default_jobs(), timeout=limits.timeout, before_fork=journal.flush)
    try:
        for row in pool.run(todo):
            journal.append(row)
            stats.add(row)
            bar.advance()
    finally:
        bar.close()
        journal.close()
    grading_seconds = time.perf_counter() - started

    names = [e.name for e in entries]
    diff = sorted(stats.changes, key=lambda c: c.submission) if regrade else None
    tables.write_grades(outdir / "grades.csv", stats, names)
    tables.write_gradebook(outdir / "grades_canvas.csv", stats, names)
    tables.write_review(outdir / "review.csv", stats)
    tables.write_groups(outdir / "groups.csv", stats)
    if diff is not None:
        tables.write_regrade(outdir / "regrade.csv", diff, stats.labels)
    report.write_report(outdir / "report.html", stats, diff=diff, seconds=grading_seconds)
    apply_to_results(results_dir, state, overrides, names)
    journal.compact(names, fingerprint)

    seconds = time.perf_counter() - started
    failed = sum(1 for n in names if stats.graded[n].status == "failed")
    extra = []
    if pool.stats.cache_hits + pool.stats.cache_misses:
        checked = pool.stats.cache_misses
        extra.append(f"{checked:,} answers checked, {pool.stats.cache_hits:,} answered from the cache")
    if failed:
        extra.append(f"{failed} could not be graded: their errors are in grades.csv, tracebacks in "
                     f"{state / 'errors.log'}")
    extra.extend(overrides.summary_lines())
    if pool.stats.restarts:
        extra.append(f"{pool.stats.restarts} worker restarts ({pool.stats.poisoned} answers stopped a worker)")
    summary = BatchSummary(len(entries), len(todo), kept, stale, failed, seconds, outdir, diff, pool.stats)
    summary.text = summary_text(stats, graded=len(todo), kept=kept, stale=stale, seconds=seconds, outdir=str(outdir),
                                diff=diff, extra=extra)
    return summary
