"""Platforms' public key sets, kept for an hour instead of fetched on every launch.

A launch whose id_token names a key (`kid`) the kept set does not have fetches the set again at once: a
platform that rotates its keys is never refused for it, and an expired entry is fetched again too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

KEEP_SECONDS = 3600
MAX_KEY_SETS = 256  # one per registered platform; the oldest is dropped beyond it

_kept: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


def _kids(key_set: dict) -> set:
    return {key.get("kid") for key in (key_set or {}).get("keys", []) if isinstance(key, dict)}


def key_set(url: str, kid: str | None, fetch: Callable[[], dict], *, now: Callable[[], float] = time.monotonic
            ) -> dict:
    """The platform's key set: the kept one while it is fresh and holds `kid`, else `fetch()`ed and kept."""
    with _lock:
        found = _kept.get(url)
    if found is not None and now() - found[0] < KEEP_SECONDS and kid in _kids(found[1]):
        return found[1]
    fresh = fetch()
    with _lock:
        _kept.pop(url, None)
        while len(_kept) >= MAX_KEY_SETS:
            _kept.pop(next(iter(_kept)))
        _kept[url] = (now(), fresh)
    return fresh


def forget() -> None:
    with _lock:
        _kept.clear()
