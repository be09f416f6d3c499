"""The free-text section of a rubric part: the concepts a careful TA looks for, how they are matched and scored.

Everything but `concepts` has a default, so the common rubric stays short:

    text:
      concepts:
        - id: lengths
          label: "input and output sequences have different lengths"
          points: 5
          phrases: ["different lengths", "variable length"]
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.text.normalise import prepare, tokenise
from grader.text.phrases import PhraseSyntaxError, expand

# A quantified group that is itself quantified, e.g. (a+)+ or (\w*)*: the classic catastrophic-backtracking shape.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Claim(BaseModel):
    """A statement recognised by any of its phrases or patterns, optionally only when said of a given subject."""

    model_config = ConfigDict(extra="forbid")

    phrases: list[str] = Field(
        default_factory=list,
        description=(
            "Any of these phrases, with synonyms and paraphrases. Matching folds case, punctuation, hyphens, "
            "UK/US spelling and word endings (stems), ignores small words (the, of, is, ...), tolerates up to "
            "`match.gap` extra words between the words of a phrase (within one clause) and typos in words of "
            "`match.fuzzy_min_length` letters or more. Negators match each other: the phrase \"no notion of "
            'similarity" also matches "does not have any notion of similarity". A phrase that is negated in the '
            'answer ("does not capture context") does not count.'
        ),
    )
    patterns: list[str] = Field(
        default_factory=list,
        description=(
            "Regular expressions (Python syntax), searched in the lower-cased answer in which relation symbols "
            "are spelled out ('>' reads 'greater than'), one sentence (or 600-character window) at a time. "
            "Compiled once; nested quantifiers such as (a+)+ are refused. A match that is negated does not "
            "count, like a phrase."
        ),
    )
    about: list[str] = Field(
        default_factory=list,
        description=(
            "Subjects (ids from the section's `subjects`) the statement must be about, e.g. [bert]. A statement "
            "is about the subject named nearest to it in its clause (before it, else after it), else before it in "
            "its sentence, else in an earlier sentence; subjects compared against are skipped (\"unlike Word2Vec, "
            'BERT is ...", unless the statement sits inside the comparison: "deeper than the shallow Word2Vec"). '
            "A statement whose subject cannot be told counts, and the answer is flagged. Empty: any subject."
        ),
    )
    contrast: list[str] | None = Field(
        None,
        description=(
            "Subjects the statement is wrong about. Said of one of them, it is a swapped attribution: not a hit, "
            "and it costs `swap_penalty` when the subject is named in the statement's own sentence. Denied of "
            "one of them (\"Word2Vec is not contextual\") it counts as a hit. Default: every declared subject not "
            "in `about`, when `about` is given; [] turns this off."
        ),
    )

    negatable: bool = Field(
        True,
        description=(
            "Whether a negation in the answer denies the statement. Set false for phrases that name a problem "
            'which both "without attention everything is squeezed into one vector" and "attention no longer has '
            'to squeeze everything into one vector" speak of.'
        ),
    )

    _lists = field_validator("phrases", "patterns", "about", "contrast", mode="before")(_as_list)

    @field_validator("phrases")
    @classmethod
    def _phrases_have_words(cls, phrases: list[str]) -> list[str]:
        for phrase in phrases:
            try:
                forms = expand(phrase)
            except PhraseSyntaxError as exc:
                raise ValueError(str(exc)) from None
            for form in forms:
                prepared = prepare(form)
                if not any(not t.stop or prepared[t.end : t.end + 1] == "*" for t in tokenise(prepared)):
                    raise ValueError(
                        f"phrase {phrase!r} has no words to match in {form!r} (small words such as 'the', 'is', "
                        "'it' are ignored)"
                    )
        return phrases

    @field_validator("patterns")
    @classmethod
    def _patterns_are_safe(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
            if _NESTED_QUANTIFIER.search(pattern):
                raise ValueError(
                    f"pattern {pattern!r} repeats a repeated group, which can take exponential time on long "
                    "answers; rewrite it without nested quantifiers"
                )
        return patterns


class Concept(Claim):
    """An idea the answer should state. Scores its `points` when any of its claims is found."""

    id: str = Field(description="Short unique id, used in reports and statistics.")
    label: str = Field(description="The concept in plain words, as the student reads it.")
    points: float | None = Field(
        None, ge=0, description="Points the concept gives. Omit for a member of a group: the group gives the points."
    )
    also: list[Claim] = Field(
        default_factory=list,
        description=(
            "Other statements that express the same concept, each with its own phrases and subject, e.g. "
            '"static" said of Word2Vec for the concept "BERT is contextual".'
        ),
    )
    partial: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of the points for the concept stated loosely (see the section's `partial`). Default: the section's.",
    )
    required: bool = Field(
        False, description="Without it the section scores at most `required_cap`, whatever else is found."
    )
    swap_penalty: float | None = Field(
        None, ge=0, description="Points lost when the statement is said of a `contrast` subject. Default: the section's."
    )
    found: str | None = Field(None, description="Feedback when the concept is found. Default: built from the label.")
    missing: str | None = Field(
        None,
        description='Feedback when the concept is missing. Default: built from the label. "" says nothing (for a bonus).',
    )

    @model_validator(mode="after")
    def _has_a_claim(self) -> Concept:
        if not any(c.phrases or c.patterns for c in [self, *self.also]):
            raise ValueError(f"concept {self.id!r} needs `phrases` or `patterns`")
        return self


class Group(BaseModel):
    """Any `pick` of these concepts: full points for `pick` of them, a share for fewer, nothing more for extra ones."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Short unique id.")
    label: str = Field(description='What the group asks for, in plain words, e.g. "two differences".')
    points: float = Field(ge=0, description="Points for `pick` concepts of the group.")
    pick: int = Field(ge=1, description="How many of the concepts earn the full points.")
    concepts: list[str] = Field(min_length=1, description="Ids of the member concepts (which have no points of their own).")

    @model_validator(mode="after")
    def _pick_fits(self) -> Group:
        if self.pick > len(self.concepts):
            raise ValueError(f"group {self.id!r} picks {self.pick} of only {len(self.concepts)} concepts")
        return self


class Order(BaseModel):
    """Concepts whose sequence matters (stages, traversals): stated out of this order, the answer loses points."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Short unique id.")
    label: str = Field(description='The order in plain words, e.g. "prophase, metaphase, anaphase, telophase".')
    concepts: list[str] = Field(min_length=2, description="Ids of the concepts, in the order they must come.")
    penalty: float = Field(1.0, ge=0, description="Points lost when the concepts found are out of this order.")


class Misconception(Claim):
    """A wrong statement that costs points, unless the answer denies it (or, with `about`, says it of another
    subject)."""

    id: str = Field(description="Short unique id.")
    label: str = Field(description='The wrong statement in plain words, e.g. "Word2Vec embeddings are contextual".')
    points: float = Field(2.0, ge=0, description="Points lost when the answer states it.")
    feedback: str | None = Field(None, description="Why it is wrong, for the student. Default: built from the label.")

    @model_validator(mode="after")
    def _has_a_claim(self) -> Misconception:
        if not (self.phrases or self.patterns):
            raise ValueError(f"misconception {self.id!r} needs `phrases` or `patterns`")
        return self


class MatchOptions(BaseModel):
    """How phrases are matched against answers."""

    model_config = ConfigDict(extra="forbid")

    gap: int = Field(2, ge=0, le=6, description="Extra words tolerated between two words of a phrase.")
    typos: bool = Field(True, description="Tolerate typos (one edit, two in words of 9+ letters).")
    fuzzy_min_length: int = Field(
        6, ge=4, description="Words shorter than this are never matched with typos (dense/sense, odd/add)."
    )
    negation_window: int = Field(
        2,
        ge=0,
        le=10,
        description=(
            "How many words before a concept's phrase a negator (not, no, without, ...) may stand and deny it. "
            'Short, since a denial takes the points away: in "without an index the database reads every row" the '
            '"without" is about the index, not about reading every row.'
        ),
    )
    misconception_window: int = Field(
        4,
        ge=0,
        le=10,
        description=(
            "How many words before a misconception's phrase a negator may stand and deny it. Wider, since a "
            'misconception costs points: "does not require the input and output to have the same length" does not '
            "state that they have the same length."
        ),
    )
    negation: bool = Field(
        True, description="Whether a negator in the phrase's clause denies it. False: negations are ignored."
    )


class ReviewOptions(BaseModel):
    """When an answer is flagged for a TA to look at."""

    model_config = ConfigDict(extra="forbid")

    short_words: int = Field(
        5, ge=0, description="Answers with fewer words than this are very short: flagged when they score ..."
    )
    short_min_share: float = Field(
        0.5, ge=0, le=1, description="... at least this share of the points (0: every very short answer)."
    )
    long_words: int = Field(120, ge=1, description="Answers with more words than this ...")
    long_min_share: float = Field(
        0.5, ge=0, le=1, description="... are flagged when they score less than this share of the points."
    )


class ScoredAnswer(BaseModel):
    """An answer a TA scored, for the second opinion."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(description="The answer, as a student wrote it.")
    score: float = Field(ge=0, description="The points the TA gave the text section.")


class TextSpec(BaseModel):
    """How a free-text answer is scored: concepts found add points, misconceptions stated cost points,
    then caps and the floor apply."""

    model_config = ConfigDict(extra="forbid")

    points: float | None = Field(None, ge=0, description="Points of the text; defaults to the part's points.")
    concepts: list[Concept] = Field(min_length=1, description="The ideas the answer should state.")
    groups: list[Group] = Field(default_factory=list, description='"Any k of these n" groups of concepts.')
    misconceptions: list[Misconception] = Field(
        default_factory=list, description="Wrong statements that cost points."
    )
    order: list[Order] = Field(
        default_factory=list,
        description=(
            "Sequences of concepts that must come in order. Two or more of them found out of order (by where "
            "each is first stated) cost the order's `penalty` when they are all stated in one sentence (a list), "
            "else the answer is flagged for review."
        ),
    )
    subjects: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "Things statements can be about, by id, with the phrases that name them, e.g. "
            "{bert: [bert, transformer], word2vec: [word2vec, skip-gram, cbow]}. Used by `about` and `contrast`."
        ),
    )
    synonyms: list[list[str]] = Field(
        default_factory=list,
        description=(
            "Groups of single words that mean the same in this part, e.g. [[vector, embedding, representation], "
            "[almost, nearly, mostly]]: a phrase written with one word of a group also matches the others, so "
            "phrases need not be repeated for each wording."
        ),
    )
    cap: float | None = Field(None, ge=0, description="The most the section can score. Default: its points.")
    floor: float = Field(0.0, ge=0, description="The least the section scores after penalties.")
    required_cap: float | None = Field(
        None, ge=0, description="The most the section scores when a required concept is missing. Default: half its points."
    )
    keyword_cap: float | None = Field(
        None,
        ge=0,
        description=(
            "The most an answer that is only a list of keywords, with no statement, can score (it is also "
            "flagged for review). Default: half the points."
        ),
    )
    lists: Literal["capped", "fair"] = Field(
        "capped",
        description=(
            "How an answer that is only a list of keywords is scored: `capped` at `keyword_cap` and flagged, or "
            "`fair`, scored on what it names, for questions that ask to list conditions, stages or steps. "
            "Keyword stuffing is capped either way."
        ),
    )
    stuffing_cap: float | None = Field(
        None,
        ge=0,
        description=(
            "The most a keyword-stuffed answer can score: keywords strung together without separators, or "
            "keywords that contradict each other. Default: a quarter of the points."
        ),
    )
    swap_penalty: float = Field(
        2.0, ge=0, description="Points lost for a statement said of the wrong subject (see `contrast`)."
    )
    needs_words: bool = Field(
        False,
        description=(
            "The section scores only when at least one concept is stated in words (found by a phrase, not only "
            "by a pattern). For the text section of a combined part, whose formulas the formula section grades: "
            "a formula with no explanation earns the explanation nothing."
        ),
    )
    partial: float = Field(
        0.75,
        ge=0,
        le=1,
        description=(
            "Share of a concept's points for stating it loosely: every word of one of its phrases (of two words "
            "or more) in one sentence, but further apart or in another order than the phrase allows (or some of "
            "them as WordNet near-synonyms, see `near_synonyms`), and not negated, and nothing else in the answer "
            "denies it or says it of the wrong subject. The feedback says what full credit needs. 0 turns this "
            "off. Claims with `about`, members of groups and misconceptions are never matched loosely. The "
            "default, 0.75, is what human graders gave such statements on the scored corpus's tuning questions."
        ),
    )
    near_synonyms: bool = Field(
        True,
        description=(
            "Let near-synonyms from WordNet (installed with `apt-get install wordnet-base`; nothing happens "
            "without it) stand for the words of a concept's phrases in loose statements: \"speedy lookups\" for "
            "\"fast lookups\" earns the concept's `partial` share, never its full points, and the feedback says "
            "which word stood for which. Claims with `about` and misconceptions never use them."
        ),
    )
    paraphrase: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "Share of a concept's points for a concept none of whose phrases is in the answer, not even loosely, "
            "but whose label (and the reference answer's clause that states it) one sentence of the answer "
            "restates: most of the label's distinctive words, as written or as words WordNet relates to them. "
            "The answer is flagged for a TA and never scores full marks this way. 0 turns this off. Claims with "
            "`about` and members of groups are never restated."
        ),
    )
    round_to: float = Field(0.5, gt=0, description="The score is rounded to a multiple of this.")
    second_opinion: bool = Field(
        True,
        description=(
            "Flag an answer for review when a second opinion disagrees strongly with its score: a long answer "
            "that shares much with the reference answer but scores little, or an answer very like one in "
            "`scored` whose TA score differs by half the points or more. Never changes a score."
        ),
    )
    scored: list[ScoredAnswer] = Field(
        default_factory=list, description="Answers a TA already scored, for the second opinion."
    )
    match: MatchOptions = Field(default_factory=MatchOptions, description="How phrases are matched.")
    review: ReviewOptions = Field(default_factory=ReviewOptions, description="When answers are flagged for review.")

    @field_validator("synonyms")
    @classmethod
    def _synonyms_are_words(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            if len(group) < 2:
                raise ValueError(f"synonym group {group!r} needs at least two words")
            for word in group:
                if len([t for t in tokenise(prepare(word)) if not t.stop]) != 1:
                    raise ValueError(f"synonym {word!r} must be one word (not a small word such as 'the')")
        return groups

    @field_validator("subjects", mode="before")
    @classmethod
    def _subject_lists(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: _as_list(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _references_resolve(self) -> TextSpec:
        ids = [c.id for c in self.concepts] + [g.id for g in self.groups] + [m.id for m in self.misconceptions]
        ids += [o.id for o in self.order]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"ids must be unique within a part; repeated: {', '.join(dup)}")
        by_id = {c.id: c for c in self.concepts}
        grouped: set[str] = set()
        for group in self.groups:
            for cid in group.concepts:
                if cid not in by_id:
                    raise ValueError(f"group {group.id!r} names unknown concept {cid!r}")
                if cid in grouped:
                    raise ValueError(f"concept {cid!r} belongs to two groups")
                grouped.add(cid)
        for order in self.order:
            for cid in order.concepts:
                if cid not in by_id:
                    raise ValueError(f"order {order.id!r} names unknown concept {cid!r}")
        for concept in self.concepts:
            if concept.id in grouped and concept.points:
                raise ValueError(f"concept {concept.id!r} is in a group: the group gives its points, omit `points`")
            if concept.id not in grouped and concept.points is None:
                raise ValueError(f"concept {concept.id!r} needs `points`")
        claims: list[tuple[str, Claim]] = [(c.id, k) for c in self.concepts for k in (c, *c.also)]
        claims += [(m.id, m) for m in self.misconceptions]
        for owner, claim in claims:
            for subject in [*claim.about, *(claim.contrast or [])]:
                if subject not in self.subjects:
                    raise ValueError(f"{owner!r} names subject {subject!r}, which `subjects` does not declare")
        return self
