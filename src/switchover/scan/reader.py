"""Read one file safely and dispatch it to its extractor (runs in worker processes)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from switchover.scan.extract_config import ConfigParseError, extract_config
from switchover.scan.extract_python import extract_python
from switchover.scan.extract_tree import extract_tree
from switchover.scan.facts import Expr, FileFacts, RawSite
from switchover.scan.literals import ModelMatcher

__all__ = [
    "FileOutcome",
    "Limits",
    "parse_file",
    "prefiltered",
    "read_bytes",
    "read_file",
    "unreadable",
]

_TREE = {
    "javascript": "javascript",
    "typescript": "typescript",
    "tsx": "tsx",
    "go": "go",
    "java": "java",
    "csharp": "csharp",
}
_CONFIG = {"env", "dockerfile", "yaml", "json", "toml", "terraform", "bicep", "text"}
_MINIFIABLE = {"javascript", "typescript", "tsx", "json"}


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 2_000_000
    minified_line: int = 2_000  # an average line longer than this marks a minified file


@dataclass(slots=True)
class FileOutcome:
    """``status``: parsed | unmatched | binary | too_large | minified | encoding | parse_error | unreadable."""

    rel: str
    status: str
    facts: FileFacts | None = None
    warning: str | None = None


_FIRST_READ = 1 << 16  # most source files fit; a bigger first buffer costs an mmap per file


def read_bytes(path: str, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``path``: one ``read`` for small files, no big preallocation."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, min(_FIRST_READ, limit))
        if len(data) < _FIRST_READ or len(data) >= limit:
            return data
        parts = [data]
        size = len(data)
        while size < limit:
            chunk = os.read(fd, min(1 << 20, limit - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def prefiltered(path: str, matcher: ModelMatcher, limits: Limits) -> bytes | None:
    """The file's bytes when it is text that passes the prefilter (or unreadable: raises OSError),
    ``b""`` for a binary file, ``None`` when the prefilter rejects it (the common, cheap case)."""
    data = read_bytes(path, limits.max_bytes + 1)
    if data.find(b"\x00", 0, 8192) != -1:
        return b""
    return data if matcher.prefilter(data) else None


def read_file(path: str, rel: str, kind: str, matcher: ModelMatcher, limits: Limits) -> FileOutcome:
    """Read, prefilter and parse one file."""
    try:
        data = prefiltered(path, matcher, limits)
    except OSError as exc:
        return unreadable(rel, exc)
    if data is None:
        return FileOutcome(rel, "unmatched")
    return parse_file(data, rel, kind, matcher, limits)


def unreadable(rel: str, exc: OSError) -> FileOutcome:
    return FileOutcome(rel, "unreadable", warning=f"{rel}: cannot read ({exc.strerror or exc})")


def parse_file(
    data: bytes, rel: str, kind: str, matcher: ModelMatcher, limits: Limits
) -> FileOutcome:
    """Parse the bytes of a file that passed :func:`prefiltered` (``b""`` = binary)."""
    if not data:
        return FileOutcome(rel, "binary")
    if len(data) > limits.max_bytes:
        return FileOutcome(
            rel, "too_large", warning=f"{rel}: larger than {limits.max_bytes} bytes, skipped"
        )
    if (
        kind in _MINIFIABLE
        and len(data) > 20_000
        and len(data) / (data.count(b"\n") + 1) > limits.minified_line
    ):
        return FileOutcome(rel, "minified", warning=f"{rel}: looks minified, skipped")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return FileOutcome(rel, "encoding", warning=f"{rel}: not UTF-8 (byte {exc.start}), skipped")
    try:
        if kind == "python":
            facts = extract_python(rel, text, matcher)
        elif kind == "notebook":
            facts = _notebook(rel, text, matcher)
        elif kind in _TREE:
            facts = extract_tree(rel, _TREE[kind], data, matcher)
        elif kind in _CONFIG:
            facts = extract_config(rel, kind, text, matcher)
        else:  # pragma: no cover - the walker only yields known kinds
            return FileOutcome(rel, "unmatched")
    except SyntaxError as exc:
        return FileOutcome(
            rel, "parse_error", warning=f"{rel}:{exc.lineno}: syntax error ({exc.msg}), skipped"
        )
    except (ConfigParseError, RecursionError, ValueError) as exc:
        return FileOutcome(rel, "parse_error", warning=f"{rel}: {exc}, skipped")
    warning = "; ".join(facts.warnings) if facts.warnings else None
    return FileOutcome(rel, "parsed", facts=facts, warning=warning)


def _notebook(rel: str, text: str, matcher: ModelMatcher) -> FileFacts:
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigParseError(f"invalid notebook JSON: {exc}") from exc
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ConfigParseError("not a Jupyter notebook (no cells)")
    out = FileFacts(path=rel, language="notebook")
    for idx, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        src = cell.get("source", "")
        source = "".join(src) if isinstance(src, list) else str(src)
        if cell.get("cell_type") == "code":
            # IPython magics and shell escapes are not Python: blank them, keep line numbers.
            lines = [
                "#" + ln if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()
            ]
            try:
                facts = extract_python(rel, "\n".join(lines), matcher, cell=idx)
            except SyntaxError as exc:
                out.warnings.append(f"{rel} cell {idx}:{exc.lineno}: syntax error, cell skipped")
                continue
            out.sites.extend(facts.sites)
            out.constants.update(facts.constants)
            out.imports.update(facts.imports)
        elif cell.get("cell_type") == "markdown":
            for ln_no, line in enumerate(source.splitlines(), start=1):
                for start, _e, token in matcher.find_in_text(line):
                    out.sites.append(
                        RawSite(
                            rel,
                            ln_no,
                            start + 1,
                            line.strip()[:200],
                            "literal",
                            "comment",
                            Expr(token, token),
                            cell=idx,
                        )
                    )
    return out
