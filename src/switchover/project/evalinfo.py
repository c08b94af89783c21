"""The latest evaluation of a migration, from the store's runs and the report files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from switchover.project.model import EvalStatus, KeyInterval
from switchover.store import Store

if TYPE_CHECKING:
    from switchover.evaluate.results import EvalReport

__all__ = ["latest_eval", "report_paths"]

TUNE_RUN_PREFIX = "tune-"
"""Run ids `switchover tune` gives its dev and held-out evaluations."""

_FORMATS = {"html": ".html", "md": ".md", "json": ".json", "junit": ".xml"}


def report_paths(reports_dir: Path, migration: str) -> dict[str, Path]:
    """The report files ``switchover eval`` wrote for ``migration`` (those that exist)."""
    stem = f"{migration}-eval"
    found = {fmt: reports_dir / f"{stem}{ext}" for fmt, ext in _FORMATS.items()}
    return {fmt: p for fmt, p in found.items() if p.is_file()}


def _when(value: Any) -> datetime | None:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), UTC)
    return None


def _latest_run(store: Store, migration: str) -> tuple[str, dict[str, Any]] | None:
    best: tuple[float, str, dict[str, Any]] | None = None
    for run_id in store.run_ids():
        if run_id.startswith(TUNE_RUN_PREFIX):
            continue  # tune's trial runs of prompt variants, not the migration's evaluation
        meta = store.run_get(run_id)
        if not meta or meta.get("migration") != migration:
            continue
        stamp = float(meta.get("finished") or meta.get("started") or 0.0)
        if best is None or stamp > best[0]:
            best = (stamp, run_id, meta)
    return None if best is None else (best[1], best[2])


def _intervals(report: EvalReport) -> tuple[str | None, list[str], list[KeyInterval]]:
    if not report.comparisons:
        return None, list(report.reasons), []
    comp = report.comparisons[0]
    order = {"NO-GO": 0, "INCONCLUSIVE": 1, "GO": 2}
    rows = [
        KeyInterval(
            metric=m.name,
            diff=m.diff,
            ci_low=m.ci_low,
            ci_high=m.ci_high,
            margin=m.margin,
            direction=m.direction,
            verdict=m.verdict,
        )
        for m in comp.metrics
        if m.gate and m.diff is not None  # no data: not applicable to these answers
    ]
    rows.sort(key=lambda r: order.get(r.verdict, 3))
    return comp.candidate_model, list(comp.reasons or report.reasons), rows


def latest_eval(store: Store, migration: str, reports_dir: Path) -> EvalStatus | None:
    """The newest stored run of ``migration`` with its verdict, and the key intervals from
    the JSON report when that report belongs to the same run."""
    found = _latest_run(store, migration)
    paths = report_paths(reports_dir, migration)
    report: EvalReport | None = None
    note: str | None = None
    if "json" in paths:
        # imported here: switchover.evaluate pulls in scipy/statsmodels (seconds to import)
        from switchover.evaluate.results import EvalReport

        try:
            report = EvalReport.model_validate_json(paths["json"].read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError) as exc:
            note = f"{paths['json']}: unreadable report ({type(exc).__name__})"
    if found is None and report is None:
        return None
    meta: dict[str, Any]
    if found is None:
        assert report is not None
        run_id, meta = report.meta.run_id, {"verdict": report.verdict, "complete": True}
        note = "run not in this store; verdict from the report file"
    else:
        run_id, meta = found
    status = EvalStatus(
        run_id=run_id,
        verdict=meta.get("verdict"),
        started=_when(meta.get("started")),
        finished=_when(meta.get("finished")),
        complete=bool(meta.get("complete", False)),
        n_cases=meta.get("n_cases"),
        reports={fmt: str(p) for fmt, p in paths.items()},
        note=note,
    )
    if report is not None:
        if report.meta.run_id == run_id:
            model, reasons, rows = _intervals(report)
            status.candidate_model = model
            status.reasons = reasons
            status.intervals = rows
        else:
            status.note = (
                f"the report files are from run {report.meta.run_id}, not the latest run; "
                "re-run `switchover eval` to refresh them"
            )
    if status.candidate_model is None:
        cands = meta.get("candidates")
        if isinstance(cands, dict) and cands:
            status.candidate_model = str(next(iter(cands.values())))
    return status
