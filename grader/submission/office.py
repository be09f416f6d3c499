"""Word and OpenDocument files (`.docx`, `.odt`) read by pandoc, native equations (OMML, ODF math) as LaTeX.

pandoc comes from PyPI (pypandoc_binary ships the binary in a manylinux wheel, so the autograder zip carries
it); python-docx would need an OMML-to-LaTeX converter of our own and does not read `.odt`. pandoc's ODT
reader drops formula objects, so `odf` takes them out first and puts them back as LaTeX. pandoc runs in a
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

from grader.escape import inline_code, markdown_text
from grader.submission.converted import Converted, a_kind
from grader.submission.odf import FORMULA_MEMBER, put_back, take_out_formulas

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
    problem = _archive_problem(data, source)
    if problem:
        return Converted("", kind, [f"{inline_code(name)} could not be read: {problem}."])
    try:
        pandoc = _pandoc()
    except (ImportError, OSError):
        return Converted("", kind, [f"{inline_code(name)} could not be read: the grader has no document converter "
                                    "installed. This is a problem of the grader, not of your work."])
    formulas = take_out_formulas(data) if source == "odt" else None
    with tempfile.TemporaryDirectory(prefix="grader-office-") as folder:
        path = os.path.join(folder, "document." + source)
        with open(path, "wb") as handle:
            handle.write(formulas.document if formulas else data)
        command = [pandoc, "--sandbox", "-f", source, "-t", "markdown-raw_html-native_divs-native_spans-bracketed_spans",
                   "--wrap=none", path, "+RTS", f"-M{HEAP}", "-RTS"]
        try:
            proc = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False, cwd=folder,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Converted("", kind, [f"{inline_code(name)} could not be read: converting it took longer than "
                                        f"{TIMEOUT:g} s."])
    if proc.returncode != 0:
        return Converted("", kind, [f"{inline_code(name)} could not be read: it is damaged or not {a_kind(kind)}."])
    text = _unescape(proc.stdout.decode("utf-8", "replace"))
    if formulas is None:
        return Converted(text, kind)
    converted = Converted(put_back(text, formulas), kind)
    if formulas.unread:
        # An equation left out would make its part read as empty or wrong: a person grades that part (grading
        # finds its placeholder), or the whole document when an equation could not even be placed.
        shown = "; ".join(formulas.unread[:3]) + (" ..." if len(formulas.unread) > 3 else "")
        count = formulas.missed
        converted.notes.append(f"{inline_code(name)} has {count} equation{'s' if count > 1 else ''} this grader "
                               f"could not read ({markdown_text(shown)}); a person will grade "
                               f"{'it' if formulas.unplaced else 'the answers that hold them'}.")
        if formulas.unplaced:
            converted.review = f"{count} of its equations (OpenDocument formula objects) could not be read"
    return converted


def _pandoc() -> str:
    """The pandoc the wheel ships (the one tested, and the one in the autograder image); pypandoc's own search
    runs every pandoc it finds to compare versions, which under the sandbox's memory limit prints errors."""
    import pypandoc

    bundled = os.path.join(os.path.dirname(pypandoc.__file__), "files", "pandoc")
    return bundled if os.access(bundled, os.X_OK) else pypandoc.get_pandoc_path()


def _archive_problem(data: bytes, source: str) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError):
        return "it is not a valid document (not a zip archive)"
    if len(members) > MAX_MEMBERS:
        return f"it holds more than {MAX_MEMBERS} parts"
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        return f"it unpacks to more than {MAX_UNPACKED // 1024 // 1024} MB"
    # An .odt's equation objects are read only up to odf's own size limit: one over-large equation costs
    # only its own part, not the document.
    if any(m.file_size > MAX_RATIO * max(m.compress_size, 1) and m.file_size > 1024 * 1024
           and not (source == "odt" and FORMULA_MEMBER.fullmatch(m.filename)) for m in members):
        return "it is compressed far more than a real document (a zip bomb)"
    return None


def _unescape(text: str) -> str:
    """pandoc escapes punctuation that Markdown would read (`4.1\\)`, `n\\*m`); the splitter wants it as typed.
    Math is kept as written (there, a backslash starts a LaTeX command)."""
    return "".join(p if p.startswith("$") else _ESCAPE.sub(r"\1", p) for p in _MATH.split(text))
