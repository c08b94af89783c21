"""JSON values generated from a JSON Schema, filled with values found in the prompt.

Supports type (incl. unions and nullable), enum, const, properties / required, items,
minItems / maxItems, min/max for numbers, string formats (date, date-time, email, uri, uuid),
minLength / maxLength, pattern (prompt values matching it), anyOf / oneOf / allOf and local
``$ref`` (``#/$defs/...``, ``#/definitions/...``). Also: choosing a tool for a prompt.
"""

from __future__ import annotations

import functools
import math
import random
import re
from typing import Any

from switchover.chat import Tool
from switchover.providers.sim.textgen import STOPWORDS, PromptFacts

__all__ = ["choose_tools", "generate_value", "tool_terms"]

_MAX_DEPTH = 8


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        ref = str(schema["$ref"])
        target: Any = root
        if ref.startswith("#"):
            for part in ref.lstrip("#/").split("/"):
                if part and isinstance(target, dict):
                    target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        else:
            target = {}
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **extra} if isinstance(target, dict) else extra
        seen += 1
    return schema if isinstance(schema, dict) else {}


_CAMEL = re.compile(r"([a-z])([A-Z])")


@functools.lru_cache(maxsize=4096)
def _words(name: str) -> frozenset[str]:
    parts = _CAMEL.sub(r"\1 \2", name).replace("_", " ").replace("-", " ")
    return frozenset(w.lower() for w in parts.split() if w)


class _Gen:
    def __init__(self, facts: PromptFacts, rng: random.Random, root: dict[str, Any], summary: str):
        self.facts = facts
        self.rng = rng
        self.root = root
        self.summary = summary

    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        s = _resolve(schema, self.root)
        if "const" in s:
            return s["const"]
        if isinstance(s.get("enum"), list) and s["enum"]:
            return self._pick_enum(s["enum"])
        for key in ("anyOf", "oneOf"):
            if not s.get(key):
                continue
            options = [o for o in s[key] if _resolve(o, self.root).get("type") != "null"]
            if not options:
                return None
            return self.value(options[0], name, depth)
        if "allOf" in s:
            merged: dict[str, Any] = {}
            for part in s["allOf"]:
                r = _resolve(part, self.root)
                props = {**merged.get("properties", {}), **r.get("properties", {})}
                req = list(merged.get("required", [])) + list(r.get("required", []))
                merged = {**merged, **r, "properties": props, "required": req}
            rest = {k: v for k, v in s.items() if k != "allOf"}
            return self.value({**merged, **rest}, name, depth)
        typ = s.get("type")
        nullable = False
        if isinstance(typ, list):
            non_null = [t for t in typ if t != "null"]
            nullable = len(non_null) < len(typ)
            typ = non_null[0] if non_null else "null"
        if typ is None:
            typ = "object" if "properties" in s else "array" if "items" in s else "string"
        if depth > _MAX_DEPTH:
            return {} if typ == "object" else [] if typ == "array" else None
        if typ == "object":
            return self._object(s, depth)
        if typ == "array":
            return self._array(s, name, depth)
        if typ == "integer":
            return int(self._number(s, name, integer=True))
        if typ == "number":
            return self._number(s, name, integer=False)
        if typ == "boolean":
            return self.rng.random() < 0.5
        if typ == "null":
            return None
        return self._string(s, name, nullable=nullable)

    def _pick_enum(self, options: list[Any]) -> Any:
        text = self.facts.text.lower()
        scored = [(sum(1 for w in _words(str(o)) if w in text), i) for i, o in enumerate(options)]
        best = max(scored)
        if best[0] > 0:
            return options[best[1]]
        return options[self.rng.randrange(len(options))]

    def _object(self, s: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = s.get("properties", {}) or {}
        required = set(s.get("required", []) or [])
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if key in required or self.rng.random() < 0.7:
                out[key] = self.value(sub, key, depth + 1)
        for key in required - set(out):
            out[key] = "unknown"
        return out

    def _array(self, s: dict[str, Any], name: str, depth: int) -> list[Any]:
        lo = int(s.get("minItems", 1))
        hi = int(s.get("maxItems", max(lo, 3)))
        items = s.get("items", {})
        words = _words(name)
        if _resolve(items, self.root).get("type") == "string" and words & {
            "keywords",
            "tags",
            "terms",
            "topics",
            "labels",
        }:
            terms = self.facts.terms[: max(lo, min(hi, 4))]
            while len(terms) < lo:
                terms.append(f"item{len(terms) + 1}")
            return terms[:hi] if hi >= lo else terms
        n = max(lo, min(hi, 2))
        values = [self.value(items, name.rstrip("s"), depth + 1) for _ in range(n)]
        if s.get("uniqueItems"):
            uniq: list[Any] = []
            for v in values:
                if v not in uniq:
                    uniq.append(v)
            values = uniq
        return values

    def _number(self, s: dict[str, Any], name: str, *, integer: bool) -> float:
        step = 1.0 if integer else 0.01
        lo: float | None = None
        hi: float | None = None
        if "minimum" in s:
            lo = float(s["minimum"])
        if "exclusiveMinimum" in s:
            lo = float(s["exclusiveMinimum"]) + step
        if "maximum" in s:
            hi = float(s["maximum"])
        if "exclusiveMaximum" in s:
            hi = float(s["exclusiveMaximum"]) - step
        words = _words(name)
        found: float | None = None
        if words & {"quantity", "count", "amount", "number", "qty", "total", "price", "days"}:
            found = next((float(n) for n in self.facts.numbers), None)
        if found is None:
            if words & {"confidence", "score", "probability"} and hi is None:
                lo, hi = (lo if lo is not None else 0.0), 1.0
            lo_f = lo if lo is not None else 1.0
            hi_f = hi if hi is not None else lo_f + 99
            found = self.rng.uniform(lo_f, hi_f)
        if lo is not None:
            found = max(found, lo)
        if hi is not None:
            found = min(found, hi)
        if integer:
            v = float(round(found))
            if lo is not None and v < lo:
                v = float(math.ceil(lo))
            if hi is not None and v > hi:
                v = float(math.floor(hi))
            return v
        return round(found, 2)

    def _string(self, s: dict[str, Any], name: str, *, nullable: bool = False) -> str | None:
        """A string for property ``name``; ``None`` for a nullable id the prompt lacks."""
        f = self.facts
        fmt = s.get("format")
        words = _words(name)
        candidates: list[str] = []
        if fmt == "email":
            candidates = [*f.emails, "customer@example.com"]
        elif fmt == "date":
            candidates = [*f.dates, "2026-11-26"]
        elif fmt == "date-time":
            candidates = [d + "T09:00:00Z" for d in f.dates] + ["2026-11-26T09:00:00Z"]
        elif fmt in ("uri", "url"):
            candidates = ["https://example.com/" + (f.terms[0] if f.terms else "item")]
        elif fmt == "uuid":
            h = f"{self.rng.getrandbits(128):032x}"
            candidates = [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"]
        elif "email" in words:
            candidates = [*f.emails, "customer@example.com"]
        elif words & {"url", "uri", "link"}:
            candidates = ["https://example.com/" + (f.terms[0] if f.terms else "item")]
        elif words & {"id", "number", "ref", "reference", "sku", "code"}:
            near = f.ids_for(words, only_near=nullable)
            if nullable and not near:
                return None
            candidates = [*near, *f.numbers, f"ID-{self.rng.randrange(10000, 99999)}"]
        elif "date" in words:
            candidates = [*f.dates, "2026-11-26"]
        elif words & {"name", "customer", "user", "person"}:
            candidates = [*f.names, "Alex Morgan"]
        elif words & {"query", "search", "question", "topic", "subject"}:
            candidates = [" ".join(f.terms[:4]) or f.text[:80]]
        elif words & {"answer", "reply", "response", "content", "body", "message", "text"}:
            candidates = [self.summary]
        elif words & {
            "summary",
            "reason",
            "description",
            "explanation",
            "details",
            "rationale",
            "note",
            "notes",
            "title",
        }:
            candidates = [self.summary.split("\n")[0]]
        elif words & {"language", "lang", "locale"}:
            candidates = ["en"]
        elif words & {"status", "state"}:
            candidates = ["open"]
        else:
            candidates = f.quoted + f.terms[:1] + ["unknown"]
        pattern = s.get("pattern")
        if pattern:
            pool = candidates + f.ids + f.quoted + f.numbers + f.terms
            try:
                matching = [c for c in pool if re.fullmatch(pattern, c)]
            except re.error:
                matching = []
            candidates = matching or candidates
        value = next((c for c in candidates if c), "unknown")
        lo, hi = int(s.get("minLength", 0)), s.get("maxLength")
        if hi is not None and len(value) > int(hi):
            value = value[: int(hi)]
        if len(value) < lo:
            value = value + "x" * (lo - len(value))
        return value


def generate_value(
    schema: dict[str, Any], facts: PromptFacts, rng: random.Random, *, summary: str = ""
) -> Any:
    """A value valid against ``schema`` (for the supported keywords), drawn from ``facts``."""
    return _Gen(facts, rng, schema, summary or " ".join(facts.terms[:5])).value(schema)


def tool_terms(tool: Tool) -> frozenset[str]:
    return _tool_terms(tool.name, tool.description or "")


@functools.lru_cache(maxsize=1024)
def _tool_terms(name: str, description: str) -> frozenset[str]:
    words = set(_words(name))
    words.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", description))
    return frozenset(w.rstrip("s") for w in words if w not in STOPWORDS)


def choose_tools(tools: list[Tool], facts: PromptFacts, *, forced: bool) -> Tool | None:
    """The tool whose name/description overlaps most with the prompt's words (at least
    one word, or any best tool when ``forced``). Ties go to the earlier tool."""
    if not tools:
        return None
    prompt_words = {
        w.rstrip("s") for w in re.findall(r"[a-z]{3,}", facts.text.lower()) if w not in STOPWORDS
    }
    scored = []
    for i, tool in enumerate(tools):
        name_words = {w.rstrip("s") for w in _words(tool.name)}
        score = 2 * len(name_words & prompt_words) + len(tool_terms(tool) & prompt_words)
        scored.append((score, -i))
    best_score, neg_i = max(scored)
    if best_score < 2 and not forced:
        return None
    return tools[-neg_i]
