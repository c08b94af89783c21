"""``run``: :func:`asyncio.run` for coroutines that return large objects.

On Python 3.11 and 3.12, ``asyncio.run`` in the main thread installs a SIGINT handler that is
a ``functools.partial`` holding the main task, and restores the old one on exit through
``signal.getsignal`` / ``signal.signal``. Both try ``signal.Handlers(handler)`` first, whose
``ValueError`` message is built with ``repr(handler)``: the repr of the finished task, which
includes the repr of its result. For an evaluation report of 10,000 cases that repr took 4 s,
twice, per run (more than the cached re-run itself). Here the main task's result is always
``None``; the coroutine's value is handed back beside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run"]

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion in a new event loop and return its result (or raise)."""
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]
