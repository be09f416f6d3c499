"""A batch worker process: grades submissions in-process through the answer cache and writes their results.

The whole worker is the guarded unit (its address space is capped, and the parent kills it when it stops
answering), so an answer costs a dictionary lookup or one in-process check instead of a sandbox round trip.
"""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from grader import atomic
from grader.assignment import Assignment
from grader.batch.intake.sources import Entry
from grader.batch.run.beacon import Beacon
from grader.batch.run.cache import AnswerCache, CachedRunner
from grader.batch.run.journal import line_of
from grader.batch.run.render import DEFAULT_SIZE as DEFAULT_RENDER_SIZE
from grader.batch.run.render import PartRenderer
from grader.batch.run.rows import Row, row_for
from grader.escape import inline_code
from grader.grading import grade_answers, unchecked_part
from grader.results import NOT_YOUR_FAULT, SubmissionResult
from grader.sandbox import die_with_parent, limit_memory
from grader.submission import read_submission
from grader.writers.gradescope import results_json_text

FAILED_MESSAGE = f"This submission could not be graded because the grader failed. {NOT_YOUR_FAULT}"


@dataclass(frozen=True)
class WorkerContext:
    assignment: Assignment
    results_dir: Path
    fingerprint: str
    memory_mb: int
    cache_size: int
    render_size: int = DEFAULT_RENDER_SIZE  # parts remembered rendered (grader.batch.run.render); 0: none


# A submission's row, and its parts' records as JSON text when they were rendered once (grader.batch.run.render).
Written = tuple[Row, list[str] | None]

# A worker sends its rows when it has done what it was given, or after this long, whichever comes first.
SEND_SECONDS = 0.25


# A results file's name must leave room for the atomic write's `.NAME.PID.tmp` within the usual 255 bytes.
_MAX_NAME_BYTES = 200


def results_path(results_dir: Path, name: str) -> Path:
    """`results/<name>.json`; a name too long for a file name is cut, with a digest that keeps it unique."""
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) > _MAX_NAME_BYTES:
        cut = raw[:_MAX_NAME_BYTES].decode("utf-8", "ignore")  # never half a character
        name = f"{cut}~{hashlib.blake2b(raw, digest_size=8).hexdigest()}"
    return results_dir / f"{name}.json"


def fatal_output_error(exc: OSError, results_dir: Path) -> bool:
    """Whether writing into the output folder failed in a way every other submission would meet too."""
    return atomic.output_error_in(exc, results_dir)


def failed_result(entry: Entry, assignment: Assignment) -> SubmissionResult:
    """Every part `invalid` with a message: the student sees what happened, the staff sees it in the CSV."""
    reason = "the submission could not be graded"
    parts = [unchecked_part(part, FAILED_MESSAGE, reason=reason) for part in assignment.rubric.parts]
    return SubmissionResult(assignment=assignment.id, submission=entry.name, parts=parts, notes=[FAILED_MESSAGE])


def write_result(ctx: WorkerContext, entry: Entry, result: SubmissionResult, *, status: str, error: str | None,
                 renderer: PartRenderer | None = None) -> Written:
    """Write the results.json; give back the submission's row (and its parts' records as JSON text)."""
    result.metadata = {**entry.metadata(), "assignment_fingerprint": ctx.fingerprint}
    signature = entry.signature()
    if renderer is None:
        text, parts, part_texts = results_json_text(result), None, None
    else:
        rendered = [renderer.render(p) for p in result.parts]
        text = results_json_text(result, [r.test for r in rendered])
        parts, part_texts = [r.row for r in rendered], [r.row_text for r in rendered]
    atomic.write_text(results_path(ctx.results_dir, entry.name), text + "\n", fsync=False)
    row = row_for(result, who=entry.who, users=result.metadata["users"], status=status, error=error,
                  fingerprint=ctx.fingerprint, signature=signature, parts=parts)
    if renderer is not None:
        row["labels"] = {k: v for r in rendered for k, v in r.labels}
    return row, part_texts


def grade_entry(ctx: WorkerContext, entry: Entry, runner: CachedRunner,
                renderer: PartRenderer | None = None) -> Written:
    """Grade one submission and write its results.json. A failure is a `failed` row; only an output folder that
    cannot be written (a full disk, a read-only one) raises, since no other submission could be written either."""
    try:
        answers = read_submission(entry.path, ctx.assignment.part_ids)
        answers.notes.extend(f"{inline_code(name)} was not taken from the export: {why}." for name, why in entry.left_out)
        result = grade_answers(answers, ctx.assignment, submission=entry.name, sandbox=runner)  # type: ignore[arg-type]
        # A scan whose text could not be read at all is graded too: every part goes to a person (review.csv).
        if answers.answers or answers.review:
            return write_result(ctx, entry, result, status="graded", error=None, renderer=renderer)
        # Nothing readable: all parts are `missing`, and the notes say why (no file, a binary file, ...).
        return write_result(ctx, entry, result, status="no answers", error=" ".join(answers.notes) or None,
                            renderer=renderer)
    except OSError as exc:
        if fatal_output_error(exc, ctx.results_dir):
            raise
        error, detail = one_line_error(exc), traceback.format_exc(limit=8)
    except Exception as exc:  # noqa: BLE001 - one bad submission must not stop the batch
        error, detail = one_line_error(exc), traceback.format_exc(limit=8)
    _log_error(ctx, entry, detail)  # the CSV shows only `error`, never a traceback
    return write_failed(ctx, entry, error)


def write_failed(ctx: WorkerContext, entry: Entry, error: str) -> Written:
    """A `failed` row, and a results.json that says the submission could not be graded, if it can be written."""
    try:
        return write_result(ctx, entry, failed_result(entry, ctx.assignment), status="failed", error=error)
    except OSError as exc:
        if fatal_output_error(exc, ctx.results_dir):
            raise
        written = exc.strerror or type(exc).__name__
    except Exception as exc:  # noqa: BLE001
        written = one_line_error(exc)
    # No fingerprint: the next run grades it again, and says that its results could not be written.
    row = row_for(failed_result(entry, ctx.assignment), who=entry.who, users=entry.metadata()["users"],
                  status="failed", error=f"{error}; its results.json could not be written ({written})",
                  fingerprint="", signature="")
    return row, None


def one_line_error(exc: BaseException, limit: int = 300) -> str:
    """`Type: message` on one line, cut to `limit`: what a CSV cell shows of a failure."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _log_error(ctx: WorkerContext, entry: Entry, detail: str) -> None:
    """The traceback, for whoever debugs the grader: the CSV shows only its last line."""
    try:
        with (ctx.results_dir.parent / ".batch" / "errors.log").open("a", encoding="utf-8") as log:
            log.write(f"--- {entry.name}\n{detail}\n")  # one write: lines of two workers never interleave
    except OSError:
        pass


def _die_with_parent(parent: int) -> None:
    # A parent killed with SIGKILL cannot end its workers: the kernel does (Linux), so none keeps writing.
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def worker_main(conn: Connection, ctx: WorkerContext, parent: int, beacon: Beacon) -> None:
    """Serve ([(index, entry), ...], poisoned) messages until None or a closed pipe, answering with
    ("rows", [(index, row, line), ...], whether the message's submissions are all done)."""
    _die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the parent decides, and ends the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the worker inherited (sympy, the rubric, ...) lives as long as it does: keep the cyclic collector off
    # it, and collect less often, since grading makes many short-lived objects and few cycles (~8% less CPU).
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    limit_memory(ctx.memory_mb)
    cache = AnswerCache(ctx.cache_size)
    renderer = PartRenderer(ctx.render_size) if ctx.render_size > 0 else None
    runner = CachedRunner(cache, announce=beacon.answer)
    sent_labels: set[str] = set()
    try:
        while True:
            message = conn.recv()
            if message is None:
                conn.send(("stats", cache.hits, cache.misses))
                return
            batch, poisoned = message
            runner.poisoned.update(poisoned)
            rows: list[tuple[int, Row, str]] = []
            sent = time.monotonic()
            for n, (index, entry) in enumerate(batch, 1):
                beacon.note(index, "")
                try:
                    row, part_texts = grade_entry(ctx, entry, runner, renderer)
                except OSError as exc:  # the output folder cannot be written: the parent stops the run
                    conn.send(("rows", rows, False))  # what was written is recorded, and kept
                    conn.send(("unwritable", exc.errno, exc.strerror, exc.filename))
                    return
                # Labels repeat on every row; the parent keeps them, so each worker sends each one once.
                labels = {k: v for k, v in row.pop("labels").items() if k not in sent_labels}
                if labels:
                    sent_labels.update(labels)
                    row["labels"] = labels
                rows.append((index, row, line_of(row, part_texts)))
                if n == len(batch) or time.monotonic() - sent >= SEND_SECONDS:
                    conn.send(("rows", rows, n == len(batch)))
                    rows, sent = [], time.monotonic()
            beacon.note(-1, "")
    except (EOFError, OSError):
        return  # the parent is gone (or ended this worker): what was written stays written
