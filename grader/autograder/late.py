"""The late penalty: how far past the student's own due date a submission was made, and what it costs.

Lateness comes from the metadata's `created_at`, never from the clock: a regrade weeks later must give
the same score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from grader.autograder.metadata import SubmissionInfo
from grader.autograder.policy import LatePolicy

DAY = timedelta(days=1)


@dataclass(frozen=True)
class LatePenalty:
    late_by: timedelta
    days: int           # started days past the due date (after the grace period)
    percent: float      # of the earned score, after the cap
    points: float       # deducted
    message: str        # for the student


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return " ".join(parts) or "less than a minute"


def late_penalty(info: SubmissionInfo, policy: LatePolicy | None, earned: float) -> LatePenalty | None:
    """The penalty for this submission, or None when it is on time, no policy is set, or dates are unknown."""
    if policy is None or info.created_at is None or info.due_date is None:
        return None
    late_by = info.created_at - info.due_date
    if late_by <= timedelta(minutes=policy.grace_minutes):
        return None
    days = max(1, math.ceil((late_by - timedelta(minutes=policy.grace_minutes)) / DAY))
    percent = min(policy.max_percent, days * policy.percent_per_day)
    points = round(max(0.0, earned) * percent / 100, 4)
    whose = "your own due date" if info.due_date_is_personal else "the due date"
    when = info.due_date.strftime("%Y-%m-%d %H:%M UTC")
    message = (
        f"This submission was made {_duration(late_by)} after {whose} ({when}). "
        f"Late policy: {policy.percent_per_day:g}% of the score per started day"
        + (f", at most {policy.max_percent:g}%" if policy.max_percent < 100 else "")
        + f". Deduction: {percent:g}%."
    )
    return LatePenalty(late_by=late_by, days=days, percent=percent, points=points, message=message)
