"""The formula section of a rubric part: variables with their domains, constraints, known wrong answers."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Domain = Literal["positive_integer", "nonnegative_integer", "integer", "positive_real", "real"]


class Variable(BaseModel):
    """A variable a student may use, and the values it ranges over."""

    model_config = ConfigDict(extra="forbid")

    domain: Domain = "positive_integer"
    description: str = ""


class Sequence(BaseModel):
    """An indexed name such as `x` (written `x_t`, `x_{t-1}`, `x_{2k}`), for answers about sequences."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["input", "state"] = Field(
        "input",
        description=(
            "`input`: the values are given (the checker draws random integers x_1..x_T). "
            "`state`: the values are defined by a recurrence `h_t = ...` in the formula that uses it "
            "(the reference's recurrence, or the student's), iterated from `initial` at index 0."
        ),
    )
    initial: str | float = Field(
        0.0,
        description="Value at index 0 of a `state` sequence: a number or the name of a reference constant (`h_0`).",
    )
    low: int = Field(-20, description="Smallest value drawn for an `input` sequence.")
    high: int = Field(20, description="Largest value drawn for an `input` sequence.")
    description: str = ""


class WrongAnswer(BaseModel):
    """A known wrong answer: matched by equivalence, it earns `points` and shows `feedback`."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(description="The wrong formula, written as a student would.")
    points: float = Field(0.0, ge=0, description="Points this answer still earns.")
    feedback: str = Field(description="What the student is told when their answer is equivalent to this one.")


class FormulaSpec(BaseModel):
    """How a formula answer is read and checked.

    A formula is read by a grammar (never evaluated as code) using only the names declared here, the
    reference's `constants`, and the whitelisted functions (binomial/C/choose, min, max, floor, ceil, log,
    sqrt, factorial). It is compared with the reference by exact rational evaluation at seeded random points
    of the declared domain, with a symbolic proof attempted when it is cheap.
    """

    model_config = ConfigDict(extra="forbid")

    points: float | None = Field(None, ge=0, description="Points of the formula; defaults to the part's points.")
    variables: dict[str, Variable] = Field(description="Names a student may use, with their domains.")
    constraints: list[str] = Field(
        default_factory=list,
        description=(
            'Relations between variables: "t < n", "t <= n", "w divides n" (or "w | n"), "T even", "T odd". '
            "Sample points are drawn to satisfy all of them."
        ),
    )
    wrong_answers: list[WrongAnswer] = Field(default_factory=list)
    sequences: dict[str, Sequence] = Field(
        default_factory=dict,
        description=(
            "Indexed names (question 1: the inputs `x` and the hidden state `h`). Indices run from 1 to the "
            "`length` variable; answers are compared at concrete lengths and random integer inputs."
        ),
    )
    length: str | None = Field(
        None, description="The variable that is the length of the sequences (e.g. `T`); required with `sequences`."
    )
    targets: list[str] = Field(
        default_factory=list,
        description=(
            'Left-hand sides that name what the formula computes, e.g. ["h_T"]: "h_T = ..." is read as the '
            "formula, and a formula with such a left-hand side is preferred when the answer holds several."
        ),
    )
    find_in_text: bool = Field(
        False,
        description=(
            "The answer is prose with the formula inside (a combined part): the formula is looked for in math "
            "delimiters ($...$, $$...$$, \\(...\\), \\[...\\]) and in lines such as `h_T = ...`."
        ),
    )
    recurrence_points: float | None = Field(
        None,
        ge=0,
        description=(
            "Points for an answer that is only a correct recurrence (`h_t = x_t - h_{t-1}`) instead of a "
            "closed form; None gives such an answer full points."
        ),
    )
    recurrence_feedback: str = Field(
        "This is a correct recurrence, but the question asks for what it computes: unroll it into a formula "
        "in the inputs.",
        description="What the student is told when the answer is a correct recurrence only.",
    )
    seed: int = Field(0, description="Seed of the sample points (reproducible; change it to draw other points).")

    @model_validator(mode="after")
    def _names_and_constraints(self) -> FormulaSpec:
        if self.sequences and not self.length:
            raise ValueError("a formula with `sequences` needs `length`: the variable that is their length (T)")
        if self.length and self.length not in self.variables:
            raise ValueError(f"`length` {self.length!r} must be one of the `variables`")
        clash = set(self.sequences) & set(self.variables)
        if clash:
            raise ValueError(f"{sorted(clash)} cannot be both a variable and a sequence")
        try:
            cons = parse_constraints(self)
        except ConstraintError as exc:
            raise ValueError(f'{exc}: write e.g. "t < n", "w divides n", "T even"') from None
        for text, c in zip(self.constraints, cons):
            names = [x for x in c[1:] if isinstance(x, str) and x.isidentifier()]
            unknown = [x for x in names if x not in self.variables]
            if unknown:
                raise ValueError(f"the constraint {text!r} names {', '.join(unknown)}, which is not in `variables`")
        return self


_REL = re.compile(r"^\s*(\w+)\s*(<=|>=|<|>|≤|≥|!=|≠)\s*(\w+)\s*$")
_DIV = re.compile(r"^\s*(\w+)\s*(?:divides|\|)\s*(\w+)\s*$")
_PARITY = re.compile(r"^\s*(\w+)\s+(?:is\s+)?(even|odd)\s*$")


class ConstraintError(ValueError):
    pass


def parse_constraints(spec: FormulaSpec) -> list[tuple]:
    out: list[tuple] = []
    for c in spec.constraints:
        if m := _DIV.match(c):
            out.append(("div", m.group(1), m.group(2)))
        elif m := _PARITY.match(c):
            out.append((m.group(2), m.group(1)))
        elif m := _REL.match(c):
            op = {"≤": "<=", "≥": ">=", "≠": "!="}.get(m.group(2), m.group(2))
            out.append(("rel", m.group(1), op, m.group(3)))
        else:
            raise ConstraintError(f"I can't read the constraint {c!r}")
    return out


_KEY_FIELDS = {
    "read": {"variables", "sequences", "length", "targets", "find_in_text"},
    "points": {"variables", "constraints", "sequences", "length", "seed"},
    # what a part's reference and wrong answers depend on (`grade._part`): how they are read and sampled
    "grade": {"variables", "sequences", "length", "targets", "find_in_text", "constraints", "seed", "wrong_answers"},
}
_SPEC_KEYS: dict[tuple[int, str], tuple[FormulaSpec, str]] = {}


def spec_key(spec: FormulaSpec, what: str = "read") -> str:
    """What of the spec changes how a text is read (variables, sequences, ...) or where it is sampled.

    Memoised per spec object (rubric specs live as long as the run; the memo holds them, so ids stay unique).
    A spec edited in place after its first use keeps its old key: build a new spec instead."""
    hit = _SPEC_KEYS.get((id(spec), what))
    if hit is not None and hit[0] is spec:
        return hit[1]
    key = spec.model_dump_json(include=_KEY_FIELDS[what])
    if len(_SPEC_KEYS) > 10_000:
        _SPEC_KEYS.clear()
    _SPEC_KEYS[(id(spec), what)] = (spec, key)
    return key
