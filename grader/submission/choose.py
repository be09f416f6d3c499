"""Choosing the answers file among the files of a submission folder.

Every candidate is read (a bounded number of them), and the one that answers the most known parts wins;
ties go to the documented order (the stem `answers` before `solutions` ..., then the format: structured
files first). A file that answers no known part (a stray `environment.yml`) never beats one that does. The
student is told which file was graded and why the others were not.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from grader.escape import inline_code
from grader.submission.answers import Answers

ANSWER_STEMS = ("answers", "answer", "solutions", "solution", "submission", "homework")
# Within a stem: structured formats first, then text, then documents that need converting.
EXTENSIONS = (".yaml", ".yml", ".json", ".md", ".markdown", ".txt", ".tex", ".ipynb", ".docx", ".odt", ".pdf")
ARCHIVES = {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar"}
MAX_READ = 12  # candidates read to compare them: a folder of hundreds of files costs no more than this
READ_BUDGET = 20.0  # seconds for reading candidates after the first (each read is bounded by the sandbox too)
_MAX_LISTED = 5  # files named in one note: a folder of thousands of files must not flood the feedback
_METADATA = {"submission_metadata.json", "submission_metadata.yml"}


def is_grader_file(name: str) -> bool:
    """Files kept beside submissions that are not answers: a TA's expected scores, Gradescope's metadata."""
    lower = name.lower()
    return lower in _METADATA or lower == "expected.yaml" or lower.endswith(".expected.yaml")


def rank(path: Path) -> tuple[int, int, str]:
    stem = path.stem.lower()
    stem_rank = ANSWER_STEMS.index(stem) if stem in ANSWER_STEMS else len(ANSWER_STEMS)
    suffix = path.suffix.lower()
    return (stem_rank, EXTENSIONS.index(suffix) if suffix in EXTENSIONS else len(EXTENSIONS), path.name)


def candidates(path: Path, notes: list[str]) -> list[Path]:
    """The files that may hold the answers, in the documented order; notes say what was skipped."""
    if path.is_symlink():
        notes.append(f"{inline_code(path.name)} is a symbolic link; links are never followed.")
        return []
    if path.is_file():
        return [path]
    if not path.is_dir():
        notes.append("No submission was found.")
        return []
    found = []
    skipped: list[str] = []
    for entry in sorted(path.iterdir()):
        if entry.is_symlink():
            skipped.append(f"{inline_code(entry.name)} is a symbolic link and was ignored.")
        elif entry.suffix.lower() in ARCHIVES:
            skipped.append(f"{inline_code(entry.name)} is an archive and was not opened; upload the answers file itself.")
        elif (
            entry.is_file()
            and entry.suffix.lower() in EXTENSIONS
            and not entry.name.startswith(".")
            and not is_grader_file(entry.name)
        ):
            found.append(entry)
    notes.extend(skipped[:_MAX_LISTED])
    if len(skipped) > _MAX_LISTED:
        notes.append(f"{len(skipped) - _MAX_LISTED} more links and archives were ignored.")
    if not found:
        names = ", ".join(f"`answers{e}`" for e in (".md", ".pdf", ".tex", ".docx", ".ipynb", ".yaml"))
        notes.append(f"No answers file was found in the submission. Submit one of {names}.")
    return sorted(found, key=rank)


def _parts(count: int) -> str:
    return "no known part" if count == 0 else f"{count} part" + ("s" if count > 1 else "")


def best(files: list[Path], read: Callable[[Path], Answers], notes: list[str], *, budget: float = READ_BUDGET) -> Answers:
    """Read the candidates and keep the one answering the most known parts (the first of equals).

    The first candidate is always read; the others only while the reading budget (seconds) lasts."""
    deadline = time.monotonic() + budget
    read_all = []
    for path in files[:MAX_READ]:
        if read_all and time.monotonic() > deadline:
            notes.append(f"Reading the first {len(read_all)} files took the time allowed; the others were not read.")
            break
        read_all.append((path, read(path)))
    counts = [sum(1 for part in answers.answers if answers.get(part)) for _, answers in read_all]
    winner = max(range(len(read_all)), key=lambda i: (counts[i], -i))
    chosen_path, chosen = read_all[winner]
    chosen.notes = notes + chosen.notes
    if len(files) > 1:
        others = [
            f"{inline_code(path.name)} ({_parts(counts[i])})" for i, (path, _) in enumerate(read_all) if i != winner
        ]
        shown = ", ".join(others[:_MAX_LISTED])
        rest = len(files) - 1 - min(len(others), _MAX_LISTED)
        if rest:
            shown += f" and {rest} more"
        why = "it answers the most parts" if counts[winner] > max(c for i, c in enumerate(counts) if i != winner) else (
            "of the files answering as many parts, it comes first (`answers` before other names; "
            "YAML, JSON, Markdown, text, LaTeX, notebook, Word, PDF)"
        )
        said = [f"Several answer files were found; graded {inline_code(chosen_path.name)} "
                f"({_parts(counts[winner])}) and ignored {shown}: {why}."]
        # Why a file gave nothing (a PDF that could not be read, a refused archive): its own first note.
        said += [answers.notes[0] for i, (_, answers) in enumerate(read_all)
                 if i != winner and counts[i] == 0 and answers.notes][:_MAX_LISTED]
        chosen.notes[len(notes):len(notes)] = said
    return chosen
