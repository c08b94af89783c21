"""Several processes on one store: CAS, change notification within 1 s, crash recovery."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from switchover.rollout import default_plan, initial_state, kill, promote
from switchover.store import Store, open_store

PROC = str(Path(__file__).with_name("_proc.py"))
U = "user:alice"


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, PROC, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _step(store: Store, migration: str = "bot") -> int:
    """Advance (or start) the rollout by one transition; returns the new version."""
    now = datetime.now(UTC)
    state = store.get_rollout(migration) or initial_state(migration, now)
    if state.status == "complete":
        t = kill(state, now, actor=U)
    else:
        t = promote(state, default_plan(migration), now, actor=U)
    assert store.put_rollout(t.state, state.version, audit=t.event)
    return t.state.version


def test_cas_across_processes_exactly_one_wins(shared_url: str) -> None:
    with open_store(shared_url) as store:
        _step(store)
    procs = [_spawn("cas", shared_url, f"p{i}") for i in range(3)]
    outs = []
    try:
        for p in procs:
            assert p.stdout is not None
            assert p.stdout.readline().strip() == "ready 1"
    finally:
        for p in procs:  # release them all at once
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, err = p.communicate(timeout=30)
            assert p.returncode == 0, err
            outs.append(out.strip())
    assert sorted(outs) == ["lost", "lost", "won"]
    with open_store(shared_url) as store:
        state = store.get_rollout("bot")
        assert state is not None
        assert state.version == 2
        assert len(store.list_audit("bot")) == 2


def test_notification_reaches_another_process_within_a_second(shared_url: str) -> None:
    with open_store(shared_url) as store:
        _step(store)
        proc = _spawn("listen", shared_url)
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            latencies = []
            for _ in range(3):
                t0 = time.time()
                _step(store)
                line = proc.stdout.readline().split()
                assert line[1] == "bot"
                latencies.append(float(line[0]) - t0)
                time.sleep(0.1)
            assert max(latencies) < 1.0, latencies
        finally:
            proc.communicate(input="", timeout=15)
    assert proc.returncode == 0


def test_subscribe_in_process_and_unsubscribe(store_url: str) -> None:
    with open_store(store_url) as watcher:
        got: list[tuple[float, str]] = []
        changed = threading.Event()

        def cb(migration: str) -> None:
            got.append((time.time(), migration))
            changed.set()

        unsubscribe = watcher.subscribe(cb)
        writer = watcher if store_url == "sqlite://:memory:" else open_store(store_url)
        try:
            t0 = time.time()
            _step(writer, "m1")
            assert changed.wait(2.0)
            assert got[0][1] == "m1"
            assert got[0][0] - t0 < 1.0
            time.sleep(0.5)
            assert len(got) == 1  # one delivery per change, however it was learnt
            unsubscribe()
            unsubscribe()  # harmless twice
            _step(writer, "m1")
            time.sleep(0.6)
            assert len(got) == 1
        finally:
            if writer is not watcher:
                writer.close()


def test_failing_callback_does_not_stop_others(store: Store) -> None:
    seen: list[str] = []

    def broken(migration: str) -> None:
        raise RuntimeError("subscriber bug")

    store.subscribe(broken)
    store.subscribe(seen.append)
    _step(store)
    deadline = time.time() + 2
    while not seen and time.time() < deadline:
        time.sleep(0.05)
    assert seen == ["bot"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_ramp_resumes_same_stage(shared_url: str) -> None:
    proc = _spawn("advance", shared_url, "3")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "done"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=15)
    assert proc.returncode == -signal.SIGKILL
    with open_store(shared_url) as store:
        state = store.get_rollout("bot")
        assert state is not None
        assert (state.status, state.stage, state.percent, state.version) == ("canary", 2, 5, 3)
        assert [e.actor for e in store.list_audit("bot")] == ["user:crash"] * 3
