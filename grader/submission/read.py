"""Reading what a student submitted: choose the answers file, read it, split it into answers per part.

Everything here treats the submission as hostile: files are size-capped, symlinks are never followed,
YAML is read without aliases (no billion laughs) by the safe constructor, embedded images are dropped
before splitting, every pass is linear in the file's size, and every problem becomes a note for the
student instead of an exception. Whatever can be read is graded. `grading.read_guarded` runs this under
the sandbox's time and memory limits.
"""

from __future__ import annotations

from pathlib import Path

from grader.escape import inline_code
from grader.sandbox import Sandbox, SandboxFailure
from grader.submission import choose
from grader.submission.answers import MAX_FILE_BYTES, Answers, printable
from grader.submission.blobs import drop_blobs
from grader.submission.decode import decode
from grader.submission.formats import MAPPINGS, READERS, read_text
from grader.submission.mapping import normalise_keys, parse_mapping
from grader.submission.markdown import split_markdown


def read_submission(path: Path, part_ids: list[str], *, sandbox: Sandbox | None = None) -> Answers:
    """Read a submission folder or a single answers file. Never raises for anything the student controls.

    With a sandbox, each file is read in it, under the time and memory limits of grading: a file that
    exhausts them is reported and the others are still read.
    """
    notes: list[str] = []
    try:
        files = choose.candidates(path, notes)
        read = (lambda f: _read_guarded(f, part_ids, sandbox)) if sandbox else (lambda f: read_file(f, part_ids))
        result = choose.best(files, read, notes) if files else Answers(notes=notes)
    except OSError as exc:
        result = Answers(notes=[*notes, f"The submission could not be read ({exc.strerror or type(exc).__name__})."])
    result.notes = [printable(note) for note in result.notes]
    return result


def _read_guarded(path: Path, part_ids: list[str], sandbox: Sandbox) -> Answers:
    try:
        return sandbox.run(read_file, path, part_ids)
    except SandboxFailure as failure:
        why = {"timeout": "reading it took longer than the time limit",
               "memory": "reading it needed more memory than allowed"}.get(failure.kind, "the grader failed while reading it")
        name = printable(path.name)
        # Nothing was read, but a person can: the parts go to review rather than being called missing.
        return Answers(source=name, notes=[f"{inline_code(name)} could not be read: {why}."],
                       review=f"the answers file could not be read: {why}")


def read_file(path: Path, part_ids: list[str]) -> Answers:
    """One answers file, whatever its format, as answers keyed by the rubric's part ids."""
    name = printable(path.name)
    result = Answers(source=name)
    notes = result.notes
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        notes.append(f"{inline_code(name)} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; only its beginning was read.")
        data = data[:MAX_FILE_BYTES]
    suffix = path.suffix.lower()
    if suffix in MAPPINGS:
        text = decode(data)
        if text is None:
            notes.append(f"{inline_code(name)} is not a text file; save your answers as plain text (UTF-8).")
        elif not text.strip():
            notes.append(f"{inline_code(name)} is empty.")
        else:
            result.answers = normalise_keys(parse_mapping(name, text, notes), part_ids, notes)
        return result
    converted = READERS.get(suffix, read_text)(data, name)
    notes.extend(converted.notes)
    result.kind = None if converted.kind == "file" else converted.kind
    result.review = converted.review
    result.layout_math = converted.layout_math
    result.scan = converted.scan
    if not converted.text.strip():
        if not converted.notes and converted.review is None:
            notes.append(f"{inline_code(name)} is empty.")
        return result
    text, dropped = drop_blobs(converted.text)
    if dropped:
        notes.append(f"{inline_code(name)} holds {dropped} embedded image{'s' if dropped > 1 else ''} or other "
                     "binary data; they were ignored (only text and formulas are graded).")
    result.answers = normalise_keys(split_markdown(text, part_ids), part_ids, notes)
    return result
