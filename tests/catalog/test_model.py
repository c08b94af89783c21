from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from switchover.catalog.model import COLUMNS, ModelEntry


def make(**kw: Any) -> ModelEntry:
    data: dict[str, Any] = {
        "provider": "openai",
        "platform": "openai",
        "id": "m-1",
        "status": "deprecated",
        "source_url": "https://example.test/deprecations",
        "source_kind": "official",
        "retrieved": "2026-11-26",
    }
    data.update(kw)
    return ModelEntry.model_validate(data)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 21), "active"),
        (date(2026, 4, 22), "deprecated"),
        (date(2026, 10, 22), "deprecated"),
        (date(2026, 10, 23), "retired"),
        (date(2027, 1, 1), "retired"),
    ],
)
def test_status_on_around_announcement_and_shutdown(day: date, expected: str) -> None:
    entry = make(deprecation_announced="2026-04-22", shutdown_date="2026-10-23", status="retired")
    assert entry.status_on(day) == expected


def test_status_without_announcement_date() -> None:
    scheduled = make(status="active", shutdown_date="2027-02-09")  # Azure GA style
    assert scheduled.status_on(date(2027, 2, 8)) == "active"
    assert scheduled.status_on(date(2027, 2, 9)) == "retired"
    labelled = make(status="deprecated")
    assert labelled.status_on(date(2020, 1, 1)) == "deprecated"
    retired_label = make(status="retired")
    assert retired_label.status_on(date(2020, 1, 1)) == "retired"
    assert make(status="active").status_on(date(2030, 1, 1)) == "active"


def test_days_left() -> None:
    entry = make(shutdown_date="2027-01-14")
    assert entry.days_left(date(2026, 11, 26)) == 49
    assert entry.days_left(date(2027, 1, 14)) == 0
    assert entry.days_left(date(2027, 1, 20)) == -6
    assert make().days_left(date(2026, 11, 26)) is None


def test_csv_cells_are_parsed() -> None:
    entry = make(
        aliases="gpt-x; gpt-y",
        capabilities="chat;tools",
        input_per_mtok="2.5",
        context_window="128000",
        released="",
        note="",
    )
    assert entry.aliases == ["gpt-x", "gpt-y"]
    assert entry.capabilities == frozenset({"chat", "tools"})
    assert entry.input_per_mtok == 2.5
    assert entry.context_window == 128000
    assert entry.released is None
    assert entry.ref == "openai:m-1@openai"
    assert entry.names == ["m-1", "gpt-x", "gpt-y"]


def test_row_round_trip() -> None:
    entry = make(aliases=["a1"], capabilities=["chat", "vision"], input_per_mtok=0.075)
    row = entry.to_row()
    assert list(row) == list(COLUMNS)
    assert row["capabilities"] == "chat;vision"
    assert row["input_per_mtok"] == "0.075"
    assert ModelEntry.model_validate(row) == entry
    assert entry.to_json()["capabilities"] == ["chat", "vision"]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("platform", "heroku", "unknown platform"),
        ("capabilities", "chat;telepathy", "unknown capability telepathy"),
        ("source_kind", "rumour", "source_kind must be one of"),
        ("provider", "Open AI", "lower-case"),
        ("id", "bad\nid", "characters"),
        ("aliases", "ok;bad alias!", "characters"),
        ("input_per_mtok", "-1", "greater than or equal"),
        ("context_window", "0", "greater than"),
        ("status", "sunset", "Input should be"),
        ("retrieved", "yesterday", "date"),
    ],
)
def test_bad_values_are_rejected(field: str, value: str, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        make(**{field: value})


def test_date_order_is_checked() -> None:
    with pytest.raises(ValidationError, match="deprecation_announced is after shutdown_date"):
        make(deprecation_announced="2027-01-02", shutdown_date="2027-01-01")
    with pytest.raises(ValidationError, match="released is after shutdown_date"):
        make(released="2027-01-02", shutdown_date="2027-01-01")
