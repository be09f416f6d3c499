"""The answer cache of a batch worker: an answer already graded in this run is not checked again.

The key is the part and the answer text with trailing whitespace removed: that can change neither what a
formula means nor where a reading error points, so two answers with the same key always get the same
verdict. (The engines' canonical forms group answers in the report; computing them costs a full check.)
The cache is bounded (a segmented LRU) so a worker's memory stays flat however large the class.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Callable

from grader.rubric import Part
from grader.sandbox import SandboxFailure

# Popular answers stay hot; the long tail passes through. ~13 KB per entry: a worker stays under ~110 MB.
DEFAULT_CACHE_SIZE = 4096

Key = tuple[str, str]


def answer_key(part: Part, answer: str) -> Key:
    return (part.id, answer.rstrip())


def digest(key: Key) -> str:
    """A short stable name for a key, small enough to send to the parent before every check."""
    return hashlib.blake2b(f"{key[0]}\0{key[1]}".encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class AnswerCache:
    """Engine outcomes (or the failure they ended in) per answer key, in a segmented LRU.

    A new answer enters a small probation segment; an answer seen again moves to the protected segment. The
    long tail of answers given once passes through probation without pushing out the popular ones.
    """

    def __init__(self, size: int = DEFAULT_CACHE_SIZE):
        self.size = size
        self._probation: OrderedDict[Key, Any] = OrderedDict()
        self._protected: OrderedDict[Key, Any] = OrderedDict()
        self._probation_size = max(1, size // 4)
        self._protected_size = max(1, size - self._probation_size)
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> Any:
        value = self._protected.get(key)
        if value is not None:
            self._protected.move_to_end(key)
        else:
            value = self._probation.pop(key, None)
            if value is None:
                return None
            self._protected[key] = value
            if len(self._protected) > self._protected_size:
                old_key, old_value = self._protected.popitem(last=False)
                self._admit(old_key, old_value)  # demoted, not dropped: it gets one more chance
        self.hits += 1
        return value

    def put(self, key: Key, value: Any) -> None:
        self.misses += 1
        self._admit(key, value)

    def _admit(self, key: Key, value: Any) -> None:
        if self.size <= 0:
            return  # size 0: no cache, every answer is checked (what the batch tests compare the cache with)
        self._probation[key] = value
        if len(self._probation) > self._probation_size:
            self._probation.popitem(last=False)

    def __len__(self) -> int:
        return len(self._probation) + len(self._protected)


class CachedRunner:
    """Stands in for the sandbox in `grading.grade_part`: runs the check in this process, through the cache.

    The batch worker process is itself the guarded unit: `announce` tells the parent which answer is being
    checked (by its digest, and "" once the check is over), so a worker that hangs or dies is blamed on that
    answer, and `poisoned` holds the answers that did so (they fail at once with the same failure instead of
    costing another worker).
    """

    def __init__(self, cache: AnswerCache, announce: Callable[[str], None] | None = None):
        self.cache = cache
        self.announce = announce
        self.poisoned: dict[str, str] = {}

    def run(self, func: Callable[..., Any], part: Part, answer: str, *rest: Any) -> Any:
        key = answer_key(part, answer)
        cached = self.cache.get(key)
        if cached is None:
            name = digest(key)
            if name in self.poisoned:
                cached = SandboxFailure(self.poisoned[name], "this answer stopped a batch worker before")
            else:
                if self.announce is not None:
                    self.announce(name)
                try:
                    cached = func(part, answer, *rest)
                except MemoryError:
                    cached = SandboxFailure("memory", "the grading ran out of memory")
                except RecursionError:
                    cached = SandboxFailure("memory", "the grading nested too deeply")
                finally:
                    if self.announce is not None:
                        self.announce("")
            self.cache.put(key, cached)
        if isinstance(cached, SandboxFailure):
            raise SandboxFailure(cached.kind, cached.detail)  # a fresh one: a re-raised one grows its traceback
        return cached
