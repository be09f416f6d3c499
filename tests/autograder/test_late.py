"""Late penalties from submission_metadata.json (tolerant reading, per-student due dates), data-driven."""

from __future__ import annotations

import pytest
import yaml

from grader.autograder.late import late_penalty
from grader.autograder.metadata import metadata_from, parse_time, read_metadata
from grader.autograder.policy import LatePolicy

from agutil import DATA, base_metadata, merged

CASES = yaml.safe_load((DATA / "late_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_late_penalty(case):
    info = metadata_from(merged(base_metadata(), case["metadata"]))
    policy = LatePolicy(**case["policy"]) if case["policy"] is not None else None
    penalty = late_penalty(info, policy, case["earned"])
    if case["expect"] is None:
        assert penalty is None
    else:
        assert penalty is not None
        assert (penalty.days, penalty.percent, penalty.points) == (
            case["expect"]["days"], case["expect"]["percent"], case["expect"]["points"])
        assert "after" in penalty.message and f"{penalty.percent:g}%" in penalty.message


def test_timestamps_gradescope_writes_parse_to_the_same_instant():
    same = ["2026-03-03T07:59:00-08:00", "2026-03-03T15:59:00Z", "2026-03-03T15:59:00.000000+00:00",
            "2026-03-03T15:59:00.0000000Z", "2026-03-03 15:59:00"]
    assert len({parse_time(s) for s in same}) == 1
    for bad in [None, 17, "", "tomorrow", "2026-13-01T00:00:00Z", "9" * 100]:
        assert parse_time(bad) is None


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage", b"[1, 2]", b'{"created_at": 5}', b"{" * 100_000])
def test_unreadable_metadata_is_reported_never_raised(tmp_path, content):
    path = tmp_path / "submission_metadata.json"
    path.write_bytes(content)
    info = read_metadata(path)
    assert info.created_at is None and info.problems
    assert info.found


def test_a_missing_metadata_file_is_normal_outside_gradescope(tmp_path):
    absent = read_metadata(tmp_path / "absent.json")
    assert not absent.found and absent.problems == [] and absent.created_at is None
