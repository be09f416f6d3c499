"""The parent side of a batch: hand submissions to worker processes and watch over them.

Each worker gets a few submissions at a time and answers with one row per submission, plus a tick before
every answer it actually checks (a cache miss). A worker that dies, or stays silent longer than one answer's
time limit, is killed and replaced; the answer it had announced is "poisoned" (it fails at once from then on,
as `timeout` or `crash`, costing only its part) and the unfinished submissions are handed out again. A
submission that stops a worker without any answer to blame is tried twice, then reported as failed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Callable, Iterator

from grader.batch.rows import Row
from grader.batch.sources import Entry
from grader.batch.worker import WorkerContext, worker_main, write_failed

CHUNK = 8


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    inflight: deque[int] = field(default_factory=deque)
    announced: tuple[str, str] | None = None
    deadline: float = 0.0
    gone: bool = False  # a send to it failed


@dataclass
class PoolStats:
    restarts: int = 0
    poisoned: int = 0
    cache_hits: int = 0
    cache_misses: int = 0


class WorkerPool:
    def __init__(self, ctx: WorkerContext, *, jobs: int, timeout: float, before_fork: Callable[[], None] = lambda: None):
        self.ctx = ctx
        self.jobs = max(1, jobs)
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
        process = self._mp.Process(target=worker_main, args=(child, self.ctx, os.getpid()), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def run(self, entries: list[Entry]) -> Iterator[Row]:
        """Grade every entry; yield one row per entry as each finishes (in completion order)."""
        if not entries:
            return
        queue: deque[int] = deque(range(len(entries)))
        attempts: dict[int, int] = {}
        workers = [self._start() for _ in range(min(self.jobs, len(entries)))]
        finished = False
        try:
            while queue or any(w.inflight for w in workers):
                now = time.monotonic()
                for w in workers:
                    # Two chunks in flight per worker keep it busy while the parent reads its rows.
                    while queue and len(w.inflight) < 2 * CHUNK and not w.gone:
                        chunk = [queue.popleft() for _ in range(min(CHUNK, len(queue)))]
                        try:
                            w.conn.send(([(i, entries[i]) for i in chunk], dict(self._poisoned)))
                        except OSError:  # it died: what it sent before is read below, then it is replaced
                            queue.extendleft(reversed(chunk))
                            w.gone = True
                            w.deadline = now
                            break
                        if not w.inflight:
                            w.deadline = now + self.patience
                        w.inflight.extend(chunk)
                busy = [w for w in workers if w.inflight or w.gone]
                wake = min(w.deadline for w in busy) - now if busy else 0.0
                ready = set(wait([w.conn for w in busy], timeout=max(0.0, wake)))
                for i, w in enumerate(workers):
                    if w.conn in ready:
                        failed = False
                        try:
                            while w.conn.poll():
                                message = w.conn.recv()
                                yield from self._handle(w, message)
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
                        kind = "timeout"
                    else:
                        continue
                    yield from self._replace(workers, i, kind, entries, queue, attempts)
            finished = True
        finally:
            self._shutdown(workers, graceful=finished)

    def _handle(self, w: _Worker, message: tuple) -> Iterator[Row]:
        w.deadline = time.monotonic() + self.patience
        if message[0] == "tick":
            w.announced = (message[1], message[2])
        elif message[0] == "unwritable":  # the output folder: every other worker meets it too
            self._unwritable = OSError(message[1], message[2], message[3])
        elif message[0] == "done":
            w.announced = None
            if w.inflight and w.inflight[0] == message[1]:
                w.inflight.popleft()
            else:
                w.inflight.remove(message[1])
            yield message[2]

    def _replace(self, workers: list[_Worker], i: int, kind: str, entries: list[Entry],
                 queue: deque[int], attempts: dict[int, int]) -> Iterator[Row]:
        w = workers[i]
        w.process.kill()
        w.process.join(timeout=5)
        if kind == "crash" and w.process.exitcode == -signal.SIGKILL:
            kind = "memory"  # killed by the kernel, not by us: it ran out of memory
        w.conn.close()
        self.stats.restarts += 1
        pending = list(w.inflight)
        if pending:
            culprit = pending[0]
            if w.announced is not None:
                self._poisoned[w.announced[1]] = kind
                self.stats.poisoned += 1
            else:
                attempts[culprit] = attempts.get(culprit, 0) + 1
                if attempts[culprit] >= 2:
                    pending.pop(0)
                    yield self._give_up(entries[culprit], kind)
            queue.extendleft(reversed(pending))
        workers[i] = self._start()

    def _give_up(self, entry: Entry, kind: str) -> Row:
        return write_failed(self.ctx, entry, f"grading this submission stopped its worker twice ({kind})")

    def _shutdown(self, workers: list[_Worker], *, graceful: bool) -> None:
        for w in workers:
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
