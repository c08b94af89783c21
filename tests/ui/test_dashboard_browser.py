"""The dashboard in headless Chromium: sign in, see the status, and steer the rollout with the
controls (confirmation dialog included); every change checked in the store and audit log."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from switchover.config import load_config
from switchover.project.dashboard import create_dashboard_app, serve_dashboard
from switchover.rollout import RequestRecord
from switchover.store import Store, open_store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
NAME = "support-gpt-6-luna"
TOKEN = "browser-token"

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    root = tmp_path / "app"
    shutil.copytree(
        EXAMPLE,
        root,
        ignore=shutil.ignore_patterns(".switchover", "switchover-reports", "__pycache__"),
    )
    cfg = load_config(root / "switchover.toml")
    with open_store(f"sqlite:///{tmp_path}/state.db") as store:
        now = datetime.now(UTC)
        store.append_records(
            RequestRecord(
                migration=NAME,
                arm="candidate" if i % 3 == 0 else "baseline",
                at=now - timedelta(seconds=10 + i * 7),
                latency_ms=300.0 + (i % 17) * 20,
                ok=i % 41 != 0,
            )
            for i in range(400)
        )
        app = create_dashboard_app(cfg, store, admin_token=TOKEN, store_url="test")
        with serve_dashboard(app) as url:
            yield url, store


def _act(page: Any, action: str, reason: str) -> None:
    page.click(f"section[data-migration='{NAME}'] button[data-action='{action}']")
    page.wait_for_selector("dialog[open]")
    page.fill("#reason", reason)
    page.click("#confirm")


def test_dashboard_controls_change_the_rollout(
    browser: Any, served: tuple[str, Store], tmp_path: Path
) -> None:
    url, store = served
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    try:
        page.goto(url)
        assert "Admin token" in page.content()
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        card = page.wait_for_selector(f"section[data-migration='{NAME}']")
        assert card is not None
        assert "openai:gpt-4o-2024-08-06" in card.inner_text()
        page.wait_for_selector("[data-chart=p95_latency_ms] path")  # live metrics drawn
        assert "4 site(s)" in card.inner_text()
        assert page.is_disabled("button[data-action=resume]")

        # cancel: nothing changes
        page.click("button[data-action=promote]")
        page.wait_for_selector("dialog[open]")
        page.click("#cancel")
        assert store.get_rollout(NAME) is None

        _act(page, "promote", "start shadow")
        page.wait_for_selector("[data-k=rollout]:has-text('shadow 100%')")
        _act(page, "promote", "shadow looks fine")
        page.wait_for_selector("[data-k=rollout]:has-text('canary 10%')")  # the plan's first canary
        state = store.get_rollout(NAME)
        assert state is not None
        assert state.status == "canary"
        assert state.percent == 10
        _act(page, "pause", "investigating latency")
        page.wait_for_selector("[data-k=rollout]:has-text('paused')")
        assert store.get_rollout(NAME).status == "paused"  # type: ignore[union-attr]
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        _act(page, "rollback", "p95 too high")
        page.wait_for_selector("[data-k=rollout]:has-text('rolled back')")
        state = store.get_rollout(NAME)
        assert state is not None
        assert state.status == "rolled_back"
        assert state.percent == 0
        audit = store.list_audit(NAME)
        assert [(e.action, e.reason) for e in audit] == [
            ("promote", "start shadow"),
            ("promote", "shadow looks fine"),
            ("pause", "investigating latency"),
            ("rollback", "p95 too high"),
        ]
        assert all(e.actor == "user:dashboard" for e in audit)
        page.wait_for_selector("table.audit tr:has-text('rollback')")
        assert page.is_disabled("button[data-action=rollback]")
        _act(page, "reset", "try again tomorrow")
        page.wait_for_selector("[data-k=rollout]:has-text('baseline only')")
        assert store.list_audit(NAME)[-1].action == "reset"
    finally:
        page.close()
