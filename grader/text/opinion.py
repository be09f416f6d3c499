"""A second opinion on a rubric score: how much the answer has in common with the reference answer and with
answers a TA already scored. It never changes the score; where it disagrees strongly, the answer is flagged.
"""

from __future__ import annotations

import math
from functools import lru_cache

from grader.text.normalise import Token, prepare, tokenise

# A long answer that shares this much with the reference but scores at most LOW_SHARE of the points may state
# the concepts in words the rubric does not list (measured on the scored corpus, tests/text/corpus).
_REFERENCE_SIMILAR = 0.15
_LONG_WORDS = 20
_LOW_SHARE = 0.2
# An answer this similar to one a TA scored, whose score differs by this share of the points.
_EXAMPLE_SIMILAR = 0.6
_EXAMPLE_GAP = 0.5


def content_stems(tokens: list[Token]) -> set[str]:
    return {t.stem for t in tokens if not t.stop}


@lru_cache(maxsize=1024)
def _text_stems(text: str) -> frozenset[str]:
    """Content stems of a reference or scored answer (the same few texts for every answer of a part)."""
    return frozenset(content_stems(tokenise(prepare(text))))


def similarity(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    """Cosine of two sets of content stems, in [0, 1]."""
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def second_opinion(
    tokens: list[Token],
    score: float,
    points: float,
    reference: str | None,
    examples: list[tuple[str, float]],
    sure: float | None = None,
) -> list[str]:
    """Review reasons where the second opinion disagrees strongly with `score` (empty when it agrees). `sure` is
    the part of the score the rubric's phrases earned as written (loose statements are a guess themselves)."""
    if points <= 0:
        return []
    stems = content_stems(tokens)
    reasons = []
    sure = score if sure is None else sure
    if reference:
        sim = similarity(stems, _text_stems(reference))
        if sure <= _LOW_SHARE * points and len(tokens) >= _LONG_WORDS and sim >= _REFERENCE_SIMILAR:
            loosely = f" ({score - sure:g} of them for loose statements)" if score > sure else ""
            reasons.append(
                f"second opinion: a long answer sharing {sim:.0%} of its words with the reference scored "
                f"{score:g} of {points:g}{loosely}; it may state the concepts in other words"
            )
    best: tuple[float, float] | None = None
    for text, ta_score in examples:
        sim = similarity(stems, _text_stems(text))
        if sim >= _EXAMPLE_SIMILAR and (best is None or sim > best[0]):
            best = (sim, ta_score)
    if best is not None and abs(best[1] - score) >= _EXAMPLE_GAP * points:
        reasons.append(
            f"second opinion: {best[0]:.0%} alike an answer a TA scored {best[1]:g}, but scored {score:g}"
        )
    return reasons
