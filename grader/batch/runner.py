"""`grader batch`: grade a whole class, resumably, and write every output from the one results model."""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from grader import atomic
from grader.assignment import Assignment
from grader.batch.intake.sources import SourceError, Submissions, find_submissions
from grader.batch.outputs import report, tables
from grader.batch.outputs.diff import Change
from grader.batch.outputs.overrides import Overrides, apply_to_results
from grader.batch.outputs.progress import Progress, summary_text
from grader.batch.outputs.stats import ClassStats
from grader.batch.run.cache import DEFAULT_CACHE_SIZE
from grader.batch.run.entries import EntryTable, MetadataTable
from grader.batch.run.journal import History, Journal
from grader.batch.run.pool import CHUNK, RECYCLE, PoolStats, WorkerPool
from grader.batch.run.render import DEFAULT_SIZE as DEFAULT_RENDER_SIZE
from grader.batch.run.store import ClassStore
from grader.batch.run.worker import WorkerContext, results_path
from grader.sandbox import Limits

STATE_DIR = ".batch"
# Temporary files of the atomic writes of the tables, the report and the journal (see grader.atomic).
_OWN_TEMPORARY = tuple(f".{name}." for name in ("grades.csv", "grades_canvas.csv", "review.csv", "groups.csv",
                                                 "regrade.csv", "report.html", "journal.jsonl"))


@dataclass(frozen=True)
class FastPaths:
    """Ways of doing less work per submission that give the same outputs (the answer cache is `cache_size`)."""

    chunk: int = CHUNK  # submissions handed to a worker at once (1: one by one)
    render_size: int = DEFAULT_RENDER_SIZE  # parts remembered rendered (grader.batch.run.render; 0: none)
    recycle: int = RECYCLE  # submissions a worker grades before a fresh one takes over (a memory bound)


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


class OutputError(Exception):
    """OUTDIR cannot be written (read-only, a full disk): one line for the instructor; what was written is kept."""


def run_batch(*, submissions: Path, outdir: Path, assignment: Assignment, jobs: int | None = None,
              regrade: bool = False, limits: Limits | None = None, progress: Progress | None = None,
              cache_size: int = DEFAULT_CACHE_SIZE, fast: FastPaths | None = None) -> BatchSummary:
    """Grade every submission under `submissions` into `outdir`, keeping results an earlier run already wrote.

    Results made with another rubric or reference (their fingerprint differs) or from changed files are graded
    again; with `regrade`, `regrade.csv` and the report say who changed, by how much, on which item. An output
    folder that cannot be written raises OutputError, whose message says what is kept and what to do.
    """
    started = time.perf_counter()
    state = outdir / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
        lock = os.open(state / "lock", os.O_WRONLY | os.O_CREAT, 0o666)
    except OSError as exc:
        raise _output_error(outdir, exc, "nothing was written") from None
    try:
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
        ctx = (cache_size, fast or FastPaths())
        return _run(submissions, outdir, assignment, jobs, regrade, limits or Limits(), progress, ctx, started)
    except OSError as exc:
        if not atomic.output_error_in(exc, outdir):
            raise
        raise _output_error(outdir, exc, "what was written before is kept") from None
    except sqlite3.OperationalError as exc:  # the run's scratch store (grader.batch.run.store)
        if "full" not in str(exc) and "readonly" not in str(exc):
            raise
        code = errno.ENOSPC if "full" in str(exc) else errno.EROFS
        raise _output_error(outdir, OSError(code, str(exc), str(state / "class.sqlite")),
                            "what was written before is kept") from None
    finally:
        os.close(lock)


def _output_error(outdir: Path, exc: OSError, kept: str) -> OutputError:
    what = atomic.OUTPUT_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
    where = f" (writing {exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space and run the same command again: only what is missing is done"
    else:
        advice = "choose another output folder with -o"
    return OutputError(f"{outdir}: cannot write there: {what}{where}; {kept}; {advice}")


def _run(submissions: Path, outdir: Path, assignment: Assignment, jobs: int | None, regrade: bool, limits: Limits,
         progress: Progress | None, fast: tuple[int, FastPaths], started: float) -> BatchSummary:
    state = outdir / STATE_DIR
    results_dir = outdir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = assignment.fingerprint()
    journal = Journal(state / "journal.jsonl")
    # What grows with the class (the journal's stamps, the entries, the records) goes to the run's store.
    store = ClassStore(state / "class.sqlite")
    try:
        history = journal.read(fingerprint, store.db)
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
        stats = ClassStats(assignment, history.labels, before=history.before if regrade else None, store=store,
                           overrides=overrides)
        found = find_submissions(submissions, unpack_to=state / "export", outdir=outdir,
                                 entries=EntryTable(store.db, "entries"), metadata=MetadataTable(store.db))
        return _grade(outdir, found.entries, found, assignment, journal, history, stats, existing, fingerprint, jobs,
                      limits, progress, fast, regrade, started)
    finally:
        store.close()


def _grade(outdir: Path, entries: EntryTable, found: Submissions, assignment: Assignment, journal: Journal,
           history: History, stats: ClassStats, existing: set[str], fingerprint: str, jobs: int | None,
           limits: Limits, progress: Progress | None, fast: tuple[int, FastPaths], regrade: bool,
           started: float) -> BatchSummary:
    state = outdir / STATE_DIR
    results_dir = outdir / "results"
    overrides = stats.overrides
    todo = EntryTable(stats.store.db, "todo")
    again: Counter[str] = Counter()  # why submissions graded before are graded again
    cut = set(history.cut)
    for entry in entries:
        line = history.latest.get(entry.name)
        written = results_path(results_dir, entry.name).name in existing
        if line is not None and line.fp == fingerprint and line.sig == entry.signature() and written:
            stats.add(line.row())
            continue
        todo.add(entry)
        if entry.name in cut:
            again["cut"] += 1
        elif line is None:
            again["unrecorded"] += written
        elif not line.fp:
            again["unwritten"] += 1
        elif line.fp != fingerprint:
            again["rubric"] += 1
        elif line.sig != entry.signature():
            again["edited"] += 1
        else:
            again["missing"] += 1
    if history.cut and not again["cut"]:
        again["cut_unknown"] = len(history.cut)
    kept = len(entries) - len(todo)

    bar = progress or Progress(len(todo))
    cache_size, paths = fast
    ctx = WorkerContext(assignment, results_dir, fingerprint, limits.memory_mb, cache_size, paths.render_size)
    pool = WorkerPool(ctx, jobs=jobs or default_jobs(), timeout=limits.timeout, before_fork=journal.flush,
                      chunk=paths.chunk, recycle=paths.recycle)
    done = 0
    try:
        for rows in pool.run(todo, len(todo)):
            for _, row, line in rows:
                journal.append(row, line)
                stats.add(row)
            journal.flush()  # one write per worker message
            done += len(rows)
            bar.advance(len(rows))
        journal.close()
    except OSError as exc:
        try:
            journal.close()  # what can still be recorded is; a line the disk cuts is found by the next run
        except OSError:
            journal.discard()
        if not atomic.output_error_in(exc, outdir):
            raise
        raise _output_error(outdir, exc, f"{kept + done:,} of {len(entries):,} submissions are graded and kept") from None
    finally:
        bar.close()
    grading_seconds = time.perf_counter() - started

    diff = sorted(stats.changes, key=lambda c: c.submission) if regrade else None
    try:
        tables.write_grades(outdir / "grades.csv", stats, stats.graded.in_order_of(entries.table))
        tables.write_gradebook(outdir / "grades_canvas.csv", stats, stats.graded.in_order_of(entries.table))
        tables.write_review(outdir / "review.csv", stats)
        tables.write_groups(outdir / "groups.csv", stats)
        if diff is not None:
            tables.write_regrade(outdir / "regrade.csv", diff, stats.labels)
        report.write_report(outdir / "report.html", stats, diff=diff, seconds=grading_seconds, notes=found.notes)
        apply_to_results(results_dir, state, overrides, entries)
        journal.compact(entries.names(), fingerprint)
    except OSError as exc:
        if not atomic.output_error_in(exc, outdir):
            raise
        raise _output_error(outdir, exc, f"all {len(entries):,} submissions are graded and kept, the tables and "
                                         "the report are not all written") from None

    seconds = time.perf_counter() - started
    failed = stats.statuses["failed"]
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
    summary = BatchSummary(len(entries), len(todo), kept, again["rubric"], failed, seconds, outdir, diff, pool.stats)
    summary.text = summary_text(stats, graded=len(todo), kept=kept, again=again, seconds=seconds, outdir=str(outdir),
                                diff=diff, extra=extra, warnings=found.notes)
    return summary
