"""Near-synonyms from WordNet 3.0 (Princeton), read from its database files as Debian and Ubuntu install them
(`apt-get install wordnet-base`: /usr/share/wordnet, 28 MB on disk).

    near_synonyms("quick") -> frozenset({"speedy", "fast", ...})   # empty without the data

The files are sorted and their offsets are byte offsets, so a look-up is a binary search in a memory-mapped
index file and one seek per sense: nothing is loaded up front, and a rubric's few hundred words take
milliseconds. Only the most common senses of a word are read, and only single-word lemmas are kept: these
words are used for loose matches (part of a concept's points) and for suggestions to a TA, never as a match
that earns full points.

The data directory is $GRADER_WORDNET if set, else the first of DATA_DIRS that holds the files (the Python
environment's share/wordnet, where the autograder's setup.sh puts the copy its zip carries, then the system's).
"""

from __future__ import annotations

import mmap
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

# The Python environment's own copy first (the autograder's setup.sh puts the zip's there), then the system's.
DATA_DIRS = (
    Path(sys.prefix) / "share" / "wordnet",
    Path("/usr/share/wordnet"),
    Path("/usr/local/share/wordnet"),
    Path("/usr/share/WordNet-3.0/dict"),
)
_POS = ("noun", "verb", "adj", "adv")
_POS_OF = {b"n": "noun", b"v": "verb", b"a": "adj", b"s": "adj", b"r": "adv"}
# Pointers followed by `related`: derivationally related form, similar to, pertainym ("sudden" / "suddenly").
# Hypernyms ("ring" -> "sound") were measured too: no better agreement on the scored corpus's tuning questions,
# more words that mean something else. More senses than the first made no difference there either.
_RELATED = frozenset({b"+", b"&", b"\\"})
RELATED_SENSES = 1
# Senses of a word read, most common first (WordNet's index lists them by frequency in a tagged corpus):
# rarer senses bring in words that mean something else ("fast" as in "to fast").
SENSES = 1
_MAX_WORD = 40
_WORD = re.compile(r"[a-z][a-z-]*")

# Inflections to base forms WordNet indexes (its "morphy" rules, without the exception lists).
_DETACH = {
    "noun": (("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y"), ("s", "")),
    "verb": (("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""), ("s", "")),
    "adj": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "adv": (),
}


class _Files:
    """The memory-mapped index files and open data files of one WordNet directory."""

    def __init__(self, folder: Path) -> None:
        self.index = {pos: _map(folder / f"index.{pos}") for pos in _POS}
        self.data = {pos: _map(folder / f"data.{pos}") for pos in _POS}

    def offsets(self, pos: str, lemma: str) -> list[int]:
        """Synset offsets of `lemma` in one part of speech, most common sense first."""
        line = _find_line(self.index[pos], lemma.encode())
        if line is None:
            return []
        fields = line.split()
        # lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
        count, pointers = int(fields[2]), int(fields[3])
        return [int(f) for f in fields[4 + pointers + 2 : 4 + pointers + 2 + count]]

    def lemmas(self, pos: str, offset: int) -> list[str]:
        """The words of the synset at `offset`."""
        data = self.data[pos]
        end = data.find(b"\n", offset)
        fields = data[offset : end if end >= 0 else len(data)].split()
        # offset lex_filenum ss_type w_cnt (word lex_id)...   w_cnt is two hex digits
        count = int(fields[3], 16)
        return [fields[4 + 2 * k].decode("ascii", "replace").lower() for k in range(count)]

    def pointers(self, pos: str, offset: int, symbols: frozenset[bytes]) -> list[tuple[str, int]]:
        """(part of speech, offset) of the synsets the synset at `offset` points to with one of `symbols`."""
        data = self.data[pos]
        end = data.find(b"\n", offset)
        fields = data[offset : end if end >= 0 else len(data)].split()
        at = 4 + 2 * int(fields[3], 16)
        # p_cnt, then (pointer_symbol synset_offset pos source/target) for each pointer
        out = []
        for k in range(int(fields[at])):
            symbol, target, part = fields[at + 1 + 4 * k : at + 4 + 4 * k]
            if symbol in symbols:
                out.append((_POS_OF[part], int(target)))
        return out


def _map(path: Path) -> mmap.mmap:
    """A file mapped read-only: pages are read when touched, so opening costs nothing whatever its size."""
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _find_line(index: mmap.mmap, key: bytes) -> bytes | None:
    """The line of a sorted index file that starts with `key` and a space (binary search over line starts)."""
    lo, hi = 0, len(index)
    target = key + b" "
    while lo < hi:
        mid = (lo + hi) // 2
        start = index.rfind(b"\n", 0, mid) + 1
        end = index.find(b"\n", start)
        end = len(index) if end < 0 else end
        line = index[start:end]
        if line.startswith(b"  "):  # the licence at the top sorts before every word
            lo = end + 1
            continue
        if line.startswith(target):
            return line
        if line < target:
            lo = end + 1
        else:
            hi = start
    return None


def data_dir() -> Path | None:
    """The folder WordNet's files are read from, or None when none holds them."""
    configured = os.environ.get("GRADER_WORDNET")
    for folder in [Path(configured)] if configured else [*DATA_DIRS]:
        if all((folder / f"{kind}.{pos}").is_file() for kind in ("index", "data") for pos in _POS):
            return folder
    return None


@lru_cache(maxsize=1)
def _files() -> _Files | None:
    folder = data_dir()
    if folder is None:
        return None
    try:
        return _Files(folder)
    except (OSError, ValueError):
        return None


def available() -> bool:
    """Whether WordNet's data files are installed (see the module's docstring)."""
    return _files() is not None


def _base_forms(word: str, pos: str) -> list[str]:
    """The word's possible base forms, then the word itself: "scores" is "score" before it is the lemma
    "scores" (a large number)."""
    forms = []
    for suffix, replacement in _DETACH[pos]:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            forms.append(word[: len(word) - len(suffix)] + replacement)
    return [*forms, word]


@lru_cache(maxsize=16384)
def near_synonyms(word: str) -> frozenset[str]:
    """Single words that share one of the most common senses of `word`, `word` itself excluded. Only the part
    of speech in which the word has the most senses is read ("form" as a noun, not as "make"; "hold" as a
    verb). Empty when WordNet is not installed or the word is unknown."""
    files = _files()
    word = word.lower()
    if files is None or len(word) > _MAX_WORD or not _WORD.fullmatch(word):
        return frozenset()
    try:
        return _near(files, word)
    except (ValueError, IndexError):  # a damaged data file: no near-synonyms rather than a failed grading
        return frozenset()


@lru_cache(maxsize=16384)
def known(word: str) -> bool | None:
    """Whether WordNet has `word` (or a base form of it) in any part of speech; None when WordNet is not installed."""
    files = _files()
    if files is None:
        return None
    word = word.lower()
    if len(word) > _MAX_WORD or not _WORD.fullmatch(word):
        return False
    try:
        return any(files.offsets(pos, form) for pos in _POS for form in _base_forms(word, pos))
    except (ValueError, IndexError):
        return None


def _near(files: _Files, word: str) -> frozenset[str]:
    best: tuple[int, str, list[int]] | None = None
    for pos in _POS:
        for form in dict.fromkeys(_base_forms(word, pos)):
            offsets = files.offsets(pos, form)
            if offsets:
                if best is None or len(offsets) > best[0]:
                    best = (len(offsets), pos, offsets)
                break  # the first base form WordNet knows is the word's lemma in this part of speech
    if best is None:
        return frozenset()
    _, pos, offsets = best
    out = {w.split("(", 1)[0] for offset in offsets[:SENSES] for w in files.lemmas(pos, offset) if "_" not in w}
    out.discard(word)
    return frozenset(out)

def mutual(word: str) -> frozenset[str]:
    """Near-synonyms of `word` of four letters or more that have `word` among their own near-synonyms: a
    synonym through a rare sense of either word ("come" for "number", "stacked" for "scores") is left out."""
    word = word.lower()
    return frozenset(w for w in near_synonyms(word) if len(w) >= 4 and word in near_synonyms(w))


@lru_cache(maxsize=16384)
def related(word: str) -> frozenset[str]:
    """Single words related to the most common sense of `word` in each part of speech: its synonyms, its
    derivations ("exclusive" -> "exclude"), similar adjectives and pertainyms. Looser than `near_synonyms`: used to recognise a concept
    stated in other words (grader.text.paraphrase), for part of its points, never for a full match."""
    files = _files()
    word = word.lower()
    if files is None or len(word) > _MAX_WORD or not _WORD.fullmatch(word):
        return frozenset()
    out: set[str] = set()
    try:
        for pos in _POS:
            for form in dict.fromkeys(_base_forms(word, pos)):
                offsets = files.offsets(pos, form)
                if not offsets:
                    continue
                for offset in offsets[:RELATED_SENSES]:
                    targets = [(pos, offset), *files.pointers(pos, offset, _RELATED)]
                    for tpos, toff in targets:
                        out.update(w.split("(", 1)[0] for w in files.lemmas(tpos, toff) if "_" not in w)
                break
    except (ValueError, IndexError):
        return frozenset()
    out.discard(word)
    return frozenset(out)
