"""Warnings about a text section's phrases, for `grader check`: where normalisation changes what a TA wrote,
and where a phrase can never match. Pure: returns (path inside the part's `text`, message) pairs.
"""

from __future__ import annotations

from collections.abc import Iterator

from grader.text import lexicon
from grader.text.normalise import CLAUSE_WORDS, prepare, tokenise
from grader.text.phrases import WILDCARD, PhraseSyntaxError, expand
from grader.text.spec import Claim, TextSpec

# Small words whose removal can change what a phrase says ("its child", "show how"): warned about when their
# removal leaves a single word, which then matches any mention of it.
_MEANINGFUL = frozenset(
    """its it's their his her our your my this these those how why what when where which who whom whose whether
    if must should may might over under into onto""".split()
)
_SHORTEST_PREFIX = 3

Loc = tuple[str | int, ...]


def _claims(spec: TextSpec) -> Iterator[tuple[Loc, Claim]]:
    for i, concept in enumerate(spec.concepts):
        yield ("concepts", i), concept
        for j, also in enumerate(concept.also):
            yield ("concepts", i, "also", j), also
    for i, mis in enumerate(spec.misconceptions):
        yield ("misconceptions", i), mis


def phrase_warnings(spec: TextSpec) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    for loc, claim in _claims(spec):
        for k, phrase in enumerate(claim.phrases):
            for message in _phrase_messages(phrase):
                out.append(((*loc, "phrases", k), f"phrase {phrase!r}: {message}"))
    return out


def _phrase_messages(phrase: str) -> list[str]:
    try:
        forms = expand(phrase)
    except PhraseSyntaxError as exc:  # the model refuses these; kept for direct callers
        return [str(exc)]
    messages: list[str] = []
    for prefix in sorted({m.group(1) for m in WILDCARD.finditer(phrase)}):
        if len(prefix) < _SHORTEST_PREFIX:
            messages.append(f"the prefix {prefix}* is so short that it matches many unrelated words")
    for form in forms:
        prepared = prepare(form)
        tokens = tokenise(prepared)
        content = [t for t in tokens if not t.stop or prepared[t.end : t.end + 1] == "*"]
        dropped = [t.word for t in tokens if t.stop and t not in content]
        if len(content) == 1 and any(w in _MEANINGFUL for w in dropped):
            kept = " ".join(t.word for t in content)
            messages.append(
                f"is matched as {kept!r}: the small words {', '.join(repr(w) for w in dropped)} are ignored, "
                "so answers without them match too"
            )
        clauses = {t.clause for t in content}
        if len(clauses) > 1:
            breaks = [t.word for t in tokens if t.word in CLAUSE_WORDS] or ["punctuation"]
            messages.append(
                f"can never match: {form!r} spans two clauses (split at {breaks[0]!r}), and a phrase is matched "
                "within one clause; write its parts as separate phrases"
            )
    return list(dict.fromkeys(messages))


def near_synonym_warning() -> str | None:
    """Why near-synonyms (on by default) will not be used on this machine, if they will not."""
    if lexicon.available():
        return None
    return (
        "near-synonyms off on this machine: WordNet's data is not installed (apt-get install wordnet-base, "
        "or set GRADER_WORDNET)"
    )
