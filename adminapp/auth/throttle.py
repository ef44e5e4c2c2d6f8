"""Login throttling without lockout (issue 16).

Failed logins are throttled per (account, client IP) pair with growing delays: the first FREE_FAILURES
failures cost nothing, then each further failure makes that pair wait 2, 4, 8 … seconds (at most
MAX_DELAY_SECONDS) before the next attempt is even checked. Nobody can lock an officer out: the owner on
another computer (another IP) is not slowed at all, and a correct password ends the pair's delays. The
per-IP limit on failures (Flask-Limiter, LOGIN_LIMIT_PER_IP) stays as the bound on one source guessing
many accounts.

Counters live in the limiter's storage (RATELIMIT_STORAGE_URI): Redis shares them between app instances;
the in-memory default is per process (create_app warns when production runs it with several workers).
"""
from __future__ import annotations

import math
import time

from flask import current_app

from adminapp.extensions import limiter

FREE_FAILURES = 3
MAX_DELAY_SECONDS = 300
FAILURE_MEMORY_SECONDS = 3600  # failures older than this (since the pair's first) are forgotten


def _keys(account: str, ip: str | None) -> tuple[str, str]:
    pair = f"{(account or '').strip().lower()}|{ip or ''}"
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "adminapp")
    return f"{prefix}/login-fail/{pair}", f"{prefix}/login-wait/{pair}"


def _storage():
    return limiter.storage


def delay_for(failures: int) -> int:
    """Seconds the pair waits after its `failures`-th failure."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES + 1), MAX_DELAY_SECONDS)


def _off() -> bool:
    """Rate limiting switched off (RATELIMIT_ENABLED=false, or a test attacking the login form itself)."""
    return not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True)


def wait_seconds(account: str, ip: str | None) -> int:
    """Seconds this pair must still wait before an attempt is checked (0: go ahead)."""
    if _off():
        return 0
    _, wait_key = _keys(account, ip)
    storage = _storage()
    if not storage.get(wait_key):
        return 0
    return max(1, math.ceil(storage.get_expiry(wait_key) - time.time()))


def failed(account: str, ip: str | None) -> int:
    """Count a failure of the pair; returns the delay now imposed (seconds)."""
    if _off():
        return 0
    fail_key, wait_key = _keys(account, ip)
    storage = _storage()
    failures = storage.incr(fail_key, FAILURE_MEMORY_SECONDS)
    delay = delay_for(failures)
    if delay:
        storage.clear(wait_key)
        storage.incr(wait_key, delay)
    return delay


def succeeded(account: str, ip: str | None) -> None:
    for key in _keys(account, ip):
        _storage().clear(key)
