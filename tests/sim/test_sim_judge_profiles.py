"""The sim judge's verdicts and profile files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from switchover.chat import ChatRequest, Message, ResponseFormat
from switchover.errors import InputError
from switchover.providers.sim import BUILTIN_PROFILES, JUDGE_MARKER, load_profiles, parse_profiles
from switchover.providers.sim.judge import JudgeInput, is_judge_request, judge

from ._helpers import engine

GOOD = "To reset your password, open Settings, choose Security and select Reset password."


def judge_request(
    a: str, b: str, *, question: str = "How do I reset my password?", extra: str = ""
) -> ChatRequest:
    user = f"<question>{question}</question>\n{extra}<answer_a>{a}</answer_a>\n<answer_b>{b}</answer_b>"
    return ChatRequest(
        model="gpt-4o",
        messages=[Message.system(f"{JUDGE_MARKER} Compare the two answers."), Message.user(user)],
    )


def verdict(a: str, b: str, **kw: str) -> dict[str, str]:
    resp = engine("refuser").respond(judge_request(a, b, **kw), api="openai.chat")
    return dict(json.loads(resp.text))


def test_refusal_loses_in_both_orders() -> None:
    refusal = "I'm sorry, but I can't help with that request."
    assert verdict(GOOD, refusal)["winner"] == "A"
    assert verdict(refusal, GOOD)["winner"] == "B"
    assert "refuses" in verdict(GOOD, refusal)["reason"]


def test_similar_answers_tie() -> None:
    other = "Open Settings, then Security, and pick Reset password to reset it."
    assert verdict(GOOD, other)["winner"] == "tie"


def test_missing_keywords_lose() -> None:
    vague = "Please go to the page and follow the instructions there."
    v = verdict(vague, GOOD)
    assert v["winner"] == "B"
    assert "missing" in v["reason"]
    kw = "<expected_keywords>Security, Settings</expected_keywords>\n"
    assert verdict("Open Settings and reset your password.", GOOD, extra=kw)["winner"] == "B"


def test_fenced_or_broken_json_loses() -> None:
    good = '{"category": "billing", "priority": 2}'
    fenced = f"```json\n{good}\n```"
    assert verdict(fenced, good, question="Classify billing priority")["winner"] == "B"
    assert (
        verdict(good, '{"category": "bill', question="Classify billing priority")["winner"] == "A"
    )


def test_markdown_against_plain_reference_and_truncation() -> None:
    md = "## Reset\n\n- Open **Settings**, choose Security and select Reset password."
    ref = "<reference>Open Settings and choose Reset password.</reference>\n"
    assert verdict(md, GOOD, extra=ref)["winner"] == "B"
    assert verdict(GOOD, "To reset your password, open Settings and", extra="")["winner"] == "A"
    assert judge(JudgeInput("", GOOD))["winner"] == "B"


def test_judge_detection_needs_marker_and_tags() -> None:
    req = judge_request("x", "y")
    assert is_judge_request(req)
    plain = req.model_copy(update={"messages": [Message.system("Compare"), req.messages[1]]})
    assert not is_judge_request(plain)
    # without the marker the request is answered like any other prompt
    assert not engine().respond(plain, api="openai.chat").text.startswith("{")


def test_judge_honours_a_json_schema_response_format() -> None:
    schema = {
        "type": "object",
        "properties": {
            "winner": {"type": "string", "enum": ["A", "B", "tie"]},
            "reason": {"type": "string"},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["winner", "reason", "confidence"],
    }
    req = judge_request(GOOD, "I'm sorry, but I can't help with that request.").model_copy(
        update={"response_format": ResponseFormat(type="json_schema", json_schema=schema)}
    )
    out = json.loads(engine("fenced-json").respond(req, api="openai.chat").text)
    assert out["winner"] == "A"
    assert "refuses" in out["reason"]
    assert 0 <= out["confidence"] <= 1


def test_builtin_profiles_present() -> None:
    for name in (
        "baseline",
        "markdown-drift",
        "fenced-json",
        "terse",
        "verbose",
        "renamed-tool-args",
        "refuser",
        "flaky",
        "rate-limited",
    ):
        assert BUILTIN_PROFILES[name].name == name
        assert BUILTIN_PROFILES[name].description


def test_load_toml_profiles(tmp_path: Path) -> None:
    path = tmp_path / "sim.toml"
    path.write_text(
        """
[profiles.candidate]
base = "markdown-drift"
refusal_rate = 0.1
[profiles.candidate.latency]
median_ms = 900

[models]
"gpt-4o*" = "baseline"
"gpt-5*" = "candidate"
"*" = "terse"
""",
        encoding="utf-8",
    )
    mapping = load_profiles(path)
    assert list(mapping) == ["gpt-4o*", "gpt-5*", "*"]
    cand = mapping["gpt-5*"]
    assert cand.name == "candidate"
    assert cand.markdown_rate == 0.6
    assert cand.refusal_rate == 0.1
    assert cand.latency.median_ms == 900
    assert cand.latency.p95_ms == 1500
    assert mapping["*"].name == "terse"


def test_load_json_profiles(tmp_path: Path) -> None:
    path = tmp_path / "sim.json"
    path.write_text(json.dumps({"models": {"sim-*": "verbose"}}), encoding="utf-8")
    assert load_profiles(path)["sim-*"].name == "verbose"
    assert parse_profiles({})["*"].name == "baseline"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"profiles": {"x": {"refusal_rate": 2}}}, "profiles.x.refusal_rate"),
        ({"profiles": {"x": {"refusl_rate": 0.1}}}, "profiles.x.refusl_rate"),
        ({"profiles": {"x": {"base": "nope"}}}, "profiles.x.base"),
        ({"models": {"gpt-*": "nope"}}, "models.gpt-*"),
        ({"models": {}}, "models"),
        ({"model": {}}, "unknown top-level"),
        ({"profiles": []}, "profiles"),
        ({"profiles": {"x": 3}}, "profiles.x"),
        ([], "expected a table"),
    ],
)
def test_profile_errors_name_the_field(data: object, needle: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_profiles(data, source="sim.toml")
    assert needle in exc.value.message
    assert exc.value.message.startswith("sim.toml")


def test_profile_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_profiles(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[models\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid TOML"):
        load_profiles(bad)
    badj = tmp_path / "bad.json"
    badj.write_text("{\n,", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.json:2: invalid JSON"):
        load_profiles(badj)


def test_works_with_the_evaluation_judge_prompt() -> None:
    from switchover.chat import ChatResponse
    from switchover.evaluate.judge import build_judge_request, parse_judge_answer
    from switchover.evaluate.results import Case

    req = ChatRequest(
        model="gpt-4o",
        messages=[Message.system("Be helpful."), Message.user("How do I reset my password?")],
    )
    case = Case(id="c1", request=req)
    good = ChatResponse(model="m", text=GOOD)
    refused = ChatResponse(
        model="m", text="", refusal="I'm sorry, but I can't help with that request."
    )
    vague = ChatResponse(model="m", text="Please follow the instructions on the page.")
    for a, b, winner in [
        (good, refused, "A"),
        (refused, good, "B"),
        (vague, good, "B"),
        (good, good, "tie"),
    ]:
        jr = build_judge_request(case, a, b, model="gpt-4o")
        resp = engine().respond(jr, api="openai.chat")
        assert parse_judge_answer(resp.text)[0] == winner, resp.text


def test_markdown_loses_when_the_conversation_asks_for_plain_text() -> None:
    md = "## Reset\n\n- Open **Settings**, choose Security and select Reset password."
    conv = "<conversation>system: Answer in plain text.\n\nuser: How do I reset my password?</conversation>\n"
    req = ChatRequest(
        model="gpt-4o",
        messages=[
            Message.system(f"{JUDGE_MARKER} Compare."),
            Message.user(f"{conv}<answer_a>{md}</answer_a><answer_b>{GOOD}</answer_b>"),
        ],
    )
    out = json.loads(engine().respond(req, api="openai.chat").text)
    assert out["winner"] == "B"
    assert "markdown" in out["reason"]
