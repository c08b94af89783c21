"""Server-sent events, parsed and formatted as the WHATWG HTML standard specifies.

Parsing rules (https://html.spec.whatwg.org/multipage/server-sent-events.html): a line
``field: value`` (one optional space after the colon is dropped); ``data`` lines accumulate,
joined by ``\\n``; ``event`` names the event; lines starting with ``:`` are comments; a blank
line dispatches the event, but only when some data was given. An event left pending when the
stream ends is discarded. ``id`` and ``retry`` are parsed but not needed by any LLM API.

The ``[DONE]`` sentinel OpenAI sends is an ordinary data payload here; callers decide.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

__all__ = ["DONE", "SSEParser", "format_sse", "iter_sse_events", "parse_sse_text"]

DONE = "[DONE]"


class SSEParser:
    """Incremental line-oriented SSE parser; ``feed_line`` returns an event when one is
    dispatched by a blank line."""

    def __init__(self) -> None:
        self._event: str | None = None
        self._data: list[str] = []

    def feed_line(self, line: str) -> tuple[str | None, str] | None:
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # comment (keep-alive pings)
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value or None
        # "id", "retry" and unknown fields are ignored (no reconnection support needed)
        return None

    def _dispatch(self) -> tuple[str | None, str] | None:
        if not self._data:
            self._event = None
            return None
        out = (self._event, "\n".join(self._data))
        self._event = None
        self._data = []
        return out


def _split_lines(text: str) -> Iterator[str]:
    # SSE accepts CRLF, LF or CR line endings.
    yield from text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _strip_terminator(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


async def iter_sse_events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str | None, str]]:
    """Yield ``(event_name, data)`` for every complete event in a stream of lines."""
    parser = SSEParser()
    async for raw in lines:
        # Each item is one line, with or without its terminator; a transport that hands
        # over several lines at once is split here.
        for line in _split_lines(_strip_terminator(raw)):
            ev = parser.feed_line(line)
            if ev is not None:
                yield ev


def parse_sse_text(text: str | bytes | Iterable[bytes]) -> list[tuple[str | None, str]]:
    """Parse a whole SSE body (tests, recorded fixtures) into ``(event, data)`` pairs."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    elif not isinstance(text, str):
        text = b"".join(text).decode("utf-8")
    parser = SSEParser()
    events = []
    for line in _split_lines(text):
        ev = parser.feed_line(line)
        if ev is not None:
            events.append(ev)
    return events


def format_sse(data: str, event: str | None = None) -> bytes:
    """One complete SSE frame; multi-line ``data`` becomes several ``data:`` lines."""
    out: list[str] = []
    if event is not None:
        if "\n" in event or "\r" in event:
            raise ValueError("SSE event names cannot contain line breaks")
        out.append(f"event: {event}\n")
    for line in _split_lines(data):
        out.append(f"data: {line}\n")
    out.append("\n")
    return "".join(out).encode("utf-8")
