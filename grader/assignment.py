"""An assignment is a rubric plus its reference solutions; this module finds, reads and checks both.

`load_assignment()` with no argument loads the bundled Homework 3. A path may name a rubric file
(`rubrics/hw3.yaml`) or a folder holding `rubric.yaml`. The rubric names its reference file.

Reading reports every error of both files at once (`read_assignment`); `consistency_problems` then checks
what no single model can see: unique ids, points that must add up, a reference for every part and no
reference for a part that does not exist; `reading_problems` reads what grading would read for every
student (reference formulas, wrong answers, text phrases). `assignment_problems` runs all three at once,
the later two on every part, section and reference entry that is valid on its own (grader.partial), so a
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

from grader.formula.spec import FormulaSpec
from grader.partial import Pieces, pieces_of
from grader.rubric import Part, Reference, Rubric
from grader.validation import problems_from
from grader.yamlio import Document, FileProblems, Problem, read_document

DEFAULT_ASSIGNMENT = "hw3"
_HERE = Path(__file__).resolve().parent
# Inside an installed wheel the rubrics ride along in grader/_bundled; in a source checkout they sit at the top.
_BUNDLED_ROOTS = (_HERE / "_bundled", _HERE.parent)
_EPS = 1e-9

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


def consistency_of(pieces: Pieces) -> list[Problem]:
    """The consistency checks of every valid piece: ids, points, and rubric and reference in step."""
    rdoc, fdoc, refs = pieces.rubric_doc, pieces.reference_doc, pieces.references
    if pieces.parts is None:
        return []
    problems: list[Problem] = []
    seen: set[str] = set()
    for piece in pieces.parts:
        at = ("parts", piece.index)
        if piece.part is not None:
            problems += _part_points(piece.part, at, rdoc)
        if piece.formula is not None and pieces.constants is not None and piece.id is not None:
            problems += _formula_names(piece.id, piece.formula, (*at, "formula"), rdoc, set(pieces.constants))
        if piece.id is not None and piece.id in seen:
            problems.append(rdoc.problem((*at, "id"), f"part id {piece.id!r} appears twice"))
            continue  # the reference entry is the first part's
        seen.add(piece.id or "")
        if piece.id is None or refs is None or fdoc is None:
            continue
        if piece.id not in refs:
            if not pieces.reference_ids_read:
                continue  # the entry whose id does not read may be this part's
            problems.append(rdoc.problem(
                (*at, "id"), f"part {piece.id} has no reference: add \"{piece.id}\" under `parts` in {fdoc.path}"
            ))
            continue
        ref = refs[piece.id]
        if ref is None:
            continue  # its schema errors say what is wrong
        if piece.formula is not None and not ref.formula:
            problems.append(fdoc.problem(
                ("parts", piece.id), f"part {piece.id} is graded by formula: its reference needs a `formula`", key=True
            ))
        elif "formula" not in piece.sections and ref.formula:
            problems.append(fdoc.problem(
                ("parts", piece.id, "formula"),
                f"part {piece.id} has no `formula` section in the rubric, so this formula is never used",
                severity="warning",
            ))
    ids = [p.id for p in pieces.parts if p.id is not None]
    unread = len(ids) < len(pieces.parts)  # a part whose id does not read may be the one a reference names
    for part_id in refs or {}:
        if part_id not in ids and fdoc is not None and not unread:
            close = difflib.get_close_matches(part_id, ids, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            problems.append(fdoc.problem(("parts", part_id), f'the rubric has no part "{part_id}"{hint}', key=True))
    points = [p.points for p in pieces.parts]
    if pieces.total is not None and None not in points:  # a part whose points do not read leaves it open
        total = sum(p for p in points if p is not None)
        if abs(total - pieces.total) > _EPS:
            problems.append(rdoc.problem(
                ("total",), f"the parts add up to {total:g} points, but `total` says {pieces.total:g}"
            ))
    return problems


def _part_points(part: Part, at: tuple[str | int, ...], doc: Document) -> list[Problem]:
    """The points inside one part: sections add up to the part, and full marks can be reached."""
    problems = []
    sections = {name: s.points or 0.0 for name, s in (("formula", part.formula), ("text", part.text)) if s is not None}
    given = sum(sections.values())
    if abs(given - part.points) > _EPS:
        if len(sections) == 1:
            (name, worth), = sections.items()
            message = f"part {part.id}: the {name} section is worth {worth:g}, but the part is worth {part.points:g}"
        else:
            message = (f"part {part.id}: the sections' points add up to {given:g} (formula {sections['formula']:g} "
                       f"+ text {sections['text']:g}), but the part is worth {part.points:g}")
        problems.append(doc.problem((*at, "points"), message))
    if part.formula is not None:
        worth = part.formula.points or 0.0
        for j, wrong in enumerate(part.formula.wrong_answers):
            if wrong.points >= worth - _EPS and worth > 0:
                problems.append(doc.problem(
                    (*at, "formula", "wrong_answers", j, "points"),
                    f"part {part.id}: a wrong answer earns {wrong.points:g} points, as much as the whole "
                    f"formula ({worth:g})",
                ))
        rec = part.formula.recurrence_points
        if rec is not None and rec > worth + _EPS:
            problems.append(doc.problem(
                (*at, "formula", "recurrence_points"),
                f"part {part.id}: `recurrence_points` ({rec:g}) is more than the formula is worth ({worth:g})",
            ))
    if part.text is not None:
        text = part.text
        worth = text.points or 0.0
        grouped = {cid for g in text.groups for cid in g.concepts}
        reachable = sum(c.points or 0.0 for c in text.concepts if c.id not in grouped)
        reachable += sum(g.points for g in text.groups)
        if text.cap is not None:
            reachable = min(reachable, text.cap)
        if reachable < worth - _EPS:
            problems.append(doc.problem(
                (*at, "text", "points"),
                f"part {part.id}: the concepts give at most {reachable:g} of the text's {worth:g} points, "
                "so no answer can score full marks",
            ))
    return problems


def _formula_names(
    part_id: str, spec: FormulaSpec, at: tuple[str | int, ...], doc: Document, constants: set[str]
) -> list[Problem]:
    """A state sequence's `initial` may name a reference constant: it must exist (the rubric model checks the
    other names a formula section uses, but cannot see the reference)."""
    return [
        doc.problem(
            (*at, "sequences", name, "initial"),
            f"part {part_id}: `initial` names `{sequence.initial}`, which the reference's `constants` do not define"
            + _did_you_mean(sequence.initial, sorted(constants)),
        )
        for name, sequence in spec.sequences.items()
        if isinstance(sequence.initial, str) and sequence.initial not in constants
    ]


def _did_you_mean(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def reading_problems(sources: Sources) -> list[Problem]:
    """What grading reads for every student, read once now (see readings_of)."""
    return readings_of(_pieces(sources))


def readings_of(pieces: Pieces) -> list[Problem]:
    """What grading reads for every student, read once now: a reference formula or a listed wrong answer
    that cannot be read, or a text section that does not compile, would otherwise fail every submission.

    Each valid formula or text section is read, whatever is wrong elsewhere in its part or its file.
    """
    from grader.formula import ReadError, read_formula
    from grader.text.compiled import compiled

    rdoc, fdoc, constants = pieces.rubric_doc, pieces.reference_doc, pieces.constants
    problems: list[Problem] = []

    def at(doc: Document, loc: tuple[str | int, ...], offset: int | None, message: str) -> Problem:
        return doc.problem(loc, message) if offset is None else doc.problem_in(loc, offset, message)

    for piece in pieces.parts or []:
        i, name = piece.index, piece.id if piece.id is not None else f"#{piece.index + 1}"
        specs = (piece.formula,) if piece.formula is not None else piece.formula_variants
        ref = (pieces.references or {}).get(piece.id or "")

        def unreadable(text: str) -> ReadError | None:
            """Why `text` does not read under any of the part's possible specs, or None when it reads."""
            first = None
            for spec in specs:
                got = read_formula(text, spec, constants=constants)
                if not isinstance(got, ReadError):
                    return None
                first = first or got
            return first

        if specs and constants is not None:
            if ref is not None and ref.formula and fdoc is not None:
                got = unreadable(ref.formula)
                if got is not None:
                    problems.append(at(fdoc, ("parts", name, "formula"), got.offset,
                                       f"part {name}: the reference formula cannot be read: {got.message}"))
            for j, wrong in enumerate(specs[0].wrong_answers):
                got = unreadable(wrong.answer)
                if got is not None:
                    problems.append(at(rdoc, ("parts", i, "formula", "wrong_answers", j, "answer"), got.offset,
                                       f"part {name}: this wrong answer cannot be read: {got.message}"))
        if piece.text is not None:
            try:
                compiled(piece.text)
            except Exception as exc:  # noqa: BLE001 - any failure here would fail every student's answer
                problems.append(rdoc.problem(("parts", i, "text"),
                                             f"part {name}: the text section cannot be compiled: {exc}"))
    return problems


def load_assignment(path: str | Path | None = None) -> Assignment:
    """Load and validate a rubric and its reference. Raises FileProblems with every error found."""
    sources, _, problems = assignment_problems(path)
    errors = [p for p in problems if p.severity == "error"]
    if errors or sources is None:
        raise FileProblems(errors)
    return sources.assignment
