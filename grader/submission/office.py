"""Word and OpenDocument files (`.docx`, `.odt`) read by pandoc, native equations (OMML, ODF math) as LaTeX.

pandoc comes from PyPI (pypandoc_binary ships the binary in a manylinux wheel, so the autograder zip carries
it); python-docx would need an OMML-to-LaTeX converter of our own and does not read `.odt`. pandoc's ODT
reader drops formula objects, so an `.odt` with equations goes to a person rather than reading as empty. pandoc runs in a
process of its own with `--sandbox` (it reads no other file), a heap limit and a timeout; the archive is
checked before it is opened (member count, sizes, compression ratio), so a zip bomb is never unpacked. Bold
paragraphs, which Word users write instead of heading styles, come out as `**4.1**` lines: headings.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
import zipfile

from grader.escape import inline_code
from grader.submission.converted import Converted

MAX_MEMBERS = 5_000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200  # a member's size over its compressed size; real documents stay far below
TIMEOUT = 30.0
HEAP = "512m"
_FORMATS = {".docx": ("docx", "Word document"), ".odt": ("odt", "OpenDocument file")}
_MATH = re.compile(r"(\$\$.*?\$\$|\$[^$\n]*\$)", re.S)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def read_office(data: bytes, name: str) -> Converted:
    source, kind = _FORMATS.get(os.path.splitext(name)[1].lower(), ("docx", "Word document"))
    problem = _archive_problem(data)
    if problem:
        return Converted("", kind, [f"{inline_code(name)} could not be read: {problem}."])
    try:
        import pypandoc

        pandoc = pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return Converted("", kind, [f"{inline_code(name)} could not be read: the grader has no document converter "
                                    "installed. This is a problem of the grader, not of your work."])
    with tempfile.TemporaryDirectory(prefix="grader-office-") as folder:
        path = os.path.join(folder, "document." + source)
        with open(path, "wb") as handle:
            handle.write(data)
        command = [pandoc, "--sandbox", "-f", source, "-t", "markdown-raw_html-native_divs-native_spans",
                   "--wrap=none", path, "+RTS", f"-M{HEAP}", "-RTS"]
        try:
            proc = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False, cwd=folder,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Converted("", kind, [f"{inline_code(name)} could not be read: converting it took longer than "
                                        f"{TIMEOUT:g} s."])
    if proc.returncode != 0:
        return Converted("", kind, [f"{inline_code(name)} could not be read: it is damaged or not a {kind}."])
    converted = Converted(_unescape(proc.stdout.decode("utf-8", "replace")), kind)
    if source == "odt" and _has_equation_objects(data):
        # pandoc's ODT reader drops formula objects: parts would read as empty, a silent zero.
        converted.notes.append(f"{inline_code(name)} has equations this grader cannot read from an OpenDocument "
                               "file; a person will grade it. Save it as .docx or PDF next time.")
        converted.review = "its equations (OpenDocument formula objects) could not be read"
    return converted


def _has_equation_objects(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        objects = [m for m in archive.infolist() if re.fullmatch(r"[^/]+/content\.xml", m.filename)]
        return any(b"math" in archive.read(m)[:4096] for m in objects[:50])


def _archive_problem(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError):
        return "it is not a valid document (not a zip archive)"
    if len(members) > MAX_MEMBERS:
        return f"it holds more than {MAX_MEMBERS} parts"
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        return f"it unpacks to more than {MAX_UNPACKED // 1024 // 1024} MB"
    if any(m.file_size > MAX_RATIO * max(m.compress_size, 1) and m.file_size > 1024 * 1024 for m in members):
        return "it is compressed far more than a real document (a zip bomb)"
    return None


def _unescape(text: str) -> str:
    """pandoc escapes punctuation that Markdown would read (`4.1\\)`, `n\\*m`); the splitter wants it as typed.
    Math is kept as written (there, a backslash starts a LaTeX command)."""
    return "".join(p if p.startswith("$") else _ESCAPE.sub(r"\1", p) for p in _MATH.split(text))
