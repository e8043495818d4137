"""RepeatCache: texts are cached from their second sighting, within a bound, most recent kept."""

import threading

from servicecheck.cache import RepeatCache


def test_a_key_is_stored_only_when_put_a_second_time():
    cache = RepeatCache(10)
    cache.put("您好", 1)
    assert cache.get("您好") is None and len(cache) == 0
    cache.put("您好", 2)
    assert cache.get("您好") == 2


def test_least_recently_used_value_is_evicted_first():
    cache = RepeatCache(2)
    for key in ("a", "b", "c"):
        cache.put(key, key)
        cache.put(key, key)
        if key == "b":
            cache.get("a")  # a is now more recent than b
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") == "a" and cache.get("c") == "c"


def test_first_sightings_are_bounded_too():
    cache = RepeatCache(3)
    for n in range(1000):
        cache.put(f"text {n}", n)
    assert len(cache._seen) <= 12 and len(cache) == 0


def test_zero_size_stores_nothing():
    cache = RepeatCache(0)
    for _ in range(3):
        cache.put("k", 1)
    assert cache.get("k") is None and len(cache) == 0


def test_hits_and_misses_are_counted():
    cache = RepeatCache(4)
    cache.put("k", 1)
    cache.put("k", 1)
    cache.get("k")
    cache.get("other")
    assert (cache.hits, cache.misses) == (1, 1)


def test_concurrent_use_keeps_the_bound():
    cache = RepeatCache(50)

    def work(offset):
        for n in range(2000):
            key = (n + offset) % 300
            if cache.get(key) is None:
                cache.put(key, key)

    threads = [threading.Thread(target=work, args=(i * 7,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) <= 50
    assert all(cache.get(k) in (None, k) for k in range(300))


def test_reports_from_cached_matches_equal_fresh_ones():
    import json
    from pathlib import Path

    from servicecheck import Checker, load_pack

    call = json.loads((Path(__file__).parent.parent / "examples" / "call-credit-card.json").read_text("utf-8"))
    fresh = Checker(load_pack("bank-cn")).check(call).model_dump(exclude={"library_version"})
    checker = Checker(load_pack("bank-cn"))
    reports = [checker.check(call).model_dump(exclude={"library_version"}) for _ in range(3)]
    assert checker._candidates.hits > 0  # the third check matched nothing anew
    assert all(report == fresh for report in reports)
