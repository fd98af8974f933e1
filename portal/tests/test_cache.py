"""The cache while Redis is away: served from the database, logged once, nothing stale after."""

import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.cache import ResilientRedisCache
from tests.faults import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis():
    server = RedisServer().start()
    yield server
    if server.process is not None:
        server.process.send_signal(signal.SIGCONT)
        server.stop()


@pytest.fixture
def cache(redis):
    cache = ResilientRedisCache(
        redis.url(), {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )
    cache.outage.retry_after = 0  # try Redis again on every call, to see it come back at once
    return cache


def test_served_from_the_database_while_redis_is_away(cache, redis, caplog):
    cache.set("counter", 1)
    assert cache.get("counter") == 1 and cache.ping()
    redis.stop()
    assert cache.get("counter") is None  # Redis's copy is out of reach; the database has none
    assert cache.add("lock", True) and not cache.add("lock", True)
    cache.set("counter", 5)
    assert cache.incr("counter") == 6 and cache.get_many(["counter"]) == {"counter": 6}
    cache.delete_many(["counter"])
    assert not cache.has_key("counter") and not cache.ping()
    warnings = [r for r in caplog.records if "Cache (Redis) unreachable" in r.getMessage()]
    assert len(warnings) == 1


def test_what_changed_during_the_outage_is_not_served_stale_afterwards(cache, redis, caplog):
    cache.set("session", "signed in")
    redis.process.send_signal(signal.SIGSTOP)  # a network partition: Redis keeps its data
    cache.delete("session")  # signed out meanwhile: only the database knows
    assert cache.get("session") is None
    redis.process.send_signal(signal.SIGCONT)
    assert cache.get("session") is None  # not "signed in" again from Redis's old copy
    assert any("answers again" in r.getMessage() for r in caplog.records)
    cache.set("session", "new")
    assert cache.get("session") == "new" and cache.ping()


def test_one_client_for_each_pool_answers_many_threads_at_once(cache):
    """The Redis client is made once, not for every operation, and shared by the web server's
    threads: each reads back what it wrote."""
    assert cache._cache.get_client() is cache._cache.get_client(write=True)

    def round_trip(n):
        cache.set(f"thread-{n}", n)
        return cache.get(f"thread-{n}")

    with ThreadPoolExecutor(max_workers=8) as threads:
        assert list(threads.map(round_trip, range(64))) == list(range(64))
