"""End to end: engine, reader limits, resolution, baseline, fail-on, formats and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchover.catalog import Catalog
from switchover.cli.app import app, main
from switchover.errors import InputError, UsageError
from switchover.scan.engine import ScanOptions, load_scan_config, scan
from switchover.scan.findings import ScanReport
from switchover.scan.literals import ModelMatcher
from switchover.scan.policy import FailOn, apply_baseline, failing, parse_fail_on, write_baseline
from switchover.scan.reader import Limits, read_file
from switchover.scan.report import render_csv, render_json, render_markdown, render_sarif

from .conftest import TODAY, copy_repo

runner = CliRunner()

APP = """from openai import OpenAI
import os
MODEL = os.getenv("OPENAI_MODEL", "gpt-4o")
client = OpenAI()
def ask(q):
    return client.chat.completions.create(model=MODEL, messages=[], max_tokens=100, temperature=0.2)
"""


def _cond(values: list[str]) -> FailOn:
    cond = parse_fail_on(values)
    assert cond is not None
    return cond


def _project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / ".env").write_text("OPENAI_MODEL=gpt-4o-mini\n")
    (tmp_path / "notes.md").write_text("Was on gpt-4-turbo.\n")
    return tmp_path


def test_env_resolution_and_param_problems(tmp_path: Path, catalog: Catalog) -> None:
    report = scan(_project(tmp_path), ScanOptions(today=TODAY, jobs=1), catalog=catalog)
    call = next(f for f in report.findings if f.kind == "call")
    assert call.resolution == "env"
    assert {r.catalog_id for r in call.resolved} == {"gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"}
    assert any("env OPENAI_MODEL" in step for r in call.resolved for step in r.via)
    assert call.lifecycle == "deprecated"
    assert call.days_left == 49
    assert call.replacement == "gpt-6-luna"
    assert {p.param for p in call.param_problems} == {"max_tokens", "temperature"}
    rename = next(p for p in call.param_problems if p.param == "max_tokens")
    assert "max_completion_tokens" in rename.message
    assert rename.fix == "rename -> max_completion_tokens"
    targeted = scan(tmp_path, ScanOptions(today=TODAY, jobs=1, target="gpt-4.1"), catalog=catalog)
    call2 = next(f for f in targeted.findings if f.kind == "call")
    assert call2.target == "gpt-4.1"
    assert call2.param_problems == []


def test_fingerprints_survive_line_shifts(tmp_path: Path, catalog: Catalog) -> None:
    _project(tmp_path)
    before = {
        f.fingerprint for f in scan(tmp_path, ScanOptions(today=TODAY), catalog=catalog).findings
    }
    (tmp_path / "app.py").write_text("# header\n\n" + APP)
    after = {
        f.fingerprint for f in scan(tmp_path, ScanOptions(today=TODAY), catalog=catalog).findings
    }
    assert before == after


def test_parallel_scan_equals_serial(tmp_path: Path, catalog: Catalog) -> None:
    _project(tmp_path)
    for i in range(450):
        (tmp_path / f"pkg{i % 9}").mkdir(exist_ok=True)
        (tmp_path / f"pkg{i % 9}" / f"m{i}.py").write_text(
            "x = 1\n" if i % 50 else 'M = "o3-mini"\n'
        )
    serial = scan(tmp_path, ScanOptions(today=TODAY, jobs=1), catalog=catalog)
    parallel = scan(tmp_path, ScanOptions(today=TODAY, jobs=2), catalog=catalog)
    assert [f.fingerprint for f in serial.findings] == [f.fingerprint for f in parallel.findings]
    assert parallel.stats.files_read == 453
    assert parallel.stats.files_parsed < 30


def test_reader_limits(tmp_path: Path, matcher: ModelMatcher) -> None:
    big = tmp_path / "big.py"
    big.write_text('M = "gpt-4o"\n' + "#" * 3000)
    assert (
        read_file(str(big), "big.py", "python", matcher, Limits(max_bytes=1000)).status
        == "too_large"
    )
    mini = tmp_path / "app.min.js"
    mini.write_text('var m="gpt-4o";' + "a" * 30000)
    assert read_file(str(mini), "a.js", "javascript", matcher, Limits()).status == "minified"
    assert (
        read_file(str(tmp_path / "gone.py"), "gone.py", "python", matcher, Limits()).status
        == "unreadable"
    )
    bad_nb = tmp_path / "n.ipynb"
    bad_nb.write_text('{"cells": "openai"}')
    assert read_file(str(bad_nb), "n.ipynb", "notebook", matcher, Limits()).status == "parse_error"
    bad_nb.write_text(
        '{"cells": [1, {"cell_type": "code", "source": "import openai\\n"}], "x": "openai"'
    )
    assert read_file(str(bad_nb), "n.ipynb", "notebook", matcher, Limits()).status == "parse_error"
    plain = tmp_path / "p.py"
    plain.write_text("print(1)\n")
    assert read_file(str(plain), "p.py", "python", matcher, Limits()).status == "unmatched"


def test_corpus_platform_counts_every_skip(tmp_path: Path, catalog: Catalog) -> None:
    root = copy_repo("platform", tmp_path)
    report = scan(root, ScanOptions(today=TODAY), catalog=catalog)
    assert report.stats.skipped == {"binary": 1, "encoding": 1, "parse_error": 2, "symlink_loop": 1}
    assert report.stats.warnings_total == 4


def test_baseline_and_fail_on(tmp_path: Path, catalog: Catalog) -> None:
    report = scan(_project(tmp_path), ScanOptions(today=TODAY), catalog=catalog)
    assert failing(report, _cond(["params"]))
    assert failing(report, _cond(["deprecated"]))
    assert not failing(report, _cond(["retired"]))
    assert failing(report, _cond(["within:60d"]))
    assert not failing(report, _cond(["within:30"]))
    assert parse_fail_on([]) is None
    with pytest.raises(UsageError):
        parse_fail_on(["soon"])
    baseline = tmp_path / "baseline.json"
    n = write_baseline(report, baseline)
    assert n == len([f for f in report.findings if f.usage])
    again = scan(tmp_path, ScanOptions(today=TODAY), catalog=catalog)
    assert apply_baseline(again, baseline) == n
    assert not failing(again, _cond(["deprecated,params"]))
    for bad, text in [("missing.json", None), ("bad.json", "{"), ("wrong.json", '{"x": 1}')]:
        if text is not None:
            (tmp_path / bad).write_text(text)
        with pytest.raises(InputError):
            apply_baseline(again, tmp_path / bad)


def test_formats(tmp_path: Path, catalog: Catalog) -> None:
    report = scan(_project(tmp_path), ScanOptions(today=TODAY), catalog=catalog)
    doc = json.loads(render_json(report))
    assert doc["schema_version"] == "1.0"
    ScanReport.model_validate(doc)
    assert all(f["usage"] for f in doc["findings"])
    assert len(json.loads(render_json(report, show_all=True))["findings"]) > len(doc["findings"])
    sarif = json.loads(render_sarif(report))
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"model-deprecated", "param-problem"}
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert rows[0]["lifecycle"] == "deprecated"
    md = render_markdown(report)
    assert "| Model |" in md
    assert "max_tokens" in md
    empty = report.model_copy(update={"findings": []})
    assert "No model usage found" in render_markdown(empty)


def test_project_file_mapping_and_errors(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "switchover.toml").write_text(
        '[scan]\nexclude = ["skip/**"]\n[scan.azure_deployments]\nchat = "gpt-4o 2024-11-20"\n'
    )
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "a.py").write_text('M = "gpt-4o"\n')
    (tmp_path / "az.py").write_text(
        'from openai import AzureOpenAI\nc = AzureOpenAI()\nc.chat.completions.create(model="chat", messages=[])\n'
        'c.chat.completions.create(model="other", messages=[])\n'
    )
    options, path = load_scan_config(tmp_path, ScanOptions(today=TODAY))
    assert path == tmp_path / "switchover.toml"
    report = scan(tmp_path, options, catalog=catalog)
    mapped, unmapped = [f for f in report.findings if f.kind == "call"]
    assert mapped.resolution == "deployment"
    assert mapped.resolved[0].catalog_id == "gpt-4o 2024-11-20"
    assert mapped.platform == "azure"
    assert unmapped.confidence == "low"
    assert not any(f.path.startswith("skip/") for f in report.findings)
    with pytest.raises(InputError):
        scan(tmp_path / "nope", ScanOptions(), catalog=catalog)


def test_cli_formats_exit_codes_and_errors(tmp_path: Path) -> None:
    _project(tmp_path)
    res = runner.invoke(
        app, ["scan", str(tmp_path), "--today", "2026-11-26", "--fail-on", "params"]
    )
    assert res.exit_code == 1
    assert "gpt-4o-2024-08-06" in res.output
    res = runner.invoke(
        app, ["scan", str(tmp_path), "--today", "2026-11-26", "--format", "json", "--all"]
    )
    assert res.exit_code == 0
    assert json.loads(res.stdout)["today"] == "2026-11-26"
    out = tmp_path / "report.sarif"
    base = tmp_path / "base.json"
    res = runner.invoke(
        app,
        [
            "scan",
            str(tmp_path),
            "-f",
            "sarif",
            "-o",
            str(out),
            "--write-baseline",
            str(base),
            "--jobs",
            "1",
        ],
    )
    assert res.exit_code == 0
    assert json.loads(out.read_text())["version"] == "2.1.0"
    res = runner.invoke(
        app, ["scan", str(tmp_path), "--baseline", str(base), "--fail-on", "deprecated,params"]
    )
    assert res.exit_code == 0
    res = runner.invoke(
        app,
        ["scan", str(tmp_path), "-f", "rich", "-o", str(tmp_path / "r.txt"), "--exclude", "*.md"],
    )
    assert res.exit_code == 0
    assert "Model inventory" in (tmp_path / "r.txt").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "xml"],
        ["--today", "soon"],
        ["--jobs", "-1"],
        ["--fail-on", "x"],
        ["--target", "nope-9"],
    ],
)
def test_cli_usage_errors_exit_2_without_traceback(
    tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(tmp_path), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("option", "where", "says"),
    [
        ("--write-baseline", "missing/x.json", "does not exist"),
        ("--output", "outdir", "is a directory"),
    ],
)
def test_cli_unwritable_output_paths_fail_before_scanning(
    tmp_path: Path, option: str, where: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path)
    (tmp_path / "outdir").mkdir()
    target = tmp_path / where
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(tmp_path), "-f", "json", option, str(target)])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was scanned or rendered
    err = " ".join(captured.err.split())
    assert f"{option}:" in err
    assert str(target) in err
    assert says in err
    assert "hint" in err.lower()
    assert "Errno" not in err


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(tmp_path: Path, catalog: Catalog) -> None:
    from jsonschema import Draft4Validator, FormatChecker

    # The official OASIS SARIF 2.1.0 (rtm.5) schema, as shipped in the npm package
    # @microsoft/jest-sarif 1.0.0-beta.0 (lib/schemas/sarif-2.1.0-rtm.5.json, MIT licence).
    schema = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    Draft4Validator.check_schema(schema)
    validator = Draft4Validator(schema, format_checker=FormatChecker())
    root = copy_repo("py-service", tmp_path)
    report = scan(root, ScanOptions(today=TODAY), catalog=catalog)
    doc = json.loads(render_sarif(report, show_all=True))
    errors = sorted(validator.iter_errors(doc), key=str)
    assert errors == []
    suppressed = [r for r in doc["runs"][0]["results"] if "suppressions" in r]
    assert suppressed
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"
    doc["runs"][0]["results"][0]["level"] = "fatal"
    doc["runs"][0]["results"][0]["extra"] = 1
    assert len(list(validator.iter_errors(doc))) == 2


def test_json_schema_document_is_current() -> None:
    schema = ScanReport.model_json_schema()
    path = Path(__file__).resolve().parents[2] / "docs" / "scan-report.schema.json"
    assert json.loads(path.read_text()) == schema, "regenerate docs/scan-report.schema.json"


def test_example_sim_profiles_do_not_look_like_models(catalog: Catalog) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
    report = scan(example, ScanOptions(today=TODAY, jobs=1), catalog=catalog)
    stray = [f.model_expression for f in report.findings if f.path.endswith("sim-profiles.toml")]
    assert not [s for s in stray if "today" in s or "planted" in s], stray
