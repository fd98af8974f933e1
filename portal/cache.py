"""The cache keeps working while Redis is unreachable: it serves from the database meanwhile.

Sessions (cached_db) then read and write their database rows, and allauth's sign-in rate limits
keep counting, in PostgreSQL, for the duration: sign-in works and stays limited. The outage is
logged once (portal.outage). While Redis is away it is tried again only every few seconds, with
short timeouts, so pages never wait on it.

Keys written or deleted during the outage are deleted from Redis when it answers again: an entry
Redis kept from before (a session signed out meanwhile) must not come back.
"""

from __future__ import annotations

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .outage import Outage

# The table (portal.models.CacheFallbackEntry, made by a migration) that serves while Redis is away.
FALLBACK_TABLE = "portal_cache_fallback"
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# Keys remembered to be deleted from Redis after an outage; past this, entries expire on their own.
STALE_KEYS_MAX = 50_000


class PooledClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every cache operation: 40 µs of the 120 µs
    a read took here, on every request (the session) and several times on the results pages
    (docs/performance.md, part 32). A `Redis` holds nothing but its connection pool and is safe
    to share between threads, so one is kept for each pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # {connection pool: its Redis}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients.setdefault(pool, self._client(connection_pool=pool))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
        self.outage = Outage("Cache (Redis)")
        self._stale_keys: set[str] = set()
        self._fallback = DatabaseCache(
            FALLBACK_TABLE,
            {
                **{
                    name: params[name]
                    for name in ("KEY_PREFIX", "VERSION", "TIMEOUT")
                    if name in params
                },
                # Never evict a rate-limit counter to make room during an outage.
                "OPTIONS": {"MAX_ENTRIES": 1_000_000},
            },
        )

    def ping(self) -> bool:
        """Whether Redis itself answers (for /healthz), whatever the fallback does."""
        try:
            return bool(self._cache.get_client().ping())
        except REDIS_DOWN:
            return False

    def _call(self, method: str, *args, written=(), version=None, **kwargs):
        if not self.outage.should_skip():
            try:
                result = getattr(RedisCache, method)(self, *args, version=version, **kwargs)
            except REDIS_DOWN as error:
                self.outage.failed(error, fallback="serving the cache from the database")
            else:
                if self.outage.succeeded():
                    self._forget_stale_keys()
                return result
        if written and len(self._stale_keys) < STALE_KEYS_MAX:
            self._stale_keys.update(self.make_and_validate_key(k, version=version) for k in written)
        return getattr(self._fallback, method)(*args, version=version, **kwargs)

    def _forget_stale_keys(self) -> None:
        keys, self._stale_keys = list(self._stale_keys), set()
        if keys:
            try:
                self._cache.delete_many(keys)
            except REDIS_DOWN as error:
                self.outage.failed(error, fallback="serving the cache from the database")

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, written=[key], version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, written=[key], version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, written=[key], version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, written=[key], version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, written=[key], version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, written=list(data), version=version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._call("delete_many", keys, written=keys, version=version)

    def clear(self):
        self._fallback.clear()
        return super().clear()
