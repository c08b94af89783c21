"""Apply parameter operations to JavaScript / TypeScript call sites: tree-sitter finds the
call's options object, the edit replaces byte ranges (everything else is left as written)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tree_sitter_language_pack import get_parser

from switchover.project.rewrite.ops import ParamOp, literal_text
from switchover.scan.walker import _EXT_KIND

__all__ = ["LANGUAGES", "rewrite_ts_calls"]

#: file suffix -> tree-sitter grammar, the scanner's own mapping
LANGUAGES = {
    ext: kind for ext, kind in _EXT_KIND.items() if kind in ("javascript", "typescript", "tsx")
}

Edit = tuple[int, int, bytes]


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _key(pair: Any, src: bytes) -> str | None:
    key = pair.child_by_field_name("key")
    if key is None:
        return None
    text = src[key.start_byte : key.end_byte].decode("utf-8")
    return text.strip("\"'`")


def _options(call: Any) -> Any | None:
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    return next((c for c in args.named_children if c.type == "object"), None)


def _line_bounds(src: bytes, start: int, end: int) -> tuple[int, int]:
    ls = src.rfind(b"\n", 0, start) + 1
    le = src.find(b"\n", end)
    return ls, len(src) if le < 0 else le


def _after_comma(node: Any) -> Any | None:
    sib = node.next_sibling
    return sib if sib is not None and sib.type == "," else None


def _drop(pair: Any, src: bytes, comment: str) -> Edit:
    comma = _after_comma(pair)
    end = comma.end_byte if comma is not None else pair.end_byte
    ls, le = _line_bounds(src, pair.start_byte, end)
    alone = not src[ls : pair.start_byte].strip() and not src[end:le].strip()
    if alone:
        return pair.start_byte, end, f"// switchover: {comment}".encode()
    if comma is None:  # last on a shared line: take the comma before it
        prev = pair.prev_sibling
        if prev is not None and prev.type == ",":
            return prev.start_byte, pair.end_byte, f" /* switchover: {comment} */".encode()
    return pair.start_byte, end, f"/* switchover: {comment} */".encode()


def _insert(obj: Any, src: bytes, text: str) -> list[Edit]:
    members = [c for c in obj.named_children if c.type != "comment"]
    close = obj.children[-1]
    if not members:
        return [(close.start_byte, close.start_byte, f" {text} ".encode())]
    last = members[-1]
    comma = _after_comma(last)
    multiline = last.start_point[0] > obj.start_point[0]
    if multiline:
        ls, _ = _line_bounds(src, last.start_byte, last.start_byte)
        indent = src[ls : last.start_byte].decode("utf-8")
        anchor = comma.end_byte if comma is not None else last.end_byte
        sep = b"" if comma is not None else b","
        trail = "," if comma is not None else ""
        return [(anchor, anchor, sep + f"\n{indent}{text}{trail}".encode())]
    anchor = last.end_byte
    return [(anchor, anchor, f", {text}".encode())]


def _call_edits(obj: Any, src: bytes, ops: list[ParamOp]) -> list[Edit]:
    edits: list[Edit] = []
    pairs = {_key(p, src): p for p in obj.named_children if p.type == "pair"}
    for op in ops:
        pair = pairs.get(op.param)
        if op.kind == "rename" and pair is not None and op.new_param:
            key = pair.child_by_field_name("key")
            if op.new_param in pairs:
                edits.append(_drop(pair, src, f"{op.param} removed: {op.new_param} is set"))
            else:
                edits.append((key.start_byte, key.end_byte, op.new_param.encode()))
        elif op.kind == "drop" and pair is not None:
            edits.append(_drop(pair, src, f"{op.param} removed: {op.reason}"))
        elif op.kind in ("set", "add_default"):
            value = literal_text(op.value, language="ts")
            if pair is None:
                edits += _insert(obj, src, f"{op.param}: {value}")
            elif op.kind == "set":
                v = pair.child_by_field_name("value")
                edits.append((v.start_byte, v.end_byte, value.encode()))
    return edits


def rewrite_ts_calls(
    source: str, targets: dict[int, list[ParamOp]], *, language: str = "typescript"
) -> tuple[str, list[int]]:
    """Apply ``targets`` (1-based call line -> operations) to the call whose options object
    starts there; returns the new source and the lines with no such call."""
    if not targets:
        return source, []
    src = source.encode("utf-8")
    tree = get_parser(language).parse(src)  # type: ignore[arg-type]
    edits: list[Edit] = []
    done: set[int] = set()
    for node in _walk(tree.root_node):
        if node.type not in ("call_expression", "new_expression"):
            continue
        line = node.start_point[0] + 1
        ops = targets.get(line)
        if not ops or line in done:
            continue
        obj = _options(node)
        if obj is None:
            continue
        done.add(line)
        edits += _call_edits(obj, src, ops)
    out = src
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + text + out[end:]
    return out.decode("utf-8"), sorted(set(targets) - done)
