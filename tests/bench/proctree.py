"""Looking at a process tree through /proc (Linux): is a group still running, how much memory does a session
hold. Shared by the benchmarks and the tests that kill or measure whole runs."""

from __future__ import annotations

import os
import subprocess
import threading
import time


def _stat_fields(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            # The command name may hold spaces and parentheses: the fields start after the last ")".
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive_in_group(group: int) -> bool:
    """Whether a process of the group is still running (zombies waiting for a reaper do not count)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat_fields(pid)
        if fields is not None and int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def session_rss_kb(session: int) -> int:
    """Resident memory summed over a session (`timeout` starts a process group of its own; the session
    holds them all)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat_fields(pid)
        if fields is None or int(fields[3]) != session:
            continue
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total


class PeakRss:
    """Samples the summed RSS of a process's session every 20 ms while it runs (start it with
    start_new_session=True); `mb()` waits for the sampling to end and gives the peak."""

    def __init__(self, proc: subprocess.Popen):
        self._proc = proc
        self._peak = 0
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self._proc.poll() is None:
            self._peak = max(self._peak, session_rss_kb(self._proc.pid))
            time.sleep(0.02)

    def mb(self) -> float:
        self._thread.join()
        return self._peak / 1024
