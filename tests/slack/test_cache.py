"""The one cache Liaison keeps of what Slack says about people and channels."""

from __future__ import annotations

from bot.slack.cache import ExpiringCache


def test_a_value_is_fresh_for_its_ttl_then_only_the_last_known() -> None:
    now = [0.0]
    cache: ExpiringCache[str, str] = ExpiringCache(ttl=10, max_entries=5, monotonic=lambda: now[0])
    assert cache.fresh("U1") == (False, None) and cache.last("U1") is None
    cache.put("U1", "Ana")
    now[0] = 9.9
    assert cache.fresh("U1") == (True, "Ana")
    now[0] = 10
    assert cache.fresh("U1") == (False, None)
    assert cache.last("U1") == "Ana"  # for when Slack cannot answer


def test_the_least_recently_used_is_forgotten_first() -> None:
    cache: ExpiringCache[str, int] = ExpiringCache(ttl=60, max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.fresh("a") == (True, 1)  # a is used again: b is now the oldest
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.last("b") is None and cache.last("a") == 1 and cache.last("c") == 3


def test_none_is_a_value_that_can_be_kept() -> None:
    cache: ExpiringCache[str, str | None] = ExpiringCache(ttl=60, max_entries=2)
    cache.put("U1", None)  # Slack knows no zone for this person: asked once, not every time
    assert cache.fresh("U1") == (True, None)
