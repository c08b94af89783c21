"""``switchover._aio.run``: asyncio.run that never formats a large result."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any

import pytest

from switchover import _aio


class _Counted:
    """A result that counts how often it is formatted (for a 10,000-case report, each time
    took seconds)."""

    def __init__(self) -> None:
        self.reprs = 0

    def __repr__(self) -> str:
        self.reprs += 1
        return "_Counted()"


def _work() -> tuple[_Counted, Coroutine[Any, Any, _Counted]]:
    value = _Counted()

    async def work() -> _Counted:
        await asyncio.sleep(0)
        return value

    return value, work()


def test_returns_the_value_without_formatting_it() -> None:
    before = signal.getsignal(signal.SIGINT)
    value, coro = _work()
    assert _aio.run(coro) is value
    assert value.reprs == 0
    assert signal.getsignal(signal.SIGINT) is before


def test_exceptions_propagate() -> None:
    async def boom() -> int:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        _aio.run(boom())
