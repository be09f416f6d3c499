"""Reading what a student submitted: find the answers file, decode it, split it into answers per part.

Everything here treats the submission as hostile: files are size-capped, symlinks are never followed,
YAML is read without aliases (no billion laughs) by the safe constructor, and every problem becomes a note
for the student instead of an exception. Whatever can be read is graded.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader import yamlio
from grader.escape import inline_code, markdown_text

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ANSWER_CHARS = 20_000
MAX_NESTING = 50  # lists and mappings inside one answer of a YAML or JSON file
# Preferred names first; within a name, structured formats first.
_ANSWER_STEMS = ("answers", "answer", "solutions", "solution", "submission", "homework")
_EXTENSIONS = (".yaml", ".yml", ".json", ".md", ".markdown", ".txt")
_ARCHIVES = {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar"}
_MAX_LISTED = 5  # files named in one note: a folder of thousands of files must not flood the feedback
_METADATA = {"submission_metadata.json", "submission_metadata.yml"}


def is_grader_file(name: str) -> bool:
    """Files kept beside submissions that are not answers: a TA's expected scores, Gradescope's metadata."""
    lower = name.lower()
    return lower in _METADATA or lower == "expected.yaml" or lower.endswith(".expected.yaml")


@dataclass
class Answers:
    """The answers found in a submission, keyed by part id, and notes on how they were found."""

    answers: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    def get(self, part_id: str) -> str | None:
        text = self.answers.get(part_id)
        return text if text is not None and text.strip() else None


def read_submission(path: Path, part_ids: list[str]) -> Answers:
    """Read a submission folder or a single answers file. Never raises for anything the student controls."""
    result = Answers()
    try:
        chosen = _choose_file(path, result.notes)
        text = _read_text(chosen, result.notes) if chosen is not None else None
        if chosen is not None and text is not None:
            result.source = _printable(chosen.name)
            if chosen.suffix.lower() in (".yaml", ".yml", ".json"):
                raw = _parse_mapping(chosen, text, result.notes)
            else:
                raw = split_markdown(text, part_ids)
            result.answers = _normalise_keys(raw, part_ids, result.notes)
    except OSError as exc:
        result.notes.append(f"The submission could not be read ({exc.strerror or type(exc).__name__}).")
    result.notes = [_printable(note) for note in result.notes]
    return result


def clean_answer(text: str) -> str:
    """One answer as the engines get it: newlines folded, unwritable characters replaced, length capped."""
    return _printable(text[:MAX_ANSWER_CHARS].replace("\r\n", "\n").replace("\r", "\n"))


def _printable(text: str) -> str:
    """Lone surrogates (undecodable file names, `\\ud800` escapes in JSON) cannot be written out as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _choose_file(path: Path, notes: list[str]) -> Path | None:
    if path.is_symlink():
        notes.append(f"{inline_code(path.name)} is a symbolic link; links are never followed.")
        return None
    if path.is_file():
        return path
    if not path.is_dir():
        notes.append("No submission was found.")
        return None
    candidates = []
    skipped: list[str] = []
    for entry in sorted(path.iterdir()):
        if entry.is_symlink():
            skipped.append(f"{inline_code(entry.name)} is a symbolic link and was ignored.")
        elif entry.suffix.lower() in _ARCHIVES:
            skipped.append(f"{inline_code(entry.name)} is an archive and was not opened; upload the answers file itself.")
        elif (
            entry.is_file()
            and entry.suffix.lower() in _EXTENSIONS
            and not entry.name.startswith(".")
            and not is_grader_file(entry.name)
        ):
            candidates.append(entry)
    notes.extend(skipped[:_MAX_LISTED])
    if len(skipped) > _MAX_LISTED:
        notes.append(f"{len(skipped) - _MAX_LISTED} more links and archives were ignored.")
    if not candidates:
        names = ", ".join(f"`answers{e}`" for e in (".md", ".yaml", ".json", ".txt"))
        notes.append(f"No answers file was found in the submission. Submit one of {names}.")
        return None

    def rank(p: Path) -> tuple[int, int, str]:
        stem = p.stem.lower()
        stem_rank = _ANSWER_STEMS.index(stem) if stem in _ANSWER_STEMS else len(_ANSWER_STEMS)
        return (stem_rank, _EXTENSIONS.index(p.suffix.lower()), p.name)

    candidates.sort(key=rank)
    chosen = candidates[0]
    if len(candidates) > 1:
        others = ", ".join(f"{inline_code(c.name)}" for c in candidates[1 : _MAX_LISTED + 1])
        if len(candidates) > _MAX_LISTED + 1:
            others += f" and {len(candidates) - _MAX_LISTED - 1} more"
        notes.append(f"Several answer files were found; graded {inline_code(chosen.name)} and ignored {others}.")
    return chosen


def _read_text(path: Path, notes: list[str]) -> str | None:
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        notes.append(f"{inline_code(path.name)} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; only its beginning was read.")
        data = data[:MAX_FILE_BYTES]
    text = decode(data)
    if text is None:
        notes.append(f"{inline_code(path.name)} is not a text file; save your answers as plain text (UTF-8).")
    elif not text.strip():
        notes.append(f"{inline_code(path.name)} is empty.")
        return None
    return text


def decode(data: bytes) -> str | None:
    """Decode student bytes: BOMs and UTF-16 are honoured, UTF-8 is preferred, Latin-1 is the fallback.

    Returns None for binary data (NUL bytes or mostly control characters).
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _text_or_none(data.decode(encoding))
            except UnicodeDecodeError:
                return None
    if b"\0" in data:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            return None
        try:
            return _text_or_none(data.decode(encoding))
        except UnicodeDecodeError:
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Text with some valid multi-byte UTF-8 is UTF-8 with a stray byte (or a character cut at the size
        # cap): that costs one character. Text with none was saved in a legacy encoding, most often Latin-1.
        text = data.decode("utf-8", "replace")
        if not any(ch > "\x7f" and ch != "\ufffd" for ch in text):
            text = data.decode("latin-1")
    return _text_or_none(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte order mark: text in Latin script has a NUL in every other byte."""
    sample = data[:4096]
    if len(data) % 2 or len(sample) < 4:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if even == 0 and odd >= half * 0.5:
        return "utf-16-le"
    if odd == 0 and even >= half * 0.5:
        return "utf-16-be"
    return None


def _text_or_none(text: str) -> str | None:
    if "\0" in text:
        return None
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    if sample and controls / len(sample) > 0.05:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse_mapping(path: Path, text: str, notes: list[str]) -> dict[object, object]:
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yamlio.load_untrusted(text, path.name)
    except yamlio.FileProblems as exc:
        notes.append(f"{inline_code(path.name)} could not be read: {markdown_text(str(exc.problems[0]))}")
        return {}
    except (ValueError, RecursionError, yaml.YAMLError) as exc:
        reason = str(exc) if isinstance(exc, json.JSONDecodeError) else "the file is malformed or nested too deeply"
        if isinstance(exc, yaml.constructor.ConstructorError) and "for the tag" in str(exc.problem):
            reason = "tags such as `!!python/object` are not allowed; write each answer as plain text"
        notes.append(f"{inline_code(path.name)} could not be read: {reason}")
        return {}
    if not isinstance(data, dict):
        notes.append(f"{inline_code(path.name)} must map part ids to answers (e.g. `4.1: n(n+1)/2`).")
        return {}
    return data


_PART_ID = r"(?P<id>\d+(?:\.\d+)*)"
_WORD = r"(?:question|problem|exercise|part|q)"
# Headings, strongest first: `## 4.1`, `**4.1**` or `**Question 4.1:**`, `Question 4.1` or `Q4.1`, and `4.1)`.
_MARKDOWN = re.compile(rf"^\s{{0,3}}#{{1,6}}\s*(?:{_WORD}\s*)?{_PART_ID}\b[.:)]?(?P<rest>.*)$", re.I)
_BOLD = re.compile(rf"^\s*\*\*\s*(?:{_WORD}\s*)?{_PART_ID}\s*[.:)]?\s*\*\*\s*[.:)]?(?P<rest>.*)$", re.I)
_WORDED = re.compile(rf"^\s*{_WORD}\s*{_PART_ID}\b\s*[.:)]?(?P<rest>.*)$", re.I)
_PAREN = re.compile(rf"^\s*{_PART_ID}\)(?P<rest>.*)$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _heading(line: str) -> re.Match[str] | None:
    # Full-width digits and the like (`## ４.１`) count as the digits they look like.
    folded = unicodedata.normalize("NFKC", line) if not line.isascii() else line
    for pattern in (_MARKDOWN, _BOLD, _WORDED, _PAREN):
        match = pattern.match(folded)
        if match:
            return match
    return None


def split_markdown(text: str, part_ids: list[str]) -> dict[str, str]:
    """Split a Markdown or plain-text answers file into answers, one per part heading.

    A `4.1)` heading counts only in files without stronger headings, and only for a part id not seen yet,
    so a numbered list inside an answer ("1) ...") does not start a part. A repeated `## 4.1` continues that
    part; a heading of another id (e.g. `## Question 2`) ends it. Text after the heading on its line starts
    the answer, except after a `#` heading, where it is usually the question's title.
    """
    known = set(part_ids)
    lines = _COMMENT.sub("", text).split("\n")
    headings = [_heading(line) for line in lines]
    strong = any(m is not None and m.re is not _PAREN and m.group("id") in known for m in headings)
    answers: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    current: list[str] | None = None
    for line, match in zip(lines, headings):
        if strong and match is not None and match.re is _PAREN:
            match = None
        part = match.group("id") if match else None
        is_markdown_heading = match is not None and match.re is _MARKDOWN
        if part in known and (part not in answers or is_markdown_heading):
            current = answers.setdefault(part, [])
            rest = match.group("rest").strip() if match else ""
            if rest and is_markdown_heading:
                titles.setdefault(part, rest)
            elif rest:
                current.append(rest)
        elif is_markdown_heading:
            current = None
        elif current is not None:
            current.append(line)
    result = {part: "\n".join(body).strip() for part, body in answers.items()}
    # `## 4.1: n(n+1)/2` with nothing below: the "title" was the answer.
    return {part: body or titles.get(part, "") for part, body in result.items()}


def _normalise_keys(raw: dict[object, object], part_ids: list[str], notes: list[str]) -> dict[str, str]:
    known = set(part_ids)
    answers: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        part = None
        try:
            part = _part_id(key)
            if part not in known:
                unknown.append(str(key)[:40])
                continue
            text = _answer_text(value)
        except ValueError as exc:  # nested too deeply, or a number with more digits than Python prints
            notes.append(f"The answer to {part or 'a part'} could not be read: {markdown_text(str(exc))}.")
            continue
        if answers.get(part, "").strip():  # `4.1` and `Q4.1` both given: an empty second one must not win
            if text.strip():
                notes.append(f"Part {part} is answered twice (again as {inline_code(str(key)[:40])}); the first answer was graded.")
            continue
        if len(text) > MAX_ANSWER_CHARS:
            notes.append(f"The answer to {part} is longer than {MAX_ANSWER_CHARS} characters; only its beginning was graded.")
        answers[part] = clean_answer(text)
    if unknown:
        notes.append(f"Answers to unknown parts were ignored: {', '.join(inline_code(u) for u in unknown[:10])}.")
    return answers


def _part_id(key: object) -> str:
    # YAML reads `4.1:` as a float and `1:` as an int; both mean the part id as written.
    text = str(key).strip()
    match = re.fullmatch(rf"(?:{_WORD}\s*)?{_PART_ID}[.:)]?", text, re.I)
    return match.group("id") if match else text


def _answer_text(value: object, depth: int = 0) -> str:
    if value is None:
        return ""
    if depth > MAX_NESTING:
        raise ValueError(f"it is nested more than {MAX_NESTING} levels deep")
    if isinstance(value, dict):
        return "\n\n".join(_answer_text(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_answer_text(v, depth + 1) for v in value)
    try:
        return str(value)
    except ValueError:
        raise ValueError("it holds a number too long to read") from None
