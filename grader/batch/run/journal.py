"""The run's journal: one JSON line per graded submission, appended as each result is written.

It is what makes a batch resumable: a row whose fingerprint (rubric and reference) and signature (the
submission's files) still hold, and whose results file exists, is kept; everything else is graded again.
Rows made with an earlier rubric stay in the journal, so a regrade can say what changed. A line cut short
(by a kill, or a disk that filled in the middle of it) is skipped on reading and counted, with the name of
the submission it began to describe, so the next run can say why that one is graded again.

Lines are written in batches (the rows of one message from a worker, or a fraction of a second) with one
`os.write` each: a write per row was a fifth of the parent's time, and a kill costs at most the last batch's
rows, which the next run grades again. Lone surrogates (from undecodable file names) are written as JSON
escapes, so a name reads back exactly as it was. The stamps read back (fingerprint, signature, where the
line is) go to SQLite tables, so a resumed class of 50,000 does not hold them in memory.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from grader import atomic
from grader.batch.run.rows import Row
from grader.batch.run.store import sql_text

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


class Lines:
    """Submission name -> its Line, in an SQLite table: the stamps of a class of 50,000 are not kept in memory.

    A mapping for what the batch does with it: `[name] = line`, `get`, `[name]`, `in`, iteration over the
    names (sorted), `items()`, `len()`. Names are kept as JSON (a lone surrogate survives)."""

    _tables = itertools.count()

    def __init__(self, db: sqlite3.Connection, source: _Source):
        self._db, self._source = db, source
        self._table = f"lines{next(self._tables)}"
        db.execute(f"CREATE TABLE {self._table} (key TEXT PRIMARY KEY, name TEXT, fp TEXT, sig TEXT, at INTEGER, "
                   "size INTEGER)")
        self._pending: dict[str, tuple[str, str, str, str, int, int]] = {}

    def __setitem__(self, name: str, line: Line) -> None:
        key = sql_text(name)
        self._pending[key] = (key, json.dumps(name), line.fp, line.sig, line.offset, line.size)
        if len(self._pending) >= 1000:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.execute("BEGIN")
            self._db.executemany(f"INSERT OR REPLACE INTO {self._table} VALUES (?, ?, ?, ?, ?, ?)",
                                 list(self._pending.values()))
            self._db.execute("COMMIT")
            self._pending = {}

    def _select(self, where: str = "", *args: object) -> list[tuple]:
        self._flush()
        return self._db.execute(f"SELECT name, fp, sig, at, size FROM {self._table} {where}", args).fetchall()

    def get(self, name: str, default: Line | None = None) -> Line | None:
        key = sql_text(name)
        pending = self._pending.get(key)  # newer than the table's, and looked up without writing the page
        rows = [pending[1:]] if pending is not None else self._db.execute(
            f"SELECT name, fp, sig, at, size FROM {self._table} WHERE key = ?", (key,)).fetchall()
        for found, fp, sig, at, size in rows:
            if json.loads(found) == name:
                return Line(fp, sig, at, size, self._source)
        return default

    def __getitem__(self, name: str) -> Line:
        line = self.get(name)
        if line is None:
            raise KeyError(name)
        return line

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> Iterator[tuple[str, Line]]:
        # Page by page: no statement stays open while the caller writes to the same database.
        last = ""
        while True:
            page = self._select("WHERE key > ? ORDER BY key LIMIT 500", last)
            if not page:
                return
            for found, fp, sig, at, size in page:
                yield json.loads(found), Line(fp, sig, at, size, self._source)
            last = sql_text(json.loads(page[-1][0]))

    def __iter__(self) -> Iterator[str]:
        for name, _ in self.items():
            yield name

    def __len__(self) -> int:
        self._flush()
        return self._db.execute(f"SELECT count(*) FROM {self._table}").fetchone()[0]


@dataclass
class History:
    """Per submission: its latest row, and the latest row made with another fingerprint (for the diff)."""

    latest: Lines
    before: Lines
    labels: dict[str, str] = field(default_factory=dict)
    lines: int = 0
    cut: list[str] = field(default_factory=list)  # submissions whose line was cut short ("" when unknown)


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None
        self._known: Lines | set[str] = set()  # the submissions with a row before this run
        self._db: sqlite3.Connection | None = None
        self._superseded = False  # some submission has more than one row: compaction has work to do
        self._pending: list[str] = []
        self._flushed = 0.0
        self._source = _Source(path)

    def read(self, fingerprint: str, db: sqlite3.Connection | None = None) -> History:
        """The journal's rows, by submission; their stamps go to tables in `db` (by default, in memory)."""
        self._source.close()
        self._source = _Source(self.path)
        db = db if db is not None else sqlite3.connect(":memory:", isolation_level=None)
        self._db = db
        history = History(Lines(db, self._source), Lines(db, self._source))
        self._known = history.latest
        if not self.path.is_file():
            return history
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
                self._superseded |= name in history.latest  # (lines written since are looked up in one go)
                line = Line(str(row.get("fp", "")), str(row.get("sig", "")), at, len(raw), self._source)
                if line.fp != fingerprint:
                    history.before[name] = line
                history.latest[name] = line
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
        history = self.read(fingerprint, self._db)
        try:
            with atomic.writing(self.path) as out:  # streamed: the journal of a large class is never one string
                out.write(_dumps({"labels": history.labels}) + "\n")
                for name in names:
                    before, latest = history.before.get(name), history.latest.get(name)
                    same = before is not None and latest is not None and before.offset == latest.offset
                    for line in ((before,) if same else (before, latest)):
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
