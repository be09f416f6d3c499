"""The pieces of a rubric and its reference that are valid on their own, so the checks of one part can run
while another part still has schema errors.

A rubric with one mistyped part fails to validate as a whole; without this, every check of the other parts
(duplicate ids, totals, formulas that do not read) would wait until that part is fixed, and a TA would
see the problems of a rubric in rounds. Each part, each section of a part and each reference entry is
validated alone here; the schema errors themselves are reported by the whole-file validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from grader.formula.spec import Domain, FormulaSpec
from grader.rubric.model import Part, Reference, ReferencePart, Rubric
from grader.rubric.yamlio import Document
from grader.text.spec import TextSpec


@dataclass(frozen=True)
class PartPiece:
    """One entry of the rubric's `parts`, with whatever of it is valid."""

    index: int
    id: str | None  # None when the id is missing or not text
    part: Part | None  # the whole part, when it validates
    formula: FormulaSpec | None  # its formula section, when that validates on its own
    text: TextSpec | None
    sections: frozenset[str]  # the sections the part has, valid or not
    points: float | None  # None when the part's points do not read
    # When the formula section's only errors are its variables' domains: the section under each domain.
    formula_variants: tuple[FormulaSpec, ...] = ()


@dataclass(frozen=True)
class Pieces:
    """What of an assignment's two files is valid; None where a whole piece is unreadable."""

    rubric_doc: Document
    reference_doc: Document | None
    rubric_path: Path
    reference_path: Path | None
    parts: list[PartPiece] | None  # None when `parts` is not a list of parts
    total: float | None
    references: dict[str, ReferencePart | None] | None  # entry id -> entry (None when the entry is invalid)
    constants: dict[str, int | float] | None
    reference_ids_read: bool = True  # False when an entry's id does not read as text


def _valid(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _part_piece(index: int, raw: Any) -> PartPiece:
    raw = raw if isinstance(raw, dict) else {}
    part_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    sections = frozenset(name for name in ("formula", "text") if raw.get(name) is not None)
    try:
        part = Part.model_validate(raw)
    except ValidationError as exc:
        bad = {tuple(e["loc"])[:1] for e in exc.errors()}
        points = None
        if ("points",) not in bad and "points" in raw:
            points = float(raw["points"])
        formula = _formula_readings(raw["formula"]) if "formula" in sections else ()
        return PartPiece(
            index, part_id, None, formula[0] if len(formula) == 1 else None,
            _valid(TextSpec, raw["text"]) if "text" in sections else None,
            sections, points, formula if len(formula) > 1 else (),
        )
    return PartPiece(index, part.id, part, part.formula, part.text, sections, part.points)


def _formula_readings(raw: Any) -> tuple[FormulaSpec, ...]:
    """The formula section as it validates; or, when its only errors are variables' domains (a misspelt
    choice), the section with those variables given each domain in turn: a formula that reads under none of
    them cannot be read whatever the TA meant. (A domain changes how a formula reads only through `i`, the
    imaginary unit of a complex part, so giving every such variable the same domain covers both readings.)"""
    try:
        return (FormulaSpec.model_validate(raw),)
    except ValidationError as exc:
        locs = [tuple(e["loc"]) for e in exc.errors()]
    if not all(len(loc) == 3 and loc[0] == "variables" and loc[2] == "domain" for loc in locs):
        return ()
    bad = {loc[1] for loc in locs}
    variants = []
    for domain in get_args(Domain):
        variables = {name: {**v, "domain": domain} if name in bad else v for name, v in raw["variables"].items()}
        spec = _valid(FormulaSpec, {**raw, "variables": variables})
        if spec is not None:
            variants.append(spec)
    return tuple(variants)


def pieces_of(
    rubric_doc: Document, rubric_path: Path, reference_doc: Document | None, reference_path: Path | None,
    rubric: Rubric | None = None, reference: Reference | None = None,
) -> Pieces:
    """The valid pieces of both files; with the validated models when the whole files are valid."""
    data = rubric_doc.data if isinstance(rubric_doc.data, dict) else {}
    if rubric is not None:
        parts = [PartPiece(i, p.id, p, p.formula, p.text, frozenset(
            name for name, s in (("formula", p.formula), ("text", p.text)) if s is not None
        ), p.points) for i, p in enumerate(rubric.parts)]
        total = rubric.total
    else:
        raw_parts = data.get("parts")
        # No parts at all is its own schema error: that every reference entry lacks a part says nothing new.
        parts = [_part_piece(i, raw) for i, raw in enumerate(raw_parts)] if isinstance(raw_parts, list) and raw_parts else None
        total = _total(data)
    if reference is not None:
        references: dict[str, ReferencePart | None] | None = dict(reference.parts)
        constants: dict[str, int | float] | None = reference.constants
    else:
        references, constants = _reference_pieces(reference_doc)
    raw_refs = reference_doc.data.get("parts") if reference_doc is not None and isinstance(reference_doc.data, dict) else None
    ids_read = not isinstance(raw_refs, dict) or all(isinstance(k, str) for k in raw_refs)
    return Pieces(rubric_doc, reference_doc, rubric_path, reference_path, parts, total, references, constants, ids_read)


def _total(data: dict) -> float | None:
    """The rubric's `total`, when it is given and reads as a number."""
    if data.get("total") is None:
        return None
    try:
        Rubric.model_validate({"total": data["total"]})
    except ValidationError as exc:
        if any(tuple(e["loc"])[:1] == ("total",) for e in exc.errors()):
            return None
    return float(data["total"])


def _reference_pieces(doc: Document | None) -> tuple[dict[str, ReferencePart | None] | None, dict | None]:
    data = doc.data if doc is not None and isinstance(doc.data, dict) else None
    if data is None:
        return None, None
    checked = _valid(Reference, {"constants": data.get("constants") or {}, "parts": {}})
    constants = checked.constants if checked is not None else None
    raw = data.get("parts")
    if not isinstance(raw, dict):
        return None, constants
    return {k: _valid(ReferencePart, v) for k, v in raw.items() if isinstance(k, str)}, constants
