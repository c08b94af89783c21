"""Demo steps for the migration-as-a-project commands (``make demo`` wires them in).

Both run offline on a temporary copy of ``examples/support-assistant`` unless given a
directory: ``status_step`` shows ``switchover init``'s proposal and ``switchover status``;
``rewrite_step`` previews ``switchover rewrite``, applies it, re-scans, and runs the example's
own tests on the result.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax

from switchover.catalog import get_catalog
from switchover.config import load_config
from switchover.project.init import build_plan
from switchover.project.render import render_rich
from switchover.project.rewrite import apply_plan, plan_rewrite
from switchover.project.status import build_status, run_scan, sites_on
from switchover.store import open_store

__all__ = ["EXAMPLE", "rewrite_step", "status_step"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
_IGNORE = shutil.ignore_patterns(".switchover", "switchover-reports", "__pycache__", ".env")


@contextlib.contextmanager
def _copy(root: Path | None) -> Iterator[Path]:
    if root is not None:
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="switchover-demo-") as tmp:
        dest = Path(tmp) / "support-assistant"
        shutil.copytree(EXAMPLE, dest, ignore=_IGNORE)
        yield dest


def status_step(
    console: Console, *, root: Path | None = None, store_url: str | None = None
) -> None:
    """``switchover init``'s proposal for the example, then ``switchover status``."""
    with _copy(root) as project:
        plan = build_plan(project, datetime.now(UTC).date())
        for m in plan.migrations:
            console.print(
                f"init proposes: [bold]{m.old.id}[/] ({len(m.sites)} site(s), shutdown "
                f"{m.old.shutdown_date}) -> [bold]{m.new.id}[/] (the catalog's replacement)"
            )
        cfg = load_config(project / "switchover.toml")
        url = store_url or f"sqlite:///{project}/.switchover/demo-status.db"
        with open_store(url) as store:
            status = build_status(cfg, store, store_url=url)
        render_rich(status, console)


def rewrite_step(console: Console, *, root: Path | None = None) -> None:
    """Preview the code change, apply it, prove nothing is left on the old model and that
    the application's own tests still pass."""
    with _copy(root) as project:
        cfg = load_config(project / "switchover.toml")
        mig = cfg.migration(None)
        plan = plan_rewrite(project, mig)
        console.print(Syntax(plan.diff(), "diff", theme="ansi_dark", background_color="default"))
        for note in plan.notes:
            console.print(f"[yellow]note:[/] {note}")
        apply_plan(plan, force=True)
        left = sites_on(run_scan(cfg, datetime.now(UTC).date()), mig, get_catalog())
        console.print(
            f"rewrote {len(plan.changes)} file(s); usage sites left on {plan.old}: {len(left)}"
        )
        again = plan_rewrite(project, mig)
        console.print(f"re-running the rewrite changes {len(again.changes)} file(s) (a no-op)")
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        last = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
        style = "green" if proc.returncode == 0 else "red"
        console.print(f"the example's own tests after the rewrite: [{style}]{last}[/]")
