"""The phrase syntax a TA writes, expanded into plain phrases before they are compiled:

    simulat*                    any word starting with "simulat" (simulate, simulating, simulation)
    (lower|reduce) the degree   one of the alternatives, each one or more words
    [the] working set           optional words

A phrase expands into at most MAX_FORMS plain phrases; `*` stays on its word and is handled by matching.
"""

from __future__ import annotations

import re

MAX_FORMS = 64

_GROUP = re.compile(r"\(([^()\[\]]*)\)|\[([^()\[\]]*)\]")
WILDCARD = re.compile(r"([^\W_]+)\*")


class PhraseSyntaxError(ValueError):
    pass


def expand(phrase: str) -> list[str]:
    """The plain phrases a phrase stands for, in the order written (duplicates removed)."""
    if phrase.count("(") != phrase.count(")") or phrase.count("[") != phrase.count("]"):
        raise PhraseSyntaxError(f"phrase {phrase!r} has an unbalanced bracket")
    forms = [phrase]
    while True:
        out: list[str] = []
        changed = False
        for form in forms:
            m = _GROUP.search(form)
            if m is None:
                out.append(form)
                continue
            changed = True
            if m.group(1) is not None:
                options = [o.strip() for o in m.group(1).split("|")]
                if any(not o for o in options):
                    raise PhraseSyntaxError(f"phrase {phrase!r} has an empty alternative in ({m.group(1)})")
            else:
                options = [m.group(2).strip(), ""]
            out += [" ".join(f"{form[: m.start()]} {o} {form[m.end() :]}".split()) for o in options]
        forms = list(dict.fromkeys(out))
        if len(forms) > MAX_FORMS:
            raise PhraseSyntaxError(f"phrase {phrase!r} stands for more than {MAX_FORMS} phrases; split it")
        if not changed:
            break
    if any("|" in f for f in forms):
        raise PhraseSyntaxError(f"phrase {phrase!r} uses '|' outside parentheses: write (a|b)")
    return forms


def wildcard_prefixes(phrase: str) -> set[str]:
    """The lower-cased prefixes written with `*` in a plain phrase."""
    return {m.group(1).lower() for m in WILDCARD.finditer(phrase)}
