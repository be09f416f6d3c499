"""The checks of an assignment's pieces that no single model can see, and the reading of what grading reads
for every student. They run on every part, section and reference entry that is valid on its own
(grader.rubric.pieces), so one broken part does not hide the problems of the others.
"""

from __future__ import annotations

import difflib

from grader.formula.spec import FormulaSpec
from grader.rubric.model import Part
from grader.rubric.pieces import Pieces
from grader.rubric.yamlio import Document, Problem

_EPS = 1e-9

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
