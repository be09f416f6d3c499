"""The C stemmer the engine uses (PyStemmer) gives the stems of Snowball's pure-Python English stemmer, which
the rubric guide and the matching cases were written against: on every word of the rubrics and test corpora,
and on every word WordNet knows when it is installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import Stemmer
from snowballstemmer import english_stemmer

from grader.text import lexicon

ROOT = Path(__file__).resolve().parents[2]


def _project_words() -> set[str]:
    files = [*ROOT.glob("rubrics/*.yaml"), *ROOT.glob("assignments/**/*.yaml"), *ROOT.glob("tests/text/**/*.yaml")]
    return {w for f in files for w in re.findall(r"[a-z][a-z'-]*", f.read_text(encoding="utf-8").lower())}


def _wordnet_words() -> set[str]:
    folder = lexicon.data_dir()
    if folder is None:
        pytest.skip("WordNet is not installed (apt-get install wordnet-base)")
    words: set[str] = set()
    for index in folder.glob("index.*"):
        for line in index.read_text(encoding="latin-1").splitlines():
            if not line.startswith(" "):
                words.update(line.split(" ", 1)[0].split("_"))
    return words


@pytest.mark.parametrize("words", [_project_words, _wordnet_words], ids=["project", "wordnet"])
def test_c_stemmer_matches_snowball(words) -> None:
    listed = sorted(words())
    c, python = Stemmer.Stemmer("english"), english_stemmer.EnglishStemmer()
    differ = [(w, c.stemWord(w), python.stemWord(w)) for w in listed if c.stemWord(w) != python.stemWord(w)]
    assert len(listed) > 1000
    assert differ == []
