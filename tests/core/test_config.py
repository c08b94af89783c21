from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from switchover.config import Config, ConfigProblems, find_config, load_config, parse_duration
from switchover.errors import ConfigError

GOOD = """\
[project]
name = "support"

[upstreams.openai]
provider = "openai"
api_key_env = "OPENAI_API_KEY"

[upstreams.sim]
provider = "sim"

[[migrations]]
name = "support-bot"
from = "openai:gpt-4o-2024-08-06"
to = "openai:gpt-6-luna"
deadline = 2027-01-14
aliases = ["support-bot"]
baseline_upstream = "sim"
candidate_upstream = "sim"

[migrations.eval]
datasets = ["traffic.jsonl"]
margins = { pass_rate = 0.02 }

[[migrations]]
name = "summariser"
from = "anthropic:claude-sonnet-4-5-20250929"
to = "anthropic:claude-sonnet-5"

[scan]
azure_deployments = { "prod-chat" = "gpt-4o 2024-11-20" }
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "switchover.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_loads_a_full_plan(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    m = cfg.migration("support-bot")
    assert m.from_ref.model == "gpt-4o-2024-08-06"
    assert m.to_ref.provider == "openai"
    assert m.deadline == date(2027, 1, 14)
    assert m.eval.margins == {"pass_rate": 0.02}
    assert cfg.upstreams["openai"].api_key_env == "OPENAI_API_KEY"
    assert cfg.scan.azure_deployments["prod-chat"] == "gpt-4o 2024-11-20"
    assert cfg.path is not None


def test_migration_selection_errors(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="several migrations") as info:
        cfg.migration(None)
    assert info.value.hint is not None
    assert "support-bot" in info.value.hint
    with pytest.raises(ConfigError, match="no migration named 'x'"):
        cfg.migration("x")
    with pytest.raises(ConfigError, match="no migrations defined"):
        Config().migration(None)


def test_unknown_key_names_field_and_line(tmp_path: Path) -> None:
    text = GOOD.replace(
        "margins = { pass_rate = 0.02 }", "margins = { pass_rate = 0.02 }\nrepeets = 3"
    )
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    err = info.value
    assert err.field == "migrations.0.eval.repeets"
    assert err.line == 23
    assert "unknown key" in str(err)


def test_bad_value_in_second_array_table(tmp_path: Path) -> None:
    text = GOOD.replace(
        'to = "anthropic:claude-sonnet-5"',
        'to = "anthropic:claude-sonnet-5"\nadaptation = "sloppy"',
    )
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert info.value.field == "migrations.1.adaptation"
    assert info.value.line == 28


def test_invalid_toml_reports_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        load_config(write(tmp_path, "[project]\nname = \n"))
    assert info.value.line == 2


def test_unknown_upstream_and_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no upstream named 'nope'"):
        load_config(
            write(tmp_path, GOOD.replace('baseline_upstream = "sim"', 'baseline_upstream = "nope"'))
        )
    dup = GOOD.replace('name = "summariser"', 'name = "support-bot"')
    with pytest.raises(ConfigError, match="unique"):
        load_config(write(tmp_path, dup))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('provider = "opnai"', "unknown provider 'opnai'; use one of: anthropic"),
        ('provider = "sim"\nbase_url = "localhost:8000/v1"', "is not an http:// or https://"),
    ],
)
def test_upstream_provider_and_base_url_are_checked(
    tmp_path: Path, line: str, message: str
) -> None:
    text = GOOD.replace('[upstreams.sim]\nprovider = "sim"', "[upstreams.sim]\n" + line)
    assert text != GOOD
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, text))
    assert info.value.line is not None


def test_keys_are_refused_in_the_file(tmp_path: Path) -> None:
    text = GOOD.replace(
        '[upstreams.sim]\nprovider = "sim"',
        '[upstreams.sim]\nprovider = "sim"\noptions = { api_key = "sk-x" }',
    )
    with pytest.raises(ConfigError, match="api_key_env"):
        load_config(write(tmp_path, text))


def test_bad_model_ref(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="provider:model"):
        load_config(write(tmp_path, GOOD.replace('to = "openai:gpt-6-luna"', 'to = "openai:"')))


def test_missing_file_and_optional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config() is None
    with pytest.raises(ConfigError, match="not found") as info:
        load_config()
    assert info.value.hint is not None
    assert "switchover init" in info.value.hint
    assert load_config(required=False).migrations == []
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(tmp_path / "bad.toml")


def test_find_config_walks_up(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find_config(sub) == (tmp_path / "switchover.toml").resolve()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("24h", 86400),
        ("7d", 604800),
        ("2w", 1209600),
        ("250ms", 0.25),
        (12, 12.0),
    ],
)
def test_parse_duration(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "10", "3 years", "-5s", -1])
def test_parse_duration_rejects(bad: str | int) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_json_schema_exports_aliases() -> None:
    schema = Config.json_schema()
    mig = schema["$defs"]["Migration"]
    assert "from" in mig["properties"]


THREE_PROBLEMS = (
    GOOD.replace('provider = "openai"', 'provider = "openai"\nmax_retries = "three"')
    .replace("margins = { pass_rate = 0.02 }", "margins = { pass_rate = 0.02 }\nrepeets = 3")
    .replace('candidate_upstream = "sim"', 'candidate_upstream = "simm"')
)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Three distinct problems (a bad type, an unknown key, a missing upstream): all three
    are in the one error, in file order, each with its line, key and a hint."""
    path = write(tmp_path, THREE_PROBLEMS)
    with pytest.raises(ConfigProblems) as info:
        load_config(path)
    err = info.value
    assert [p.field for p in err.problems] == [
        "upstreams.openai.max_retries",
        "migrations.0.candidate_upstream",
        "migrations.0.eval.repeets",
    ]
    assert err.lines == [6, 19, 24]
    assert (err.line, err.field) == (6, "upstreams.openai.max_retries")
    assert err.message.startswith(f"3 problems in {path}:")
    for line, problem in zip(err.lines, err.problems, strict=True):
        assert f"{path}:{line}: {problem.field}: " in err.message
        assert f"hint: {problem.hint}" in err.message
    hints = [p.hint for p in err.problems]
    assert "type" in hints[0]
    assert "Known: openai, sim" in hints[1]
    assert "Did you mean 'repeats'?" in hints[2]


def test_three_problems_from_the_command_line(tmp_path: Path) -> None:
    """Through the real entry point: exit 2, every problem on stderr, no traceback."""
    path = write(tmp_path, THREE_PROBLEMS)
    proc = subprocess.run(
        [sys.executable, "-m", "switchover", "config", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for needle in (
        "3 problems in",
        ":6: upstreams.openai.max_retries:",
        ":19: migrations.0.candidate_upstream: no upstream named 'simm'",
        ":24: migrations.0.eval.repeets: unknown key",
        "hint: Did you mean 'repeats'?",
        "hint: Fix them all",
    ):
        assert needle in proc.stderr, (needle, proc.stderr)


def test_cross_checks_still_run_on_plain_validation() -> None:
    migration = {"name": "a", "from": "openai:gpt-4o", "to": "openai:gpt-5"}
    with pytest.raises(ValidationError, match="unique"):
        Config.model_validate({"migrations": [migration, migration]})
    with pytest.raises(ValidationError, match="no upstream named 'x'"):
        Config.model_validate({"migrations": [{**migration, "baseline_upstream": "x"}]})


def test_upstream_platform_and_serving_platform() -> None:
    from switchover.config import UpstreamSettings, serving_platform
    from switchover.modelref import parse_model_ref

    assert UpstreamSettings(provider="openai").platform is None
    assert UpstreamSettings(provider="openai-compatible").platform is None
    assert UpstreamSettings(provider="azure").platform == "azure"
    assert UpstreamSettings(provider="azure-responses").platform == "azure"
    tagged = UpstreamSettings(provider="anthropic", options={"platform": "bedrock"})
    assert tagged.platform == "bedrock"
    with pytest.raises(ValidationError, match="unknown platform 'aws'"):
        UpstreamSettings(provider="anthropic", options={"platform": "aws"})
    ref, bedrock_ref = parse_model_ref("anthropic:x"), parse_model_ref("anthropic:x@bedrock")
    # the ref's platform, else the upstream's, else the migration's; None = first-party
    assert serving_platform(bedrock_ref, UpstreamSettings(provider="azure"), "vertex") == "bedrock"
    assert serving_platform(ref, UpstreamSettings(provider="azure"), "vertex") == "azure"
    assert serving_platform(ref, UpstreamSettings(provider="anthropic"), "vertex") == "vertex"
    assert serving_platform(ref, UpstreamSettings(provider="anthropic")) is None
    assert serving_platform(ref, None) is None


def test_unknown_upstream_platform_names_the_file_line_and_the_platforms(tmp_path: Path) -> None:
    text = GOOD.replace('provider = "sim"', 'provider = "sim"\noptions = { platform = "nonsense" }')
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    err = info.value
    assert (err.field, err.line) == ("upstreams.sim.options", 10)
    # the field is named once (not "options: options.platform: ..."), the known platforms listed
    assert str(err).count("options") == 1
    assert "unknown platform 'nonsense'; use one of: openai, anthropic" in str(err)
