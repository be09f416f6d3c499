"""The answer cache keeps popular answers while a long tail of one-off answers streams through it."""

from __future__ import annotations

from grader.batch.run.cache import AnswerCache


def test_popular_answers_survive_a_long_tail_and_the_size_is_bounded():
    cache = AnswerCache(size=40)
    popular = [("4.1", f"popular {i}") for i in range(20)]
    for key in popular:
        cache.put(key, [key])
        assert cache.get(key) == [key]  # seen twice: protected
    for i in range(10_000):
        cache.put(("2.1", f"one-off answer {i}"), ["tail"])
        assert len(cache) <= 40
    assert all(cache.get(key) == [key] for key in popular)
    assert cache.get(("2.1", "one-off answer 0")) is None
