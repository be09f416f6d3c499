"""Where a batch keeps what grows with the class: one record per submission, the answer groups, the review list.

They live in an SQLite file in the run's state folder, not in the parent's memory, so a class of 50,000
takes the memory of a class of 10,000: the parent keeps counts only, and the tables and the report read the
records back in the order they print them. The file is the run's scratch: made fresh for each run and
removed at its end (the journal, not this file, is what a resumed run reads).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from grader.batch.run.rows import Graded

_SCHEMA = """
CREATE TABLE graded (name TEXT PRIMARY KEY, who TEXT, users TEXT, status TEXT, error TEXT, total REAL, scores TEXT,
                     decided TEXT);
CREATE TABLE answers (part TEXT, engine TEXT, key TEXT, reading TEXT, verdict TEXT, score REAL, sample TEXT,
                      submission TEXT, who TEXT, flagged INTEGER);
CREATE TABLE flags (submission TEXT, who TEXT, part TEXT, status TEXT, score REAL, reasons TEXT, answer TEXT,
                    decision TEXT, digest TEXT, machine REAL, told TEXT);
"""
_COMMIT_EVERY = 500  # rows: written together in one transaction, so a row costs microseconds
# Answers are appended as they come and grouped once, when the tables and the report ask: the sample shown
# for a group is the first submission's by name (SQLite takes the other columns from the row min() picks),
# whatever order rows arrive in.
_GROUP = """
CREATE TABLE groups AS SELECT part, engine, key, reading, verdict, score, sample, min(submission) AS sample_of,
    count(*) AS count, sum(flagged) AS flagged FROM answers GROUP BY part, engine, key;
CREATE INDEX groups_by_size ON groups (part, engine, count DESC, score DESC, key);
CREATE INDEX answers_by_group ON answers (part, engine, key, who);
"""


@dataclass(slots=True)
class AnswerGroup:
    """One distinct answer of one part (by equivalence class for formulas, normalised text for text)."""

    key: str
    reading: str
    verdict: str
    score: float
    sample: str
    count: int = 0
    who: list[str] = field(default_factory=list)  # sorted by name
    sample_of: str = ""  # the submission `reading` and `sample` come from: the first by name, in any order of arrival
    flagged: int = 0  # answers of the group the grader flagged for a person
    submissions: list[str] = field(default_factory=list)  # sorted by name


@dataclass(slots=True)
class Flag:
    submission: str
    who: str
    part: str
    status: str
    score: float
    reasons: list[str]
    answer: str
    decision: str = ""  # how a TA decided it, if one did
    digest: str = ""
    machine: float | None = None  # the grader's score, when a decision changed it
    told: str = ""  # what the student read about why the answer could not be checked


class ClassStore:
    def __init__(self, path: Path | None = None):
        """`path`: the scratch file (replaced if it exists); None keeps everything in memory (small classes)."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
        self.path = path
        self._db = sqlite3.connect(":memory:" if path is None else str(path), isolation_level=None)
        # Scratch data: no rollback journal, no syncs; a bounded page cache keeps the memory flat.
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096;"
                               "PRAGMA temp_store=FILE;" + _SCHEMA)
        self._answers: list[tuple] = []
        self._graded: list[tuple] = []
        self._flags: list[tuple] = []
        self._pending = 0
        self._grouped = False
        self.graded = GradedTable(self)
        self.flags = FlagTable(self)

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, for tables of their own (grader.batch.run.entries)."""
        return self._db

    def query(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._flush()
        if not self._grouped:
            self._db.executescript(_GROUP)
            self._grouped = True
        return self._db.execute(sql, args)

    def _flush(self) -> None:
        if self._answers:
            self._db.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._answers)
        if self._graded:
            self._db.executemany("INSERT OR REPLACE INTO graded VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._graded)
        if self._flags:
            self._db.executemany("INSERT INTO flags VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._flags)
        self._answers, self._graded, self._flags = [], [], []
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._pending = 0

    def row_done(self) -> None:
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self._db.execute("BEGIN")
            self._flush()

    # --- writing, one submission's row at a time ---------------------------------------------------------

    def put_graded(self, g: Graded) -> None:
        self._graded.append((sql_text(g.submission), sql_text(g.who), json.dumps(g.users), g.status, sql_text(g.error), g.total,
                             json.dumps(g.scores), g.decided))

    def add_to_group(self, part: str, engine: str, key: str, reading: str, verdict: str, score: float, sample: str,
                     submission: str, who: str, flagged: bool = False) -> None:
        self._answers.append((part, engine, key, reading, verdict, score, sample, sql_text(submission), sql_text(who),
                              int(flagged)))

    def add_flag(self, flag: Flag) -> None:
        self._flags.append((sql_text(flag.submission), sql_text(flag.who), flag.part, flag.status, flag.score, json.dumps(flag.reasons),
                            flag.answer, flag.decision, flag.digest, flag.machine, flag.told))

    # --- reading back, in print order ----------------------------------------------------------------------

    def groups(self, part: str, engine: str, limit: int = -1, names: int = -1) -> Iterator[AnswerGroup]:
        """The part's groups, largest first, each with up to `names` of its members' names (-1: all)."""
        columns = "g.key, g.reading, g.verdict, g.score, g.sample, g.count, g.sample_of, g.flagged"
        order = "ORDER BY g.count DESC, g.score DESC, g.key"
        if names >= 0:  # a few groups, a few names each (the report)
            for *group, in self.query(f"SELECT {columns} FROM groups g WHERE part = ? AND engine = ? {order} LIMIT ?",
                                      part, engine, limit).fetchall():
                who = [w for (w,) in self._db.execute("SELECT who FROM answers WHERE part = ? AND engine = ? AND "
                                                      "key = ? ORDER BY who LIMIT ?", (part, engine, group[0], names))]
                yield AnswerGroup(*group[:5], group[5], who, group[6], group[7])
            return
        # Every group with every name (groups.csv): one pass over the answers, in print order.
        current: AnswerGroup | None = None
        for *group, who, submission in self.query(
                f"SELECT {columns}, a.who, a.submission FROM groups g JOIN answers a ON a.part = g.part AND a.engine = g.engine "
                f"AND a.key = g.key WHERE g.part = ? AND g.engine = ? {order}, a.who", part, engine):
            if current is None or current.key != group[0]:
                if current is not None:
                    current.submissions.sort()
                    yield current
                    limit -= 1
                    if limit == 0:
                        return
                current = AnswerGroup(*group[:5], group[5], [], group[6], group[7])
            current.who.append(who)
            current.submissions.append(submission)
        if current is not None:
            current.submissions.sort()
            yield current

    def group_counts(self, part: str, engine: str) -> tuple[int, int]:
        """(distinct answers, answers given once) of the part and engine."""
        distinct, single = self.query("SELECT count(*), coalesce(sum(count = 1), 0) FROM groups WHERE part = ? "
                                      "AND engine = ?", part, engine).fetchone()
        return distinct, single

    def close(self) -> None:
        self._db.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def sql_text(value: str) -> str:
    """SQLite holds UTF-8 only: an undecodable file name's bytes are kept as `\\xNN` (the same for every
    lookup, so the name still finds its record); any other lone surrogate as the bytes Python would write."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "backslashreplace")



class GradedTable:
    """Submission name -> Graded, read back from the store: `[name]`, `values()` (by name), `len()`."""

    def __init__(self, store: ClassStore):
        self._store = store

    @staticmethod
    def _graded(row: tuple) -> Graded:
        name, who, users, status, error, total, scores, decided = row
        return Graded(name, who, tuple(tuple(u) for u in json.loads(users)), status, error, total,
                      tuple(json.loads(scores)), decided or "")

    def __getitem__(self, name: str) -> Graded:
        row = self._store.query("SELECT * FROM graded WHERE name = ?", sql_text(name)).fetchone()
        if row is None:
            raise KeyError(name)
        return self._graded(row)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and \
            self._store.query("SELECT 1 FROM graded WHERE name = ?", sql_text(name)).fetchone() is not None

    def values(self) -> Iterator[Graded]:
        for row in self._store.query("SELECT * FROM graded ORDER BY name"):
            yield self._graded(row)

    def in_order_of(self, table: str) -> Iterator[Graded]:
        """The records of the submissions in an entry table (grader.batch.run.entries), in its order."""
        for row in self._store.query(f"SELECT g.* FROM {table} e JOIN graded g ON g.name = e.name ORDER BY e.seq"):
            yield self._graded(row)

    def totals(self) -> list[float]:
        return [t for (t,) in self._store.query("SELECT total FROM graded ORDER BY name")]

    def __len__(self) -> int:
        return self._store.query("SELECT count(*) FROM graded").fetchone()[0]


class FlagTable:
    """The answers flagged for review, iterated by part, then submission; `len()`."""

    def __init__(self, store: ClassStore):
        self._store = store

    def __iter__(self) -> Iterator[Flag]:
        for submission, who, part, status, score, reasons, answer, *extra in self._store.query(
                "SELECT * FROM flags ORDER BY part, submission, rowid"):
            yield Flag(submission, who, part, status, score, json.loads(reasons), answer, *extra)

    def __len__(self) -> int:
        return self._store.query("SELECT count(*) FROM flags").fetchone()[0]
