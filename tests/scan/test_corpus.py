"""Recall and precision of usage findings on the hand-labelled corpus (tests/corpus)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from switchover.catalog import Catalog
from switchover.scan.engine import ScanOptions, load_scan_config, scan
from switchover.scan.findings import Finding
from switchover.scan.policy import reportable

from .conftest import CORPUS, TODAY, copy_repo

EXPECTED: dict[str, list[dict[str, Any]]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())


def _models(f: Finding) -> set[str]:
    if f.resolution == "unresolved":
        return {"unresolved"}
    return {r.catalog_id or r.value for r in f.resolved}


def _score(repo: str, findings: list[Finding]) -> tuple[int, int, int]:
    """(expected matched, predictions, predictions matched) for one repository."""
    expected = EXPECTED[repo]
    used: set[int] = set()
    matched_expected = 0
    for exp in expected:
        for i, f in enumerate(findings):
            if i in used or f.path != exp["path"] or f.line != exp["line"]:
                continue
            if exp.get("cell") is not None and f.cell != exp["cell"]:
                continue
            if str(exp["model"]) in _models(f):
                used.add(i)
                matched_expected += 1
                break
    return matched_expected, len(findings), len(used)


def scan_repo(repo: str, tmp_path: Path, catalog: Catalog, jobs: int = 1) -> list[Finding]:
    root = copy_repo(repo, tmp_path)
    options, _ = load_scan_config(root, ScanOptions(today=TODAY, jobs=jobs))
    report = scan(root, options, catalog=catalog)
    return [f for f in report.findings if reportable(f, show_all=False)]


@pytest.mark.parametrize("repo", sorted(EXPECTED))
def test_each_repo_is_found_completely(repo: str, tmp_path: Path, catalog: Catalog) -> None:
    findings = scan_repo(repo, tmp_path, catalog)
    matched, predicted, correct = _score(repo, findings)
    assert matched == len(EXPECTED[repo]), [f"{f.path}:{f.line}" for f in findings]
    assert predicted == correct, [f"{f.path}:{f.line} {f.model_expression}" for f in findings]


def test_recall_and_precision_over_the_corpus(tmp_path: Path, catalog: Catalog) -> None:
    total_expected = total_pred = total_matched = total_correct = 0
    for repo in sorted(EXPECTED):
        findings = scan_repo(repo, tmp_path / repo, catalog, jobs=2)
        matched, predicted, correct = _score(repo, findings)
        total_expected += len(EXPECTED[repo])
        total_matched += matched
        total_pred += predicted
        total_correct += correct
    recall = total_matched / total_expected
    precision = total_correct / total_pred
    print(
        f"corpus: {total_expected} expected, {total_pred} reported; recall={recall:.3f} precision={precision:.3f}"
    )
    assert total_expected >= 50
    assert recall >= 0.98
    assert precision >= 0.95
