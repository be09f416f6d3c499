"""The run's journal: one JSON line per graded submission, appended as each result is written.

It is what makes a batch resumable: a row whose fingerprint (rubric and reference) and signature (the
submission's files) still hold, and whose results file exists, is kept; everything else is graded again.
Rows made with an earlier rubric stay in the journal, so a regrade can say what changed. A line cut short
(by a kill, or a disk that filled in the middle of it) is skipped on reading and counted, with the name of
the submission it began to describe, so the next run can say why that one is graded again.

Lines are written in batches (the rows of one message from a worker, or a fraction of a second) with one
`os.write` each: a write per row was a fifth of the parent's time, and a kill costs at most the last batch's
rows, which the next run grades again. Lone surrogates (from undecodable file names) are written as JSON escapes, so a name
reads back exactly as it was.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable

from grader import atomic
from grader.batch.rows import Row

FLUSH_ROWS = 64
FLUSH_SECONDS = 0.2


class _Source:
    """The journal file, opened once, for reading rows back by their place in it."""

    def __init__(self, path: Path):
        self.path = path
        self._handle: IO[bytes] | None = None

    def read(self, offset: int, size: int) -> str:
        if self._handle is None:
            self._handle = self.path.open("rb")
        self._handle.seek(offset)
        return self._handle.read(size).decode("utf-8", "replace")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@dataclass(frozen=True)
class Line:
    """One journal row: its stamps, and where its text is (50,000 rows' texts would be 150 MB of memory)."""

    fp: str
    sig: str
    offset: int
    size: int
    source: _Source

    @property
    def text(self) -> str:
        return self.source.read(self.offset, self.size).rstrip("\n")

    def row(self) -> Row:
        return json.loads(self.text)


@dataclass
class History:
    """Per submission: its latest row, and the latest row made with another fingerprint (for the diff)."""

    latest: dict[str, Line] = field(default_factory=dict)
    before: dict[str, Line] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    lines: int = 0
    cut: list[str] = field(default_factory=list)  # submissions whose line was cut short ("" when unknown)


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self._known: set[str] = set()
        self._superseded = False  # some submission has more than one row: compaction has work to do
        self._pending: list[str] = []
        self._flushed = 0.0
        self._source = _Source(path)

    def read(self, fingerprint: str) -> History:
        history = History()
        if not self.path.is_file():
            return history
        self._source.close()
        self._source = _Source(self.path)
        offset = 0
        with self.path.open("rb") as handle:
            for raw in handle:
                at, offset = offset, offset + len(raw)
                text = raw.decode("utf-8", "replace")
                try:
                    row = json.loads(text)
                except ValueError:
                    if text.strip():  # cut short by a kill or a full disk
                        history.cut.append(_name_in(text))
                    continue
                if not isinstance(row, dict):
                    continue
                history.labels.update(row.get("labels") or {})
                name = row.get("submission")
                if not isinstance(name, str):
                    continue
                history.lines += 1
                self._superseded |= name in history.latest
                line = Line(str(row.get("fp", "")), str(row.get("sig", "")), at, len(raw), self._source)
                if line.fp != fingerprint:
                    history.before[name] = line
                history.latest[name] = line
        self._known = set(history.latest)
        return history

    def append(self, row: Row, line: str | None = None) -> None:
        """Record `row`; `line`: its text (`line_of(row)`), when the worker already made it."""
        self._superseded |= row.get("submission") in self._known
        self._pending.append((line if line is not None else _dumps(row)) + "\n")
        if len(self._pending) >= FLUSH_ROWS or time.monotonic() - self._flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write the pending lines in one go. An OSError (a full disk) leaves at most the last line cut."""
        self._flushed = time.monotonic()
        if not self._pending:
            return
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            if _cut_short(self.path):  # a cut last line: end it, or the next row would join it and be lost
                self._pending.insert(0, "\n")
        # Whole lines, written together: a kill can cut the last line, never interleave two.
        data = "".join(self._pending).encode("utf-8", "backslashreplace")
        self._pending = []
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None

    def close(self) -> None:
        """Flush and close; closing after a failed write (`discard`) drops what is pending instead."""
        try:
            self.flush()
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def discard(self) -> None:
        self._pending = []
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def compact(self, names: Iterable[str], fingerprint: str) -> None:
        """Keep, per submission still in the class, its latest row and the row a diff compares it with."""
        self.close()
        if not self._superseded:
            return
        history = self.read(fingerprint)
        try:
            with atomic.writing(self.path) as out:  # streamed: the journal of a large class is never one string
                out.write(_dumps({"labels": history.labels}) + "\n")
                for name in names:
                    before, latest = history.before.get(name), history.latest.get(name)
                    for line in ((before,) if before is latest else (before, latest)):
                        if line is not None:
                            out.write(line.text + "\n")
        finally:
            self._source.close()


def _cut_short(path: Path) -> bool:
    with path.open("rb") as handle:
        if handle.seek(0, 2) == 0:
            return False
        handle.seek(-1, 2)
        return handle.read(1) != b"\n"


_NAME = re.compile(r'\{"submission":("(?:[^"\\]|\\.)*")')


def _name_in(cut: str) -> str:
    """The submission a cut line began to describe (its first field), or "" when even that was cut."""
    named = _NAME.match(cut)
    try:
        return json.loads(named.group(1)) if named else ""
    except ValueError:
        return ""


def line_of(row: Row, parts: list[str] | None = None) -> str:
    """The row's journal line, without its newline; `parts`: the text of its parts' records, if already made."""
    if parts is None:
        return _dumps(row)
    return "{" + ",".join(f"{_dumps(k)}:" + (f"[{','.join(parts)}]" if k == "parts" else _dumps(v))
                          for k, v in row.items()) + "}"


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # one encoder for every line
