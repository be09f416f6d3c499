"""The switch of the fast paths, so that a test or a benchmark can run the same work with and without them.

Each fast path computes what a plainer path computes, only cheaper: the parse table loaded instead of rebuilt and
a parse loop of our own on it (lark is imported only for a formula that does not parse), ASCII answers not cleaned
character by character, constant parts of a compiled formula computed once, sequence patterns planned once per
formula and summed as integers, and the `grader` command ending without the interpreter's teardown. With the environment variable `GRADER_FAST_PATHS=0`
(or `set_enabled(False)` for the engine's paths) every one of them takes the plain path; nothing else changes.
"""

from __future__ import annotations

import os

ENABLED = os.environ.get("GRADER_FAST_PATHS", "1").strip() not in ("0", "off", "no", "false")


def set_enabled(on: bool) -> None:
    """Turn the fast paths on or off for this process, and drop what the engine cached under the other setting."""
    global ENABLED
    ENABLED = bool(on)
    clear_caches()


def clear_caches() -> None:
    """Forget every answer, formula and part the engine cached in this process (the sample points stay: they
    depend on the spec only)."""
    from grader.formula import grade
    from grader.formula.checking import compiled, equivalence, patterns
    from grader.formula.reading import read

    for cache in (read._CACHE, read._FUNCTIONS, grade._PARTS, compiled._CACHE, equivalence._VALUES, patterns._PLANS):
        cache.clear()
