"""An assignment is a rubric plus its reference solutions; this module finds, reads and checks both.

`load_assignment()` with no argument loads the bundled Homework 3. A path may name a rubric file
(`rubrics/hw3.yaml`) or a folder holding `rubric.yaml`. The rubric names its reference file.

Reading reports every error of both files at once (`read_assignment`); `consistency_problems` then checks
what no single model can see: unique ids, points that must add up, a reference for every part and no
reference for a part that does not exist; `reading_problems` reads what grading would read for every
student (reference formulas, wrong answers, text phrases). `assignment_problems` runs all three at once,
the later two (grader.rubric.piece_checks) on every part, section and reference entry valid on its own, so a
TA sees every problem in one run. `load_assignment` refuses an assignment with any of these errors, so
`grade`, `batch`, `explain` and the autograder build all stop at `file:line:col` before anyone is graded,
instead of giving every student the same silent zero. (`grader check` adds the slow checks.)
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from grader.rubric import Reference, Rubric
from grader.rubric.piece_checks import consistency_of, readings_of
from grader.rubric.pieces import Pieces, pieces_of
from grader.rubric.validation import problems_from
from grader.rubric.yamlio import Document, FileProblems, Problem, read_document

DEFAULT_ASSIGNMENT = "hw3"
_HERE = Path(__file__).resolve().parent
# Inside an installed wheel the rubrics ride along in grader/_bundled; in a source checkout they sit at the top.
_BUNDLED_ROOTS = (_HERE / "_bundled", _HERE.parent)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Assignment:
    rubric: Rubric
    reference: Reference
    rubric_path: Path
    reference_path: Path
    source_digest: str = ""  # of the texts the models were read from (see fingerprint)

    @property
    def id(self) -> str:
        return self.rubric.assignment

    @property
    def part_ids(self) -> list[str]:
        return [p.id for p in self.rubric.parts]

    @property
    def examples_path(self) -> Path | None:
        """The folder of example submissions the rubric names, if any."""
        return (self.rubric_path.parent / self.rubric.examples) if self.rubric.examples else None

    def fingerprint(self) -> str:
        """Changes whenever the rubric or the reference changes: grades made with another one are stale.

        It is taken from the texts this assignment was read from, not the files as they are now, so an edit
        during a run cannot stamp results with the fingerprint of a rubric that did not grade them.
        """
        return self.source_digest


def _digest(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "replace"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Sources:
    """An assignment with the documents it was read from, so later checks can point at lines."""

    assignment: Assignment
    rubric_doc: Document
    reference_doc: Document


def bundled_rubric(name: str = DEFAULT_ASSIGNMENT) -> Path:
    for root in _BUNDLED_ROOTS:
        candidate = root / "rubrics" / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"the bundled assignment {name!r} is missing from this installation")


def rubric_path_for(path: str | Path | None) -> Path:
    """The rubric file an `--assignment` argument names."""
    if path is None:
        return bundled_rubric()
    path = Path(path)
    if path.is_dir():
        for name in ("rubric.yaml", "rubric.yml"):
            if (path / name).is_file():
                return path / name
        raise FileProblems([Problem(str(path), 1, 1, "no rubric.yaml in this assignment folder")])
    if not path.exists():
        raise FileProblems([Problem(str(path), 1, 1, "no such file or folder")])
    return path


def validate(model: type[M], doc: Document) -> M:
    """Validate a document against a model; every error is reported at its YAML position."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise FileProblems(problems_from(exc, model, doc)) from None


def _shown(path: Path) -> str:
    """A path as a person at this directory would type it: relative when it is below, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _validated(model: type[M], doc: Document, problems: list[Problem]) -> M | None:
    try:
        return validate(model, doc)
    except FileProblems as exc:
        problems.extend(exc.problems)
        return None


def _reference_file(rubric_doc: Document, rubric_path: Path) -> tuple[Path, str] | Problem | None:
    """Where the rubric's `reference` points (real path, path as shown), or why it cannot be used.

    None when the rubric gives no usable `reference` at all: the rubric's own errors say so.
    """
    named = rubric_doc.data.get("reference") if isinstance(rubric_doc.data, dict) else None
    if not isinstance(named, str):
        return None
    shown = os.path.normpath(os.path.join(os.path.dirname(rubric_doc.path), named))
    real = (rubric_path.parent / named).resolve()
    if real.is_file():
        return real, shown
    message = f"reference file not found: {shown}"
    siblings = [p.name for p in real.parent.glob("*.y*ml")] if real.parent.is_dir() else []
    close = difflib.get_close_matches(real.name, siblings, n=1)
    if close:
        message += f" (did you mean `{os.path.join(os.path.dirname(named), close[0])}`?)"
    return rubric_doc.problem(("reference",), message)


def _read_files(path: str | Path | None) -> tuple[Sources | None, Pieces, list[Problem]]:
    """Both files read and validated: the assignment when both are valid, their valid pieces either way, and
    every schema error of both. Raises FileProblems only when the rubric itself cannot be read."""
    rubric_path = rubric_path_for(path)
    rubric_doc = read_document(rubric_path, display=None if path is not None else _shown(rubric_path))
    problems: list[Problem] = []
    rubric = _validated(Rubric, rubric_doc, problems)
    found = _reference_file(rubric_doc, rubric_path)
    reference = reference_doc = None
    if isinstance(found, Problem):
        problems.append(found)
    elif found is not None:
        try:
            reference_doc = read_document(found[0], display=found[1])
            reference = _validated(Reference, reference_doc, problems)
        except FileProblems as exc:
            problems.extend(exc.problems)
    reference_path = found[0] if isinstance(found, tuple) else None
    pieces = pieces_of(rubric_doc, rubric_path.resolve(), reference_doc, reference_path, rubric, reference)
    if problems or rubric is None or reference is None or reference_doc is None or reference_path is None:
        return None, pieces, problems
    digest = _digest(rubric_doc.text, reference_doc.text)
    assignment = Assignment(rubric, reference, rubric_path.resolve(), reference_path, digest)
    return Sources(assignment, rubric_doc, reference_doc), pieces, problems


def read_assignment(path: str | Path | None = None) -> Sources:
    """Read and validate a rubric and its reference. Raises FileProblems with every error of both files."""
    sources, _, problems = _read_files(path)
    if sources is None:
        raise FileProblems(problems)
    return sources


def assignment_problems(path: str | Path | None = None) -> tuple[Sources | None, Pieces, list[Problem]]:
    """Every problem loading refuses an assignment for, found in one pass: the schema errors of both files,
    then the consistency and reading checks of every piece that is valid on its own, so one broken part
    does not hide the problems of the others. Raises FileProblems only when the rubric cannot be read."""
    sources, pieces, problems = _read_files(path)
    later = consistency_of(pieces) + readings_of(pieces)
    # A duplicate id is found by the model too once everything else is valid: keep one of the two.
    said = {p.message for p in later}
    return sources, pieces, sorted({*(p for p in problems if p.message not in said), *later})


def consistency_problems(sources: Sources) -> list[Problem]:
    """What the models cannot see alone: points that must add up, and rubric and reference in step."""
    return consistency_of(_pieces(sources))


def _pieces(sources: Sources) -> Pieces:
    a = sources.assignment
    return pieces_of(sources.rubric_doc, a.rubric_path, sources.reference_doc, a.reference_path, a.rubric, a.reference)


def reading_problems(sources: Sources) -> list[Problem]:
    """What grading reads for every student, read once now (see readings_of)."""
    return readings_of(_pieces(sources))


def load_assignment(path: str | Path | None = None) -> Assignment:
    """Load and validate a rubric and its reference. Raises FileProblems with every error found."""
    sources, _, problems = assignment_problems(path)
    errors = [p for p in problems if p.severity == "error"]
    if errors or sources is None:
        raise FileProblems(errors)
    return sources.assignment
