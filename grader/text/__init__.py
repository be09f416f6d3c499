"""The free-text engine: scores short explanations against a TA-written concept rubric.

    grade_text(answer, spec) -> Outcome   # engine "text", never raises

`spec` is the `text:` section of a rubric part (`TextSpec`). The outcome has one item per concept, group and
misconception (hit, points, the answer's words as evidence, why it counted or not), feedback sentences for the
student, `needs_review` with reasons, and `details["normalised"]` (the answer folded for grouping).
"""

import importlib
from typing import TYPE_CHECKING

# Imported on first use: the rubric model needs only `grader.text.spec`, not the scorer and its stemmers.
_WHERE = {"grade_text": "grader.text.scoring", **{name: "grader.text.spec" for name in (
    "Claim", "Concept", "Group", "MatchOptions", "Misconception", "ReviewOptions", "TextSpec")}}

if TYPE_CHECKING:
    from grader.text.scoring import grade_text
    from grader.text.spec import Claim, Concept, Group, MatchOptions, Misconception, ReviewOptions, TextSpec


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = ["Claim", "Concept", "Group", "MatchOptions", "Misconception", "ReviewOptions", "TextSpec", "grade_text"]
