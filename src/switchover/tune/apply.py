"""``switchover tune --apply``: write the confirmed winner's system prompt into the plan.

The prompt becomes the migration's ``system_prompt`` in ``switchover.toml``; ``switchover
eval`` and the gateway then put it on every candidate request (replacing the application's
system and developer messages), so what was tuned is what is evaluated and served.

The plan is edited as text, not re-serialised: only the ``system_prompt = ...`` entry of that
migration's ``[[migrations]]`` table changes (replaced where it is, else added after the
table's last key), so comments, order and formatting stay as written. A small TOML scanner
finds the tables (strings, arrays and comments are skipped properly), and the result is
parsed again and compared with the original: anything but that one value differing, and
nothing is written.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from switchover.errors import ConfigError, SwitchoverError, UsageError
from switchover.tune.result import TuneResult

__all__ = ["PlanEdit", "apply_winner", "set_system_prompt", "winner_prompt"]

_KEY = "system_prompt"


@dataclass(frozen=True)
class PlanEdit:
    """One edit of a plan file: its text before and after."""

    path: Path
    migration: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        name = self.path.name
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )


# -- a TOML statement scanner ---------------------------------------------------------------
@dataclass(frozen=True)
class _Stmt:
    kind: str  # "header" | "kv"
    name: str  # the header's text ("[[migrations]]") or the key ("system_prompt")
    start: int  # offset of the statement's line
    value_start: int  # kv: offset of the value
    value_end: int  # kv: offset just after the value
    end: int  # offset after the statement's line break (or the end of the text)


def _skip_string(text: str, i: int) -> int:
    """The offset after the string starting at ``i`` (any of TOML's four kinds)."""
    for delim in ('"""', "'''"):
        if text.startswith(delim, i):
            j = i + 3
            while j < len(text):
                if delim == '"""' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(delim, j):
                    j += 3
                    extra = 0  # up to two quotes may sit just inside the closing delimiter
                    while extra < 2 and j < len(text) and text[j] == delim[0]:
                        j += 1
                        extra += 1
                    return j
                j += 1
            return len(text)
    quote = text[i]
    j = i + 1
    while j < len(text) and text[j] != "\n":
        if quote == '"' and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return j


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def _statements(text: str) -> list[_Stmt]:
    """Headers and key/value entries at the top level of ``text``, in order."""
    out: list[_Stmt] = []
    i = 0
    n = len(text)
    while i < n:
        start = i
        while i < n and text[i] in " \t\r":
            i += 1
        if i >= n:
            break
        c = text[i]
        if c in "#\n":
            i = _line_end(text, i)
            continue
        if c == "[":
            j = i
            while j < n and text[j] not in "\n#":
                j = _skip_string(text, j) if text[j] in "\"'" else j + 1
            name = re.sub(r"\s+", "", text[i:j].rstrip())
            end = _line_end(text, j)
            out.append(_Stmt("header", name, start, i, i, end))
            i = end
            continue
        j = i  # a key, up to "=" (keys may be quoted)
        while j < n and text[j] not in "=\n":
            j = _skip_string(text, j) if text[j] in "\"'" else j + 1
        if j >= n or text[j] != "=":
            raise ConfigError("not a key = value line", line=text.count("\n", 0, i) + 1)
        key = re.sub(r"\s+", "", text[i:j]).strip("\"'")
        v = j + 1
        while v < n and text[v] in " \t":
            v += 1
        k, depth, last = v, 0, v
        while k < n:
            ch = text[k]
            if ch in "\"'":
                k = _skip_string(text, k)
                last = k
            elif ch in "[{":
                depth += 1
                k += 1
                last = k
            elif ch in "]}":
                depth -= 1
                k += 1
                last = k
            elif ch == "#":
                k = _line_end(text, k) - 1 if depth else _line_end(text, k)
                if not depth:
                    break
            elif ch == "\n":
                k += 1
                if not depth:
                    break
            else:
                k += 1
                if not ch.isspace():
                    last = k
        out.append(_Stmt("kv", key, start, v, last, k))
        i = k
    return out


# -- rendering a string value -----------------------------------------------------------------
_ESCAPES = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\r": "\\r"}


def _multiline(value: str) -> str:
    """A TOML multi-line basic string holding ``value``, quotes left readable (only a third
    quote in a row, and quotes just before the closing delimiter, are escaped)."""
    parts: list[str] = []
    run = 0
    for ch in value:
        if ch == '"':
            parts.append('\\"' if run == 2 else '"')
            run = 0 if run == 2 else run + 1
            continue
        run = 0
        if ch in _ESCAPES:
            parts.append(_ESCAPES[ch])
        elif (ord(ch) < 0x20 and ch not in "\n\t") or ord(ch) == 0x7F:
            parts.append(f"\\u{ord(ch):04X}")
        else:
            parts.append(ch)
    k = len(parts)
    while k and parts[k - 1] == '"':
        parts[k - 1] = '\\"'
        k -= 1
    return '"""\n' + "".join(parts) + '"""'


def _renderings(value: str) -> list[str]:
    """Ways to write ``value``, nicest first (each is checked by parsing it back)."""
    out = [_multiline(value)] if "\n" in value else [json.dumps(value, ensure_ascii=False)]
    out.append(tomli_w.dumps({_KEY: value}).split("=", 1)[1].strip())
    return out


# -- the edit ---------------------------------------------------------------------------------
def _without_prompt(data: dict[str, Any], index: int) -> dict[str, Any]:
    migs = [dict(m) for m in data.get("migrations", [])]
    migs[index].pop(_KEY, None)
    return {**data, "migrations": migs}


def set_system_prompt(text: str, migration: str, prompt: str, *, source: str = "") -> str:
    """``text`` (a switchover.toml) with ``system_prompt`` of ``migration`` set to ``prompt``;
    everything else byte for byte as it was."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=source or None) from None
    migs = data.get("migrations")
    names = [m.get("name") for m in migs] if isinstance(migs, list) else []
    if migration not in names:
        raise ConfigError(f"no migration named {migration!r}", path=source or None)
    index = names.index(migration)
    stmts = _statements(text)
    tables = [i for i, s in enumerate(stmts) if s.kind == "header" and s.name == "[[migrations]]"]
    if len(tables) != len(names):
        raise UsageError(
            f"cannot edit {source or 'the plan'}: its migrations are not written as "
            "[[migrations]] tables",
            hint=f"Set system_prompt of migration {migration!r} by hand.",
        )
    header = tables[index]
    body: list[_Stmt] = []
    for s in stmts[header + 1 :]:
        if s.kind == "header":
            break
        body.append(s)
    newline = "\r\n" if "\r\n" in text else "\n"
    existing = next((s for s in body if s.name == _KEY), None)
    for rendered in _renderings(prompt):
        rendered = rendered.replace("\n", newline)
        if existing is not None:
            out = text[: existing.value_start] + rendered + text[existing.value_end :]
        else:
            at = body[-1].end if body else stmts[header].end
            lead = "" if text[at - 1 : at] == "\n" else newline
            out = text[:at] + f"{lead}{_KEY} = {rendered}{newline}" + text[at:]
        try:
            new = tomllib.loads(out)
        except tomllib.TOMLDecodeError:
            continue
        if new["migrations"][index].get(_KEY) == prompt and _without_prompt(
            new, index
        ) == _without_prompt(data, index):
            return out
    raise SwitchoverError(
        f"could not write system_prompt into {source or 'the plan'} without changing "
        "anything else, so nothing was written",
        hint=f"Set system_prompt of migration {migration!r} by hand.",
    )


def winner_prompt(result: TuneResult) -> str:
    """The confirmed winner's full system prompt; UsageError when there is nothing the plan
    can take (no confirmed winner, or a winner that changes request parameters)."""
    if result.winner is None or not result.confirmed:
        raise UsageError(
            f"nothing to apply: {result.summary or 'no confirmed winner'}",
            hint="--apply writes a winner only once the held-out split confirms it.",
        )
    win = result.variant(result.winner)
    if win.params:
        raise UsageError(
            f"the winner {win.name!r} changes request parameters ({', '.join(win.params)}), "
            "which switchover.toml does not carry for a migration",
            hint="Set them in the application's code, or tune with prompt-only variants.",
        )
    if win.system_prompt is None:
        raise UsageError(f"the winner {win.name!r} has no system prompt to apply")
    return win.system_prompt


def apply_winner(result: TuneResult, plan: Path, *, write: bool = True) -> PlanEdit:
    """Set the migration's ``system_prompt`` in ``plan`` to the confirmed winner's prompt
    (written atomically when ``write`` and it changes)."""
    prompt = winner_prompt(result)
    before = plan.read_text(encoding="utf-8")
    after = set_system_prompt(before, result.migration, prompt, source=str(plan))
    edit = PlanEdit(plan, result.migration, before, after)
    if write and edit.changed:
        tmp = plan.with_name(plan.name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(after)
        os.replace(tmp, plan)
    return edit
