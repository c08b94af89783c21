"""Pure rollout logic: plan, sticky bucketing, stage state machine, gates and schedule.

Nothing here does I/O or reads a clock; callers pass ``now``. The gateway (and the
``switchover rollout`` CLI) load the state from a :class:`switchover.store.Store`, call these
functions, and write the result back with compare-and-set. See docs/rollout.md.
"""

from switchover.rollout.bucketing import BUCKETS, bucket, in_shadow, serves_candidate, threshold
from switchover.rollout.gates import (
    Decision,
    GateResult,
    MetricsSource,
    apply_decision,
    evaluate,
    evaluate_gate,
)
from switchover.rollout.metrics import (
    Arm,
    ArmMetrics,
    RequestRecord,
    WindowMetrics,
    nearest_rank,
    summarize,
)
from switchover.rollout.plan import (
    Gate,
    GateMetric,
    RolloutPlan,
    Stage,
    default_gates,
    default_plan,
    format_duration,
    parse_duration,
    plan_from_settings,
)
from switchover.rollout.schedule import (
    Schedule,
    ScheduledStage,
    behind_schedule,
    compress,
    compute_schedule,
    required_duration,
)
from switchover.rollout.state import (
    Action,
    AuditEvent,
    RolloutState,
    StageVisit,
    Status,
    TransitionError,
    initial_state,
)
from switchover.rollout.transitions import (
    Transition,
    kill,
    pause,
    promote,
    record_gate_failure,
    reset,
    resume,
    rollback,
)

__all__ = [
    "BUCKETS",
    "Action",
    "Arm",
    "ArmMetrics",
    "AuditEvent",
    "Decision",
    "Gate",
    "GateMetric",
    "GateResult",
    "MetricsSource",
    "RequestRecord",
    "RolloutPlan",
    "RolloutState",
    "Schedule",
    "ScheduledStage",
    "Stage",
    "StageVisit",
    "Status",
    "Transition",
    "TransitionError",
    "WindowMetrics",
    "apply_decision",
    "behind_schedule",
    "bucket",
    "compress",
    "compute_schedule",
    "default_gates",
    "default_plan",
    "evaluate",
    "evaluate_gate",
    "format_duration",
    "in_shadow",
    "initial_state",
    "kill",
    "nearest_rank",
    "parse_duration",
    "pause",
    "plan_from_settings",
    "promote",
    "record_gate_failure",
    "required_duration",
    "reset",
    "resume",
    "rollback",
    "serves_candidate",
    "summarize",
    "threshold",
]
