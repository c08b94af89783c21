"""``switchover rewrite``: apply a migration to the code (see :mod:`.engine`)."""

from __future__ import annotations

from switchover.project.rewrite.engine import (
    FileChange,
    RewritePlan,
    apply_plan,
    dirty_files,
    plan_rewrite,
)

__all__ = ["FileChange", "RewritePlan", "apply_plan", "dirty_files", "plan_rewrite"]
