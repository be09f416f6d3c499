"""A TA's decisions, kept in OUTDIR/overrides.json and applied on every batch run and regrade.

A decision is on one submission's part, or on an answer group (every answer of a part in one equivalence
class for formulas, one normalised text for free text). It records its score (None: the grader's score
stands, the answer was only reviewed), comment, who and when, and what it was made on: the part's rubric
and reference (a fingerprint) and the answer (a digest of a submission's answer, or the group's key).

- A rubric or reference edit of the part makes a decision *stale*: it is still applied, and listed.
- A submission whose answer changed since is not given the decision (it was made on another answer): listed.
- A group decision that no answer matches any more is listed too.

The journal keeps the grader's own scores; decisions are applied on top, where the class statistics are
gathered, and to the results files (which keep the grader's score and feedback beside the decision).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Container, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader import atomic
from grader.assignment import Assignment
from grader.batch.intake.sources import SourceError
from grader.batch.run.rows import Row, answer_digest  # noqa: F401 - answer_digest: what decisions compare
from grader.escape import markdown_text

FILE = "overrides.json"
MARKS_FILE = "overridden.json"  # in .batch/: the results files that carry a decision
_EPS = 1e-9


class OverridesError(SourceError):
    """overrides.json cannot be read: the run stops rather than ignore a TA's decisions."""


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: Literal["submission", "group"]
    part: str
    submission: str | None = Field(None, description="submission scope: the submission's name")
    engine: Literal["formula", "text"] | None = Field(None, description="group scope: which section's groups")
    key: str | None = Field(None, description="group scope: the group's key (groups.csv's `key`)")
    score: float | None = Field(None, description="the part's (or the section's) score; None: the grader's stands")
    comment: str = ""
    who: str = ""
    when: str = ""
    answer: str = Field("", description="submission scope: digest of the answer the decision was made on")
    rubric: str = Field("", description="fingerprint of the part's rubric and reference when decided")

    @property
    def ident(self) -> tuple[str, ...]:
        if self.scope == "submission":
            return ("submission", self.part, self.submission or "")
        return ("group", self.part, self.engine or "", self.key or "")

    def label(self) -> str:
        where = self.submission if self.scope == "submission" else f"{self.engine} group {self.key!r}"
        return f"{self.part} {where}"


def part_fingerprint(assignment: Assignment, part_id: str) -> str:
    """Changes when the part's rubric entry, its reference or the reference's constants change."""
    part = assignment.rubric.part(part_id)
    ref = assignment.reference.parts.get(part_id)
    text = json.dumps([part.model_dump(mode="json"), ref.model_dump(mode="json") if ref else None,
                       assignment.reference.constants], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


# --- the file -------------------------------------------------------------------------------------------


def read(path: Path) -> list[Decision]:
    """The decisions of an overrides file ([] when there is none). Raises OverridesError naming the entry."""
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OverridesError(f"{path}: not a readable JSON file ({exc})") from None
    entries = data.get("decisions") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise OverridesError(f"{path}: expected {{\"decisions\": [...]}}")
    decisions = []
    for i, entry in enumerate(entries):
        try:
            decisions.append(Decision.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise OverridesError(f"{path}: decision {i + 1}: {where}: {first['msg']}") from None
    return decisions


def write(path: Path, decisions: list[Decision]) -> None:
    data = {"decisions": [d.model_dump(mode="json", exclude_none=True) for d in decisions]}
    atomic.write_json(path, data, fsync=True)


def record(path: Path, decision: Decision) -> list[Decision]:
    """Add a decision (replacing an earlier one on the same submission part or group) and write the file."""
    decisions = [d for d in read(path) if d.ident != decision.ident]
    decisions.append(decision)
    write(path, decisions)
    return decisions


def remove(path: Path, ident: tuple[str, ...]) -> list[Decision]:
    decisions = [d for d in read(path) if d.ident != ident]
    write(path, decisions)
    return decisions


# --- applying them --------------------------------------------------------------------------------------


@dataclass
class Applied:
    """A decision as it landed on one submission's part."""

    decision: Decision
    machine: float  # the grader's score of the part
    score: float  # the part's score with the decision
    stale: bool

    def mark(self) -> str:
        what = "accepted" if self.decision.score is None else f"{self.machine:g} → {self.score:g}"
        by = f" by {self.decision.who}" if self.decision.who else ""
        return f"{what}{by}{' (stale)' if self.stale else ''}"


@dataclass
class Overrides:
    """The decisions of a run, indexed, with what became of each (applied, stale, not applied)."""

    assignment: Assignment
    decisions: list[Decision] = field(default_factory=list)
    applied: dict[str, dict[str, Applied]] = field(default_factory=dict)  # submission -> part -> applied
    used: set[tuple[str, ...]] = field(default_factory=set)
    changed_answer: dict[tuple[str, ...], Decision] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fingerprints = {p.id: part_fingerprint(self.assignment, p.id) for p in self.assignment.rubric.parts}
        self._by_submission = {(d.submission, d.part): d for d in self.decisions if d.scope == "submission"}
        self._by_group = {(d.part, d.engine, d.key): d for d in self.decisions if d.scope == "group"}
        self._points = {p.id: p.points for p in self.assignment.rubric.parts}
        self._sections = {p.id: {"formula": p.formula.points if p.formula else 0.0,
                                 "text": p.text.points if p.text else 0.0} for p in self.assignment.rubric.parts}

    @classmethod
    def load(cls, outdir: Path, assignment: Assignment) -> Overrides:
        return cls(assignment, read(outdir / FILE))

    def group_decision(self, part: str, engine: str, key: str) -> Decision | None:
        return self._by_group.get((part, engine, key))

    def submission_decision(self, submission: str, part: str) -> Decision | None:
        return self._by_submission.get((submission, part))

    def __bool__(self) -> bool:
        return bool(self.decisions)

    def apply(self, row: Row) -> Row:
        """The row with the decisions that concern it: part scores, statuses and total; each part marked."""
        if not self.decisions:
            return row
        name = row.get("submission", "")
        self.applied.pop(name, None)
        parts, total, touched = [], float(row.get("total", 0.0)), False
        for part in row.get("parts", []):
            done = self._apply_part(name, part)
            if done is not None:
                touched = True
                total += done.score - done.machine
                part = {**part, "score": done.score, "machine": done.machine, "status": self._status(part, done),
                        "decision": {"mark": done.mark(), "comment": done.decision.comment,
                                     "who": done.decision.who, "stale": done.stale}}
                self.applied.setdefault(name, {})[part["id"]] = done
            parts.append(part)
        return {**row, "parts": parts, "total": round(total, 4)} if touched else row

    def _apply_part(self, name: str, part: Row) -> Applied | None:
        pid = part.get("id", "")
        machine = float(part.get("score", 0.0))
        mine = self._by_submission.get((name, pid))
        if mine is not None:
            if mine.answer and mine.answer != part.get("digest"):
                self.changed_answer[mine.ident] = mine
            else:
                self.used.add(mine.ident)
                # A hand-edited file cannot give more than the part is worth, nor less than nothing.
                score = machine if mine.score is None else min(max(mine.score, 0.0), self._points.get(pid, 0.0))
                return Applied(mine, machine, score, mine.rubric != self.fingerprints.get(pid))
        score, found = machine, None
        for engine, key, _reading, _verdict, section, *_ in part.get("groups", []):
            decision = self._by_group.get((pid, engine, key))
            if decision is None:
                continue
            self.used.add(decision.ident)
            found = found or decision
            if decision.score is not None:
                cap = self._sections.get(pid, {}).get(engine, decision.score)
                score += min(max(decision.score, 0.0), cap) - float(section)
        if found is None:
            return None
        return Applied(found, machine, round(score, 4), found.rubric != self.fingerprints.get(pid))

    def _status(self, part: Row, done: Applied) -> str:
        if done.decision.score is None:
            return part.get("status", "")
        points = self.assignment.rubric.part(part["id"]).points if part.get("id") in self.fingerprints else 0.0
        if points and done.score >= points - _EPS:
            return "correct"
        return "partial" if done.score > _EPS else "incorrect"

    # --- what the summary says ---------------------------------------------------------------------------

    def stale(self) -> list[Decision]:
        return [d for d in self.decisions if d.ident in self.used and d.rubric != self.fingerprints.get(d.part)]

    def unmatched(self) -> list[Decision]:
        return [d for d in self.decisions if d.ident not in self.used and d.ident not in self.changed_answer]

    def summary_lines(self, limit: int = 10) -> list[str]:
        if not self.decisions:
            return []
        parts = sum(len(v) for v in self.applied.values())
        lines = [f"{len(self.decisions)} TA decisions in {FILE}: applied to {parts} answers of "
                 f"{len(self.applied)} submissions"]
        for title, group in (("stale (the part's rubric or reference changed since; still applied)", self.stale()),
                             ("not applied: the answer changed since", list(self.changed_answer.values())),
                             ("not applied: no answer matches any more", self.unmatched())):
            if group:
                lines.append(f"{len(group)} {title}:")
                lines.extend(f"  {d.label()} (by {d.who or 'unknown'}, {d.when or 'undated'})" for d in group[:limit])
                if len(group) > limit:
                    lines.append(f"  and {len(group) - limit} more")
        return lines


# --- the results files ----------------------------------------------------------------------------------


def _review_note(applied: Applied, max_score: float) -> str:
    d = applied.decision
    if d.score is None:
        head = f"**Reviewed by a TA{f' ({markdown_text(d.who)})' if d.who else ''}:** the score stands."
    else:
        head = (f"**Reviewed by a TA{f' ({markdown_text(d.who)})' if d.who else ''}:** score set to "
                f"{applied.score:g} / {max_score:g} (the grader gave {applied.machine:g}).")
    return head + (f"\n\n**TA's comment:** {markdown_text(d.comment)}" if d.comment.strip() else "")


def _restore(test: dict[str, Any]) -> bool:
    extra = test.get("extra_data") or {}
    was = extra.pop("override", None)
    if not isinstance(was, dict):
        return False
    test["score"], test["output"], test["status"] = was["machine_score"], was["machine_output"], was["machine_status"]
    return True


def apply_to_result(path: Path, decided: dict[str, Applied]) -> bool:
    """Rewrite one results.json with its decisions (undoing earlier ones first). True when it changed."""
    try:
        original = path.read_text(encoding="utf-8")
        document = json.loads(original)
    except (OSError, ValueError):
        return False
    changed = False
    for test in document.get("tests", []):
        changed |= _restore(test)
        applied = decided.get(str(test.get("number")))
        if applied is None:
            continue
        changed = True
        extra = test.setdefault("extra_data", {})
        extra["override"] = {
            "machine_score": test["score"], "machine_output": test["output"], "machine_status": test["status"],
            "score": applied.score, "comment": applied.decision.comment, "who": applied.decision.who,
            "when": applied.decision.when, "scope": applied.decision.scope, "stale": applied.stale,
        }
        max_score = float(test.get("max_score", 0.0))
        test["score"] = applied.score
        test["status"] = "passed" if max_score and applied.score >= max_score - _EPS else "failed"
        body = re.sub(r"\*\*Score:\*\* [^\n]*", lambda _: f"**Score:** {applied.score:g} / {max_score:g}", test["output"])
        test["output"] = _review_note(applied, max_score) + "\n\n" + body
    if not changed:
        return False
    score = round(sum(float(t.get("score", 0.0)) for t in document.get("tests", [])), 4)
    document["score"] = score
    document["output"] = re.sub(r"^Score: [^ ]+ / ([0-9.]*[0-9])[^\n]*", lambda m: f"Score: {score:g} / {m.group(1)}.",
                                document.get("output", ""), count=1)
    document.setdefault("extra_data", {})["reviewed"] = sorted(decided)
    if not decided:
        document["extra_data"].pop("reviewed", None)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    if text == original:
        return False  # the same decisions as last run: a rename per file is most of the cost, so skip it
    atomic.write_text(path, text, fsync=False)
    return True


def _stamp(decided: dict[str, Applied]) -> str:
    text = json.dumps([[pid, a.decision.model_dump(mode="json"), a.score, a.stale] for pid, a in sorted(decided.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def apply_to_results(results_dir: Path, state: Path, overrides: Overrides, present: Container[str]) -> None:
    """Give every results file its decisions, and take them back from files whose decision went away.

    `.batch/overridden.json` remembers, per file that carries decisions, which ones and the file's size and
    mtime after writing them: a file nobody re-graded or touched since, with the same decisions, is skipped.
    `present`: the names of the class's submissions.
    """
    marks = state / MARKS_FILE
    try:
        earlier = json.loads(marks.read_text(encoding="utf-8"))
        earlier = earlier if isinstance(earlier, dict) else {}
    except (OSError, ValueError):
        earlier = {}
    now_marked: dict[str, list[object]] = {}
    for name in sorted(n for n in set(earlier) | set(overrides.applied) if n in present):
        path = results_dir / f"{name}.json"
        decided = overrides.applied.get(name, {})
        stamp = _stamp(decided) if decided else ""
        try:
            info = path.stat()
        except OSError:
            continue
        if earlier.get(name) != [stamp, info.st_size, info.st_mtime_ns]:
            apply_to_result(path, decided)
            info = path.stat()
        if decided:
            now_marked[name] = [stamp, info.st_size, info.st_mtime_ns]
    if now_marked or earlier:
        atomic.write_json(marks, now_marked, fsync=False)
