"""Adaptation: turn a request written for one model into one the target accepts, and say
exactly what changed (pure functions over the neutral chat model)."""

from switchover.adapt.core import adapt
from switchover.adapt.model import AdaptationError, Adapted, Change, Policy
from switchover.adapt.probe import probe_body

__all__ = ["AdaptationError", "Adapted", "Change", "Policy", "adapt", "probe_body"]
