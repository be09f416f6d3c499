"""What a batch worker is doing, in a few bytes of memory it shares with the parent.

The worker notes which submission it is on, the answer it is checking, and when it last moved on; the parent
reads the note only to judge a silent worker (is it still moving?) and, once it has killed or lost one, to
blame the submission and the answer it was on. A note costs two memory writes where a message would cost a
pipe write, a wake-up and an unpickling in the parent.
"""

from __future__ import annotations

import mmap
import struct
import time

# sequence (odd while the worker writes), when (CLOCK_MONOTONIC, the same clock in every process), the
# submission's index (-1: none), the answer's digest (empty: no answer being checked).
_SEQ = struct.Struct("<Q")
_BODY = struct.Struct("<dq16s")
_BODY_AT = 8
SIZE = _BODY_AT + _BODY.size


class Beacon:
    def __init__(self) -> None:
        self._mem = mmap.mmap(-1, SIZE)  # anonymous and shared: a forked worker writes into it
        self._seq = 0
        self._index = -1
        self.note(-1, "")

    def note(self, index: int, digest: str) -> None:
        """Worker side: now on submission `index`, checking the answer named `digest` ("" between answers)."""
        self._index = index
        self._seq += 1  # odd: a reader that meets it, or a changed sequence after reading, reads again
        _SEQ.pack_into(self._mem, 0, self._seq)
        _BODY.pack_into(self._mem, _BODY_AT, time.monotonic(), index, digest.encode("ascii", "replace"))
        self._seq += 1
        _SEQ.pack_into(self._mem, 0, self._seq)

    def answer(self, digest: str) -> None:
        self.note(self._index, digest)

    def read(self) -> tuple[float, int, str]:
        """Parent side: (when the worker last moved, its submission's index, the answer's digest)."""
        for _ in range(1000):
            (seq,) = _SEQ.unpack_from(self._mem, 0)
            when, index, digest = _BODY.unpack_from(self._mem, _BODY_AT)
            if seq % 2 == 0 and _SEQ.unpack_from(self._mem, 0)[0] == seq:
                return when, index, digest.rstrip(b"\0").decode("ascii", "replace")
        return 0.0, -1, ""  # a worker that writes without pause is moving: the caller's deadline decides

    def close(self) -> None:
        self._mem.close()
