"""The demo steps run offline on a temporary copy of the example."""

from __future__ import annotations

from rich.console import Console

from switchover.demo_project import rewrite_step, status_step


def _console() -> Console:
    return Console(record=True, width=140, force_terminal=False)


def test_status_step() -> None:
    c = _console()
    status_step(c)
    out = c.export_text()
    assert "init proposes: gpt-4o-2024-08-06 (4 site(s), shutdown 2027-01-14) -> gpt-6-luna" in out
    assert "support-gpt-6-luna" in out
    assert "next:" in out


def test_rewrite_step() -> None:
    c = _console()
    rewrite_step(c)
    out = c.export_text()
    assert '+DEFAULT_MODEL = "gpt-6-luna"' in out
    assert "usage sites left on gpt-4o-2024-08-06: 0" in out
    assert "changes 0 file(s) (a no-op)" in out
    assert "9 passed" in out
