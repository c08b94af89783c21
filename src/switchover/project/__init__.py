"""The migration as one project: ``switchover init``, ``status``, ``ui`` and ``rewrite``.

* :mod:`switchover.project.status`: where each migration stands and the next step.
* :mod:`switchover.project.init`: propose and write a ``switchover.toml`` from a scan.
* :mod:`switchover.project.rewrite`: apply a migration to the code (diff or write).
* :mod:`switchover.project.dashboard`: the web dashboard (``create_dashboard_app``).
"""

from __future__ import annotations

__all__: list[str] = []
