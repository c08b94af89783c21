"""Fixtures for provider tests: a scripted loopback wire server (see wire_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from wire_server import SleepRecorder, WireServer


@pytest.fixture
def wire() -> Iterator[WireServer]:
    with WireServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()
