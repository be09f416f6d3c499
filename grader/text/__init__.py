"""The free-text engine: scores short explanations against a TA-written concept rubric.

    grade_text(answer, spec) -> Outcome   # engine "text", never raises

`spec` is the `text:` section of a rubric part (`TextSpec`). The outcome has one item per concept, group and
misconception (hit, points, the answer's words as evidence, why it counted or not), feedback sentences for the
student, `needs_review` with reasons, and `details["normalised"]` (the answer folded for grouping).
"""

from typing import TYPE_CHECKING

from grader.lazy import exports

# Imported on first use: the rubric model needs only `grader.text.spec`, not the scorer and its stemmers.
_WHERE = {"grade_text": "grader.text.scoring", **{name: "grader.text.spec" for name in (
    "Claim", "Concept", "Group", "MatchOptions", "Misconception", "ReviewOptions", "TextSpec")}}

if TYPE_CHECKING:
    from grader.text.scoring import grade_text
    from grader.text.spec import Claim, Concept, Group, MatchOptions, Misconception, ReviewOptions, TextSpec


__getattr__, __dir__ = exports(__name__, _WHERE)


__all__ = ["Claim", "Concept", "Group", "MatchOptions", "Misconception", "ReviewOptions", "TextSpec", "grade_text"]
