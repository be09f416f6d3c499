"""Relations between the words of an answer that matching needs: the parts of a hyphenated word, and
opposite words whose order carries a phrase's meaning.
"""

from __future__ import annotations

from grader.text.normalise import Token, word_stem

# Opposite magnitudes whose order carries the meaning of a phrase ("from low to high"), by stem, each way. Pairs
# whose order a sentence may turn round without changing its meaning (before/after, input/output) are not here.
_OPPOSITE_PAIRS = (
    "low high", "lower higher", "less more", "fewer more", "small large", "smaller larger", "few many",
    "dilute concentrated", "cold hot", "colder hotter", "slow fast", "slower faster", "weak strong", "min max",
    "minimum maximum",
)
_OPPOSITE = frozenset(
    (word_stem(a), word_stem(b)) for pair in _OPPOSITE_PAIRS for a, b in [pair.split(), pair.split()[::-1]]
)
_OPPOSITE_WORDS = frozenset(a for a, _ in _OPPOSITE)


def has_opposites(stems: set[str] | dict[str, str]) -> bool:
    """Whether both words of a pair of opposite magnitudes ("low" and "high") are among `stems`."""
    return any((a, b) in _OPPOSITE for a in stems for b in stems)


def reversed_opposites(stems: tuple[str, ...], found: dict[str, tuple[int, bool]]) -> bool:
    """Whether two opposite words of a phrase ("low ... high") stand in the answer the other way round: the
    loose statement of "from low to high concentration" must not be "from high to low"."""
    ends = list(dict.fromkeys(s for s in stems if s in _OPPOSITE_WORDS))  # each word where the phrase first has it
    return any(
        (a, b) in _OPPOSITE and found[a][0] > found[b][0] for k, a in enumerate(ends) for b in ends[k + 1 :]
    )


def hyphenated(text: str, a: Token, b: Token) -> bool:
    """Whether two tokens are the parts of one hyphenated word ("pre-emption", "semi-permeable")."""
    return b.start == a.end + 1 and text[a.end] == "-" and a.word.isalpha() and b.word.isalpha()
