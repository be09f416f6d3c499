"""What a batch grades: the submissions in a folder, or in a Gradescope "Export Submissions" zip or folder.

A plain folder holds one folder or answers file per student. An export holds `submission_<id>/` folders and a
`submission_metadata.yml` that names the students; its keys may carry a leading colon (`:submitters`) or not,
and anything missing or odd in it only costs the names, never the grading. A zip is unpacked into the output
folder first (grader.batch.unpack). What the instructor must know about the source comes back as `notes`.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator

import yaml

from grader.batch.unpack import ANSWER_SUFFIXES, UnpackError, unpack_export
from grader.submission import is_grader_file

METADATA_FILE = "submission_metadata.yml"
# The blank answers file handed to students may sit among the submissions; it is nobody's work.
HANDOUT_TEMPLATE = "TEMPLATE.md"
_GRADESCOPE_FOLDER = re.compile(r"submission_\d+")


class SourceError(Exception):
    """The SUBMISSIONS argument cannot be read at all (missing, not a folder or zip, a broken zip)."""


@dataclass(frozen=True)
class Submitter:
    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True)
class Entry:
    """One submission to grade: its name (the results file is `results/<name>.json`) and who submitted it."""

    name: str
    path: Path
    submitters: tuple[Submitter, ...] = ()
    created_at: str = ""
    # Files of this submission left out of the export's unpacking: (path inside the submission, why).
    left_out: tuple[tuple[str, str], ...] = ()

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
            paths = sorted(self.path.iterdir()) if self.path.is_dir() and not self.path.is_symlink() else [self.path]
            for p in paths:
                st = p.lstat()
                digest.update(f"{p.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
        except OSError:
            digest.update(b"unreadable")
        return digest.hexdigest()


@dataclass
class Submissions:
    """A class to grade: its entries, sorted by name, and what the instructor must be told about reading it."""

    entries: list[Entry]
    notes: list[str] = field(default_factory=list)


def find_submissions(source: Path, *, unpack_to: Path, outdir: Path | None = None) -> Submissions:
    """The submissions under `source` (folder or zip). Zips are unpacked below `unpack_to`.

    `outdir`, when it lies inside `source`, is the batch's own output and never a student."""
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
    metadata, problem = read_metadata(root / METADATA_FILE)
    entries = []
    own = outdir.resolve() if outdir is not None else None
    for child in sorted(root.iterdir(), key=lambda p: p.name):
        skipped = child.name.startswith((".", "__MACOSX")) or child.name == HANDOUT_TEMPLATE
        skipped = skipped or (own is not None and child.resolve() == own)
        if skipped or child.is_symlink() or is_grader_file(child.name):
            continue
        if child.is_dir() or (child.is_file() and child.suffix.lower() in ANSWER_SUFFIXES):
            record = metadata.get(child.name, {})
            entries.append(Entry(child.name, child, record.get("submitters", ()), record.get("created_at", ""),
                                 tuple(lost.get(child.name, ()))))
    notes = _names_notes(root, entries, metadata, problem) + notes  # the loudest first
    return Submissions(entries, notes)


def _names_notes(root: Path, entries: list[Entry], metadata: dict[str, Any], problem: str | None) -> list[str]:
    """Said loudly when grades.csv will lack students' names: a broken or missing metadata file, or folders
    that it does not name."""
    export = (root / METADATA_FILE).is_file() or any(_GRADESCOPE_FOLDER.fullmatch(e.name) for e in entries)
    if not export or not entries:
        return []
    unnamed = [e.name for e in entries if not e.submitters]
    if not unnamed:
        return []
    listed = ", ".join(unnamed[:3]) + (f" and {len(unnamed) - 3:,} more" if len(unnamed) > 3 else "")
    lack = f"NO NAMES: {len(unnamed):,} of {len(entries):,} submissions have no name, email or SID in grades.csv"
    if not (root / METADATA_FILE).is_file():
        return [f"{lack}: the export has no {METADATA_FILE} ({listed})"]
    if problem:
        return [f"{lack}: {METADATA_FILE} could not be read past {len(metadata):,} records ({problem}) ({listed})"]
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


def _load_records(stream: IO[str], records: dict[str, Any]) -> None:
    """Fill `records` (folder -> raw record) from the stream; what was read before an error stays."""
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
            records[key] = _value(events, value_event)
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


def read_metadata(path: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Folder name → {"submitters": (Submitter, ...), "created_at": str}, and what stopped the reading, if
    anything (with the line and column of a YAML error). Missing: ({}, None)."""
    if not path.is_file():
        return {}, None
    data: dict[str, Any] = {}
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
    records: dict[str, dict[str, Any]] = {}
    for folder, record in data.items():
        people = _get(record, "submitters")
        submitters = tuple(
            Submitter(_text(_get(p, "name")), _text(_get(p, "email")), _text(_get(p, "sid")))
            for p in (people if isinstance(people, list) else [])
            if isinstance(p, dict)
        )
        records[str(folder).strip().strip("/")] = {"submitters": submitters, "created_at": _text(_get(record, "created_at"))}
    return records, problem
