"""Run a scan: walk, prefilter and parse in parallel, resolve, enrich, apply baseline/suppressions."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from switchover._version import __version__
from switchover.catalog import Catalog, get_catalog
from switchover.config import load_config
from switchover.errors import InputError
from switchover.scan.enrich import Enricher
from switchover.scan.facts import FileFacts
from switchover.scan.findings import Finding, ScanReport, ScanStats
from switchover.scan.parallel import read_tree
from switchover.scan.reader import Limits
from switchover.scan.resolver import Index
from switchover.scan.walker import DEFAULT_SKIP_DIRS, Walker

__all__ = ["ScanOptions", "load_scan_config", "scan"]

_MAX_WARNINGS = 200


@dataclass(slots=True)
class ScanOptions:
    today: date = field(default_factory=date.today)
    target: str | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    use_gitignore: bool = True
    skip_dirs: frozenset[str] = DEFAULT_SKIP_DIRS
    jobs: int = 0  # 0 = one per core
    azure_deployments: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)


def find_project_file(root: Path) -> Path | None:
    """``switchover.toml`` in the scanned directory or a parent, up to the repository root."""
    start = (root if root.is_dir() else root.parent).resolve()
    for directory in [start, *start.parents]:
        candidate = directory / "switchover.toml"
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load_scan_config(root: Path, options: ScanOptions) -> tuple[ScanOptions, Path | None]:
    """Merge ``[scan]`` from the project's ``switchover.toml`` into ``options`` (flags win)."""
    path = find_project_file(root)
    if path is None:
        return options, None
    cfg = load_config(path).scan
    options.azure_deployments = {**cfg.azure_deployments, **options.azure_deployments}
    options.include = options.include or list(cfg.include)
    options.exclude = [*cfg.exclude, *options.exclude]
    options.use_gitignore = options.use_gitignore and cfg.respect_gitignore
    return options, path


# -- main --------------------------------------------------------------------------------------
def scan(
    root: Path, options: ScanOptions | None = None, *, catalog: Catalog | None = None
) -> ScanReport:
    """Scan ``root`` (a directory or one file) and return the report (baseline not applied)."""
    opts = options or ScanOptions()
    if not root.exists():
        raise InputError(
            "path does not exist", path=str(root), hint="Pass a directory or file to scan."
        )
    cat = catalog or get_catalog()
    started = time.perf_counter()
    jobs = opts.jobs or os.cpu_count() or 1
    walker = Walker(
        root,
        include=opts.include,
        exclude=opts.exclude,
        use_gitignore=opts.use_gitignore,
        skip_dirs=opts.skip_dirs,
    )
    known = sorted(cat.known_ids())
    stats = ScanStats(jobs=jobs)
    skipped: Counter[str] = Counter()
    warnings: list[str] = []
    index = Index(opts.azure_deployments)
    parsed: list[FileFacts] = []
    for outcomes, unmatched in read_tree(walker, known, opts.limits, jobs):
        stats.files_read += unmatched + len(outcomes)
        for outcome in outcomes:
            if outcome.status != "binary":
                stats.files_matched += 1
            if outcome.warning:
                warnings.append(outcome.warning)
            if outcome.facts is not None:
                stats.files_parsed += 1
                index.add(outcome.facts)
                parsed.append(outcome.facts)
            else:
                skipped[outcome.status] += 1
    walk = walker.stats
    stats.files_seen = walk.files_seen
    stats.symlink_loops = walk.symlink_loops
    if walk.symlink_loops:
        skipped["symlink_loop"] += walk.symlink_loops
    if walk.files_ignored:
        skipped["gitignored"] += walk.files_ignored
    warnings = walk.warnings + sorted(warnings)
    stats.warnings_total = len(warnings)
    stats.warnings = warnings[:_MAX_WARNINGS]
    stats.skipped = dict(sorted(skipped.items()))
    enricher = Enricher(cat, index, opts.today, opts.target)
    findings: list[Finding] = []
    for facts in sorted(parsed, key=lambda f: f.path):
        for site in sorted(facts.sites, key=lambda s: (s.cell or 0, s.line, s.col)):
            findings.append(enricher.finding(site))
    stats.elapsed_s = round(time.perf_counter() - started, 3)
    return ScanReport(
        tool_version=__version__,
        root=str(root),
        today=opts.today,
        target=opts.target,
        findings=findings,
        stats=stats,
    )
