"""The WordNet reader (grader.text.lexicon), on a small database written here in WordNet's own file format,
and on the installed one where there is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.text import lexicon

LICENCE = "  1 This software and database is being provided to you, the LICENSEE, by Princeton University\n"

# (part of speech, synsets as lists of words), most common sense of each word first.
SYNSETS = {
    "noun": [["probability", "chance"], ["chance", "opportunity"], ["form", "word_form", "signifier"], ["data", "information"]],
    "verb": [["form", "make"], ["hold", "keep"]],
    "adj": [["few"]],
    "adv": [["directly", "straight"]],
}


def _write_wordnet(folder: Path) -> None:
    for pos, synsets in SYNSETS.items():
        data = LICENCE.encode()
        offsets: dict[str, list[int]] = {}
        for words in synsets:
            offset = len(data)
            fields = [f"{offset:08d}", "00", pos[0], f"{len(words):02x}"]
            for word in words:
                fields += [word, "0"]
                offsets.setdefault(word, []).append(offset)
            data += (" ".join(fields + ["000", "|", "a gloss"]) + "  \n").encode()
        index = LICENCE
        for word in sorted(offsets):
            offs = offsets[word]
            index += " ".join([word, pos[0], str(len(offs)), "0", str(len(offs)), "0", *(f"{o:08d}" for o in offs)]) + "  \n"
        (folder / f"data.{pos}").write_bytes(data)
        (folder / f"index.{pos}").write_text(index)


@pytest.fixture
def small_wordnet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _write_wordnet(tmp_path)
    monkeypatch.setenv("GRADER_WORDNET", str(tmp_path))
    lexicon._files.cache_clear()
    lexicon.near_synonyms.cache_clear()
    lexicon.related.cache_clear()
    yield tmp_path
    lexicon._files.cache_clear()
    lexicon.near_synonyms.cache_clear()
    lexicon.related.cache_clear()


@pytest.mark.parametrize(
    "word, expected",
    [
        ("probability", {"chance"}),  # its first sense
        ("chance", {"probability"}),  # the first sense only: not "opportunity"
        ("form", {"signifier"}),  # the noun (more senses than the verb), not "make"; multiword lemmas left out
        ("hold", {"keep"}),
        ("holds", {"hold", "keep"}),  # an inflection finds its lemma, which is a near-synonym too
        ("directly", {"straight"}),
        ("fewer", {"few"}),  # "few" and "fewer" have different stems
        ("datum", set()),  # not in this database
        ("", set()),
        ("../../etc/passwd", set()),  # hostile input is not a word: no look-up at all
        ("x" * 5000, set()),
    ],
)
def test_near_synonyms_read_the_most_common_sense(small_wordnet: Path, word: str, expected: set[str]) -> None:
    assert lexicon.available()
    assert lexicon.near_synonyms(word) == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        ("chance", {"probability"}),  # its most common sense only
        ("form", {"signifier", "make"}),  # in every part of speech
        ("holds", {"hold", "keep"}),
        ("../../etc/passwd", set()),
    ],
)
def test_related_words_read_the_first_sense_in_every_part_of_speech(small_wordnet: Path, word: str, expected: set[str]) -> None:
    assert lexicon.related(word) == expected


def test_every_word_of_the_index_is_found_by_the_binary_search(small_wordnet: Path) -> None:
    for pos, synsets in SYNSETS.items():
        files = lexicon._files()
        assert files is not None
        for words in synsets:
            for word in words:
                assert files.offsets(pos, word), (pos, word)
        assert files.offsets(pos, "aaa") == [] and files.offsets(pos, "zzz") == []


def test_a_damaged_database_gives_no_near_synonyms_and_no_error(small_wordnet: Path) -> None:
    (small_wordnet / "index.noun").write_text(LICENCE + "probability n x y z\n")
    (small_wordnet / "data.verb").write_bytes(b"\x00" * 10)
    lexicon._files.cache_clear()
    assert lexicon.near_synonyms("probability") == frozenset()
    assert lexicon.near_synonyms("hold") == frozenset()
    assert lexicon.related("hold") == frozenset()


def test_without_the_data_there_are_no_near_synonyms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_WORDNET", str(tmp_path / "missing"))
    lexicon._files.cache_clear()
    lexicon.near_synonyms.cache_clear()
    try:
        assert not lexicon.available()
        assert lexicon.near_synonyms("probability") == frozenset()
    finally:
        lexicon._files.cache_clear()
        lexicon.near_synonyms.cache_clear()


@pytest.mark.skipif(not lexicon.available(), reason="WordNet is not installed (apt-get install wordnet-base)")
@pytest.mark.parametrize(
    "word, synonym", [("probability", "chance"), ("data", "information"), ("hold", "keep"), ("directly", "straight")]
)
def test_the_installed_wordnet(word: str, synonym: str) -> None:
    assert synonym in lexicon.near_synonyms(word)


@pytest.mark.skipif(not lexicon.available(), reason="WordNet is not installed (apt-get install wordnet-base)")
@pytest.mark.parametrize(
    "word, other",
    [("exclusive", "exclude"), ("sudden", "abrupt"), ("faked", "fake"), ("directly", "straight")],
)
def test_related_words_follow_derivations_and_similar_words(word: str, other: str) -> None:
    assert other in lexicon.related(word)


def test_grader_check_notes_when_near_synonyms_are_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from grader.cli import main

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("GRADER_WORDNET", str(tmp_path / "missing"))
    lexicon._files.cache_clear()
    try:
        assert main(["check", str(root / "rubrics" / "hw3.yaml"), "--no-examples"]) == 0
    finally:
        lexicon._files.cache_clear()
    captured = capsys.readouterr()
    assert "note: near-synonyms off on this machine" in captured.err
    assert "near-synonyms" not in captured.out  # the files' problems stay as they are
