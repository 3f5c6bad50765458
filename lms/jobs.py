"""Background work: inline unless a queue is configured (see the production issue)."""

from collections.abc import Callable


def enqueue(func: Callable, *args, **kwargs):
    """Run `func` now. Replaced by an RQ queue when REDIS_URL is set."""
    return func(*args, **kwargs)
