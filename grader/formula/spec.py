"""The formula section of a rubric part: variables with their domains, constraints, known wrong answers."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Domain = Literal["positive_integer", "nonnegative_integer", "integer", "positive_real", "nonnegative_real", "real",
                 "complex"]
INTEGER_DOMAINS = frozenset({"positive_integer", "nonnegative_integer", "integer"})


class Function(BaseModel):
    """A function the rubric declares, so answers may call it: `f(x, y)` reads as its body with the arguments."""

    model_config = ConfigDict(extra="forbid")

    params: list[str] = Field(min_length=1, max_length=6, description="Its parameters, e.g. [x, y].")
    body: str = Field(description="Its definition, a formula in the parameters (and e, pi, other functions).")


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
    functions: dict[str, str | Function] = Field(
        default_factory=dict,
        description=(
            'Functions answers may use, by name: `sigma: "1/(1+e^{-x})"` is a function of x; the long form '
            '`f: {params: [x, y], body: "x y + 1"}` names its parameters. `\\sigma(x)(1-\\sigma(x))` then reads.'
        ),
    )
    tolerance: float | None = Field(
        None, gt=0, lt=1,
        description="For a part that asks for a number: accept a value within this relative error (e.g. 1e-3).",
    )
    decimals: int | None = Field(
        None, ge=0, le=15,
        description="For a part that asks for a number: accept a value that rounds to the reference at this many "
                    "decimal places (e.g. 2). Default (neither set): exact, against an exact reference.",
    )
    isolated_points: Literal["accept", "review"] = Field(
        "accept",
        description=(
            "An answer that differs from the reference only at isolated points (a removable singularity, 0^0, "
            "n! at the edge of the domain): `accept` (default) scores it equivalent and names the point in the "
            "feedback; `review` flags it for a person."
        ),
    )
    imaginary_unit: bool = Field(
        False,
        description="Read `i` as the imaginary unit (always so when a variable's domain is `complex`); otherwise `i` "
                    "is an ordinary name.",
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
        if self.tolerance is not None and self.decimals is not None:
            raise ValueError("set `tolerance` or `decimals`, not both")
        for fname, f in self.functions.items():
            if not fname.isidentifier() or fname in self.variables:
                raise ValueError(f"function name {fname!r} must be a name that is not a variable")
            if not isinstance(f, str) and (len(set(f.params)) != len(f.params)
                                           or not all(p.isidentifier() for p in f.params)):
                raise ValueError(f"the parameters of function {fname!r} must be distinct names")
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
    "read": {"variables", "sequences", "length", "targets", "find_in_text", "functions", "imaginary_unit"},
    "points": {"variables", "constraints", "sequences", "length", "seed"},
    "compare": {"tolerance", "decimals", "isolated_points"},
    # what a part's reference and wrong answers depend on (`grade._part`): how they are read and sampled
    "grade": {"variables", "sequences", "length", "targets", "find_in_text", "constraints", "seed", "wrong_answers",
              "functions", "imaginary_unit", "tolerance", "decimals", "isolated_points"},
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


def function_params(f: str | Function) -> list[str]:
    return ["x"] if isinstance(f, str) else list(f.params)


def function_body(f: str | Function) -> str:
    return f if isinstance(f, str) else f.body


def complex_mode(spec: FormulaSpec) -> bool:
    """Values may be complex: some variable ranges over the complex numbers, or the rubric opts in to `i`."""
    return spec.imaginary_unit or any(v.domain == "complex" for v in spec.variables.values())
