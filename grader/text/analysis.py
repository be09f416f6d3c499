"""Finding a claim in an answer: phrase occurrences with gaps and typos, pattern matches, whether each is
negated, and which subject it is said of.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from grader.text.compiled import CompiledClaim, CompiledSpec, Phrase
from grader.text.normalise import (
    CONTRAST_WORDS,
    LIST_WORDS,
    MAX_CHARS,
    STATEMENT_VERBS,
    Token,
    negation_cancelled,
    prepare,
    tokenise,
    word_stem,
)
from grader.text.wording import hyphenated, reversed_opposites

# A run of this many keywords with nothing between them is a dump, not a list written without commas.
STRUNG = 8

_ITEM_SEPARATORS = re.compile(r"[,;:\n\u2022]|\s-\s|\(")

# Verbs that deny what follows them: after a phrase's own negator they reverse it ("does not avoid scanning").
_DENYING_STEMS = frozenset({"avoid", "prevent", "stop", "ceas", "refus", "elimin", "remov"})

# Between a negator and a statement, these end the negator's reach where a denial would take points away.
_COORDINATORS = frozenset({"and", "plus"})

# Regular expressions run on sentences, and on windows of this many characters within longer ones.
_CHUNK = 600
_OVERLAP = 100

# What an occurrence of a claim amounts to:
#   hit       - stated of the right subject (or of no subject that can be told), or denied of a `contrast` one
#   denied    - negated ("does not capture context") of the right subject, or of none
#   swapped   - stated of a `contrast` subject: the property claimed of the wrong thing
#   elsewhere - said of a subject the claim is neither about nor contrasted with
Verdict = Literal["hit", "denied", "swapped", "elsewhere"]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place in the answer where a claim's phrase or pattern matched, and what it amounts to there."""

    verdict: Verdict
    first: int  # token indices, inclusive
    last: int
    negated: bool
    subject: str | None
    named: bool  # the subject is named in the statement's own sentence
    evidence: str
    unattributed: bool = False  # the claim is about a subject, but the answer does not say which
    by_pattern: bool = False  # found by a regular expression (typically in a formula), not by a phrase
    near: tuple[tuple[str, str], ...] = ()  # (answer's word, phrase word) pairs where a near-synonym stood in


class Analysis:
    """One answer, tokenised and indexed against one compiled spec."""

    def __init__(self, answer: str, spec: CompiledSpec) -> None:
        self.spec = spec
        # Tokens and patterns work on the lower-cased text; evidence is quoted from the same text in its own case.
        self.display = prepare(answer, keep_case=True)
        self.text = self.display.lower()
        if len(self.text) != len(self.display):  # a few Unicode letters change length with their case
            self.display = self.text
        self.truncated = len(answer) > MAX_CHARS
        self.tokens: list[Token] = tokenise(self.text)
        # Content tokens (not stopwords) by position; phrases are matched on these.
        self.content: list[int] = [i for i, t in enumerate(self.tokens) if not t.stop]
        self._index: dict[str, list[int]] = {}
        for pos, i in enumerate(self.content):
            token = self.tokens[i]
            self._index.setdefault(spec.synonyms.get(token.stem, token.stem), []).append(pos)
            for prefix in spec.prefixes:
                if token.word.startswith(prefix) or spec.prefix_typo(token.word, prefix):
                    self._index.setdefault(f"*{prefix}", []).append(pos)
            if token.stem not in spec.stems and token.stem not in spec.synonyms:
                for stem in spec.typo_stems(token.word):
                    self._index.setdefault(stem, []).append(pos)
            # "pre-emption" is also the word "preemption", indexed where its second part stands.
            if pos and self.content[pos - 1] == i - 1 and hyphenated(self.text, self.tokens[i - 1], token):
                joined = word_stem(self.tokens[i - 1].word + token.word)
                self._index.setdefault(spec.synonyms.get(joined, joined), []).append(pos)
        # Phrase stem -> content positions of the answer's WordNet near-synonyms of it (loose matches only).
        self._near: dict[str, list[int]] = {}
        if spec.near:
            for pos, i in enumerate(self.content):
                for target in spec.near.get(self.tokens[i].stem, ()):
                    self._near.setdefault(target, []).append(pos)
        self._starts = [t.start for t in self.tokens]
        self._mentions = self._find_mentions()
        # Mentions that name the subject of their clause (not the thing compared against), indexed for `subject`.
        self._own = [m for m in self._mentions if m[3] < 0]
        self._own_starts = [m[0] for m in self._own]
        self._by_clause: dict[int, list[tuple[int, int, str, int]]] = {}
        self._by_sentence: dict[int, list[tuple[int, int, str, int]]] = {}
        for m in self._mentions:
            self._by_clause.setdefault(self.tokens[m[0]].clause, []).append(m)
            if m[3] < 0:
                self._by_sentence.setdefault(self.tokens[m[0]].sentence, []).append(m)
        self.__chunks: list[tuple[int, str]] | None = None

    # -- phrases and patterns ---------------------------------------------------------------------------------

    def _phrase_spans(self, phrase: Phrase) -> list[tuple[int, int, list[int]]]:
        """(first content pos, last content pos, matched content positions) of each occurrence."""
        positions = self._index.get(phrase.stems[0])
        if not positions:
            return []
        gap = self.spec.spec.match.gap
        spans = []
        for start in positions:
            matched = [start]
            for stem in phrase.stems[1:]:
                candidates = self._index.get(stem)
                if not candidates:
                    return spans
                prev = matched[-1]
                k = bisect_right(candidates, prev)
                if k < len(candidates) and candidates[k] <= prev + gap + 1:
                    matched.append(candidates[k])
                else:
                    break
            else:
                # A phrase is matched within one clause: "not sparse, and they capture similarity" does not
                # contain "no similarity".
                if self.tokens[self.content[start]].clause == self.tokens[self.content[matched[-1]]].clause:
                    spans.append((start, matched[-1], matched))
        return spans

    def occurrences(self, claim: CompiledClaim) -> list[Occurrence]:
        out: list[Occurrence] = []
        for phrase in claim.phrases:
            for first, last, matched in self._phrase_spans(phrase):
                own = {self.content[matched[k]] for k in phrase.own_negators}
                if own and self._reversed(self.content[first], self.content[last], own):
                    continue
                out.append(self._judge(claim, self.content[first], self.content[last], own))
        for pattern in claim.patterns:
            seen: set[int] = set()
            for offset, chunk in self._chunks():
                for m in pattern.finditer(chunk):
                    span = self._tokens_in(offset + m.start(), offset + m.end())
                    if span is not None and span[0] not in seen:
                        seen.add(span[0])
                        out.append(self._judge(claim, span[0], span[1], set(), own_text=True))
        return out

    def _reversed(self, first: int, last: int, own: set[int]) -> bool:
        """A word that itself denies ("avoid", "prevent") shortly after a phrase's own negator, within the match:
        "does not avoid scanning" says the opposite of "without scanning"."""
        return any(
            self.tokens[j].stem in _DENYING_STEMS for i in own for j in range(i + 1, min(i + 4, last + 1))
        )

    def loose(self, claim: CompiledClaim) -> list[Occurrence]:
        """Occurrences of a claim stated loosely: all the words of one of its phrases within one sentence, in any
        order and at any distance, each word as written or as a WordNet near-synonym (see `CompiledSpec.near`),
        at least one of them as written. A phrase of one word is never stated loosely: it has no context. A
        sentence with all the words of one of the phrases but two opposites the other way round ("from high to
        low solute concentration") states the claim reversed: no phrase is stated loosely there."""
        candidates: list[tuple[Phrase, int, dict[str, tuple[int, bool]]]] = []
        reversed_in: set[int] = set()
        for phrase in claim.phrases:
            wanted = set(phrase.stems)
            if len(wanted) < 2:
                continue
            # sentence -> stem -> (token index, whether a near-synonym stood in), exact words preferred
            by_sentence: dict[int, dict[str, tuple[int, bool]]] = {}
            for stem in wanted:
                for via_near, positions in ((False, self._index.get(stem, ())), (True, self._near.get(stem, ()))):
                    for pos in positions:
                        i = self.content[pos]
                        found = by_sentence.setdefault(self.tokens[i].sentence, {})
                        if stem not in found or (found[stem][1] and not via_near):
                            found[stem] = (i, via_near)
            for sentence, found in by_sentence.items():
                if len(found) != len(wanted):
                    continue
                if reversed_opposites(phrase.stems, found):
                    reversed_in.add(sentence)
                else:
                    candidates.append((phrase, sentence, found))
        out: list[Occurrence] = []
        for phrase, sentence, found in candidates:
            near = tuple(
                sorted((self.tokens[i].word, self.spec.near[self.tokens[i].stem][s]) for s, (i, v) in found.items() if v)
            )
            if sentence in reversed_in or len(near) == len(found):  # at least one word as the rubric wrote it
                continue
            out.append(self._judge_loose(claim, sorted(i for i, _ in found.values()), near))
        return out

    def _judge_loose(self, claim: CompiledClaim, where: list[int], near: tuple[tuple[str, str], ...] = ()) -> Occurrence:
        # Negated when any of its words is: the words of a loose statement may sit in different clauses.
        negated = (
            claim.negatable
            and self.spec.spec.match.negation
            and any(self.negated(i, i, set(), window=self._window(claim), sure=not claim.costs) for i in where)
        )
        evidence = " \u2026 ".join(self.display[self.tokens[i].start : self.tokens[i].end] for i in where)
        return Occurrence("denied" if negated else "hit", where[0], where[-1], negated, None, False, evidence, near=near)

    def _chunks(self) -> list[tuple[int, str]]:
        """The text in pieces of at most _CHUNK characters (sentences where possible, overlapping windows in a
        sentence that goes on and on): keeps a TA's regular expression linear in the length of the answer."""
        if self.__chunks is None:
            pieces: list[tuple[int, str]] = []
            sentences: dict[int, list[int]] = {}
            for t in self.tokens:
                sentences.setdefault(t.sentence, [t.start, t.end])[1] = t.end
            for start, end in sentences.values():
                while end - start > _CHUNK:
                    pieces.append((start, self.text[start : start + _CHUNK]))
                    start += _CHUNK - _OVERLAP
                pieces.append((start, self.text[start:end]))
            self.__chunks = pieces
        return self.__chunks

    def _tokens_in(self, start: int, end: int) -> tuple[int, int] | None:
        """The first and last token overlapping the characters start..end, if any."""
        lo = max(bisect_right(self._starts, start) - 1, 0)
        while lo < len(self.tokens) and self.tokens[lo].end <= start:
            lo += 1
        hi = bisect_left(self._starts, end) - 1
        if lo >= len(self.tokens) or hi < lo:
            return None
        return lo, hi

    # -- negation and subject ---------------------------------------------------------------------------------

    def _window(self, claim: CompiledClaim) -> int:
        match = self.spec.spec.match
        return match.misconception_window if claim.costs else match.negation_window

    def negated(
        self, first: int, last: int, own: set[int], own_text: bool = False, window: int = 2, sure: bool = True
    ) -> bool:
        """A negator inside the span (not one the phrase itself contains) or at most `window` content words
        before it, same clause. With `sure` (a denial that takes points away), an "and" ends the negator's reach:
        in "no preemption and hold and wait" the "no" is about preemption only."""
        tokens = self.tokens
        for i in range(first, last + 1):
            if tokens[i].negator and i not in own and not own_text and not negation_cancelled(tokens, i):
                return True
        clause = tokens[first].clause
        seen = 0
        i = first - 1
        while i >= 0 and seen < window and tokens[i].clause == clause:
            if sure and tokens[i].word in _COORDINATORS:
                return False
            if tokens[i].negator and not negation_cancelled(tokens, i):
                return True
            if not tokens[i].stop:
                seen += 1
            i -= 1
        return False

    def _find_mentions(self) -> list[tuple[int, int, str, int]]:
        """(first token, last token, subject id, index of its contrast word or -1) of every subject named."""
        mentions = []
        for sid, phrases in self.spec.subjects.items():
            for phrase in phrases:
                for first, last, _ in self._phrase_spans(phrase):
                    a, b = self.content[first], self.content[last]
                    mentions.append((a, b, sid, self._contrast_word(a)))
        mentions.sort()
        return mentions

    def _contrast_word(self, i: int) -> int:
        """The token index of the word that makes the subject named at token i the one compared against
        ("unlike Word2Vec", "than the shallow Word2Vec"), or -1."""
        tokens = self.tokens
        seen = 0
        j = i - 1
        while j >= 0 and seen < 3 and tokens[j].clause == tokens[i].clause:
            if tokens[j].word in CONTRAST_WORDS:
                return j
            if not tokens[j].stop:
                seen += 1
            j -= 1
        return -1

    def subject(self, first: int, last: int) -> tuple[str | None, bool, int]:
        """The subject a statement at tokens first..last is about (see `Claim.about`), whether it was named in
        the statement's own sentence (rather than carried over from an earlier one), and where it was named."""
        if not self._mentions:
            return None, False, -1
        tokens = self.tokens
        clause = self._by_clause.get(tokens[first].clause, [])
        # "deeper than the shallow Word2Vec": the statement sits inside the comparison, so it is about Word2Vec.
        for m in clause:
            if 0 <= m[3] < first and m[0] > last:
                return m[2], True, m[0]
        in_clause = [m for m in clause if m[3] < 0]
        in_sentence = self._by_sentence.get(tokens[first].sentence, [])
        for pool, before, named in ((in_clause, True, True), (in_clause, False, True), (in_sentence, True, True)):
            hit = _nearest(pool, first, last, before)
            if hit is not None:
                return hit[2], named, hit[0]
        # The subject of an earlier sentence carries over ("BERT is a Transformer. It is contextual.").
        k = bisect_left(self._own_starts, first) - 1
        while k >= 0:
            m = self._own[k]
            if m[1] < first:
                return m[2], False, m[0]
            k -= 1
        hit = _nearest(in_sentence, first, last, before=False)
        if hit is not None:
            return hit[2], True, hit[0]
        inside = [m for m in self._mentions if m[0] >= first and m[1] <= last]
        return (inside[0][2], True, inside[0][0]) if inside else (None, False, -1)

    def _judge(
        self, claim: CompiledClaim, first: int, last: int, own: set[int], own_text: bool = False
    ) -> Occurrence:
        subject, named, where = (
            self.subject(first, last) if (claim.about or claim.contrast) else (None, False, -1)
        )
        # Said of a contrast subject, an undenied statement is a swap that costs points: denied like a misconception.
        swap = bool(claim.about) and subject is not None and subject not in claim.about and subject in claim.contrast
        window = self._window(claim)
        if swap:
            window = max(window, self.spec.spec.match.misconception_window)
        # A denial of a concept takes points away; of a misconception or a swap it spares them, so it may reach further.
        sure = not (claim.costs or swap)
        negated = (
            claim.negatable
            and self.spec.spec.match.negation
            and self.negated(first, last, own, own_text, window=window, sure=sure)
        )
        if not claim.about or subject is None or subject in claim.about:
            verdict: Verdict = "denied" if negated else "hit"
        elif subject in claim.contrast:
            verdict = "hit" if negated else "swapped"
        else:
            verdict = "elsewhere"
        # Quote the subject and the negator too, so the reader sees why: "Word2Vec does not capture context".
        start = first
        if named and 0 <= where < first and first - where <= 8:
            start = where
        if negated:
            for i in range(first - 1, max(first - 7, -1), -1):
                if self.tokens[i].clause != self.tokens[first].clause:
                    break
                if self.tokens[i].negator:
                    start = min(start, i)
                    break
        if start and hyphenated(self.text, self.tokens[start - 1], self.tokens[start]):
            start -= 1  # quote the whole hyphenated word
        evidence = self.display[self.tokens[start].start : self.tokens[last].end]
        return Occurrence(
            verdict,
            first,
            last,
            negated,
            subject,
            named,
            " ".join(evidence.split()),
            unattributed=bool(claim.about) and subject is None,
            by_pattern=own_text,
        )

    # -- shape of the answer ----------------------------------------------------------------------------------

    @property
    def words(self) -> int:
        return len(self.tokens)

    @cached_property
    def keyword_list(self) -> bool:
        """Only keywords, no statement: (almost) no function words and no verb such as "is", "has", "uses" anywhere.
        Decided on the words alone, so that commas, semicolons or none give the same verdict; the one exception
        is a single sentence of four or more words ending in a full stop ("Doubly linked lists require more
        memory."), which reads as a statement whatever its verb."""
        n = len(self.tokens)
        if n == 0:
            return False
        tokens = self.tokens
        # "of" between two content words joins a compound ("number of trials"), which a list item may be.
        function_words = sum(
            1
            for k, t in enumerate(tokens)
            if t.stop
            and t.word not in LIST_WORDS
            and not (t.word == "of" and 0 < k < n - 1 and not tokens[k - 1].stop and not tokens[k + 1].stop)
        )
        if function_words / n >= 0.1 or any(t.word in STATEMENT_VERBS for t in tokens):
            return False
        body = self.text.strip()
        one_sentence = len({t.sentence for t in self.tokens}) == 1 and not _ITEM_SEPARATORS.search(body)
        return not (one_sentence and n >= 4 and body.endswith((".", "!")))

    @cached_property
    def strung_keywords(self) -> bool:
        """A keyword list that strings STRUNG or more content words together in one clause, with no separator."""
        if not self.keyword_list:
            return False
        clauses: dict[int, int] = {}
        for t in self.tokens:
            if not t.stop and not t.word.isdigit():
                clauses[t.clause] = clauses.get(t.clause, 0) + 1
        return max(clauses.values(), default=0) >= STRUNG

    def scattered(self, covered: set[int]) -> int:
        """Rubric words of the answer outside every phrase found (token indices `covered`): "deadlock process
        resource wait" strings a rubric's words together without stating any of its phrases."""
        vocabulary = self.spec.stems
        return sum(
            1
            for i in self.content
            if i not in covered and self.spec.synonyms.get(self.tokens[i].stem, self.tokens[i].stem) in vocabulary
        )

    @property
    def content_words(self) -> int:
        return len(self.content)


def _nearest(
    mentions: list[tuple[int, int, str, int]], first: int, last: int, before: bool
) -> tuple[int, int, str, int] | None:
    """The mention nearest before tokens first..last (or nearest after them), from mentions sorted by position."""
    if before:
        candidates = [m for m in mentions if m[1] < first]
        return candidates[-1] if candidates else None
    candidates = [m for m in mentions if m[0] > last]
    return candidates[0] if candidates else None
