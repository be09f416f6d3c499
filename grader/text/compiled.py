"""A TextSpec compiled once into what matching needs: phrases as stem sequences, an index from stems to
phrases, the vocabulary typos are matched against, compiled patterns. Built on a spec's first use and kept for
as long as the spec object lives (`compiled`).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from grader.text import lexicon
from grader.text.normalise import NEGATORS, STOPWORDS, Token, fold_word, prepare, stem, tokenise
from grader.text.phrases import expand
from grader.text.spec import Claim, TextSpec


@dataclass(frozen=True, slots=True)
class Phrase:
    """One phrase of a claim, as the stems of its content words."""

    text: str
    stems: tuple[str, ...]
    # Positions (in `stems`) of negators the phrase itself contains ("no notion of similarity"): they do not
    # negate the phrase they belong to.
    own_negators: frozenset[int]


@dataclass(frozen=True, slots=True)
class CompiledClaim:
    owner: str  # id of the concept or misconception
    phrases: tuple[Phrase, ...]
    patterns: tuple[re.Pattern[str], ...]
    about: frozenset[str]
    contrast: frozenset[str]
    negatable: bool
    costs: bool = False  # a misconception's claim: stating it costs points, so a denial may stand further off


@dataclass(slots=True)
class CompiledSpec:
    spec: TextSpec
    claims: dict[str, tuple[CompiledClaim, ...]]  # concept or misconception id -> its claims
    subjects: dict[str, tuple[Phrase, ...]]
    vocabulary: dict[str, str]  # folded content word of any phrase -> its stem
    stems: frozenset[str]
    fuzzy_words: list[str]  # vocabulary words long enough for typo matching
    synonyms: dict[str, str]  # stem -> the stem of its synonym group's first word
    prefixes: tuple[str, ...] = ()  # the `word*` prefixes of all phrases; matched as the key "*word"
    # Stem of a WordNet near-synonym -> {stem of the phrase word it may stand for: that word}, for the loose
    # matches of concepts (never for misconceptions, subjects or full matches).
    near: dict[str, dict[str, str]] = field(default_factory=dict)
    # Reference answer -> concept id -> what the concept says (grader.text.paraphrase), built on first use.
    glosses: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    _typos: dict[str, frozenset[str]] = field(default_factory=dict)

    def typo_stems(self, word: str) -> frozenset[str]:
        """Stems of the vocabulary words that `word` is a typo of (one edit, two for 9+ letters)."""
        hit = self._typos.get(word)
        if hit is not None:
            return hit
        options = self.spec.match
        found: frozenset[str] = frozenset()
        short = options.fuzzy_min_length - 1
        if options.typos and len(word) >= short and word.isalpha():
            limit = 1 if len(word) <= 8 else 2
            matches = process.extract(
                word, self.fuzzy_words, scorer=OSA.distance, score_cutoff=limit, limit=None
            )
            # The first letter must agree: typos rarely hit it, and it keeps encoder/decoder apart.
            found = frozenset(
                self.vocabulary[m[0]]
                for m in matches
                if m[0][0] == word[0] and m[1] > 0 and _fair_typo(word, m[0], options.fuzzy_min_length)
            )
        if len(self._typos) > 100_000:
            self._typos.clear()
        self._typos[word] = found
        return found

    def prefix_typo(self, word: str, prefix: str) -> bool:
        """Whether `word` is a misspelling of a word starting with `prefix` ("fualts" for "fault*",
        "acknowlegement" for "acknowledg*"): one edit in its first letters, the first letter right, the prefix
        of five letters or more, and the word not one WordNet knows ("stimulate" is not "simulat*")."""
        options = self.spec.match
        if not options.typos or len(prefix) < options.fuzzy_min_length - 1 or len(word) < len(prefix) - 1:
            return False
        if word[0] != prefix[0] or not word.isalpha():
            return False
        n = len(prefix)
        if not any(OSA.distance(word[:k], prefix) == 1 for k in (n - 1, n, n + 1)):
            return False
        return lexicon.known(word) is False


def _fair_typo(word: str, meant: str, min_length: int) -> bool:
    """Whether `word` may be a typo of the rubric word `meant` (one edit apart): both words of `min_length`
    letters or more; or, one letter shorter and no word WordNet knows, a letter left out of a longer word
    ("degre", "slowr") or two letters swapped ("tabel"), the slips a short word shows, where a changed letter
    often makes another word (dense/sense)."""
    if len(word) >= min_length and len(meant) >= min_length:
        return True
    if len(word) == min_length - 1 and lexicon.known(word) is False:  # "large" is a word, not a slip for "larger"
        return len(meant) == len(word) + 1 or (len(meant) == len(word) and sorted(meant) == sorted(word))
    return False


def phrase_tokens(text: str) -> list[tuple[Token, bool]]:
    """The words a plain phrase is matched on, each with whether it is a `word*` prefix (never a small word)."""
    prepared = prepare(text)
    out = []
    for t in tokenise(prepared):
        wild = prepared[t.end : t.end + 1] == "*"
        if wild or not t.stop:
            out.append((t, wild))
    return out


def compile_phrase(text: str, shown: str | None = None) -> Phrase | None:
    """A plain phrase as the stems of its content words ("*prefix" for `prefix*`); None when it has none."""
    content = phrase_tokens(text)
    if not content:
        return None
    return Phrase(
        text=shown or text,
        stems=tuple(f"*{t.word}" if wild else t.stem for t, wild in content),
        own_negators=frozenset(i for i, (t, wild) in enumerate(content) if t.negator and not wild),
    )


def _phrases(texts: list[str]) -> tuple[Phrase, ...]:
    out: list[Phrase] = []
    for written in texts:
        for text in expand(written):
            phrase = compile_phrase(text, written)
            if phrase is None:
                continue
            out.append(phrase)
            # "one hot" also matches "onehot", "word 2 vec" also "word2vec".
            words = [t.word for t in tokenise(prepare(text))]
            if 1 < len(words) <= 3 and len(phrase.stems) == len(words) and not phrase.own_negators and "*" not in text:
                joined = compile_phrase("".join(words), written)
                if joined is not None and joined.stems != phrase.stems:
                    out.append(Phrase(text=written, stems=joined.stems, own_negators=frozenset()))
    return tuple(out)


def _claim(owner: str, claim: Claim, subjects: dict[str, list[str]], swappable: bool) -> CompiledClaim:
    # `swappable`: a concept's claim; a misconception's claim is not swapped but costs points when stated.
    about = frozenset(claim.about)
    if claim.contrast is not None:
        contrast = frozenset(claim.contrast)
    elif about and swappable:
        contrast = frozenset(subjects) - about
    else:
        contrast = frozenset()
    return CompiledClaim(
        owner=owner,
        phrases=_phrases(claim.phrases),
        patterns=tuple(re.compile(p) for p in claim.patterns),
        about=about,
        contrast=contrast,
        negatable=claim.negatable,
        costs=not swappable,
    )


def _build(spec: TextSpec) -> CompiledSpec:
    synonyms = _synonym_stems(spec.synonyms)
    claims: dict[str, tuple[CompiledClaim, ...]] = {}
    for concept in spec.concepts:
        claims[concept.id] = tuple(_claim(concept.id, c, spec.subjects, True) for c in (concept, *concept.also))
    for misconception in spec.misconceptions:
        claims[misconception.id] = (_claim(misconception.id, misconception, spec.subjects, False),)
    subjects = {sid: _phrases(names or [sid]) for sid, names in spec.subjects.items()}
    if synonyms:
        claims = {
            cid: tuple(replace(c, phrases=_canonical(c.phrases, synonyms)) for c in cs) for cid, cs in claims.items()
        }
        subjects = {sid: _canonical(ps, synonyms) for sid, ps in subjects.items()}

    vocabulary: dict[str, str] = {}
    texts = [p for c in (*spec.concepts, *spec.misconceptions) for k in _all_claims(c) for p in k.phrases]
    texts += [n for names in spec.subjects.values() for n in names]
    texts += [w for group in spec.synonyms for w in group]
    for text in texts:
        for token, wild in phrase_tokens(text):
            if not wild and token.word not in STOPWORDS and token.word not in NEGATORS:
                vocabulary[token.word] = synonyms.get(token.stem, token.stem)
    stems = frozenset(s for cs in claims.values() for c in cs for p in c.phrases for s in p.stems)
    stems |= frozenset(s for ps in subjects.values() for p in ps for s in p.stems)
    prefixes = tuple(sorted({s[1:] for s in stems if s.startswith("*")}))
    near = _near_synonyms(spec, synonyms) if spec.near_synonyms else {}
    fuzzy_words = sorted(w for w in vocabulary if len(w) >= spec.match.fuzzy_min_length - 1 and w.isalpha())
    return CompiledSpec(
        spec=spec,
        claims=claims,
        subjects=subjects,
        vocabulary=vocabulary,
        stems=stems,
        fuzzy_words=fuzzy_words,
        synonyms=synonyms,
        prefixes=prefixes,
        near=near,
    )


def _near_synonyms(spec: TextSpec, synonyms: dict[str, str]) -> dict[str, dict[str, str]]:
    """WordNet near-synonyms of the words of the concepts' phrases (see grader.text.lexicon), by stem."""
    near: dict[str, dict[str, str]] = {}
    for concept in spec.concepts:
        for claim in _all_claims(concept):
            if claim.about:  # a statement about a subject needs its own words
                continue
            for text in claim.phrases:
                for form in expand(text):
                    for token, wild in phrase_tokens(form):
                        if wild or token.negator:
                            continue
                        target = synonyms.get(token.stem, token.stem)
                        for word in lexicon.near_synonyms(token.word):
                            other = stem(fold_word(word))
                            if synonyms.get(other, other) != target:
                                near.setdefault(other, {})[target] = token.word
    return near


def _synonym_stems(groups: list[list[str]]) -> dict[str, str]:
    """Stem of every word of a synonym group -> the stem of the group's first word."""
    out: dict[str, str] = {}
    for group in groups:
        stems = [t.stem for word in group for t in tokenise(prepare(word)) if not t.stop]
        for other in stems[1:]:
            if other != stems[0]:
                out[other] = stems[0]
    return out


def _canonical(phrases: tuple[Phrase, ...], synonyms: dict[str, str]) -> tuple[Phrase, ...]:
    return tuple(replace(p, stems=tuple(synonyms.get(s, s) for s in p.stems)) for p in phrases)


def _all_claims(item: Claim) -> list[Claim]:
    return [item, *getattr(item, "also", [])]


# id(spec) -> (weak reference to the spec, its compiled form). Specs are pydantic models, which are not
# hashable, so the cache is keyed by identity and cleaned when a spec is collected.
_CACHE: dict[int, tuple[weakref.ref[TextSpec], CompiledSpec]] = {}
# The spec's content -> its compiled form, for a copy of a spec compiled before: the sandbox's worker gets
# each part as a fresh unpickled copy, and compiling one costs 5-15 ms, a dump of it some 50 us.
_BY_CONTENT: dict[str, CompiledSpec] = {}
_MAX_BY_CONTENT = 64


def compiled(spec: TextSpec) -> CompiledSpec:
    """The compiled form of a spec, built on first use and cached for the life of the spec object."""
    key = id(spec)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is spec:
        return entry[1]
    content = spec.model_dump_json()
    built = _BY_CONTENT.get(content)
    if built is None:
        built = _build(spec)
        if len(_BY_CONTENT) >= _MAX_BY_CONTENT:
            _BY_CONTENT.clear()
        _BY_CONTENT[content] = built
    _CACHE[key] = (weakref.ref(spec, partial(_forget, _CACHE, key)), built)
    return built


def _forget(cache: dict[int, tuple[weakref.ref[TextSpec], CompiledSpec]], key: int, ref: weakref.ref[TextSpec]) -> None:
    """Drop the entry of a collected spec (unless its id already belongs to a newer spec)."""
    entry = cache.get(key)
    if entry is not None and entry[0] is ref:
        del cache[key]
