"""The sandbox bounds time and memory, survives a dead worker, and reuses its worker otherwise."""

from __future__ import annotations

import os
import time

import pytest

from grader.sandbox import Limits, Sandbox, SandboxFailure


def _pid() -> int:
    return os.getpid()


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def _die() -> None:
    os._exit(3)


def _raise() -> None:
    raise ValueError("boom")


@pytest.mark.parametrize(
    "func,args,kind",
    [(_sleep, (30,), "timeout"), (_allocate, (4096,), "memory"), (_die, (), "crash"), (_raise, (), "crash")],
    ids=["timeout", "memory", "worker-dies", "exception"],
)
def test_failures_are_reported_and_the_next_call_works(func, args, kind):
    with Sandbox(Limits(timeout=1.0, memory_mb=256)) as box:
        with pytest.raises(SandboxFailure) as failure:
            box.run(func, *args)
        assert failure.value.kind == kind
        assert box.run(_sleep, 0) == "done"


def test_the_worker_is_another_process_and_is_reused():
    with Sandbox() as box:
        first = box.run(_pid)
        assert first != os.getpid()
        assert box.run(_pid) == first
