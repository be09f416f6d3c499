"""Each graded part rendered once per distinct outcome: its results.json test and its journal record, as JSON.

A part's test (the Markdown the student reads and its extra data) and its record are functions of the graded
part alone. Answers the worker's answer cache has seen come back as the very same outcome objects (outcomes
are never changed once made: the pipeline copies one to change it), so a part whose outcomes are those
objects, with the same answer, title, score, status and reference answer, renders to the same text. The memo
holds the outcomes it was made from, so their ids cannot be reused by other objects while it is kept.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from grader.batch.run.rows import Row, part_row
from grader.results import Outcome, PartResult
from grader.writers.gradescope import compact_json, part_test

DEFAULT_SIZE = 512  # parts: the popular answers stay, the long tail passes through (at most ~8 MB)


@dataclass(frozen=True, slots=True)
class RenderedPart:
    test: str  # the part's entry of results.json `tests`, as JSON text
    row: Row  # the part's record (grader.batch.run.rows), shared: never changed once made
    row_text: str  # the same record as JSON text, for the journal line
    labels: tuple[tuple[str, str], ...]  # the rubric items' labels it names ("part|engine:item", label)


def render_part(part: PartResult) -> RenderedPart:
    labels: dict[str, str] = {}
    row = part_row(part, labels)
    return RenderedPart(compact_json(part_test(part)), row, compact_json(row), tuple(labels.items()))


def _fields(part: PartResult) -> tuple:
    # Everything of a part the test and the record read, besides its outcomes.
    return (part.id, part.title, part.score, part.max_score, part.status, part.answer, part.model_answer)


class PartRenderer:
    """`render(part)`, remembered for the last `size` distinct parts (0: every part is rendered anew)."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._memo: OrderedDict[tuple, tuple[tuple[Outcome, ...], tuple, RenderedPart]] = OrderedDict()
        self.hits = 0

    def render(self, part: PartResult) -> RenderedPart:
        if self.size <= 0:
            return render_part(part)
        key = (part.id, part.answer, *map(id, part.outcomes))
        found = self._memo.get(key)
        # The key's ids name the very outcomes the memo holds (they stay alive in it, so no other object can
        # take their ids): only the part's other fields can differ.
        if found is not None and found[1] == _fields(part):
            self._memo.move_to_end(key)
            self.hits += 1
            return found[2]
        rendered = render_part(part)
        self._memo[key] = (tuple(part.outcomes), _fields(part), rendered)
        if len(self._memo) > self.size:
            self._memo.popitem(last=False)
        return rendered
