"""Concepts stated in other words: none of the concept's phrases is in the answer, not even loosely, but one
sentence of it says what the concept's label (and the reference answer's clause that states the concept) says,
word for word or through related words from WordNet.

    gloss("insulin makes cells take up glucose", "...") -> {stems of the label's and the clause's content words}
    restated(analysis, glosses, "uptake") -> Restatement(coverage, words) | None

Only ever worth part of a concept's points, and the answer is flagged for a TA ("you may have meant ..."): a
paraphrase is a guess, and a false full mark is the worst error a grader makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from grader.text import lexicon
from grader.text.analysis import Analysis
from grader.text.compiled import CompiledSpec
from grader.text.normalise import STATEMENT_VERBS, Token, fold_word, prepare, stem, tokenise
from grader.text.wording import has_opposites

# A sentence restates a concept when the words it shares with the concept's gloss carry this share of the
# gloss's weight, with at least MIN_WORDS of them, at least one distinctive (in no other concept's gloss).
COVERAGE = 0.4
MIN_WORDS = 3


@dataclass(frozen=True, slots=True)
class Gloss:
    """What a concept says, as content stems (folded word for each, for WordNet) and their weights."""

    words: dict[str, str]  # stem -> a folded word of it
    weights: dict[str, float]  # stem -> 1 for a word only this concept's gloss has, less for shared ones
    negative: bool = False  # the label denies something ("no preemption"): a restatement must deny it too


@dataclass(frozen=True, slots=True)
class Restatement:
    coverage: float
    sentence: int
    pairs: tuple[tuple[str, str], ...]  # (answer's word, gloss word) of each word shared
    span: tuple[int, int] = (0, 0)  # characters of the sentence in the prepared answer

    @property
    def note(self) -> str:
        """The words shared, for the student and the TA: “ring” for “cycle”, “processes”."""
        return ", ".join(f"\u201c{a}\u201d for \u201c{b}\u201d" if a != b else f"\u201c{a}\u201d" for a, b in self.pairs)


# Verbs that say little of their own ("takes space", "makes every table"): never a word of a restatement.
_LIGHT = STATEMENT_VERBS | {
    "take", "takes", "taken", "go", "goes", "put", "puts", "keep", "keeps", "made", "such", "example"
}


def _content(text: str) -> dict[str, str]:
    return {
        t.stem: t.word
        for t in tokenise(prepare(text))
        if not t.stop and not t.negator and len(t.word) > 2 and t.word not in _LIGHT
    }


def glosses(labels: dict[str, str], statements: dict[str, str]) -> dict[str, Gloss]:
    """Glosses of concepts from their labels and the reference's clauses that state them (concept id -> text).
    A stem in several concepts' glosses tells them apart less, and weighs less (1 / number of glosses)."""
    words = {cid: _content(label) | _content(statements.get(cid, "")) for cid, label in labels.items()}
    # A concept whose meaning lies in the order of two opposites ("from low to high") needs its own phrases.
    words = {cid: ws for cid, ws in words.items() if not has_opposites(ws)}
    count: dict[str, int] = {}
    for ws in words.values():
        for s in ws:
            count[s] = count.get(s, 0) + 1
    return {
        cid: Gloss(ws, {s: 1.0 / count[s] for s in ws}, any(t.negator for t in tokenise(prepare(labels[cid]))))
        for cid, ws in words.items()
    }


@lru_cache(maxsize=65536)
def _related_stems(word: str) -> frozenset[str]:
    return frozenset(stem(fold_word(w)) for w in lexicon.related(word))


def restated(tokens: list[Token], gloss: Gloss, skip: set[int], negated: Callable[[int], bool]) -> Restatement | None:
    """The sentence of the answer (tokens) that best restates the gloss, if one does well enough. Tokens in
    `skip` (words of phrases already found for other concepts) do not count; a restatement any of whose words
    `negated(i)` says is denied does not count."""
    by_sentence: dict[int, list[int]] = {}
    for i, t in enumerate(tokens):
        if not t.stop and not t.negator and i not in skip and len(t.word) > 2 and t.word not in _LIGHT:
            by_sentence.setdefault(t.sentence, []).append(i)
    total = sum(gloss.weights.values())
    best: Restatement | None = None
    for sentence, positions in by_sentence.items():
        # gloss stem -> the answer's token standing for it, each token used once; words as written first
        first: dict[str, int] = {}
        for i in positions:
            first.setdefault(tokens[i].stem, i)
        pairs = {g: first[g] for g in gloss.words if g in first}
        used = set(pairs.values())
        for g, gword in gloss.words.items():
            if g in pairs or len(gword) < 4:
                continue
            near = _related_stems(gword)
            for i in positions:
                t = tokens[i]
                if i not in used and len(t.word) >= 4 and (t.stem in near or g in _related_stems(t.word)):
                    pairs[g] = i
                    used.add(i)
                    break
        if len(pairs) < MIN_WORDS or not any(gloss.weights[g] == 1.0 for g in pairs):
            continue
        coverage = sum(gloss.weights[g] for g in pairs) / total if total else 0.0
        if coverage < COVERAGE:
            continue
        # The same polarity: a positive concept not denied, a negative one ("no preemption") denied in its clauses.
        if gloss.negative:
            clauses = {tokens[i].clause for i in pairs.values()}
            if not any(t.negator and t.clause in clauses for t in tokens):
                continue
        elif any(negated(i) for i in pairs.values()):
            continue
        if best is None or coverage > best.coverage:
            shared = tuple(sorted((tokens[i].word, gloss.words[g] if tokens[i].stem != g else tokens[i].word) for g, i in pairs.items()))
            within = [i for i, t in enumerate(tokens) if t.sentence == sentence]
            best = Restatement(coverage, sentence, shared, (tokens[within[0]].start, tokens[within[-1]].end))
    return best


def restatement(analysis: Analysis, gloss: Gloss | None, said: set[int]) -> Restatement | None:
    """`restated` on an analysed answer, with its negation (a denied restatement does not count)."""
    if gloss is None:
        return None
    window = analysis.spec.spec.match.negation_window  # as a concept's own phrase is denied
    return restated(analysis.tokens, gloss, said, lambda i: analysis.negated(i, i, set(), window=window))


def concept_glosses(spec: CompiledSpec, reference: str | None) -> dict[str, Gloss]:
    """Glosses of a spec's concepts (those that may be restated: no subject, no group), cached on the compiled
    spec per reference answer."""
    cached = spec.glosses.get(reference)
    if cached is not None:
        return cached
    grouped = {cid for g in spec.spec.groups for cid in g.concepts}
    concepts = [c for c in spec.spec.concepts if c.id not in grouped and not any(k.about for k in (c, *c.also))]
    statements: dict[str, str] = {}
    if reference:
        ref = Analysis(reference, spec)
        for concept in concepts:
            hits = [o for claim in spec.claims[concept.id] for o in ref.occurrences(claim) if o.verdict == "hit"]
            clauses = {ref.tokens[o.first].clause for o in hits}
            statements[concept.id] = " ".join(t.word for t in ref.tokens if t.clause in clauses)
    out = glosses({c.id: c.label for c in concepts}, statements)
    if len(spec.glosses) > 64:
        spec.glosses.clear()
    spec.glosses[reference] = out
    return out
