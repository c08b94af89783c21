"""``switchover rewrite``: definition sites and call parameters, diff by default, idempotent,
git-safe; the rewritten example passes its own scan and its own tests."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.cli.app import app, main
from switchover.config import load_config
from switchover.project.rewrite import plan_rewrite
from switchover.project.rewrite.engine import _replace_at, dirty_files
from switchover.project.rewrite.ops import ParamOp, literal_text, ops_from_problems, short_reason
from switchover.project.rewrite.python_calls import rewrite_python_calls
from switchover.project.rewrite.ts_calls import rewrite_ts_calls
from switchover.scan.engine import ScanOptions, scan
from switchover.scan.findings import ParamProblem

runner = CliRunner()
TODAY = date(2026, 11, 26)
OPS = [
    ParamOp("rename", "max_tokens", new_param="max_completion_tokens"),
    ParamOp("drop", "temperature", reason="Only the default (1) value is supported"),
    ParamOp("set", "reasoning_effort", value="none"),
]

PLAN = """[[migrations]]
name = "m"
from = "openai:gpt-4o-2024-08-06"
to = "openai:gpt-6-luna"
"""


def _old_usage(root: Path) -> list[tuple[str, int]]:
    report = scan(root, ScanOptions(today=TODAY, jobs=1))
    return [
        (f.path, f.line)
        for f in report.findings
        if f.usage and any(r.catalog_id == "gpt-4o-2024-08-06" for r in f.resolved)
    ]


def test_rewrite_example_end_to_end(
    example_with_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = example_with_plan
    assert len(_old_usage(root)) == 4
    monkeypatch.chdir(root)
    shown = runner.invoke(app, ["rewrite"], catch_exceptions=False)
    assert shown.exit_code == 0
    assert '-DEFAULT_MODEL = "gpt-4o-2024-08-06"' in shown.stdout
    assert "+                max_completion_tokens=self.settings.max_tokens," in shown.stdout
    assert "+                # switchover: temperature removed" in shown.stdout
    assert '+                reasoning_effort="none",' in shown.stdout
    assert "+OPENAI_MODEL=gpt-6-luna" in shown.stdout
    assert len(_old_usage(root)) == 4  # a diff only: nothing written
    written = runner.invoke(app, ["rewrite", "--write"], catch_exceptions=False)
    assert written.exit_code == 0, written.output
    assert "6 file(s) now use gpt-6-luna" in written.stdout
    assert _old_usage(root) == []
    source = (root / "support_assistant" / "assistant.py").read_text(encoding="utf-8")
    assert "# type: ignore[arg-type]\n                max_completion_tokens" in source
    again = runner.invoke(app, ["rewrite", "--json"], catch_exceptions=False)
    data = json.loads(again.stdout)
    assert data["files"] == []
    assert data["diff"] == ""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "9 passed" in proc.stdout


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_uncommitted_files_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "switchover.toml").write_text(PLAN, encoding="utf-8")
    app_py = tmp_path / "app.py"
    app_py.write_text('MODEL = "gpt-4o-2024-08-06"\n', encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "init")
    assert dirty_files(tmp_path, ["app.py"]) == []
    app_py.write_text('MODEL = "gpt-4o-2024-08-06"  # edited\n', encoding="utf-8")
    assert dirty_files(tmp_path, ["app.py"]) == ["app.py"]
    with pytest.raises(SystemExit) as ei:
        main(["rewrite", "--write", "--config", str(tmp_path / "switchover.toml")])
    assert ei.value.code == 2
    err = capsys.readouterr().err
    assert "uncommitted changes in app.py" in err
    assert "--force" in err
    assert "gpt-4o-2024-08-06" in app_py.read_text(encoding="utf-8")
    res = runner.invoke(
        app, ["rewrite", "--write", "--force", "--config", str(tmp_path / "switchover.toml")]
    )
    assert res.exit_code == 0, res.output
    assert app_py.read_text(encoding="utf-8") == 'MODEL = "gpt-6-luna"  # edited\n'
    assert dirty_files(tmp_path / "nowhere", []) == []


TS = """import OpenAI from "openai";
const client = new OpenAI();
export async function ask(q: string) {
  return client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: q }],
    max_tokens: 300,
    temperature: 0.3,
  });
}
"""


def test_typescript_and_other_languages(tmp_path: Path) -> None:
    (tmp_path / "switchover.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "ask.ts").write_text(TS, encoding="utf-8")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport "github.com/openai/openai-go"\n\nfunc f(c openai.Client) {\n'
        "\tc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{\n"
        '\t\tModel: "gpt-4o-2024-08-06",\n\t\tMaxTokens: openai.Int(5),\n\t})\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "CRLF.env").write_bytes(b"A=1\r\nOPENAI_MODEL=gpt-4o\r\n")
    mig = load_config(tmp_path / "switchover.toml").migrations[0]
    plan = plan_rewrite(tmp_path, mig, today=TODAY)
    by_path = {c.path: c for c in plan.changes}
    ts = by_path["ask.ts"].after
    assert 'model: "gpt-6-luna",' in ts
    assert "    max_completion_tokens: 300,\n" in ts
    assert (
        "    // switchover: temperature removed: Only the default (1) value is supported\n  });"
        in ts
    )
    assert by_path["CRLF.env"].after == "A=1\r\nOPENAI_MODEL=gpt-6-luna\r\n"
    assert 'Model: "gpt-6-luna"' in by_path["main.go"].after
    assert any("main.go" in n and "by hand" in n for n in plan.notes)


def test_python_call_layouts() -> None:
    src = (
        'x = client.chat.completions.create(model="m", max_tokens=5, temperature=0.2)  # hi\n'
        'y = client.chat.completions.create(\n    model="m",\n    temperature=0.2\n)\n'
        "z = client.chat.completions.create(model=\"m\", temperature=0, reasoning_effort='low')\n"
        'w = client.chat.completions.create(\n    temperature=0.1,\n    model="m",\n)\n'
    )
    out, missed = rewrite_python_calls(src, {1: OPS, 2: OPS, 6: OPS, 7: OPS, 40: OPS})
    assert missed == [40]
    lines = out.splitlines()
    assert lines[0] == "# switchover: temperature removed: Only the default (1) value is supported"
    assert lines[1] == (
        'x = client.chat.completions.create(model="m", max_completion_tokens=5, '
        'reasoning_effort="none")  # hi'
    )
    assert lines[2:7] == [
        "y = client.chat.completions.create(",
        '    model="m",',
        "    # switchover: temperature removed: Only the default (1) value is supported",
        '    reasoning_effort="none"',
        ")",
    ]
    assert 'model="m", reasoning_effort="none")  # switchover: temperature removed' in lines[7]
    assert "w = client.chat.completions.create(" in out
    assert "temperature" not in lines[-3]
    assert rewrite_python_calls(src, {}) == (src, [])
    both = 'c.create(model="m", max_tokens=1, max_completion_tokens=2)\n'
    renamed, _ = rewrite_python_calls(both, {1: OPS[:1]})
    assert renamed.startswith('c.create(model="m", max_completion_tokens=2)')
    assert "max_tokens removed" in renamed


def test_ts_layouts() -> None:
    src = (
        'a({ model: "m", max_tokens: 5, temperature: 0.2 });\n'
        'b({ model: "m", temperature: 0.2, max_tokens: 5, max_completion_tokens: 3 });\n'
        "c({});\n"
        'd({ model: "m", reasoning_effort: "high" });\n'
    )
    out, missed = rewrite_ts_calls(src, {1: OPS, 2: OPS, 3: OPS[2:], 4: OPS[2:], 9: OPS})
    assert missed == [9]
    lines = out.splitlines()
    assert lines[0].startswith('a({ model: "m", max_completion_tokens: 5 /* switchover:')
    assert lines[0].endswith(', reasoning_effort: "none" });')
    assert "max_tokens removed: max_completion_tokens is set" in lines[1]
    assert lines[2] == 'c({ reasoning_effort: "none" });'
    assert lines[3] == 'd({ model: "m", reasoning_effort: "none" });'


def test_ops_from_problems_and_helpers() -> None:
    def p(param: str, fix: str | None, msg: str = "Unsupported. Use x.") -> ParamProblem:
        return ParamProblem(target="t", param=param, message=msg, rule_id="r", fix=fix)

    ops, notes = ops_from_problems(
        [
            p("max_tokens", "rename -> max_completion_tokens"),
            p("max_tokens", "rename -> max_completion_tokens"),
            p("temperature", "drop"),
            p("reasoning_effort", "set = 'none'"),
            p("top_k", "add_default = 5"),
            p("tools", "translate"),
            p("x", None),
            p("y", "set = not-python"),
            p("z", "replace_value = {'a': 'b'}"),
        ]
    )
    assert [(o.kind, o.param) for o in ops] == [
        ("rename", "max_tokens"),
        ("drop", "temperature"),
        ("set", "reasoning_effort"),
        ("add_default", "top_k"),
    ]
    assert len(notes) == 4
    assert short_reason("Unsupported value: <x>. Only the default (1) value is supported.") == (
        "Only the default (1) value is supported"
    )
    assert len(short_reason("word " * 100)) <= 110
    assert literal_text(True, language="python") == "True"
    assert literal_text(False, language="ts") == "false"
    assert literal_text(None, language="ts") == "null"
    assert literal_text([1, "a"], language="ts") == '[1, "a"]'
    assert (
        _replace_at('m = "gpt-4o-mini" or "gpt-4o"', 0, "gpt-4o", "N") == 'm = "gpt-4o-mini" or "N"'
    )
    assert _replace_at("nothing here", 3, "gpt-4o", "N") is None


def test_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "switchover.toml").write_text(
        PLAN.replace("openai:gpt-6-luna", "openai:gpt-99-imaginary"), encoding="utf-8"
    )
    with pytest.raises(SystemExit) as ei:
        main(["rewrite", "--config", str(tmp_path / "switchover.toml")])
    assert ei.value.code == 2
    assert "unknown target model" in capsys.readouterr().err
    (tmp_path / "switchover.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "bad.py").write_text('MODEL = "gpt-4o"\nc.create(model=MODEL, max_tokens=1\n')
    (tmp_path / "latin.env").write_bytes(b"NAME=caf\xe9\nOPENAI_MODEL=gpt-4o\n")
    res = runner.invoke(app, ["rewrite", "--config", str(tmp_path / "switchover.toml")])
    assert res.exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "switchover.toml").write_text(PLAN, encoding="utf-8")
    res = runner.invoke(app, ["rewrite", "--config", str(empty / "switchover.toml")])
    assert "nothing to rewrite" in res.stdout


def test_config_files_aliases_and_comments(tmp_path: Path) -> None:
    (tmp_path / "switchover.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "deploy.yaml").write_text(
        "env:\n  - name: OPENAI_MODEL\n    value: gpt-4o-2024-08-06  # pinned\n", encoding="utf-8"
    )
    (tmp_path / "settings.json").write_text('{"model": "gpt-4o", "fallback": "gpt-4o-mini"}\n')
    (tmp_path / "Dockerfile").write_text("FROM python:3.11\nENV OPENAI_MODEL=gpt-4o\n")
    (tmp_path / "models.py").write_text(
        '# we used to run gpt-4o here\nMODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1"]\n'
    )
    mig = load_config(tmp_path / "switchover.toml").migrations[0]
    plan = plan_rewrite(tmp_path, mig, today=TODAY)
    after = {c.path: c.after for c in plan.changes}
    assert after["deploy.yaml"].endswith("value: gpt-6-luna  # pinned\n")
    assert after["settings.json"] == '{"model": "gpt-6-luna", "fallback": "gpt-4o-mini"}\n'
    assert after["Dockerfile"].endswith("ENV OPENAI_MODEL=gpt-6-luna\n")
    assert after["models.py"] == (
        '# we used to run gpt-4o here\nMODELS = ["gpt-6-luna", "gpt-4o-mini", "gpt-4.1"]\n'
    )
    assert _old_usage(tmp_path) != []  # planned only
    for c in plan.changes:
        (tmp_path / c.path).write_text(c.after, encoding="utf-8")
    assert _old_usage(tmp_path) == []
    assert plan_rewrite(tmp_path, mig, today=TODAY).changes == []
