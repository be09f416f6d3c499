"""The run's journal: one JSON line per graded submission, appended as each result is written.

It is what makes a batch resumable: a row whose fingerprint (rubric and reference) and signature (the
submission's files) still hold, and whose results file exists, is kept; everything else is graded again.
Rows made with an earlier rubric stay in the journal, so a regrade can say what changed. A line cut short
by a kill is skipped on reading; the result it described is simply graded again.

Lines are written in small batches (every few rows, or a fraction of a second): a write per row was a fifth
of the parent's time, and a kill costs at most the last batch's rows, which the next run grades again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from grader import atomic
from grader.batch.rows import Row

FLUSH_ROWS = 8
FLUSH_SECONDS = 0.2


@dataclass(frozen=True)
class Line:
    """One journal row, kept as its text (a parsed row takes several times the memory) with its stamps."""

    fp: str
    sig: str
    text: str

    def row(self) -> Row:
        return json.loads(self.text)


@dataclass
class History:
    """Per submission: its latest row, and the latest row made with another fingerprint (for the diff)."""

    latest: dict[str, Line] = field(default_factory=dict)
    before: dict[str, Line] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    lines: int = 0


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._handle: IO[str] | None = None
        self._known: set[str] = set()
        self._superseded = False  # some submission has more than one row: compaction has work to do
        self._pending = 0
        self._flushed = 0.0

    def read(self, fingerprint: str) -> History:
        history = History()
        if not self.path.is_file():
            return history
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for text in handle:
                try:
                    row = json.loads(text)
                except ValueError:
                    continue  # cut short by a kill
                if not isinstance(row, dict):
                    continue
                history.labels.update(row.get("labels") or {})
                name = row.get("submission")
                if not isinstance(name, str):
                    continue
                history.lines += 1
                self._superseded |= name in history.latest
                line = Line(str(row.get("fp", "")), str(row.get("sig", "")), text.rstrip("\n"))
                if line.fp != fingerprint:
                    history.before[name] = line
                history.latest[name] = line
        self._known = set(history.latest)
        return history

    def append(self, row: Row) -> None:
        self._superseded |= row.get("submission") in self._known
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
            if _cut_short(self.path):  # a kill cut the last line: end it, or the next row would join it and be lost
                self._handle.write("\n")
        # Whole lines, flushed together: a kill can cut the last line, never interleave two.
        self._handle.write(_dumps(row) + "\n")
        self._pending += 1
        if self._pending >= FLUSH_ROWS or time.monotonic() - self._flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()
        self._pending = 0
        self._flushed = time.monotonic()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def compact(self, names: list[str], fingerprint: str) -> None:
        """Keep, per submission still in the class, its latest row and the row a diff compares it with."""
        self.close()
        if not self._superseded:
            return
        history = self.read(fingerprint)
        lines = [_dumps({"labels": history.labels})]
        for name in names:
            before, latest = history.before.get(name), history.latest.get(name)
            lines.extend(line.text for line in ((before,) if before is latest else (before, latest)) if line is not None)
        atomic.write_text(self.path, "\n".join(lines) + "\n", fsync=False)


def _cut_short(path: Path) -> bool:
    with path.open("rb") as handle:
        if handle.seek(0, 2) == 0:
            return False
        handle.seek(-1, 2)
        return handle.read(1) != b"\n"


def _dumps(row: Row) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))
