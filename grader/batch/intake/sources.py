"""What a batch grades: the submissions in a folder, or in a Gradescope "Export Submissions" zip or folder.

A plain folder holds one folder or answers file per student. An export holds `submission_<id>/` folders and a
`submission_metadata.yml` that names the students; its keys may carry a leading colon (`:submitters`) or not,
and anything missing or odd in it only costs the names, never the grading. A zip is unpacked into the output
folder first (grader.batch.intake.unpack). What the instructor must know about the source comes back as `notes`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, MutableMapping, Protocol

import yaml

from grader.batch.intake.unpack import ANSWER_SUFFIXES, UnpackError, unpack_export
from grader.submission import is_grader_file

METADATA_FILE = "submission_metadata.yml"
# The blank answers file handed to students may sit among the submissions; it is nobody's work.
HANDOUT_TEMPLATE = "TEMPLATE.md"
_GRADESCOPE_FOLDER = re.compile(r"submission_\d+")


class SourceError(Exception):
    """The SUBMISSIONS argument cannot be read at all (missing, not a folder or zip, a broken zip)."""


@dataclass(frozen=True, slots=True)
class Submitter:
    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One submission to grade: its name (the results file is `results/<name>.json`) and who submitted it.

    Slotted, with its path kept as a string: the parent holds one per student (a class of 50,000 in ~25 MB)."""

    name: str
    where: str
    submitters: tuple[Submitter, ...] = ()
    created_at: str = ""
    # Files of this submission left out of the export's unpacking: (path inside the submission, why).
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> Path:
        return Path(self.where)

    @property
    def who(self) -> str:
        names = [s.name or s.email or s.sid for s in self.submitters]
        return "; ".join(n for n in names if n) or self.name

    def metadata(self) -> dict[str, Any]:
        """Identity for the results file, shaped like the `users` of Gradescope's submission metadata."""
        data: dict[str, Any] = {"users": [{"name": s.name, "email": s.email, "sid": s.sid} for s in self.submitters]}
        if self.created_at:
            data["created_at"] = self.created_at
        return data

    def signature(self) -> str:
        """Changes when the submission's files change, so a resumed run re-grades an edited submission."""
        digest = hashlib.blake2b(digest_size=8)
        try:
            # Plain strings, not Path objects: this runs for every submission, in the worker and on resuming.
            st = os.lstat(self.where)
            if stat.S_ISDIR(st.st_mode):
                for name in sorted(os.listdir(self.where)):
                    st = os.lstat(os.path.join(self.where, name))
                    digest.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
            else:
                name = os.path.basename(self.where)
                digest.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
        except OSError:
            digest.update(b"unreadable")
        return digest.hexdigest()


class EntrySink(Protocol):
    def add(self, entry: Entry) -> None: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Entry]: ...


class _EntryList(list):  # type: ignore[type-arg]
    def add(self, entry: Entry) -> None:
        self.append(entry)


@dataclass
class Submissions:
    """A class to grade: its entries, sorted by name, and what the instructor must be told about reading it."""

    entries: Any  # a list, or the sink given to find_submissions (iterable, sized)
    notes: list[str] = field(default_factory=list)


def find_submissions(source: Path, *, unpack_to: Path, outdir: Path | None = None, entries: EntrySink | None = None,
                     metadata: MutableMapping[str, Any] | None = None) -> Submissions:
    """The submissions under `source` (folder or zip). Zips are unpacked below `unpack_to`.

    `outdir`, when it lies inside `source`, is the batch's own output and never a student. `entries` and
    `metadata` receive the entries and the export's records (grader.batch.run.entries keeps them out of memory);
    by default they are a list and a dict."""
    if not source.exists():
        raise SourceError(f"{source}: no such file or folder")
    notes: list[str] = []
    left_out: dict[str, str] = {}
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise SourceError(f"{source}: not a folder of submissions nor a zip of them")
        try:
            unpacked = unpack_export(source, unpack_to)
        except UnpackError as exc:
            raise SourceError(str(exc)) from None
        source, notes, left_out = unpacked.folder, unpacked.notes, unpacked.skipped
    root = _export_root(source)
    prefix = root.relative_to(source).as_posix() + "/" if root != source else ""
    lost: dict[str, list[tuple[str, str]]] = {}  # submission folder -> its files left out, and why
    for path, why in left_out.items():
        folder, _, inner = path.removeprefix(prefix).partition("/")
        if path.startswith(prefix) and inner:
            lost.setdefault(folder, []).append((inner, why))
    metadata, problem = read_metadata(root / METADATA_FILE, {} if metadata is None else metadata)
    entries = _EntryList() if entries is None else entries
    unnamed: list[str] = []  # the first few
    unnamed_count, export = 0, False
    own = outdir.resolve() if outdir is not None else None
    for name in sorted(os.listdir(root)):  # names, not Path objects: a class of 50,000 is listed in a few MB
        child = root / name
        skipped = name.startswith((".", "__MACOSX")) or name == HANDOUT_TEMPLATE
        skipped = skipped or (own is not None and name == own.name and child.resolve() == own)
        if skipped or child.is_symlink() or is_grader_file(child.name):
            continue
        if child.is_dir() or (child.is_file() and child.suffix.lower() in ANSWER_SUFFIXES):
            record = metadata.get(child.name, {})
            entry = Entry(child.name, str(child), record.get("submitters", ()), record.get("created_at", ""),
                          tuple(lost.get(child.name, ())))
            entries.add(entry)
            export = export or _GRADESCOPE_FOLDER.fullmatch(name) is not None
            if not entry.submitters:
                unnamed_count += 1
                if len(unnamed) < 3:
                    unnamed.append(name)
    export = export or (root / METADATA_FILE).is_file()
    notes = _names_notes(root, export, len(entries), unnamed, unnamed_count, len(metadata), problem) + notes
    return Submissions(entries, notes)  # the loudest notes first


def _names_notes(root: Path, export: bool, count: int, unnamed: list[str], unnamed_count: int, records: int,
                 problem: str | None) -> list[str]:
    """Said loudly when grades.csv will lack students' names: a broken or missing metadata file, or folders
    that it does not name (`unnamed`: the first of them)."""
    if not export or not count or not unnamed_count:
        return []
    more = unnamed_count - len(unnamed)
    listed = ", ".join(unnamed) + (f" and {more:,} more" if more > 0 else "")
    lack = f"NO NAMES: {unnamed_count:,} of {count:,} submissions have no name, email or SID in grades.csv"
    if not (root / METADATA_FILE).is_file():
        return [f"{lack}: the export has no {METADATA_FILE} ({listed})"]
    if problem:
        return [f"{lack}: {METADATA_FILE} could not be read past {records:,} records ({problem}) ({listed})"]
    return [f"{lack}: {METADATA_FILE} does not name them ({listed})"]


def _export_root(folder: Path) -> Path:
    # A zip often wraps everything in one top folder; the metadata file marks the real root.
    if (folder / METADATA_FILE).is_file():
        return folder
    children = [c for c in folder.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir() and (children[0] / METADATA_FILE).is_file():
        return children[0]
    return folder


# --- submission_metadata.yml -------------------------------------------------------------------------------


# The export's metadata is read from the file as a stream of YAML events (libyaml's parser when present), so
# memory does not grow with the file: only the fields used here are built, `:results` and `:history` (the
# bulk of the file: each student's earlier results) are skipped, tags (e.g. Ruby objects) are ignored and
# aliases read as nothing. 600 records in 7.4 MB take 0.3 s. A file cut short or broken part way keeps the
# records read before the break.
_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_METADATA_BYTES = 256 * 1024 * 1024
_WANTED = {"submitters", "created_at", "name", "email", "sid"}
_NULLS = {"", "~", "null", "Null", "NULL"}


def _skip(events: Iterator[yaml.Event], first: yaml.Event) -> None:
    depth = 1 if isinstance(first, (yaml.MappingStartEvent, yaml.SequenceStartEvent)) else 0
    while depth:
        event = next(events)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _value(events: Iterator[yaml.Event], first: yaml.Event, depth: int = 0) -> Any:
    if isinstance(first, yaml.ScalarEvent):
        return None if first.value in _NULLS and first.implicit[0] else first.value
    if depth > 20:
        _skip(events, first)
        return None
    if isinstance(first, yaml.SequenceStartEvent):
        items = []
        for event in events:
            if isinstance(event, yaml.SequenceEndEvent):
                return items
            items.append(_value(events, event, depth + 1))
    if isinstance(first, yaml.MappingStartEvent):
        mapping: dict[str, Any] = {}
        for event in events:
            if isinstance(event, yaml.MappingEndEvent):
                return mapping
            key = _value(events, event, depth + 1)
            value_event = next(events)
            if isinstance(key, str) and key.lstrip(":") in _WANTED:
                mapping[key] = _value(events, value_event, depth + 1)
            else:
                _skip(events, value_event)
    return None  # an alias


def _load_records(stream: IO[str], records: MutableMapping[str, Any]) -> None:
    """Fill `records` (folder -> its students and date) from the stream; what was read before an error stays."""
    events = iter(yaml.parse(stream, Loader=_Parser))
    for event in events:
        if isinstance(event, yaml.MappingStartEvent):
            break
    else:
        return
    for event in events:
        if isinstance(event, yaml.MappingEndEvent):
            break
        key = _value(events, event)
        value_event = next(events)
        if isinstance(value_event, yaml.MappingStartEvent) and isinstance(key, str):
            records[key.strip().strip("/")] = _record(_value(events, value_event))
        else:
            _skip(events, value_event)


def _get(record: Any, key: str) -> Any:
    if not isinstance(record, dict):
        return None
    for candidate in (f":{key}", key):
        if candidate in record:
            return record[candidate]
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_metadata(path: Path,
                  data: MutableMapping[str, Any] | None = None) -> tuple[MutableMapping[str, Any], str | None]:
    """Folder name → {"submitters": (Submitter, ...), "created_at": str} (into `data`, if given), and what
    stopped the reading, if anything (with the line and column of a YAML error). Missing: ({}, None)."""
    data = {} if data is None else data
    if not path.is_file():
        return data, None
    problem = None
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise ValueError(f"it is larger than {MAX_METADATA_BYTES >> 20} MB")
        with path.open(encoding="utf-8", errors="replace", newline="") as stream:
            _load_records(stream, data)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = f"{where}{exc.problem or exc.context or 'not YAML'}"
    except (yaml.YAMLError, StopIteration) as exc:
        problem = str(exc) or "it ends in the middle of a record"
    except (OSError, ValueError) as exc:
        problem = getattr(exc, "strerror", None) or str(exc)
    except RecursionError:
        problem = "it is nested too deeply"
    return data, problem


def _record(record: Any) -> dict[str, Any]:
    """A raw record as the batch keeps it, made as each is read (the raw ones are never all in memory)."""
    people = _get(record, "submitters")
    submitters = tuple(
        Submitter(_text(_get(p, "name")), _text(_get(p, "email")), _text(_get(p, "sid")))
        for p in (people if isinstance(people, list) else [])
        if isinstance(p, dict)
    )
    return {"submitters": submitters, "created_at": _text(_get(record, "created_at"))}
