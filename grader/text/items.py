"""What an answer says about each concept and misconception (its verdict), and the items and feedback sentences
made of it: one item per concept and misconception, and the wording of what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.results import ItemResult
from grader.text.analysis import Occurrence
from grader.text.spec import Concept, Misconception


@dataclass
class Verdict:
    """What the answer says about one concept or misconception: its first hit, swap and denial."""

    hit: Occurrence | None = None
    swapped: Occurrence | None = None
    denied: Occurrence | None = None
    all: list[Occurrence] = field(default_factory=list)

    @classmethod
    def of(cls, occurrences: list[Occurrence]) -> Verdict:
        v = cls(all=sorted(occurrences, key=lambda o: o.first))
        for occ in v.all:
            if occ.verdict == "hit" and v.hit is None:
                v.hit = occ
            elif occ.verdict == "swapped" and (v.swapped is None or (occ.named and not v.swapped.named)):
                v.swapped = occ
            elif occ.verdict == "denied" and v.denied is None:
                v.denied = occ
        return v

    def conflict(self) -> tuple[Occurrence, Occurrence] | None:
        """A hit the answer contradicts: said of the wrong subject too, or denied of the same subject. Only
        subjects named in the statements' own sentences count, not ones carried over from earlier sentences."""
        if self.hit is None:
            return None
        for occ in self.all:
            if occ.verdict == "swapped" and occ.named:
                return self.hit, occ
            if (
                occ.verdict == "denied"
                and occ.negated
                and occ.named
                and self.hit.named
                and occ.subject == self.hit.subject
            ):
                return self.hit, occ
        return None


def is_denied(v: Verdict) -> bool:
    return v.denied is not None and v.denied.negated


def uncap(label: str) -> str:
    """Lower-case the first letter unless the label starts with a name (BERT, Word2Vec, ...)."""
    first = label.split(" ", 1)[0]
    if first[:1].isupper() and (first[1:2].isupper() or any(c.isupper() or c.isdigit() for c in first[1:])):
        return label
    return label[:1].lower() + label[1:]


def missing_sentence(concept: Concept, v: Verdict, bare: bool = False) -> str:
    if is_denied(v):
        said = f"you wrote \u201c{v.denied.evidence}\u201d, which says the opposite"  # type: ignore[union-attr]
        return f"{uncap(concept.label)} ({said})" if bare else f"Missing: {uncap(concept.label)}; {said}."
    if bare:
        return uncap(concept.label)
    return concept.missing if concept.missing is not None else f"Missing: {uncap(concept.label)}."


def concept_item(
    concept: Concept, v: Verdict, gained: float, worth: float, swap: float, names: dict[str, str]
) -> ItemResult:
    if v.hit:
        note, ev = f"found: \u201c{v.hit.evidence}\u201d", v.hit
    elif v.swapped:
        subject = names.get(v.swapped.subject or "", v.swapped.subject)
        note, ev = f"swapped: said of {subject}: \u201c{v.swapped.evidence}\u201d", v.swapped
    elif is_denied(v):
        note, ev = f"negated: \u201c{v.denied.evidence}\u201d", v.denied  # type: ignore[union-attr]
    elif v.denied:
        subject = names.get(v.denied.subject or "", v.denied.subject)
        note, ev = f"said of {subject}, not of the subject it is about: \u201c{v.denied.evidence}\u201d", v.denied
    else:
        note, ev = "missing: none of its phrases or patterns is in the answer", None
    return ItemResult(
        id=concept.id,
        label=concept.label,
        points=gained - swap,
        max_points=worth,
        hit=v.hit is not None,
        evidence=ev.evidence if ev else None,
        feedback=note,
    )


def misconception_item(mis: Misconception, v: Verdict) -> ItemResult:
    if v.hit:
        note, ev = f"stated: \u201c{v.hit.evidence}\u201d", v.hit
    elif is_denied(v):
        note, ev = f"negated, not penalised: \u201c{v.denied.evidence}\u201d", v.denied  # type: ignore[union-attr]
    else:
        note, ev = "not stated", None
    return ItemResult(
        id=mis.id,
        label=mis.label,
        points=-mis.points if v.hit else 0.0,
        max_points=0.0,
        hit=v.hit is not None,
        penalty=True,
        evidence=ev.evidence if ev else None,
        feedback=note,
    )
