"""What a regrade changed: per submission the old and new total, and which parts and rubric items moved."""

from __future__ import annotations

from dataclasses import dataclass

from grader.batch.run.rows import Row

_EPS = 1e-9


@dataclass
class Change:
    submission: str
    who: str
    before: float
    after: float
    parts: list[tuple[str, float, float]]  # part id, before, after
    items: list[tuple[str, str, float | None, float | None]]  # part, item, points before/after (None: did not apply)

    @property
    def delta(self) -> float:
        return self.after - self.before


def change(old: Row, new: Row) -> Change | None:
    """How a submission's row moved between two gradings; None when its score and item verdicts are the same."""
    was_parts = {p.get("id"): p for p in old.get("parts", [])}
    parts, items = [], []
    for part in new.get("parts", []):
        pid = part["id"]
        was = was_parts.get(pid, {})
        before, after = float(was.get("score", 0.0)), float(part["score"])
        if abs(before - after) > _EPS:
            parts.append((pid, before, after))
        old_items, new_items = was.get("items", {}), part.get("items", {})
        for key in sorted(set(old_items) | set(new_items)):
            a, b = old_items.get(key), new_items.get(key)
            if a is None or b is None or abs(a - b) > _EPS:
                items.append((pid, key, a, b))
    before_total, after_total = float(old.get("total", 0.0)), float(new.get("total", 0.0))
    if not parts and not items and abs(before_total - after_total) <= _EPS:
        return None
    return Change(new["submission"], new.get("who", ""), before_total, after_total, parts, items)
