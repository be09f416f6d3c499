"""Reading `submission_metadata.json` tolerantly: fields differ from the documentation in practice, and a
missing or malformed file must never stop grading (it only means no late policy can be applied).

A missing file is normal outside Gradescope (a local `grader autograder run`), so it is not a problem in
itself: `found` records it, and the run mentions it only when a late policy needed the dates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

MAX_METADATA_BYTES = 5 * 1024 * 1024  # previous_submissions can carry whole results; anything bigger is wrong

_FRACTION = re.compile(r"(\.\d+)")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as Gradescope writes it ("2026-03-01T23:59:00.123456-08:00", "...Z"), in UTC.

    Python 3.10's fromisoformat takes neither "Z" nor fractions of other than 3 or 6 digits; naive times
    are taken as UTC. Returns None for anything else.
    """
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], text, count=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class SubmissionInfo:
    """What the autograder needs from the metadata. Every field may be unknown."""

    submission_id: str | None = None
    created_at: datetime | None = None
    due_date: datetime | None = None
    due_date_is_personal: bool = False
    students: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list, compare=False)
    found: bool = True  # False when there was no metadata file at all

    def as_extra_data(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "submission_id": self.submission_id,
            "created_at": iso(self.created_at),
            "due_date": iso(self.due_date),
            "due_date_is_personal": self.due_date_is_personal,
            "students": list(self.students),
            **({"metadata_problems": self.problems} if self.problems else {}),
        }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _latest(moments: list[datetime | None]) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def read_metadata(path: Path) -> SubmissionInfo:
    """Read the metadata file. Never raises; what could not be read is listed in `problems`."""
    try:
        if path.is_symlink() or not path.is_file():
            return SubmissionInfo(found=False)
        with path.open("rb") as handle:
            raw = handle.read(MAX_METADATA_BYTES + 1)
        if len(raw) > MAX_METADATA_BYTES:
            return SubmissionInfo(problems=[f"{path.name} is larger than {MAX_METADATA_BYTES} bytes"])
        data = json.loads(raw.decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError) as exc:
        return SubmissionInfo(problems=[f"{path.name} could not be read: {type(exc).__name__}"])
    return metadata_from(data)


def metadata_from(data: Any) -> SubmissionInfo:
    """Interpret parsed metadata. A group's own due date is the latest of its members' (the kindest)."""
    problems: list[str] = []
    top = _dict(data)
    if not top:
        problems.append("the metadata is not a JSON object")
    assignment = _dict(top.get("assignment"))
    users = [u for u in top.get("users") or [] if isinstance(u, dict)] if isinstance(top.get("users"), list) else []

    created_at = parse_time(top.get("created_at"))
    if created_at is None:
        problems.append("created_at is missing or not a timestamp")
    personal = [_dict(u.get("assignment")) for u in users]
    personal_due = _latest([parse_time(p.get("due_date")) for p in personal])
    due = personal_due or parse_time(assignment.get("due_date"))
    if due is None:
        problems.append("no due date found")

    students = []
    for user in users:
        name = user.get("name") or user.get("email") or user.get("sid") or user.get("id")
        if isinstance(name, (str, int)):
            students.append(str(name)[:200])
    ident = top.get("id")
    return SubmissionInfo(
        submission_id=str(ident)[:64] if isinstance(ident, (str, int)) else None,
        created_at=created_at,
        due_date=due,
        due_date_is_personal=personal_due is not None,
        students=tuple(students),
        problems=problems,
    )
