"""Model catalog: lifecycle, prices, capabilities and parameter rules, from data files.

``get_catalog()`` is the shipped data plus an installed update; ``load_catalog()`` adds the
user's ``switchover.toml`` overrides. Data format and sources: ``docs/catalog.md``.
"""

from switchover.catalog.core import Catalog, DataSource
from switchover.catalog.loader import clear_cache, get_catalog, load_catalog
from switchover.catalog.model import CAPABILITIES, PLATFORMS, ModelEntry, Status

# --- parameter rules (owned by the "adapt" helper: switchover.catalog.rules) ---------------
from switchover.catalog.rules import ParamRule, RuleFix, RuleViolation, check_request, rules_for

# --- end parameter rules --------------------------------------------------------------------

__all__ = [
    "CAPABILITIES",
    "PLATFORMS",
    "Catalog",
    "DataSource",
    "ModelEntry",
    "ParamRule",
    "RuleFix",
    "RuleViolation",
    "Status",
    "check_request",
    "clear_cache",
    "get_catalog",
    "load_catalog",
    "rules_for",
]
