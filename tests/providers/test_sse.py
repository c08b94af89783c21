"""SSE parsing and formatting per the WHATWG spec."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchover.providers._sse import SSEParser, format_sse, iter_sse_events, parse_sse_text


async def _lines(*items: str) -> AsyncIterator[str]:
    for it in items:
        yield it


async def _collect(*items: str) -> list[tuple[str | None, str]]:
    return [ev async for ev in iter_sse_events(_lines(*items))]


async def test_multiline_data_event_name_and_comments() -> None:
    got = await _collect(
        ": this is a comment",
        "event: message_start",
        'data: {"a":',
        "data:  1}",
        "",
        "data: [DONE]",
        "",
    )
    assert got == [("message_start", '{"a":\n 1}'), (None, "[DONE]")]


async def test_event_name_resets_after_dispatch_and_empty_data_not_dispatched() -> None:
    got = await _collect(
        "event: ping", "", "data: x", "", "event: e", "id: 7", "retry: 10", "data", ""
    )
    # "event: ping" with no data dispatches nothing; bare "data" gives an empty line of data
    assert got == [(None, "x"), ("e", "")]


async def test_lines_with_terminators_and_packed_lines() -> None:
    got = await _collect("data: a\r\n", "\r\n", "data: b\n\ndata: c\n", "\n")
    assert got == [(None, "a"), (None, "b"), (None, "c")]


async def test_pending_event_discarded_at_eof() -> None:
    assert await _collect("data: complete", "", "data: partial") == [(None, "complete")]


def test_no_space_after_colon_and_unknown_fields() -> None:
    p = SSEParser()
    assert p.feed_line("data:tight") is None
    assert p.feed_line("foo: bar") is None
    assert p.feed_line("") == (None, "tight")


def test_parse_sse_text_accepts_bytes_and_chunks() -> None:
    body = b"event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r"
    assert parse_sse_text(body) == [("a", "1"), ("b", "2")]
    assert parse_sse_text([b"data: x\n", b"\n"]) == [(None, "x")]


def test_format_sse() -> None:
    assert format_sse('{"x":1}') == b'data: {"x":1}\n\n'
    assert format_sse("a\nb", "delta") == b"event: delta\ndata: a\ndata: b\n\n"
    with pytest.raises(ValueError, match="line breaks"):
        format_sse("x", "bad\nname")


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(alphabet="abcdefghijklmnop._", min_size=1, max_size=12)),
            st.text(max_size=40).filter(lambda s: "\r" not in s),
        ),
        max_size=8,
    )
)
def test_format_then_parse_round_trips(events: list[tuple[str | None, str]]) -> None:
    body = b"".join(format_sse(data, ev) for ev, data in events)
    assert parse_sse_text(body) == events
