"""A class's submissions and its export's metadata, kept in the run's scratch store instead of in memory.

A class of 50,000 would hold ~30 MB of entries (paths, names, e-mails) in the parent for the whole run; here
they go to SQLite tables as they are listed, and come back in pages, in the order they were added (sorted by
name), so the parent's memory does not grow with the class. Each entry is one JSON text: lone surrogates
(from undecodable file names) are written as escapes and read back exactly.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterator

from grader.batch.intake.sources import Entry, Submitter
from grader.batch.run.store import sql_text

_PAGE = 500


def _dumps(entry: Entry) -> str:
    return json.dumps([entry.name, entry.where, [[s.name, s.email, s.sid] for s in entry.submitters],
                       entry.created_at, [list(item) for item in entry.left_out]])


def _loads(text: str) -> Entry:
    name, where, submitters, created_at, left_out = json.loads(text)
    return Entry(name, where, tuple(Submitter(*s) for s in submitters), created_at, tuple(map(tuple, left_out)))


def _insert(db: sqlite3.Connection, sql: str, rows: list[tuple[str, str]]) -> None:
    db.execute("BEGIN")  # one transaction for the page
    db.executemany(sql, rows)
    db.execute("COMMIT")


class EntryTable:
    """Entries in the order added: `add`, `len()`, iteration (paged), `name in table`, `names()`."""

    def __init__(self, db: sqlite3.Connection, table: str):
        self._db, self._table = db, table
        self.table = table  # for queries that join it
        db.execute(f"CREATE TABLE {table} (seq INTEGER PRIMARY KEY, name TEXT, entry TEXT)")
        db.execute(f"CREATE INDEX {table}_by_name ON {table} (name)")
        self._pending: list[tuple[str, str]] = []
        self._count = 0

    def add(self, entry: Entry) -> None:
        self._pending.append((sql_text(entry.name), _dumps(entry)))
        self._count += 1
        if len(self._pending) >= _PAGE:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            _insert(self._db, f"INSERT INTO {self._table} (name, entry) VALUES (?, ?)", self._pending)
            self._pending = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Entry]:
        for text in self._texts():
            yield _loads(text)

    def _texts(self) -> Iterator[str]:
        # Page by page: no statement stays open while the caller writes to the store.
        self._flush()
        last = 0
        while True:
            page = self._db.execute(f"SELECT seq, entry FROM {self._table} WHERE seq > ? ORDER BY seq LIMIT ?",
                                    (last, _PAGE)).fetchall()
            if not page:
                return
            last = page[-1][0]
            for _, text in page:
                yield text

    def names(self) -> Iterator[str]:
        for text in self._texts():
            yield json.loads(text)[0]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        self._flush()
        found = self._db.execute(f"SELECT entry FROM {self._table} WHERE name = ?", (sql_text(name),)).fetchall()
        for (text,) in found:
            if json.loads(text)[0] == name:
                return True
        return False


class MetadataTable:
    """The export's records by folder name, as `read_metadata` fills them: `[folder] = record`, `get`, `len()`."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        db.execute("CREATE TABLE metadata (folder TEXT PRIMARY KEY, record TEXT)")
        self._pending: dict[str, str] = {}

    def __setitem__(self, folder: str, record: dict[str, Any]) -> None:
        self._pending[sql_text(folder)] = json.dumps([[[s.name, s.email, s.sid] for s in record["submitters"]],
                                                  record["created_at"]])
        if len(self._pending) >= _PAGE:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            # A folder named twice: the last record wins, as in a dict.
            _insert(self._db, "INSERT OR REPLACE INTO metadata VALUES (?, ?)", list(self._pending.items()))
            self._pending = {}

    def get(self, folder: str, default: Any = None) -> Any:
        self._flush()
        row = self._db.execute("SELECT record FROM metadata WHERE folder = ?", (sql_text(folder),)).fetchone()
        if row is None:
            return default
        submitters, created_at = json.loads(row[0])
        return {"submitters": tuple(Submitter(*s) for s in submitters), "created_at": created_at}

    def __len__(self) -> int:
        self._flush()
        return self._db.execute("SELECT count(*) FROM metadata").fetchone()[0]
