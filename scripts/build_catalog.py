#!/usr/bin/env python3
"""Build the shipped model catalog from the gathered facts.

Inputs (never edited by this script):
  ../shared/catalog-facts/lifecycle.csv   one row per model and platform, with its source
  ../shared/catalog-facts/pricing.csv     prices per million tokens, context window, max output
  scripts/catalog_sources/pricing_extra.csv  prices the facts lack (each row says where from)

Output: src/switchover/catalog/data/models.csv (see docs/catalog.md for every column).

Derivations, all deterministic (same inputs -> byte-identical output):
  * prices join on (provider, model ID or alias) and only onto the provider's own platform
    (the pricing pages are the provider's; Azure/Bedrock/Vertex bill differently);
  * capabilities come from the family rules in CAPABILITY_RULES below (first match wins);
  * retrieved is the latest capture date the note states ("mirror dated", "ms.date",
    "checked", "as read", "observed"), else the facts' date (2026-11-26);
  * previous_plan collects the note's clauses about an earlier or conflicting plan
    (CONFLICT, "earlier", "April page", "June page", "... crawl said ...").

Usage:  python scripts/build_catalog.py [--facts DIR] [--check]
  --check  exit 1 if the committed output differs from a fresh build (for CI).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from switchover.catalog.model import NATIVE_PLATFORM, PLATFORMS, ModelEntry  # noqa: E402
from switchover.catalog.rows import entries_to_csv  # noqa: E402

FACTS_DATE = date(2026, 11, 26)
DEFAULT_FACTS = ROOT.parent / "shared" / "catalog-facts"
EXTRA_PRICING = ROOT / "scripts" / "catalog_sources" / "pricing_extra.csv"
OUTPUT = ROOT / "src" / "switchover" / "catalog" / "data" / "models.csv"

C, T, J, V, R = "chat", "tools", "json", "vision", "reasoning"

# (pattern on the bare model name, capabilities). First match wins. The bare name is the ID
# lower-cased without a Bedrock vendor prefix / "-v1:0" suffix, Azure version, Vertex
# "@version" or fine-tune "ft-" prefix.
CAPABILITY_RULES: list[tuple[str, frozenset[str]]] = [
    (r"rerank", frozenset({"rerank"})),
    (r"moderation", frozenset({"moderation"})),
    (r"embed|similarity|^(text|code)-search-", frozenset({"embeddings"})),
    (r"ocr|document-ai", frozenset({"ocr", V})),
    (r"voxtral", frozenset({C, "audio"})),
    (r"tts|transcribe|whisper|sonic", frozenset({"audio"})),
    (r"realtime|native-audio|-live\b|live-|audio", frozenset({C, T, "audio"})),
    (r"^gemini.*image", frozenset({C, V, "image"})),
    (r"dall-e|gpt-image|chatgpt-image|imagen|nova-canvas|titan-image", frozenset({"image"})),
    (r"^imagetext$", frozenset({V})),
    (r"sora|veo|nova-reel|omni", frozenset({"video"})),
    (
        r"^(ada|babbage|curie|davinci)$|^text-(ada|babbage|curie|davinci)|^code-(davinci|cushman)"
        r"|^(babbage|davinci)-002$|gpt-3\.5-turbo-instruct|^code-gecko$|^text-bison$",
        frozenset({"completions"}),
    ),
    # OpenAI
    (r"^o1-(preview|mini)$", frozenset({C, R})),
    (r"^o3-mini", frozenset({C, T, J, R})),
    (r"^gpt-5(\.\d)?-chat|^gpt-chat-latest", frozenset({C, T, J, V})),
    (r"^o\d|^gpt-5|^gpt-6|codex|computer-use|deep-research", frozenset({C, T, J, V, R})),
    (r"^gpt-4-(turbo-preview|0125-preview|1106-preview)$", frozenset({C, T, J})),
    (r"^gpt-4o|^gpt-4\.1|^gpt-4\.5|^gpt-4-turbo|vision|^chatgpt-4o", frozenset({C, T, J, V})),
    (r"-(0301|0314)$|^gpt-35-turbo 0301|^gpt-4 0314", frozenset({C})),
    (r"^gpt-4|^gpt-35|^gpt-3\.5", frozenset({C, T, J})),
    # Anthropic
    (r"^claude-(instant|1|2)", frozenset({C})),
    (r"^claude-3-5-haiku", frozenset({C, T})),
    (r"^claude-3-7", frozenset({C, T, V, R})),
    (r"^claude-3", frozenset({C, T, V})),
    (r"^claude-", frozenset({C, T, J, V, R})),
    # Google
    (r"^gemini-1\.0-pro-vision", frozenset({C, V})),
    (r"^gemini-1\.0", frozenset({C, T})),
    (r"^gemini-(1\.5|2\.0)", frozenset({C, T, J, V})),
    (r"^gemini-robotics", frozenset({C, V, R})),
    (r"^gemini-", frozenset({C, T, J, V, R})),
    (r"^chat-bison$|^gemma", frozenset({C})),
    # Mistral
    (r"^magistral", frozenset({C, T, J, R})),
    (r"^pixtral|^mistral-medium-(3|25)|^mistral-small-(25|26)", frozenset({C, T, J, V})),
    (
        r"^(mistral|mixtral|open-mistral|open-mixtral|ministral|codestral|devstral)",
        frozenset({C, T, J}),
    ),
    (r"^open-codestral", frozenset({C, T, J})),
    # Cohere
    (r"aya-vision", frozenset({C, V})),
    (r"aya-expanse", frozenset({C})),
    (r"command-a-reasoning", frozenset({C, T, J, R})),
    (r"^(cohere-)?command-(r|a)", frozenset({C, T, J})),
    (r"^command", frozenset({C})),
    # Others on Azure / Bedrock
    (r"llama3-2-(11b|90b)|llama-3\.2-\d+b-vision|llama4", frozenset({C, T, V})),
    (r"^llama3-(8b|70b)", frozenset({C})),
    (r"llama", frozenset({C, T})),
    (r"non-reasoning", frozenset({C, T, J})),
    (r"^grok.*reasoning|^grok-3-mini", frozenset({C, T, J, R})),
    (r"^grok", frozenset({C, T, J})),
    (r"r1", frozenset({C, R})),
    (r"deepseek|jamba", frozenset({C, T, J})),
]

_RETRIEVED = re.compile(
    r"(?:mirror dated|ms\.date|checked|as read|observed|read)\s+(\d{4}-\d{2}-\d{2})"
)
_PLAN_MARKERS = re.compile(
    r"CONFLICT|\bearlier\b|\bolder (?:rendered )?crawl\b|\bolder pages\b|replacement then"
    r"|\b(?:crawl|copy|page)s? (?:said|had|named|suggested)\b"
    r"|\b(?:April|May|June|Sept) page\b",
    re.IGNORECASE,
)


def bare_name(model_id: str, platform: str) -> str:
    mid = model_id.lower()
    if platform == "bedrock":
        mid = re.sub(r"^[a-z0-9]+\.", "", mid)
        mid = re.sub(r"-v\d+(?::\d+)?$", "", mid)
    if platform == "azure" and " " in mid:
        mid = mid.partition(" ")[0]
    if platform == "vertex":
        mid = mid.partition("@")[0]
    return mid.removeprefix("ft-")


def capabilities(model_id: str, platform: str) -> tuple[frozenset[str], bool]:
    """(capabilities, matched a rule). Unmatched models get {"chat"} and a warning."""
    name = bare_name(model_id, platform)
    for pattern, caps in CAPABILITY_RULES:
        if re.search(pattern, name):
            return caps, True
    return frozenset({C}), False


def retrieved(note: str) -> date:
    found = [date.fromisoformat(d) for d in _RETRIEVED.findall(note)]
    found = [d for d in found if d <= FACTS_DATE]
    return max(found) if found else FACTS_DATE


def _clauses(note: str) -> list[str]:
    """Split a note on ';' and sentence ends, outside parentheses."""
    out: list[str] = []
    depth = 0
    current = ""
    i = 0
    while i < len(note):
        ch = note[i]
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        sentence_end = ch == "." and note[i + 1 : i + 2] == " " and note[i + 2 : i + 3].isupper()
        if depth == 0 and (ch == ";" or sentence_end):
            out.append(current.strip())
            current = ""
        else:
            current += ch
        i += 1
    out.append(current.strip())
    return [c for c in out if c]


def previous_plan(note: str) -> str | None:
    """The note's clauses about an earlier or conflicting plan, or None."""
    plan = [c for c in _clauses(note) if _PLAN_MARKERS.search(c)]
    plan = [c for c in plan if "alias per older" not in c]
    return "; ".join(plan) or None


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def load_prices(*paths: Path) -> dict[tuple[str, str], dict[str, Any]]:
    prices: dict[tuple[str, str], dict[str, Any]] = {}
    for path in paths:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                key = (row["provider"], row["model_id"].lower())
                if key in prices:
                    raise SystemExit(f"{path}: duplicate price for {key}")
                prices[key] = {
                    "input_per_mtok": _num(row["input_per_mtok_usd"]),
                    "cached_input_per_mtok": _num(row["cached_input_per_mtok_usd"]),
                    "output_per_mtok": _num(row["output_per_mtok_usd"]),
                    "context_window": _int(row["context_window"]),
                    "max_output_tokens": _int(row["max_output_tokens"]),
                    "price_source_url": row["source_url"],
                }
    return prices


def build(facts: Path) -> tuple[list[ModelEntry], list[str]]:
    """(entries in output order, warnings)."""
    prices = load_prices(facts / "pricing.csv", EXTRA_PRICING)
    used: set[tuple[str, str]] = set()
    warnings: list[str] = []
    entries: list[ModelEntry] = []
    with (facts / "lifecycle.csv").open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            provider, platform, mid = row["provider"], row["platform"], row["model_id"]
            aliases = [a for a in row["aliases"].split(";") if a]
            caps, matched = capabilities(mid, platform)
            if not matched:
                warnings.append(f"lifecycle.csv:{line}: no capability rule for {mid!r}")
            data: dict[str, Any] = {
                "provider": provider,
                "platform": platform,
                "id": mid,
                "aliases": aliases,
                "status": row["status"],
                "released": row["released"],
                "deprecation_announced": row["deprecation_announced"],
                "shutdown_date": row["shutdown_date"],
                "replacement": row["replacement"],
                "capabilities": sorted(caps),
                "source_url": row["source_url"],
                "source_kind": row["source_kind"],
                "retrieved": retrieved(row["retrieved_note"]).isoformat(),
                "note": row["retrieved_note"],
                "previous_plan": previous_plan(row["retrieved_note"]),
            }
            if NATIVE_PLATFORM.get(provider) == platform:
                for name in [mid, *aliases]:  # the exact ID first, then aliases
                    key = (provider, name.lower())
                    if key in prices:
                        data.update(prices[key])
                        used.add(key)
                        break
            try:
                entry = ModelEntry.model_validate(data)
            except Exception as exc:
                raise SystemExit(f"lifecycle.csv:{line}: {exc}") from exc
            derived = entry.status_on(FACTS_DATE)
            if derived != entry.status:
                warnings.append(
                    f"lifecycle.csv:{line}: {mid} on {platform}: source says {entry.status}, "
                    f"dates say {derived}"
                )
            entries.append(entry)
    for key in sorted(set(prices) - used):
        raise SystemExit(f"price row {key} matches no model on the provider's platform")
    entries.sort(key=lambda e: (PLATFORMS.index(e.platform), e.provider, e.id.lower()))
    return entries, warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=Path, default=DEFAULT_FACTS)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    entries, warnings = build(args.facts)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    text = entries_to_csv(entries)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run scripts/build_catalog.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(entries)} rows)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    priced = sum(
        1 for e in entries if e.input_per_mtok is not None or e.output_per_mtok is not None
    )
    print(f"wrote {args.output} ({len(entries)} rows, {priced} priced)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
