"""Unpacking a Gradescope export zip below the output folder, every member checked before a byte is written.

Only members that can be answers are unpacked (the documents the submission reader reads, and images), plus
the export's `submission_metadata.yml`. No absolute paths, no `..`, no links. The bytes are bounded three
ways before anything is written: each member's size, its compression ratio (a zero-filled "scan" that
expands a thousand times is a bomb, not an answer), and the total, against an absolute cap and a multiple of
the zip's own size. A member that cannot be unpacked costs only that student's file: it is skipped, the
instructor is told (grouped by reason), and the student's results say which file was not taken and why. A
refused export leaves nothing behind. The notes are kept with the unpacked folder, so a later run that
reuses it says the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from grader import atomic
from grader.escape import one_line, visible

METADATA_FILE = "submission_metadata.yml"
# What can be an answer: the formats the submission reader reads, and images (a photographed page).
ANSWER_SUFFIXES = frozenset({
    ".md", ".markdown", ".txt", ".yaml", ".yml", ".json", ".pdf", ".docx", ".odt", ".tex", ".ipynb",
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic", ".tif", ".tiff", ".bmp",
})
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # a 30-page phone scan is ~20 MB
MAX_METADATA_BYTES = 256 * 1024 * 1024  # a class's earlier results make it large (9 MB for 600 students)
# Real answers pack to at most a few times smaller (text ~5x, PDFs and images ~1x): past 100x above 1 MB,
# a member is filler.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
MAX_EXPORT_BYTES = 4 * 1024 * 1024 * 1024
EXPORT_RATIO, EXPORT_FLOOR = 20, 256 * 1024 * 1024  # in all, at most 20x the zip (or 256 MB)
_CHUNK = 1024 * 1024
_DONE = ".unpacked"
_CENTRAL_HEADER = b"PK\x01\x02"
_UTF8_FLAG = 0x800
_SHOWN_PER_REASON = 3


class UnpackError(Exception):
    """The zip cannot be read at all, or is refused as a whole (nothing of it is left on disk)."""


@dataclass
class Unpacked:
    folder: Path
    notes: list[str] = field(default_factory=list)  # for the instructor
    skipped: dict[str, str] = field(default_factory=dict)  # member path -> why it was not unpacked (for its student)


def unpack_export(archive: Path, target_root: Path) -> Unpacked:
    """Unpack `archive` below `target_root` once; a later run reuses it while the zip is unchanged."""
    st = archive.stat()
    stamp = f"{archive.name}-{st.st_size}-{st.st_mtime_ns}"
    target = target_root / hashlib.blake2b(stamp.encode(), digest_size=8).hexdigest()
    done = target / _DONE
    if done.is_file():
        try:
            kept = json.loads(done.read_text(encoding="utf-8"))
            return Unpacked(target, list(kept.get("notes", [])), dict(kept.get("skipped", {})))
        except (ValueError, AttributeError, TypeError, OSError):
            pass  # an older or damaged marker: unpack again
    _clear(target_root)  # a half-unpacked folder (a killed run), or an earlier zip's
    try:
        with archive.open("rb") as raw:
            guard = _NameGuard(raw)
            with zipfile.ZipFile(guard) as zf:  # type: ignore[arg-type]
                guard.active = False
                plan, skipped = _plan(zf, guard.false_utf8)
                planned = sum(info.file_size for info, _ in plan)
                limit = min(MAX_EXPORT_BYTES, max(EXPORT_FLOOR, EXPORT_RATIO * st.st_size))
                if planned > limit:
                    raise UnpackError(
                        f"{archive}: refused: its answer files would unpack to {planned / 2**20:,.1f} MB, more than "
                        f"{limit / 2**20:,.1f} MB ({EXPORT_RATIO}x the zip, at most {MAX_EXPORT_BYTES >> 30} GB); "
                        "nothing was unpacked")
                for name in skipped:  # their students are still listed (with no answers, and why)
                    folder = _safe_member(zipfile.ZipInfo(str(PurePosixPath(name).parent) + "/"))
                    if folder is not None and not folder.name.startswith(".") and folder.parts[0] != "__MACOSX":
                        target.joinpath(*folder.parts).mkdir(parents=True, exist_ok=True)
                for info, relative in plan:
                    problem = _unpack_member(zf, info, target.joinpath(*relative.parts))
                    if problem:
                        skipped[relative.as_posix()] = problem
        target.mkdir(parents=True, exist_ok=True)
        notes = _notes(archive.name, skipped)
        atomic.write_text(done, json.dumps({"stamp": stamp, "notes": notes, "skipped": skipped}, ensure_ascii=False),
                          fsync=False)
    except BaseException as exc:
        shutil.rmtree(target, ignore_errors=True)  # nothing half unpacked stays behind
        # Writing errors that every other member would meet too (a full disk) are the caller's to report.
        if isinstance(exc, OSError) and not (exc.errno in atomic.OUTPUT_ERRORS
                                             and str(exc.filename or "").startswith(str(target_root))):
            raise UnpackError(f"{archive}: the zip cannot be read ({exc})") from None
        if isinstance(exc, (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
                            UnicodeDecodeError, EOFError)):
            raise UnpackError(f"{archive}: the zip cannot be read ({exc})") from None
        raise
    return Unpacked(target, notes, skipped)


def _clear(folder: Path) -> None:
    if folder.is_dir():
        for old in folder.iterdir():
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def _plan(zf: zipfile.ZipFile, false_utf8: set[str]) -> tuple[list[tuple[zipfile.ZipInfo, PurePosixPath]], dict[str, str]]:
    """The members to unpack, each with its path, and the others with why they are skipped (for its student)."""
    plan: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    skipped: dict[str, str] = {}
    for info in zf.infolist():
        if info.orig_filename in false_utf8:
            raw = info.orig_filename.encode("cp437")
            skipped[raw.decode("utf-8", "backslashreplace")] = "a name marked as UTF-8 that is not UTF-8"
            continue
        if info.is_dir():
            continue
        relative = _safe_member(info)
        if relative is None:
            skipped[info.filename] = "a link, or a path leading out of the export"
            continue
        if relative.name.startswith(".") or relative.parts[0] == "__MACOSX":
            continue  # a system's bookkeeping, never a student's work
        metadata = relative.name == METADATA_FILE and len(relative.parts) <= 2
        cap = MAX_METADATA_BYTES if metadata else MAX_MEMBER_BYTES
        key = relative.as_posix()
        if not metadata and relative.suffix.lower() not in ANSWER_SUFFIXES:
            skipped[key] = "not a kind of file answers are read from"
        elif info.file_size > cap:
            skipped[key] = f"larger than {cap >> 20} MB"
        elif not metadata and info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
            skipped[key] = (f"expands {info.file_size / max(1, info.compress_size):,.0f} times: more than "
                            f"{MAX_RATIO}x is filler, not an answer")
        else:
            plan.append((info, relative))
    return plan, skipped


def _notes(archive: str, skipped: dict[str, str]) -> list[str]:
    """One line per reason, with how many members and the first few names."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for name, reason in skipped.items():
        by_reason[_reason_kind(reason)].append(name)
    notes = []
    for kind, names in by_reason.items():
        shown = ", ".join(_shown(n) for n in names[:_SHOWN_PER_REASON])
        more = f" and {len(names) - _SHOWN_PER_REASON:,} more" if len(names) > _SHOWN_PER_REASON else ""
        what = "member" if len(names) == 1 else "members"
        notes.append(f"{archive}: {len(names):,} {what} not unpacked ({kind}): {shown}{more}")
    return notes


def _reason_kind(reason: str) -> str:
    # "expands 1,024 times: ..." and "expands 900 times: ..." are one reason for the instructor.
    return f"expands more than {MAX_RATIO}x" if reason.startswith("expands") else reason


def _shown(name: str) -> str:
    """A member's name as the terminal and the report show it: one line, nothing hidden (bad bytes as \\xNN)."""
    return f"'{visible(one_line(name))}'"


class _NameGuard:
    """The zip file as `zipfile` reads it, with the UTF-8 flag cleared on members whose names are not UTF-8.

    `zipfile.ZipFile()` decodes every flagged name strictly and fails on the first bad one, which would stop
    the whole batch. It reads the central directory in one piece: in that piece, each such member's flag is
    cleared (its name then reads as CP437, which never fails) and the name is remembered, so that member is
    skipped and named in a note. Only while the zip is being opened (`active`): member data passes untouched.
    """

    def __init__(self, raw: IO[bytes]):
        self._raw = raw
        self.active = True
        self.false_utf8: set[str] = set()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self.active and data[:4] == _CENTRAL_HEADER:
            data = self._clear_false_flags(data)
        return data

    def _clear_false_flags(self, data: bytes) -> bytes:
        patched: bytearray | None = None
        at = 0
        while data[at:at + 4] == _CENTRAL_HEADER and at + 46 <= len(data):
            flags = int.from_bytes(data[at + 8:at + 10], "little")
            name_len, extra_len, comment_len = (int.from_bytes(data[at + i:at + i + 2], "little") for i in (28, 30, 32))
            name = data[at + 46:at + 46 + name_len]
            if flags & _UTF8_FLAG:
                try:
                    name.decode("utf-8")
                except UnicodeDecodeError:
                    patched = patched if patched is not None else bytearray(data)
                    patched[at + 8:at + 10] = (flags & ~_UTF8_FLAG).to_bytes(2, "little")
                    self.false_utf8.add(name.decode("cp437"))
            at += 46 + name_len + extra_len + comment_len
        return bytes(patched) if patched is not None else data

    def __getattr__(self, name: str) -> Any:  # seek, tell, ...: the file's own
        return getattr(self._raw, name)


def _unpack_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path) -> str | None:
    """Write one member, in chunks, never more than its header declares; a problem of its own is returned."""
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with zf.open(info) as src:
            fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                while chunk := src.read(min(_CHUNK, info.file_size - written + 1)):
                    written += len(chunk)
                    if written > info.file_size:
                        raise ValueError("it holds more than its header declares")
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view):]
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(destination)) from None
            finally:
                os.close(fd)
        stamp_time = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(destination, (stamp_time, stamp_time))
        return None
    except OSError as exc:
        if exc.errno in atomic.OUTPUT_ERRORS:
            raise
        problem = f"could not be written: {exc.strerror or exc}"  # e.g. a file where a folder must be
    except (EOFError, zlib.error, zipfile.BadZipFile, ValueError, OverflowError, NotImplementedError) as exc:
        problem = f"damaged: {exc}"
    destination.unlink(missing_ok=True) if not destination.is_dir() else None
    return problem


def _safe_member(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's path if it stays inside the target and is a plain file or folder; None to skip it."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):  # links, devices, fifos
        return None
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if not path.parts or path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
        return None
    parts = [p for p in path.parts if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else None
