"""Inventory of model call sites and configured models (``switchover scan``).

``scan(root, ScanOptions(...))`` walks a tree and returns a :class:`ScanReport`; renderers live
in :mod:`switchover.scan.report`, baselines and ``--fail-on`` in :mod:`switchover.scan.policy`.
Format and behaviour: docs/scan.md.
"""

from switchover.scan.engine import ScanOptions, load_scan_config, scan
from switchover.scan.findings import (
    SCHEMA_VERSION,
    Finding,
    ParamProblem,
    ResolvedModel,
    ScanReport,
    ScanStats,
)

__all__ = [
    "SCHEMA_VERSION",
    "Finding",
    "ParamProblem",
    "ResolvedModel",
    "ScanOptions",
    "ScanReport",
    "ScanStats",
    "load_scan_config",
    "scan",
]
