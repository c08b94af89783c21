"""The simulator's instruction following (providers/sim/instructions.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchover.chat import ChatRequest, Message, ResponseFormat, Tool
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine
from switchover.providers.sim.instructions import (
    REWRITE_MARKER,
    answer_basis,
    is_rewrite_request,
    read_instructions,
    rewrite,
    strip_instructions,
)
from switchover.tune.generate import REWRITE_MARKER as TUNE_MARKER

BASE = (
    'You are the support assistant.\nAnswer briefly. Reply with a JSON object:\n{"reply": string}'
)
LOOKUP = Tool(
    name="lookup_order",
    parameters={
        "type": "object",
        "properties": {"order_id": {"type": "string"}, "customer_id": {"type": "string"}},
        "required": ["order_id", "customer_id"],
    },
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Never use markdown.", ["no_markdown"]),
        ("Do not use any markdown in replies.", ["no_markdown"]),
        ("Plain sentences, no markdown.", ["no_markdown"]),
        ("Answer in plain text.", []),  # a weak hint: drifting models ignore it
        ("Return bare JSON with no code fences.", ["bare_json"]),
        ("Don't wrap the answer in code fences.", ["bare_json"]),
        ("Reply with a JSON object.", []),
        ("Call tools with exactly the argument names in their schemas.", ["exact_tool_args"]),
        ("Use parameter names exactly as defined.", ["exact_tool_args"]),
        ("Be concise.", ["concise"]),
        ("Answer briefly and politely.", []),
        ("", []),
    ],
)
def test_recognised_phrasings(text: str, expected: list[str]) -> None:
    assert read_instructions(text).names() == expected


@pytest.mark.parametrize(
    "variant",
    [
        BASE + "\nNever use markdown.",
        BASE + "\nNever use markdown.\nBe concise.",
        "Never use markdown.\n" + BASE,
        "Never use markdown.\n\n" + BASE,
        BASE.replace("Answer briefly.", "Answer briefly. Be concise."),
        BASE.replace("\nAnswer", "\nBe concise. Answer"),
    ],
)
def test_strip_recovers_the_original_prompt(variant: str) -> None:
    assert strip_instructions(variant) == BASE
    assert strip_instructions(BASE) == BASE


def test_answer_basis_is_identity_without_instructions() -> None:
    req = ChatRequest(model="m", messages=[Message.system(BASE), Message.user("hi")])
    assert answer_basis(req) is req
    inst = req.model_copy(
        update={"messages": [Message.developer(BASE + "\nBe concise."), Message.user("hi")]}
    )
    assert answer_basis(inst).messages[0].text == BASE


def _engine(profile: str) -> SimEngine:
    return SimEngine({"*": BUILTIN_PROFILES[profile]}, seed=3, rules=None)


def _ask(engine: SimEngine, system: str, user: str, **kw: object) -> ChatRequest:
    return ChatRequest(model="gpt-x", messages=[Message.system(system), Message.user(user)], **kw)


def test_markdown_stops_when_told_and_the_rest_of_the_answer_is_unchanged() -> None:
    system = "You are the support assistant of a shop."
    told = system + "\nNever use markdown."
    drift, clean = _engine("markdown-drift"), _engine("markdown-drift")
    plain = _engine("baseline")
    n_md = 0
    for i in range(60):
        user = f"How do I reset the password of account {1000 + i}?"
        a = drift.respond(_ask(drift, system, user), api="openai.chat").text
        b = clean.respond(_ask(clean, told, user), api="openai.chat").text
        ref = plain.respond(_ask(plain, system, user), api="openai.chat").text
        n_md += ("**" in a) or ("\n- " in a) or a.startswith("#")
        assert b == ref  # instruction obeyed: exactly the clean answer
    assert n_md >= 20  # the hazard is there without the instruction


def test_fences_stop_when_told_bare_json() -> None:
    system = 'Classify the message. Reply in JSON with "intent" and "reply".'
    fenced = _engine("fenced-json")
    fences_before = fences_after = 0
    for i in range(40):
        user = f"Message {i}: where is my parcel R{5000 + i}?"
        rf = ResponseFormat(type="json_object")
        a = fenced.respond(_ask(fenced, system, user, response_format=rf), api="openai.chat")
        b = fenced.respond(
            _ask(
                fenced, system + "\nReturn bare JSON with no code fences.", user, response_format=rf
            ),
            api="openai.chat",
        )
        fences_before += a.text.startswith("```")
        fences_after += b.text.startswith("```")
        json.loads(b.text)
        if not a.text.startswith("```"):
            assert a.text == b.text
    assert fences_before >= 10
    assert fences_after == 0


def test_tool_argument_names_kept_when_told() -> None:
    renamer = _engine("renamed-tool-args")
    system = "You help customers."
    renamed = 0
    for i in range(40):
        user = f"Where is my order A{2000 + i}? I am customer C{300 + i}."
        a = renamer.respond(_ask(renamer, system, user, tools=[LOOKUP]), api="openai.chat")
        b = renamer.respond(
            _ask(
                renamer,
                system + "\nCall tools with exactly the argument names in their schemas.",
                user,
                tools=[LOOKUP],
            ),
            api="openai.chat",
        )
        renamed += any(set(c.arguments) - {"order_id", "customer_id"} for c in a.tool_calls)
        for c in b.tool_calls:
            assert list(c.arguments) == ["order_id", "customer_id"]
    assert renamed >= 20


def test_concise_caps_length_but_other_hazards_stay() -> None:
    verbose, refuser = _engine("verbose"), _engine("refuser")
    system = "You are the support assistant."
    long_total = short_total = 0
    refusals_a = refusals_b = 0
    for i in range(40):
        user = f"How do I return a damaged kettle from order {i}?"
        long_total += len(verbose.respond(_ask(verbose, system, user), api="openai.chat").text)
        short_total += len(
            verbose.respond(_ask(verbose, system + "\nBe concise.", user), api="openai.chat").text
        )
        ra = refuser.respond(_ask(refuser, system, user), api="openai.chat")
        rb = refuser.respond(_ask(refuser, system + "\nBe concise.", user), api="openai.chat")
        refusals_a += ra.refusal is not None
        refusals_b += rb.refusal is not None
    assert short_total < long_total * 0.7
    assert refusals_a == refusals_b  # refusals ignore instructions, same draws


def test_simulated_rewriter() -> None:
    assert REWRITE_MARKER == TUNE_MARKER
    user = (
        "<original_prompt>\nBe helpful.\n</original_prompt>\n<regressions>\n"
        "- json_fence: 10 of 50 cases\n- tool_calls_match: 4 of 50 cases\n- refusal: 1 of 50\n"
        "</regressions>\nWrite <count>2</count> variants."
    )
    req = ChatRequest(
        model="m", messages=[Message.system(REWRITE_MARKER + " rewrite"), Message.user(user)]
    )
    assert is_rewrite_request(req)
    out = json.loads(rewrite(req))["variants"]
    assert [v["name"] for v in out] == ["rewrite-1", "rewrite-2"]
    assert out[0]["system_prompt"] == (
        "Be helpful.\nReturn bare JSON with no code fences. "
        "Call tools with exactly the argument names in their schemas."
    )
    assert out[1]["system_prompt"] == "Be helpful.\nReturn bare JSON with no code fences."
    engine = _engine("baseline")
    resp = engine.respond(req, api="openai.chat")
    assert json.loads(resp.text)["variants"] == out
    plain = ChatRequest(model="m", messages=[Message.user(user)])
    assert not is_rewrite_request(plain)


_WORDS = st.sampled_from(["Answer", "the", "customer", "politely", "order", "JSON", "tools", "A1"])
_SENT = st.lists(_WORDS, min_size=1, max_size=6).map(lambda ws: " ".join(ws) + ".")
_LINE = st.lists(_SENT, min_size=1, max_size=3).map(" ".join)
_INSTRUCTION = st.sampled_from(
    [
        "Never use markdown.",
        "Return bare JSON with no code fences.",
        "Call tools with exactly the argument names in their schemas.",
        "Be concise.",
    ]
)


@given(
    lines=st.lists(_LINE, min_size=1, max_size=5),
    where=st.integers(min_value=0, max_value=5),
    instruction=_INSTRUCTION,
    own_line=st.booleans(),
)
def test_strip_inverts_adding_an_instruction(
    lines: list[str], where: int, instruction: str, own_line: bool
) -> None:
    base = "\n".join(lines)
    at = min(where, len(lines))
    if own_line:
        variant = "\n".join([*lines[:at], instruction, *lines[at:]])
    else:  # appended to the end of a line, as its own sentence
        i = min(at, len(lines) - 1)
        variant = "\n".join([*lines[:i], lines[i] + " " + instruction, *lines[i + 1 :]])
    assert read_instructions(base).names() == []
    assert read_instructions(variant).any
    assert strip_instructions(variant) == base
