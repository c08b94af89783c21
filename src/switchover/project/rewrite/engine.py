"""Plan and apply a migration's code changes: model IDs at their definition sites, and the
parameter changes the new model needs at Python and JavaScript/TypeScript call sites."""

from __future__ import annotations

import difflib
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import libcst as cst

from switchover.catalog import Catalog, get_catalog
from switchover.config import Migration
from switchover.errors import InputError, UsageError
from switchover.project.rewrite.ops import ParamOp, ops_from_problems
from switchover.project.rewrite.python_calls import rewrite_python_calls
from switchover.project.rewrite.ts_calls import LANGUAGES, rewrite_ts_calls
from switchover.project.status import old_model_ids
from switchover.scan.engine import ScanOptions, load_scan_config, scan
from switchover.scan.findings import Finding

__all__ = ["FileChange", "RewritePlan", "apply_plan", "dirty_files", "plan_rewrite"]

#: literal contexts whose model IDs are definitions to replace (tests pin the same model)
REWRITE_CONTEXTS = frozenset({"call_argument", "constant", "config", "ui_list", "test_fixture"})
_CALL_SPAN = 40  # lines after a call's first line searched for its literal model argument
_ID_CHAR = re.compile(r"[A-Za-z0-9._\-]")


@dataclass
class FileChange:
    path: str  # relative to the root
    before: str
    after: str
    literals: int = 0
    calls: int = 0

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


@dataclass
class RewritePlan:
    root: Path
    migration: str
    old: str
    new: str
    changes: list[FileChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def diff(self) -> str:
        return "".join(c.diff() for c in self.changes)


def _replace_at(line: str, col: int, old: str, new: str) -> str | None:
    """``line`` with the occurrence of ``old`` at or after ``col`` (0-based) replaced."""
    low, needle = line.lower(), old.lower()
    start = max(0, col)
    while True:
        i = low.find(needle, start)
        if i < 0:
            return None if start == 0 else _replace_at(line, 0, old, new)
        before = line[i - 1] if i else ""
        after = line[i + len(old)] if i + len(old) < len(line) else ""
        if not _ID_CHAR.fullmatch(before or " ") and not _ID_CHAR.fullmatch(after or " "):
            return line[:i] + new + line[i + len(old) :]
        start = i + 1


def _values(f: Finding, ids: set[str]) -> list[str]:
    found = {
        r.value
        for r in f.resolved
        if (r.catalog_id or r.value).lower() in ids or r.value.lower() in ids
    }
    return sorted(found, key=len, reverse=True)


def _literal_edits(text: str, findings: list[Finding], ids: set[str], new: str) -> tuple[str, int]:
    """Replace the old model's ID at each finding: at its column for literals; for a call
    whose model argument is a literal, at the first occurrence from the call's line on."""
    lines = text.splitlines(keepends=True)
    count = 0
    literal_lines = {f.line for f in findings if f.kind == "literal"}
    for f in sorted(findings, key=lambda x: (x.line, x.column), reverse=True):
        if f.kind == "call" and any(f.line <= n < f.line + _CALL_SPAN for n in literal_lines):
            continue  # the scanner reported the model argument itself as a literal
        span = (
            range(f.line - 1, min(len(lines), f.line + _CALL_SPAN))
            if f.kind == "call"
            else [f.line - 1]
        )
        done = False
        for value in _values(f, ids):
            if done or value.lower() == new.lower():
                continue
            for i in span:
                if i >= len(lines):
                    break
                col = f.column - 1 if i == f.line - 1 else 0
                replaced = _replace_at(lines[i], col, value, new)
                if replaced is not None:
                    lines[i] = replaced
                    count += 1
                    done = True
                    break
    return "".join(lines), count


def _on_old(f: Finding, ids: set[str]) -> bool:
    return any(
        (r.catalog_id or r.value).lower() in ids or r.value.lower() in ids for r in f.resolved
    )


def _targets(calls: list[Finding], notes: list[str]) -> dict[int, list[ParamOp]]:
    out: dict[int, list[ParamOp]] = {}
    for f in calls:
        ops, why = ops_from_problems(f.param_problems)
        notes += [f"{f.path}:{f.line}: {n}" for n in why]
        if ops:
            out[f.line] = ops
    return out


def _rewrite_file(
    root: Path,
    rel: str,
    literals: list[Finding],
    calls: list[Finding],
    ids: set[str],
    new: str,
    notes: list[str],
) -> FileChange | None:
    path = root / rel
    try:
        before = path.read_bytes().decode("utf-8")  # bytes: line endings stay as they are
    except (OSError, UnicodeDecodeError) as exc:
        notes.append(f"{rel}: not rewritten ({exc})")
        return None
    after, n_lit = _literal_edits(before, literals, ids, new)
    targets = _targets(calls, notes)
    missed: list[int] = []
    suffix = path.suffix.lower()
    if targets and suffix in (".py", ".pyi"):
        try:
            after, missed = rewrite_python_calls(after, targets)
        except cst.ParserSyntaxError as exc:
            notes.append(f"{rel}: not rewritten, libcst cannot parse it ({exc.message})")
            return None
    elif targets and suffix in LANGUAGES:
        after, missed = rewrite_ts_calls(after, targets, language=LANGUAGES[suffix])
    elif targets:
        notes += [
            f"{rel}:{line}: change the parameters by hand ({suffix} call sites are not rewritten)"
            for line in targets
        ]
        missed = []
    notes += [f"{rel}:{line}: call not found, parameters left as they are" for line in missed]
    if after == before:
        return None
    return FileChange(rel, before, after, literals=n_lit, calls=len(targets) - len(missed))


def plan_rewrite(
    root: Path,
    mig: Migration,
    *,
    today: date | None = None,
    catalog: Catalog | None = None,
    include_tests: bool = True,
) -> RewritePlan:
    """Scan ``root`` and compute every file change of ``mig`` (nothing is written)."""
    cat = catalog or get_catalog()
    new = mig.to_ref.model
    if cat.lookup(new, mig.to_ref.platform) is None:
        raise UsageError(f"unknown target model {mig.to!r}", hint="Check `to` in switchover.toml.")
    opts, _ = load_scan_config(root, ScanOptions(today=today or date.today(), target=new, jobs=1))
    report = scan(root, opts)
    ids = old_model_ids(mig, cat)
    plan = RewritePlan(root=root, migration=mig.name, old=mig.from_ref.model, new=new)
    contexts = REWRITE_CONTEXTS if include_tests else REWRITE_CONTEXTS - {"test_fixture"}
    literals: dict[str, list[Finding]] = defaultdict(list)
    calls: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        if f.suppressed or not _on_old(f, ids):
            continue
        if f.cell is not None:
            plan.notes.append(f"{f.path} cell {f.cell} line {f.line}: notebooks are not rewritten")
            continue
        if f.kind == "literal" and f.context in contexts:
            literals[f.path].append(f)
        elif f.kind == "call":
            if f.resolution == "literal":
                literals[f.path].append(f)
            if f.param_problems:
                calls[f.path].append(f)
    for rel in sorted(set(literals) | set(calls)):
        change = _rewrite_file(root, rel, literals[rel], calls[rel], ids, new, plan.notes)
        if change is not None:
            plan.changes.append(change)
    return plan


def dirty_files(root: Path, paths: list[str]) -> list[str]:
    """Those of ``paths`` (relative to ``root``) with uncommitted git changes; [] outside git."""
    if not paths:
        return []
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:  # not a repository
        return []
    top = subprocess.run(
        ["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = []
    for line in proc.stdout.splitlines():
        name = line[3:].split(" -> ")[-1].strip('"')
        dirty.append(name.removeprefix(top))
    return sorted(p for p in paths if p in dirty)


def apply_plan(plan: RewritePlan, *, force: bool = False) -> list[str]:
    """Write the changes; refuses files with uncommitted changes unless ``force``."""
    paths = [c.path for c in plan.changes]
    dirty = dirty_files(plan.root, paths)
    if dirty and not force:
        raise UsageError(
            "uncommitted changes in " + ", ".join(dirty),
            hint="Commit or stash them first (the rewrite must be reviewable on its own), "
            "or pass --force.",
        )
    for c in plan.changes:
        target = plan.root / c.path
        if target.read_bytes().decode("utf-8") != c.before:
            raise InputError("changed since the rewrite was planned; run it again", path=c.path)
        target.write_bytes(c.after.encode("utf-8"))
    return paths
