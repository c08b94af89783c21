"""`switchover tune --apply`: the winner's prompt goes into the plan, nothing else changes."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from switchover.cli.app import main
from switchover.config import load_config
from switchover.errors import SwitchoverError, UsageError
from switchover.tune.apply import apply_winner, set_system_prompt, winner_prompt
from switchover.tune.result import TuneResult, VariantResult

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"

PLAN = """\
# my plan
[project]
name = "x"   # trailing comment

[[migrations]]
name = "first"
from = "openai:gpt-4o"
to = "openai:gpt-6-luna"
aliases = [
  "bot",  # a comment inside an array
  "[not a header]",
]
note = '''
[[migrations]]
name = "inside a string"
'''

# comments before the next table stay with it
[migrations.eval]
datasets = ["a.jsonl"]

[[migrations]]
name = "second"
from = "openai:gpt-4.1"
to = "openai:gpt-5-mini"
system_prompt = "old"  # keep this comment
"""

PROMPT = 'You are a bot.\nReply with {"reply": string}.\nReturn bare JSON with no code fences.'


def _data(text: str) -> dict[str, object]:
    return tomllib.loads(text)


def test_adds_the_key_after_the_tables_last_entry_and_keeps_everything_else() -> None:
    out = set_system_prompt(PLAN, "first", PROMPT)
    assert _data(out)["migrations"][0]["system_prompt"] == PROMPT  # type: ignore[index]
    added = out.replace(PLAN[: PLAN.index("\n# comments before")], "", 1)
    assert added.startswith(
        'system_prompt = """\nYou are a bot.\nReply with {"reply": string}.\n'
        'Return bare JSON with no code fences."""\n'
    )
    assert out.startswith(PLAN[: PLAN.index("\n# comments before")])
    assert out.endswith(PLAN[PLAN.index("\n# comments before") :])
    before, after = _data(PLAN), _data(out)
    after["migrations"][0].pop("system_prompt")  # type: ignore[index]
    assert before == after


def test_replaces_an_existing_value_in_place() -> None:
    out = set_system_prompt(PLAN, "second", "new")
    assert out == PLAN.replace('system_prompt = "old"', 'system_prompt = "new"')
    again = set_system_prompt(out, "second", "new")
    assert again == out  # re-applying is a no-op
    multi = set_system_prompt(out, "second", PROMPT)
    assert set_system_prompt(multi, "second", "new") == out
    assert multi.endswith('no code fences."""  # keep this comment\n')


@pytest.mark.parametrize(
    "prompt",
    [
        'ends with a quote "',
        'three """ quotes and a backslash \\ and a tab\t',
        'line one\nline two ends with quotes ""',
        "control \x07 character\nand \r carriage return",
        "\nstarts with a newline",
        "plain",
    ],
)
def test_awkward_strings_round_trip(prompt: str) -> None:
    out = set_system_prompt(PLAN, "first", prompt)
    assert _data(out)["migrations"][0]["system_prompt"] == prompt  # type: ignore[index]


def test_crlf_plan_stays_crlf() -> None:
    crlf = PLAN.replace("\n", "\r\n")
    out = set_system_prompt(crlf, "first", PROMPT)
    assert "\n" not in out.replace("\r\n", "")
    assert _data(out)["migrations"][0]["system_prompt"] == PROMPT  # type: ignore[index]


def test_errors_name_what_to_do() -> None:
    with pytest.raises(SwitchoverError, match="no migration named 'nope'"):
        set_system_prompt(PLAN, "nope", "x")
    inline = 'migrations = [{ name = "m", from = "openai:a", to = "openai:b" }]\n'
    with pytest.raises(UsageError, match="not written as \\[\\[migrations\\]\\] tables") as info:
        set_system_prompt(inline, "m", "x")
    assert "by hand" in (info.value.hint or "")


def _result(**kw: object) -> TuneResult:
    base: dict[str, object] = {
        "migration": "m",
        "baseline_model": "a",
        "candidate_model": "b",
        "seed": 1,
        "dev_fraction": 0.5,
        "stratify_by": "tag",
        "n_dev": 1,
        "n_holdout": 1,
        "variants": [VariantResult(name="v", source="file", system_prompt="p")],
        "winner": "v",
        "confirmed": True,
        "summary": "v held",
    }
    base.update(kw)
    return TuneResult.model_validate(base)


def test_winner_prompt_needs_a_confirmed_prompt_only_winner() -> None:
    assert winner_prompt(_result()) == "p"
    with pytest.raises(UsageError, match="nothing to apply: v did not hold"):
        winner_prompt(_result(confirmed=False, summary="v did not hold"))
    with pytest.raises(UsageError, match="nothing to apply"):
        winner_prompt(_result(winner=None, confirmed=False))
    params = [VariantResult(name="v", source="file", params={"temperature": 0})]
    with pytest.raises(UsageError, match="changes request parameters \\(temperature\\)"):
        winner_prompt(_result(variants=params))


def test_cli_apply_writes_the_confirmed_winner_into_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "sa"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".switchover", "switchover-*"))
    plan = project / "switchover.toml"
    before = plan.read_text()
    args = ["tune", "-c", str(plan), "--variants", str(project / "tune-variants.toml")]
    args += ["--sample", "120", "--judge", "none", "--store", "sqlite://:memory:"]
    args += ["--format", "", "--apply"]
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr().out
    assert info.value.code == 0, out
    assert "CONFIRMED" in out
    assert "system_prompt" in out  # the plan's diff is shown
    cfg = load_config(plan)
    prompt = cfg.migration("support-gpt-6-luna").system_prompt
    assert prompt is not None
    assert prompt.endswith(
        "Return bare JSON with no code fences.\n"
        "Call tools with exactly the argument names in their schemas."
    )
    after = plan.read_text()
    assert after.startswith(before[: before.index("\n[migrations.eval]")])  # comments kept
    assert after.endswith(before[before.index("\n[migrations.eval]") :])
    # tuned again, the plan's prompt is the original and nothing beats it: nothing written
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr().out
    assert info.value.code == 1, out
    assert "--apply: nothing written (no variant beat the original" in out
    assert plan.read_text() == after


def test_apply_winner_twice_changes_the_plan_once(tmp_path: Path) -> None:
    plan = tmp_path / "switchover.toml"
    plan.write_text(PLAN)
    result = _result(migration="first")
    first = apply_winner(result, plan)
    assert first.changed
    assert '+system_prompt = "p"' in first.diff()
    assert plan.read_text() == first.after
    second = apply_winner(result, plan)
    assert not second.changed
    assert second.diff() == ""
    assert not list(tmp_path.glob("*.tmp"))
