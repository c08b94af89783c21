"""Variants files, prompt diffs and the development / held-out split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from switchover.chat import ChatRequest, Message
from switchover.errors import InputError, UsageError
from switchover.evaluate.results import Case
from switchover.tune import (
    ORIGINAL,
    Variant,
    load_variants,
    parse_variants,
    prompt_diff,
    split_cases,
)


def test_load_variants(tmp_path: Path) -> None:
    f = tmp_path / "v.toml"
    f.write_text(
        '[[variants]]\nname = "a"\nappend = "Be concise."\n\n'
        '[[variants]]\nname = "b"\nsystem_prompt = "New."\nparams = { temperature = 0.0 }\n'
    )
    a, b = load_variants(f)
    assert (a.name, a.source, a.prompt("Old.")) == ("a", "file", "Old.\nBe concise.")
    assert a.prompt(None) == "Be concise."
    assert b.prompt("Old.") == "New."
    assert b.params == {"temperature": 0.0}
    assert Variant(name="p", params={"top_p": 1}).prompt("Old.") == "Old."


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            '[[variants]]\nname = "a"\nappend = "x"\nsystem_prompt = "y"\n',
            "variants[0]",
            "not both",
        ),
        ('[[variants]]\nname = "a"\n[[variants]]\nname = "a"\n', "variants[1].name", "used twice"),
        ('[[variants]]\nname = "original"\n', "variants[0].name", "reserved"),
        ('[[variants]]\nname = "bad name"\n', "variants[0].name", "pattern"),
        ('[[variants]]\nname = "a"\ncolour = 1\n', "variants[0].colour", "Extra"),
        ("variants = []\n", "variants", "no variants"),
    ],
)
def test_variant_errors_name_the_field(tmp_path: Path, text: str, field: str, message: str) -> None:
    f = tmp_path / "v.toml"
    f.write_text(text)
    with pytest.raises(InputError) as info:
        load_variants(f)
    assert info.value.field == field
    assert message in info.value.message
    assert str(f) in str(info.value.path)


def test_variant_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_variants(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[variants]]\nname = "a"\nappend = \n')
    with pytest.raises(InputError) as info:
        load_variants(bad)
    assert info.value.line == 3
    with pytest.raises(InputError, match="only a"):
        parse_variants({"other": 1})


def test_prompt_diff() -> None:
    d = prompt_diff("A.\nB.", "A.\nB.\nBe concise.", name="v")
    assert d.splitlines()[:2] == [f"--- {ORIGINAL}", "+++ v"]
    assert "+Be concise." in d
    assert prompt_diff("same", "same") == ""


def _cases(n: int) -> list[Case]:
    tags = ["a"] * (n // 2) + ["b"] * (n // 3) + ["c"] * (n - n // 2 - n // 3)
    return [
        Case(
            id=f"c{i}",
            request=ChatRequest(model="m", messages=[Message.user(f"q{i}")]),
            tags=[t],
        )
        for i, t in enumerate(tags)
    ]


def test_split_is_disjoint_complete_stratified_and_seeded() -> None:
    cases = _cases(90)
    dev, held = split_cases(cases, 0.5, stratify_by="tag", seed=1)
    ids_dev, ids_held = {c.id for c in dev}, {c.id for c in held}
    assert not ids_dev & ids_held
    assert ids_dev | ids_held == {c.id for c in cases}
    # 45 / 30 / 15 cases per tag: half of each, rounded half to even
    assert Counter(c.tags[0] for c in dev) == {"a": 22, "b": 15, "c": 8}
    again, _ = split_cases(cases, 0.5, stratify_by="tag", seed=1)
    assert [c.id for c in again] == [c.id for c in dev]
    other, _ = split_cases(cases, 0.5, stratify_by="tag", seed=2)
    assert {c.id for c in other} != ids_dev
    small_dev, small_held = split_cases(cases, 0.2, stratify_by=None, seed=1)
    assert (len(small_dev), len(small_held)) == (18, 72)


def test_split_keeps_one_case_each_side_of_a_stratum() -> None:
    cases = _cases(6)
    dev, held = split_cases(cases, 0.1, stratify_by="tag", seed=0)
    for tag in ("a", "b"):
        assert any(c.tags[0] == tag for c in dev)
        assert any(c.tags[0] == tag for c in held)


def test_split_errors() -> None:
    with pytest.raises(UsageError, match="between 0 and 1"):
        split_cases(_cases(10), 1.0)
    with pytest.raises(UsageError, match="at least 2"):
        split_cases(_cases(10)[:1], 0.5)
    one = _cases(3)[:1] + _cases(3)[:1]
    one[1] = one[1].model_copy(update={"id": "x", "tags": ["z"]})
    with pytest.raises(UsageError, match="empty"):
        split_cases(one, 0.5, stratify_by="tag", seed=0)
