"""``.gitignore`` matching (the subset git documents: globs, ``**``, ``!``, ``/`` anchors, dir rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["IgnoreRule", "IgnoreStack", "compile_pattern", "parse_gitignore"]


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    base: str  # directory (relative to the scan root, "" for the root) holding the rule
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def compile_pattern(pattern: str) -> tuple[re.Pattern[str], bool, bool] | None:
    """(regex over a path relative to the rule's directory, negate, dir_only), or None."""
    pat = pattern.rstrip("\n\r")
    if not pat or pat.startswith("#"):
        return None
    # Trailing spaces are ignored unless escaped.
    while pat.endswith(" ") and not pat.endswith("\\ "):
        pat = pat[:-1]
    negate = pat.startswith("!")
    if negate or pat.startswith(("\\!", "\\#")):
        pat = pat[1:]
    dir_only = pat.endswith("/")
    pat = pat.rstrip("/")
    if not pat:
        return None
    anchored = "/" in pat
    pat = pat.lstrip("/")
    out: list[str] = []
    i = 0
    n = len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pat.find("]", i + 2)
            if j == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile("^" + prefix + body + "$"), negate, dir_only


def parse_gitignore(text: str, base: str) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for line in text.splitlines():
        compiled = compile_pattern(line)
        if compiled is not None:
            regex, negate, dir_only = compiled
            rules.append(IgnoreRule(base, regex, negate, dir_only))
    return rules


class IgnoreStack:
    """Rules from every ``.gitignore`` between the root and the current directory."""

    def __init__(self, rules: list[IgnoreRule] | None = None) -> None:
        self.rules: list[IgnoreRule] = list(rules or [])
        # Without negations "ignored" is "any rule matches": one regex for files, one for dirs.
        self._any: tuple[re.Pattern[str], re.Pattern[str]] | None = None
        if not any(r.negate for r in self.rules):
            self._any = (
                _combined([r for r in self.rules if not r.dir_only]),
                _combined(self.rules),
            )

    def with_dir(self, directory: Path, rel: str) -> IgnoreStack:
        """The stack extended with ``directory/.gitignore`` (if any)."""
        gi = directory / ".gitignore"
        try:
            text = gi.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return self
        extra = parse_gitignore(text, rel)
        return IgnoreStack(self.rules + extra) if extra else self

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether ``rel`` (relative to the scan root, '/'-separated) is ignored."""
        if self._any is not None:
            return self._any[is_dir].match(rel) is not None
        result = False
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.base:
                if not rel.startswith(rule.base + "/"):
                    continue
                sub = rel[len(rule.base) + 1 :]
            else:
                sub = rel
            if rule.regex.match(sub):
                result = not rule.negate
        return result


def _combined(rules: list[IgnoreRule]) -> re.Pattern[str]:
    """One regex over the root-relative path matching when any of ``rules`` does."""
    if not rules:
        return re.compile(r"(?!)")
    alts = []
    for rule in rules:
        inner = rule.regex.pattern[1:-1]  # compile_pattern always writes ^...$
        alts.append(re.escape(rule.base) + "/" + inner if rule.base else inner)
    return re.compile("^(?:" + "|".join(alts) + ")$")
