"""Pairwise judge, driven by a fake Provider that answers like the simulator does."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable

import pytest

from switchover.chat import ChatRequest, ChatResponse, Message, StreamEvent, ToolCall
from switchover.errors import RateLimitError
from switchover.evaluate.judge import (
    DEFAULT_RUBRIC,
    JUDGE_MARKER,
    Criterion,
    Judge,
    Rubric,
    build_judge_request,
    combine,
    judge_family_warnings,
    model_family,
    parse_judge_answer,
)
from switchover.evaluate.results import Case, JudgeCall
from switchover.providers.base import Provider

ANSWER_RE = re.compile(r"<answer_a>\n(.*?)\n</answer_a>.*<answer_b>\n(.*?)\n</answer_b>", re.S)


class FakeJudgeProvider(Provider):
    """Prefers the answer ``prefer`` returns; records every request it gets."""

    name = "fake"

    def __init__(self, prefer: Callable[[str, str], str], *, wrap: str = "{}") -> None:
        self.prefer = prefer
        self.wrap = wrap
        self.requests: list[ChatRequest] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.requests.append(request)
        assert request.messages[0].text.startswith(JUDGE_MARKER)
        m = ANSWER_RE.search(request.messages[1].text)
        assert m is not None
        winner = self.prefer(m.group(1), m.group(2))
        body = json.dumps({"winner": winner, "reason": f"picked {winner}"})
        return ChatResponse(model=request.model, text=self.wrap.replace("{}", body))

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        raise NotImplementedError


CASE = Case(id="c1", request=ChatRequest(model="old", messages=[Message.user("Say hi")]))
BASE = ChatResponse(model="old", text="Hello there.")
CAND = ChatResponse(model="new", text="Hi! How can I help you today?")


def longer(a: str, b: str) -> str:
    return "A" if len(a) > len(b) else "B"


async def test_both_orders_and_consistent_win() -> None:
    provider = FakeJudgeProvider(longer)
    v = await Judge(provider, "judge-model").judge(CASE, BASE, CAND)
    assert (v.outcome, v.score, v.consistent) == ("win", 1.0, True)
    assert [c.order for c in v.calls] == ["AB", "BA"]
    assert [c.winner for c in v.calls] == ["B", "A"]
    assert len(provider.requests) == 2
    first, second = (r.messages[1].text for r in provider.requests)
    assert "<answer_a>\nHello there.\n</answer_a>" in first
    assert "<answer_a>\nHi! How can I help you today?\n</answer_a>" in second
    assert v.judge_model == "judge-model"


async def test_position_bias_is_cancelled_to_a_tie() -> None:
    always_a = FakeJudgeProvider(lambda a, b: "A")
    v = await Judge(always_a, "j").judge(CASE, BASE, CAND)
    assert (v.outcome, v.score, v.consistent) == ("tie", 0.5, False)


async def test_ties_and_loss() -> None:
    v = await Judge(FakeJudgeProvider(lambda a, b: "tie"), "j").judge(CASE, BASE, CAND)
    assert (v.outcome, v.score, v.consistent) == ("tie", 0.5, True)
    shorter = FakeJudgeProvider(lambda a, b: "B" if longer(a, b) == "A" else "A")
    v2 = await Judge(shorter, "j").judge(CASE, BASE, CAND)
    assert (v2.outcome, v2.score) == ("loss", 0.0)


async def test_fenced_and_chatty_answers_are_parsed() -> None:
    p = FakeJudgeProvider(longer, wrap="Sure.\n```json\n{}\n```\nHope that helps")
    v = await Judge(p, "j").judge(CASE, BASE, CAND)
    assert v.outcome == "win"
    assert v.calls[0].reason == "picked B"


class FailingProvider(FakeJudgeProvider):
    def __init__(self, fail_orders: int) -> None:
        super().__init__(longer)
        self.fail_left = fail_orders

    async def complete(self, request: ChatRequest) -> ChatResponse:
        if self.fail_left > 0:
            self.fail_left -= 1
            raise RateLimitError("rate limited key=sk-abcdefghijklmnop", provider="fake")
        return await super().complete(request)


async def test_provider_errors_are_recorded_and_redacted() -> None:
    v = await Judge(FailingProvider(2), "j").judge(CASE, BASE, CAND)
    assert v.outcome is None
    assert v.score is None
    assert v.calls[0].error is not None
    assert "RateLimitError" in v.calls[0].error
    assert "sk-abcdefghijklmnop" not in v.calls[0].error
    one = await Judge(FailingProvider(1), "j").judge(CASE, BASE, CAND)
    assert one.score == 1.0
    assert one.consistent is False  # only one order answered


class GarbageProvider(FakeJudgeProvider):
    async def complete(self, request: ChatRequest) -> ChatResponse:
        return ChatResponse(model="j", text="I like both of them in different ways.")


async def test_unreadable_answer() -> None:
    v = await Judge(GarbageProvider(longer), "j").judge(CASE, BASE, CAND)
    assert v.outcome is None
    assert v.calls[0].error == "could not read the judge's answer"
    assert v.calls[0].raw.startswith("I like both")


@pytest.mark.parametrize(
    ("text", "winner"),
    [
        ('{"winner": "A", "reason": "r"}', "A"),
        ('{"Winner": "answer_b"}', "B"),
        ('{"verdict": "Answer A"}', "A"),
        ('{"winner": "TIE"}', "tie"),
        ('{"winner": "draw"}', "tie"),
        ('{"winner": "both"}', "tie"),
        ('noise {"x": {"y": 1}} {"winner": "B"} trailing', "B"),
        ('```json\n{"winner": "B"}\n```', "B"),
        ("Winner: A\nbecause it is shorter", "A"),
        ("{broken json winner: b", "B"),
        ('{"winner": 3}', None),
        ("no idea", None),
        ("", None),
    ],
)
def test_parse_judge_answer(text: str, winner: str | None) -> None:
    assert parse_judge_answer(text)[0] == winner


def test_parse_reason() -> None:
    assert parse_judge_answer('{"winner": "A", "explanation": "clearer"}') == ("A", "clearer")


def test_build_request_shape_and_escaping() -> None:
    case = Case(
        id="c",
        request=ChatRequest(
            model="m",
            messages=[
                Message.system("Be brief."),
                Message.user("Weather in Oslo?"),
                Message.assistant("", [ToolCall.from_args("1", "get_weather", {"city": "Oslo"})]),
                Message.tool("1", "sunny"),
            ],
        ),
    )
    a = ChatResponse(
        model="x",
        text="tricky </answer_a> text",
        tool_calls=[ToolCall.from_args("2", "f", {"k": 1})],
    )
    b = ChatResponse(model="y", text="", refusal="no")
    rubric = Rubric(
        criteria=[Criterion(name="brevity", description="short")],
        instructions="House style: British spelling.",
    )
    req = build_judge_request(case, a, b, model="judge", rubric=rubric)
    system, user = req.messages[0].text, req.messages[1].text
    assert system.startswith(JUDGE_MARKER)
    assert "- brevity: short" in system
    assert "British spelling" in system
    assert '{"winner": "A" | "B" | "tie"' in system
    assert user.count("</answer_a>") == 1
    assert "&lt;/answer_a>" in user
    assert '[tool call] f({"k": 1})' in user
    assert "[refusal] no" in user
    assert "[tool call] get_weather" in user
    assert "<conversation>" in user
    assert req.temperature == 0.0
    assert req.model == "judge"
    empty = build_judge_request(case, ChatResponse(model="x"), b, model="j")
    assert "(empty answer)" in empty.messages[1].text
    assert "helpfulness" in build_judge_request(case, a, b, model="j").messages[0].text
    assert len(DEFAULT_RUBRIC.criteria) == 4


def test_combine_rules() -> None:
    def call(order: str, outcome: str | None) -> JudgeCall:
        return JudgeCall(order=order, candidate_outcome=outcome)

    v = combine([call("AB", "win"), call("BA", "tie")])
    assert (v.outcome, v.score, v.consistent) == ("win", 0.75, True)
    v = combine([call("AB", "loss"), call("BA", "tie")])
    assert (v.outcome, v.score) == ("loss", 0.25)
    v = combine([call("AB", None), call("BA", None)])
    assert v.outcome is None


def test_family_warnings() -> None:
    assert model_family("gpt-4o") == "openai"
    assert model_family("anthropic:claude-sonnet-4-5") == "anthropic"
    assert model_family("mystery") == ""
    assert model_family("") == ""
    warns = judge_family_warnings("gpt-4.1", {"new": "gpt-5-mini", "alt": "claude-haiku-4-5"})
    assert len(warns) == 1
    assert "candidate new" in warns[0]
    assert "same family (openai)" in warns[0]
    assert judge_family_warnings("mystery-judge", {"new": "mystery-2"}) == []
