"""Unpacking a Gradescope export zip below the output folder, every member checked before a byte is written.

No absolute paths, no `..`, no links, sizes capped. A member that cannot be unpacked (a corrupt one, or a
name flagged as UTF-8 that is not) is skipped with a note for the instructor: only that student's file is
lost, and their submission then says it has no answers. The notes are kept with the unpacked folder, so a
later run that reuses it says the same.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from grader.escape import one_line, visible

# Only answers files are read, and those are capped; larger members are not unpacked.
MAX_MEMBER_BYTES = 8 * 1024 * 1024
MAX_EXPORT_BYTES = 4 * 1024 * 1024 * 1024
_DONE = ".unpacked"
_CENTRAL_HEADER = b"PK\x01\x02"
_UTF8_FLAG = 0x800
# Writing errors that no other member would escape: they end the unpacking (the caller says what happened).
DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


class UnpackError(Exception):
    """The zip cannot be read at all."""


@dataclass
class Unpacked:
    folder: Path
    notes: list[str] = field(default_factory=list)


def unpack_export(archive: Path, target_root: Path) -> Unpacked:
    """Unpack `archive` below `target_root` once; a later run reuses it while the zip is unchanged."""
    st = archive.stat()
    stamp = f"{archive.name}-{st.st_size}-{st.st_mtime_ns}"
    target = target_root / hashlib.blake2b(stamp.encode(), digest_size=8).hexdigest()
    done = target / _DONE
    if done.is_file():
        try:
            return Unpacked(target, list(json.loads(done.read_text(encoding="utf-8")).get("notes", [])))
        except (ValueError, AttributeError, OSError):
            pass  # an older or damaged marker: unpack again
    notes: list[str] = []
    try:
        with archive.open("rb") as raw:
            guard = _NameGuard(raw)
            with zipfile.ZipFile(guard) as zf:  # type: ignore[arg-type]
                guard.active = False
                _unpack_members(archive, zf, guard.false_utf8, target, notes)
    except OSError as exc:
        if exc.errno in DISK_ERRORS:
            raise
        raise UnpackError(f"{archive}: the zip cannot be read ({exc})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, UnicodeDecodeError,
            EOFError) as exc:
        raise UnpackError(f"{archive}: the zip cannot be read ({exc})") from None
    target.mkdir(parents=True, exist_ok=True)
    done.write_text(json.dumps({"stamp": stamp, "notes": notes}, ensure_ascii=False), encoding="utf-8")
    return Unpacked(target, notes)


def _unpack_members(archive: Path, zf: zipfile.ZipFile, false_utf8: set[str], target: Path, notes: list[str]) -> None:
    total = 0
    for info in zf.infolist():
        if info.orig_filename in false_utf8:
            raw = info.orig_filename.encode("cp437")
            notes.append(f"{archive.name}: skipped {_shown(raw)}: its name is marked as UTF-8 but is not UTF-8")
            # Its folder is still made (when that name reads): the student is listed, with no answers.
            folder = raw.replace(b"\\", b"/").rpartition(b"/")[0].decode("utf-8", "replace")
            relative = _safe_member(zipfile.ZipInfo(folder + "/")) if folder and "\ufffd" not in folder else None
            if relative is not None:
                target.joinpath(*relative.parts).mkdir(parents=True, exist_ok=True)
            continue
        relative = _safe_member(info)
        if relative is None or info.file_size > MAX_MEMBER_BYTES:
            continue
        total += info.file_size
        if total > MAX_EXPORT_BYTES:
            raise UnpackError(f"{archive}: the export is larger than {MAX_EXPORT_BYTES >> 30} GB unpacked")
        try:
            _unpack_member(zf, info, target.joinpath(*relative.parts))
        except OSError as exc:
            if exc.errno in DISK_ERRORS:
                raise
            notes.append(f"{archive.name}: skipped {_shown(info.filename)}: {exc.strerror or exc}")
        except (EOFError, zlib.error, zipfile.BadZipFile, ValueError, OverflowError) as exc:
            # A corrupt member, or a file where a folder must be: only that student's file is lost.
            notes.append(f"{archive.name}: skipped {_shown(info.filename)}: {exc}")


def _shown(name: str | bytes) -> str:
    """A member's name as the terminal and the report show it: undecodable bytes as \\xNN, nothing hidden."""
    if isinstance(name, bytes):
        name = name.decode("utf-8", "backslashreplace")
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


def _unpack_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path) -> None:
    if info.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, destination.open("wb") as dst:
        # Read at most the declared size plus one byte: a lying header cannot fill the disk.
        data = src.read(info.file_size + 1)
        dst.write(data[: info.file_size])
    stamp_time = time.mktime((*info.date_time, 0, 0, -1))
    os.utime(destination, (stamp_time, stamp_time))


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
