"""Worker processes for the cross-process store tests (run as a script)."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from switchover.rollout import default_plan, initial_state, promote
from switchover.store import open_store


def cas(url: str, name: str) -> None:
    with open_store(url) as store:
        state = store.get_rollout("bot") or initial_state("bot", datetime.now(UTC))
        t = promote(state, default_plan("bot"), datetime.now(UTC), actor=f"user:{name}")
        print(f"ready {state.version}", flush=True)
        sys.stdin.readline()  # "go": every contender has read the same version
        won = store.put_rollout(t.state, state.version, audit=t.event)
        print("won" if won else "lost", flush=True)


def listen(url: str) -> None:
    with open_store(url) as store:
        unsubscribe = store.subscribe(lambda m: print(f"{time.time()} {m}", flush=True))
        print("ready", flush=True)
        sys.stdin.read()  # until the parent closes our stdin
        unsubscribe()


def advance(url: str, steps: int) -> None:
    store = open_store(url)
    state = store.get_rollout("bot") or initial_state("bot", datetime.now(UTC))
    for _ in range(steps):
        t = promote(state, default_plan("bot"), datetime.now(UTC), actor="user:crash")
        assert store.put_rollout(t.state, state.version, audit=t.event)
        state = t.state
    print("done", flush=True)
    time.sleep(60)  # killed with SIGKILL by the test: no close, no cleanup


if __name__ == "__main__":
    cmd, url = sys.argv[1], sys.argv[2]
    if cmd == "cas":
        cas(url, sys.argv[3])
    elif cmd == "listen":
        listen(url)
    elif cmd == "advance":
        advance(url, int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown command {cmd}")
