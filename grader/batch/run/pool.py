"""The parent side of a batch: hand submissions to worker processes and watch over them.

Each worker gets submissions in chunks and answers with their rows, a chunk at a time (or every fraction
of a second), so a hand-off costs one message per chunk. What it is doing meanwhile (the submission, the
answer it is checking) it notes in memory shared with the parent (grader.batch.run.beacon). A worker that dies,
or does not move on for longer than one answer's time limit, is killed and replaced; the answer it was
checking is "poisoned" (it fails at once from then on, as `timeout` or `crash`, costing only its part) and
its unfinished submissions are handed out again. A submission that stops a worker without any answer to
blame is tried twice, then reported as failed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Callable, Iterable, Iterator

from grader.batch.intake.sources import Entry
from grader.batch.run.beacon import Beacon
from grader.batch.run.journal import line_of
from grader.batch.run.rows import Row
from grader.batch.run.worker import WorkerContext, worker_main, write_failed

# Submissions per chunk: a message costs the parent ~0.1 ms, a submission 1 to 30 ms of a worker's time.
CHUNK = 16
# Submissions a worker grades before a fresh one takes over. The engines keep bounded caches that a worker
# fills over ~20,000 submissions (~+40 MB); a fresh one after 8,000 keeps a class of 50,000 within the memory
# of one of 10,000, for a few % more checks on a class with repeats (the answer cache starts empty again).
RECYCLE = 8000
# A graded submission: its index in the entries, its row, and the row's journal line.
Done = tuple[int, Row, str]


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    beacon: Beacon
    inflight: list[int] = field(default_factory=list)
    chunks: int = 0  # chunks sent and not all done
    given: int = 0  # submissions handed to it
    deadline: float = 0.0
    gone: bool = False  # a send to it failed


@dataclass
class PoolStats:
    restarts: int = 0
    poisoned: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    recycled: int = 0  # workers replaced after RECYCLE submissions


class _Work:
    """The entries still to hand out: those handed back (from a worker that died) first, then the next ones,
    read only as they are handed out, so the class is never all in memory. `held`: index -> entry, for the
    entries handed out and not yet done."""

    def __init__(self, entries: Iterable[Entry], count: int):
        self._source = iter(entries)
        self._back: deque[int] = deque()
        self._fresh = count  # not yet read from the source
        self._next = 0
        self.held: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self._back) + self._fresh

    def take(self, n: int) -> list[int]:
        chunk = [self._back.popleft() for _ in range(min(n, len(self._back)))]
        while len(chunk) < n and self._fresh:
            entry = next(self._source, None)
            if entry is None:  # fewer than announced
                self._fresh = 0
                break
            self._fresh -= 1
            self.held[self._next] = entry
            chunk.append(self._next)
            self._next += 1
        return chunk

    def give_back(self, indexes: list[int]) -> None:
        self._back.extendleft(reversed(indexes))

    def forget(self, indexes: Iterable[int]) -> None:
        for index in indexes:
            self.held.pop(index, None)


class WorkerPool:
    def __init__(self, ctx: WorkerContext, *, jobs: int, timeout: float, before_fork: Callable[[], None] = lambda: None,
                 chunk: int = CHUNK, recycle: int = RECYCLE):
        """`chunk`: the most submissions handed over at once (1: one by one, each row sent as it is done);
        `recycle`: how many a worker grades before it is replaced."""
        self.ctx = ctx
        self.jobs = max(1, jobs)
        self.chunk = max(1, chunk)
        self.recycle = max(1, recycle)
        # Silence allowed between two messages: one answer's limit, plus slack for a loaded machine (reading and
        # writing a submission takes milliseconds).
        self.patience = timeout + max(1.0, timeout / 2)
        self.before_fork = before_fork
        self.stats = PoolStats()
        self._mp = multiprocessing.get_context("fork")
        self._poisoned: dict[str, str] = {}
        self._unwritable: OSError | None = None  # a worker could not write into the output folder

    def _start(self) -> _Worker:
        self.before_fork()  # buffered output must not be inherited (and flushed twice) by the child
        parent, child = self._mp.Pipe()
        beacon = Beacon()
        process = self._mp.Process(target=worker_main, args=(child, self.ctx, os.getpid(), beacon), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent, beacon)

    def _chunk_size(self, queued: int) -> int:
        # Smaller chunks when little is left, so every worker has a share of the end of the class.
        return max(1, min(self.chunk, -(-queued // (2 * self.jobs))))

    def run(self, entries: Iterable[Entry], count: int) -> Iterator[list[Done]]:
        """Grade the `count` entries (read as they are handed out); yield the graded ones a few at a time, as
        they finish (in completion order). A Done's index counts the entries from 0."""
        if not count:
            return
        queue = _Work(entries, count)
        attempts: dict[int, int] = {}
        workers = [self._start() for _ in range(min(self.jobs, count))]
        finished = False
        try:
            while queue or any(w.inflight for w in workers):
                now = time.monotonic()
                for i, w in enumerate(workers):
                    if queue and w.given >= self.recycle and not w.inflight and not w.gone:
                        self._stop(w, graceful=True)
                        workers[i] = w = self._start()
                        self.stats.recycled += 1
                    # Two chunks in flight per worker keep it busy while the parent reads its rows.
                    while queue and w.chunks < 2 and not w.gone and w.given < self.recycle:
                        chunk = queue.take(min(self._chunk_size(len(queue)), self.recycle - w.given))
                        try:
                            w.conn.send(([(i, queue.held[i]) for i in chunk], dict(self._poisoned)))
                        except OSError:  # it died: what it sent before is read below, then it is replaced
                            queue.give_back(chunk)
                            w.gone = True
                            w.deadline = now
                            break
                        if not w.inflight:
                            w.deadline = now + self.patience
                        w.inflight.extend(chunk)
                        w.chunks += 1
                        w.given += len(chunk)
                busy = [w for w in workers if w.inflight or w.gone]
                wake = min(w.deadline for w in busy) - now if busy else 0.0
                ready = set(wait([w.conn for w in busy], timeout=max(0.0, wake)))
                for i, w in enumerate(workers):
                    if w.conn in ready:
                        failed = False
                        try:
                            while w.conn.poll():
                                done = self._handle(w, w.conn.recv())
                                if done:
                                    queue.forget(index for index, _, _ in done)
                                    yield done
                        except (EOFError, OSError):
                            failed = True
                        if self._unwritable is not None:
                            raise self._unwritable
                        if not failed and not w.gone:
                            continue
                        kind = "crash"
                    elif w.gone:
                        kind = "crash"
                    elif w.inflight and time.monotonic() > w.deadline:
                        # Silent, but maybe still moving: it notes every submission and answer it starts.
                        moved = w.beacon.read()[0] + self.patience
                        if moved > time.monotonic():
                            w.deadline = moved
                            continue
                        kind = "timeout"
                    else:
                        continue
                    yield from self._replace(workers, i, kind, queue, attempts)
            finished = True
        finally:
            self._shutdown(workers, graceful=finished)

    def _handle(self, w: _Worker, message: tuple) -> list[Done]:
        w.deadline = time.monotonic() + self.patience
        if message[0] == "unwritable":  # the output folder: every other worker meets it too
            self._unwritable = OSError(message[1], message[2], message[3])
        elif message[0] == "rows":
            _, rows, chunk_done = message
            finished = {index for index, _, _ in rows}
            w.inflight = [i for i in w.inflight if i not in finished]
            w.chunks -= chunk_done
            return rows
        return []

    def _replace(self, workers: list[_Worker], i: int, kind: str, queue: _Work,
                 attempts: dict[int, int]) -> Iterator[list[Done]]:
        w = workers[i]
        w.process.kill()
        w.process.join(timeout=5)
        if kind == "crash" and w.process.exitcode == -signal.SIGKILL:
            kind = "memory"  # killed by the kernel, not by us: it ran out of memory
        w.conn.close()
        _, current, announced = w.beacon.read()  # the worker is gone: what it noted last stays
        w.beacon.close()
        self.stats.restarts += 1
        # Its submissions not sent back are graded again (those it had done are written again, the same).
        pending = list(w.inflight)
        if pending:
            culprit = current if current in pending else pending[0]
            if announced:
                self._poisoned[announced] = kind
                self.stats.poisoned += 1
            else:
                attempts[culprit] = attempts.get(culprit, 0) + 1
                if attempts[culprit] >= 2:
                    pending.remove(culprit)
                    yield [self._give_up(culprit, queue.held[culprit], kind)]
                    queue.forget([culprit])
            queue.give_back(pending)
        workers[i] = self._start()

    def _give_up(self, index: int, entry: Entry, kind: str) -> Done:
        row, _ = write_failed(self.ctx, entry, f"grading this submission stopped its worker twice ({kind})")
        return index, row, line_of(row)

    def _shutdown(self, workers: list[_Worker], *, graceful: bool) -> None:
        for w in workers:
            self._stop(w, graceful=graceful)

    def _stop(self, w: _Worker, *, graceful: bool) -> None:
        if graceful:
            try:
                w.conn.send(None)
                if w.conn.poll(5):
                    message = w.conn.recv()
                    self.stats.cache_hits += message[1]
                    self.stats.cache_misses += message[2]
            except (EOFError, OSError):
                pass
            w.process.join(timeout=2)
        if w.process.is_alive():
            w.process.kill()
            w.process.join(timeout=2)
        w.conn.close()
        w.beacon.close()
