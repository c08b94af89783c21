from __future__ import annotations

import json
from pathlib import Path

import pytest

from switchover.catalog.model import COLUMNS
from switchover.catalog.rows import (
    entries_to_csv,
    parse_csv_text,
    parse_data_text,
    parse_json_text,
    read_data_file,
)
from switchover.errors import CatalogError

HEADER = "provider,platform,id,status,source_url,source_kind,retrieved"
GOOD = "openai,openai,gpt-x,active,https://example.test,official,2026-11-26"


def test_csv_rows_parse() -> None:
    entries = parse_csv_text(f"{HEADER}\n{GOOD}\n\n", path="u.csv")
    assert [e.id for e in entries] == ["gpt-x"]


def test_bad_cell_names_file_line_and_field() -> None:
    text = f"{HEADER}\n{GOOD}\nopenai,openai,gpt-y,active,https://e.test,official,2026-13-01\n"
    with pytest.raises(CatalogError) as info:
        parse_csv_text(text, path="u.csv")
    err = info.value
    assert (err.path, err.line, err.field) == ("u.csv", 3, "retrieved")
    assert str(err).startswith("u.csv:3: retrieved: ")
    assert "2026-13-01" in str(err)
    assert err.hint
    assert err.exit_code == 2


def test_line_numbers_count_multiline_cells() -> None:
    text = (
        "provider,platform,id,status,source_url,source_kind,retrieved,note\n"
        'openai,openai,a,active,https://e.test,official,2026-11-26,"two\nlines"\n'
        "openai,heroku,b,active,https://e.test,official,2026-11-26,x\n"
    )
    with pytest.raises(CatalogError) as info:
        parse_csv_text(text, path="u.csv")
    assert (info.value.line, info.value.field) == (4, "platform")


def test_missing_required_field() -> None:
    with pytest.raises(CatalogError, match=r"u.csv:2: source_url: required field is missing"):
        parse_csv_text(
            "provider,platform,id,status,source_kind,retrieved\n"
            "openai,openai,a,active,official,2026-11-26\n",
            path="u.csv",
        )


def test_unknown_column_and_ragged_rows() -> None:
    with pytest.raises(CatalogError) as info:
        parse_csv_text(f"{HEADER},colour\n{GOOD},red\n", path="u.csv")
    assert (info.value.line, info.value.field) == (1, "colour")
    with pytest.raises(CatalogError, match="row has 8 cells, the header has 7"):
        parse_csv_text(f"{HEADER}\n{GOOD},extra\n", path="u.csv")
    with pytest.raises(CatalogError, match="file is empty"):
        parse_csv_text("", path="u.csv")


def test_duplicates_are_rejected_case_insensitively() -> None:
    dup = GOOD.replace("gpt-x", "GPT-X")
    with pytest.raises(CatalogError, match=r"u.csv:3: id: duplicate row .*first at line 2"):
        parse_csv_text(f"{HEADER}\n{GOOD}\n{dup}\n", path="u.csv")


def _obj(**kw: str) -> dict[str, str]:
    base = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    base.update(kw)
    return base


def test_json_array_object_and_lines() -> None:
    arr = json.dumps([_obj(), _obj(id="gpt-y", aliases="y1")])
    assert [e.id for e in parse_json_text(arr, path="u.json")] == ["gpt-x", "gpt-y"]
    wrapped = json.dumps({"models": [_obj(aliases=["a", "b"])]})  # type: ignore[arg-type]
    assert parse_json_text(wrapped, path="u.json")[0].aliases == ["a", "b"]
    lines = json.dumps(_obj()) + "\n\n" + json.dumps(_obj(id="gpt-z")) + "\n"
    assert len(parse_json_text(lines, path="u.jsonl")) == 2


def test_json_errors_name_index_or_line() -> None:
    with pytest.raises(CatalogError) as info:
        parse_json_text(json.dumps([_obj(), _obj(platform="mars")]), path="u.json")
    assert info.value.field == "[1].platform"
    lines = json.dumps(_obj()) + "\n" + json.dumps(_obj(status="gone"))
    with pytest.raises(CatalogError) as info:
        parse_json_text(lines, path="u.jsonl")
    assert (info.value.line, info.value.field) == (2, "status")
    with pytest.raises(CatalogError, match="invalid JSON"):
        parse_json_text("[{", path="u.json")
    with pytest.raises(CatalogError, match="invalid JSON"):
        parse_json_text('{"a": 1}\n{oops', path="u.jsonl")
    with pytest.raises(CatalogError, match="expected a JSON array"):
        parse_json_text('{"models": 3}', path="u.json")
    with pytest.raises(CatalogError, match="expected an object"):
        parse_json_text("[1]", path="u.json")
    with pytest.raises(CatalogError, match="unknown field"):
        parse_json_text(json.dumps([_obj(colour="red")]), path="u.json")


def test_format_detection_and_file_reading(tmp_path: Path) -> None:
    assert parse_data_text(json.dumps([_obj()]), path="no-suffix")[0].id == "gpt-x"
    assert parse_data_text(f"{HEADER}\n{GOOD}\n", path="no-suffix")[0].id == "gpt-x"
    path = tmp_path / "m.csv"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CatalogError, match="not UTF-8"):
        read_data_file(path)


def test_csv_writer_round_trips() -> None:
    entries = parse_csv_text(f"{HEADER}\n{GOOD}\n", path="u.csv")
    text = entries_to_csv(entries)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert parse_csv_text(text, path="again.csv") == entries
