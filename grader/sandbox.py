"""Run one answer's grading in a worker process with a wall-clock and a memory limit.

The worker is forked once and reused, so the cost per answer is a pipe round trip, not a process start.
A call that overruns its time is ended by killing the worker (a timer inside the worker cannot interrupt a
long C-level computation); a call that exhausts the worker's address-space limit fails with MemoryError or
kills the worker. Either way the caller gets a `SandboxFailure` and the next call gets a fresh worker.
"""

from __future__ import annotations

import multiprocessing
import resource
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 512


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB


class SandboxFailure(Exception):
    """The call did not finish: `kind` is "timeout", "memory" or "crash"; `detail` is for instructors."""

    def __init__(self, kind: str, detail: str = ""):
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind}: {detail}" if detail else kind)


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at what it maps now plus `memory_mb` (the interpreter, sympy, ...
    are already mapped in a forked worker, so the budget is for the grading itself)."""
    budget = _vm_size_bytes() + memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    except (ValueError, OSError):
        pass


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, even mid-computation (no-op elsewhere)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_loop(conn: Connection, parent_end: Connection, memory_mb: int) -> None:
    # A forked child inherits the parent's end too; closing it lets the worker see EOF when the parent closes.
    parent_end.close()
    die_with_parent()
    limit_memory(memory_mb)
    while True:
        try:
            func, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", func(*args))
        except MemoryError:
            reply = ("memory", "the grading ran out of memory")
        except RecursionError:
            reply = ("memory", "the grading nested too deeply")
        except BaseException:  # noqa: BLE001 - the worker must answer whatever happened
            reply = ("crash", traceback.format_exc(limit=20))
        try:
            conn.send(reply)
        except Exception:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(("crash", traceback.format_exc(limit=5)))


class Sandbox:
    """A reusable worker process. Use as a context manager, or call `close()`."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._ctx = multiprocessing.get_context(method)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        parent, child = self._ctx.Pipe()
        self._process = self._ctx.Process(target=_worker_loop, args=(child, parent, self.limits.memory_mb), daemon=True)
        self._process.start()
        child.close()
        self._conn = parent
        return parent

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """Call func(*args) in the worker; return its result or raise SandboxFailure."""
        conn = self._conn if self._process is not None and self._process.is_alive() else self._start()
        assert conn is not None
        try:
            conn.send((func, args))
            if not conn.poll(self.limits.timeout):
                self._kill()
                raise SandboxFailure("timeout", f"no answer within {self.limits.timeout:g} s")
            status, value = conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._kill()
            raise SandboxFailure("crash", f"the worker died ({type(exc).__name__})") from None
        if status == "ok":
            return value
        raise SandboxFailure(status, value)

    def _kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        if self._process is not None:
            self._process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._process = None
        self._conn = None

    def close(self) -> None:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            self._conn.close()
            self._process.join(timeout=1)
        self._kill()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

