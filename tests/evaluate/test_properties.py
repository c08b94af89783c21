"""Property-based tests (hypothesis) for the pure parts of the evaluation core."""

from __future__ import annotations

import html
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from switchover.chat import Tool, ToolCall
from switchover.evaluate.checks import compare_calls
from switchover.evaluate.judge import parse_judge_answer
from switchover.evaluate.stats import confidence_sequence, holm, mcnemar_exact
from switchover.report.html import word_diff

TOOLS = [
    Tool(
        name=n,
        parameters={
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
        },
    )
    for n in ("f", "g")
]
calls = st.lists(
    st.builds(
        lambda name, a, b: ToolCall.from_args("x", name, {"a": a, "b": b}),
        st.sampled_from(["f", "g"]),
        st.integers(-5, 5),
        st.text(max_size=3),
    ),
    max_size=5,
)


@given(calls, st.randoms())
def test_tool_call_equivalence_ignores_order(cs: list[ToolCall], rnd: object) -> None:
    shuffled = list(cs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert compare_calls(cs, shuffled, TOOLS)["equal"]


@given(calls)
def test_tool_call_equivalence_coerces_stringified_integers(cs: list[ToolCall]) -> None:
    stringly = [
        ToolCall.from_args(c.id, c.name, {**c.arguments, "a": str(c.arguments["a"])}) for c in cs
    ]
    assert compare_calls(cs, stringly, TOOLS)["equal"]


def _strip(marked: str, drop: str, keep: str) -> str:
    marked = re.sub(rf"<{drop}>.*?</{drop}>", "", marked, flags=re.S)
    return html.unescape(marked.replace(f"<{keep}>", "").replace(f"</{keep}>", ""))


@given(st.text(max_size=80), st.text(max_size=80))
def test_word_diff_reconstructs_both_sides(a: str, b: str) -> None:
    left, right = word_diff(a, b)
    assert _strip(str(left), "ins", "del") == a
    assert _strip(str(right), "del", "ins") == b


@given(st.lists(st.floats(0, 1), max_size=12))
def test_holm_bounds(ps: list[float]) -> None:
    adj = holm(ps)
    assert np.all(adj >= np.asarray(ps) - 1e-15)
    assert np.all(adj <= 1.0)
    order = np.argsort(ps, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-15)


@given(st.integers(0, 60), st.integers(0, 60))
def test_mcnemar_symmetric_and_bounded(b: int, c: int) -> None:
    p = mcnemar_exact(b, c)
    assert p == mcnemar_exact(c, b)
    assert 0.0 < p <= 1.0


@settings(max_examples=50)
@given(st.lists(st.sampled_from([-1.0, 0.0, 1.0]), min_size=1, max_size=200))
def test_confidence_sequence_contains_running_mean_range(d: list[float]) -> None:
    low, high = confidence_sequence(d)
    assert np.all(low <= high)
    assert np.all(low >= -1.0)
    assert np.all(high <= 1.0)


@given(st.text(max_size=200))
def test_judge_parser_never_crashes(text: str) -> None:
    winner, _ = parse_judge_answer(text)
    assert winner in (None, "A", "B", "tie")
