"""The migration's ``system_prompt`` on candidate requests (shadow and canary).

``switchover tune --apply`` writes a tuned prompt into the plan as the migration's
``system_prompt``; ``switchover eval`` then evaluates the candidate with it. The gateway
must serve what was evaluated, so a candidate request gets the prompt exactly as the
evaluation engine puts it (``switchover.evaluate.runner.apply_overrides``): every system and
developer message is removed and the prompt becomes the first message, in the system role,
before adaptation (which may move it to the developer role for the target model). Baseline
requests are never touched.
"""

from __future__ import annotations

from switchover.chat import ChatRequest, Message

__all__ = ["with_system_prompt"]


def with_system_prompt(request: ChatRequest, system_prompt: str | None) -> ChatRequest:
    """``request`` with its system and developer messages replaced by ``system_prompt``
    (unchanged when ``system_prompt`` is None)."""
    if system_prompt is None:
        return request
    rest = [m for m in request.messages if m.role not in ("system", "developer")]
    return request.model_copy(update={"messages": [Message.system(system_prompt), *rest]})
