"""The ``application/vnd.amazon.eventstream`` binary framing (AWS streaming responses).

One message, all integers big-endian:

* prelude: total length (4 bytes, the whole message), headers length (4), then the CRC32 of
  those 8 bytes (4);
* headers: repeated ``name length (1) | name (UTF-8) | value type (1) | value``; value
  types 0/1 true/false, 2 int8, 3 int16, 4 int32, 5 int64, 6 bytes and 7 string (each with a
  2-byte length), 8 timestamp (int64 milliseconds), 9 UUID (16 bytes);
* payload: the rest, up to the last 4 bytes, which are the CRC32 of everything before them.

:class:`EventStreamDecoder` is incremental: feed it bytes as they arrive, in chunks of any
size, and it returns each message once complete, after checking both CRCs.
:func:`encode_message` builds messages (string, bytes, bool and int32 headers); the tests'
wire servers use it.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

__all__ = [
    "EventStreamDecoder",
    "EventStreamError",
    "HeaderValue",
    "Message",
    "encode_message",
    "iter_messages",
]

HeaderValue = bool | int | bytes | str | uuid.UUID

_PRELUDE = 12
_MIN_MESSAGE = 16  # prelude + message CRC, no headers, no payload
_MAX_MESSAGE = 24 * 1024 * 1024
_MAX_HEADERS = 128 * 1024


class EventStreamError(ValueError):
    """The bytes are not a well-formed event stream (bad length, CRC or header)."""


@dataclass
class Message:
    headers: dict[str, HeaderValue] = field(default_factory=dict)
    payload: bytes = b""

    def header(self, name: str) -> str | None:
        """A string header's value, or None."""
        value = self.headers.get(name)
        return value if isinstance(value, str) else None


def _crc(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


_FIXED = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


def _parse_headers(raw: bytes) -> dict[str, HeaderValue]:
    out: dict[str, HeaderValue] = {}
    i = 0
    try:
        while i < len(raw):
            n = raw[i]
            name = raw[i + 1 : i + 1 + n].decode("utf-8")
            i += 1 + n
            kind = raw[i]
            i += 1
            value: HeaderValue
            if kind in (0, 1):
                value = kind == 0
            elif kind in _FIXED:
                fmt = _FIXED[kind]
                size = struct.calcsize(fmt)
                if i + size > len(raw):
                    raise EventStreamError(f"header {name!r} is truncated")
                (value,) = struct.unpack_from(fmt, raw, i)
                i += size
            elif kind in (6, 7):
                (length,) = struct.unpack_from(">H", raw, i)
                blob = raw[i + 2 : i + 2 + length]
                if len(blob) != length:
                    raise EventStreamError(f"header {name!r} is truncated")
                value = blob.decode("utf-8") if kind == 7 else bytes(blob)
                i += 2 + length
            elif kind == 9:
                blob = raw[i : i + 16]
                if len(blob) != 16:
                    raise EventStreamError(f"header {name!r} is truncated")
                value = uuid.UUID(bytes=bytes(blob))
                i += 16
            else:
                raise EventStreamError(f"header {name!r} has unknown value type {kind}")
            out[name] = value
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise EventStreamError(f"malformed event stream headers ({exc})") from exc
    return out


class EventStreamDecoder:
    """Incremental decoder: :meth:`feed` bytes, get the messages they complete."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        self._buf += data
        out: list[Message] = []
        while len(self._buf) >= _PRELUDE:
            total, hlen, prelude_crc = struct.unpack_from(">III", self._buf, 0)
            if _crc(bytes(self._buf[:8])) != prelude_crc:
                raise EventStreamError("event stream prelude CRC mismatch")
            if total < _MIN_MESSAGE or total > _MAX_MESSAGE:
                raise EventStreamError(f"event stream message length {total} is out of range")
            if hlen > _MAX_HEADERS or hlen > total - _MIN_MESSAGE:
                raise EventStreamError(f"event stream headers length {hlen} is out of range")
            if len(self._buf) < total:
                break
            frame = bytes(self._buf[:total])
            del self._buf[:total]
            (message_crc,) = struct.unpack_from(">I", frame, total - 4)
            if _crc(frame[:-4]) != message_crc:
                raise EventStreamError("event stream message CRC mismatch")
            headers = _parse_headers(frame[_PRELUDE : _PRELUDE + hlen])
            out.append(Message(headers=headers, payload=frame[_PRELUDE + hlen : total - 4]))
        return out

    def close(self) -> None:
        """Raise when the stream ended in the middle of a message."""
        if self._buf:
            raise EventStreamError(
                f"event stream ended inside a message ({len(self._buf)} bytes left over)"
            )


async def iter_messages(chunks: AsyncIterator[bytes]) -> AsyncIterator[Message]:
    """The messages of a byte stream (e.g. ``httpx.Response.aiter_bytes()``)."""
    decoder = EventStreamDecoder()
    async for chunk in chunks:
        for message in decoder.feed(chunk):
            yield message
    decoder.close()


def _encode_header(name: str, value: HeaderValue) -> bytes:
    raw_name = name.encode("utf-8")
    head = struct.pack(">B", len(raw_name)) + raw_name
    if isinstance(value, bool):
        return head + bytes([0 if value else 1])
    if isinstance(value, int):
        return head + b"\x04" + struct.pack(">i", value)
    if isinstance(value, uuid.UUID):
        return head + b"\x09" + value.bytes
    blob = value.encode("utf-8") if isinstance(value, str) else value
    kind = b"\x07" if isinstance(value, str) else b"\x06"
    return head + kind + struct.pack(">H", len(blob)) + blob


def encode_message(headers: Mapping[str, HeaderValue], payload: bytes = b"") -> bytes:
    """One event stream message with both CRCs."""
    raw_headers = b"".join(_encode_header(k, v) for k, v in headers.items())
    total = _MIN_MESSAGE + len(raw_headers) + len(payload)
    prelude = struct.pack(">II", total, len(raw_headers))
    head = prelude + struct.pack(">I", _crc(prelude)) + raw_headers + payload
    return head + struct.pack(">I", _crc(head))
