"""Model-ID recognition: catalog IDs and aliases, shapes of unknown IDs, and the prefilter.

The prefilter is one compiled byte regex (a trie-shaped alternation, so the regex engine walks
it like an Aho-Corasick automaton) over catalog IDs, aliases, ID-shape prefixes and SDK
markers. Only files it matches are parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

__all__ = ["SDK_MARKERS", "ModelMatcher", "normalize_candidate", "trie_regex"]

# Substrings that show a file talks to a model SDK even without a literal model ID.
SDK_MARKERS: tuple[str, ...] = (
    "openai",
    "OpenAI",
    "OPENAI",
    "anthropic",
    "Anthropic",
    "ANTHROPIC",
    "genai",
    "generativeai",
    "vertexai",
    "bedrock",
    "Bedrock",
    "mistralai",
    "Mistral",
    "cohere",
    "Cohere",
    "groq",
    "Groq",
    "litellm",
    "langchain",
    "llama_index",
    "llamaindex",
    "crewai",
    "pydantic_ai",
    "@ai-sdk/",
    "GenerativeModel",
    "invoke_model",
    "InvokeModel",
    "_MODEL",
    "_DEPLOYMENT",
    "Microsoft.CognitiveServices",
    "azurerm_cognitive_deployment",
)

# Shapes of model IDs the catalog may not know yet. Matched against a whole candidate.
_SHAPES = re.compile(
    r"""^(?:
      (?:gpt|chatgpt)-(?=[\w.\-]*\d)[a-z0-9][\w.\-]*
    | o[1-9](?:-(?:mini|pro|preview|deep-research|\d{4}-\d{2}-\d{2}))*
    | text-embedding-[\w.\-]+ | dall-e-[23] | whisper-1 | tts-1(?:-hd)?
    | (?:text|code)-(?:davinci|curie|babbage|ada)-\d{3} | (?:davinci|babbage)-002
    | claude-(?=[\w.\-]*\d)[a-z0-9][\w.\-]*
    | gemini-(?:\d+(?:\.\d+)?-(?:pro|flash|ultra|nano|lite|exp|embedding|live|image)[\w.\-]*
              |\d+(?:\.\d+)?|(?:pro|ultra|exp|embedding)[\w.\-]*)
    | gemma-\d[\w.\-]* | (?:text|chat)-bison(?:-\d+|@\d+)?
    | (?:anthropic|meta|amazon|cohere|mistral|ai21|deepseek|writer)\.(?=[\w.\-:]*\d)[a-z0-9][\w.\-:]*
    | (?:mistral|codestral|ministral|pixtral|magistral|devstral|mixtral)-[a-z0-9][\w.\-]*
    | open-(?:mistral|mixtral)-[\w.\-]+
    | command-(?:r|a|light|nightly|r7b)[\w.\-]*
    | embed-(?:english|multilingual|v\d)[\w.\-]*
    | llama-?\d[\w.\-]* | grok-\d[\w.\-]* | deepseek-(?:chat|reasoner|v\d|r\d)[\w.\-]*
    )$""",
    re.VERBOSE,
)
# First characters of shapes above: used to find candidates inside free text.
_SHAPE_PREFIXES: tuple[str, ...] = (
    "gpt-",
    "chatgpt-",
    "o1",
    "o3",
    "o4",
    "text-embedding-",
    "dall-e-",
    "whisper-1",
    "tts-1",
    "text-davinci",
    "code-davinci",
    "davinci-",
    "babbage-",
    "claude-",
    "gemini-",
    "gemma-",
    "text-bison",
    "chat-bison",
    "anthropic.",
    "meta.",
    "amazon.",
    "cohere.",
    "mistral.",
    "ai21.",
    "deepseek.",
    "mistral-",
    "codestral-",
    "ministral-",
    "pixtral-",
    "magistral-",
    "devstral-",
    "mixtral-",
    "open-mistral-",
    "open-mixtral-",
    "command-",
    "embed-",
    "llama-",
    "llama3",
    "llama4",
    "grok-",
    "deepseek-",
)
_REGION_PREFIX = re.compile(r"^(?:us|eu|apac|jp|au|ca|global|us-gov)\.")
# Prefixes people put in front of IDs: "openai:gpt-4o", "openai/gpt-4o", "models/gemini-2.5".
_PROVIDER_PREFIX = re.compile(
    r"^(?:openai|anthropic|google|google-gla|google-vertex|gemini|vertex_ai|vertex|azure|"
    r"azure_ai|bedrock|bedrock_converse|groq|mistral|mistralai|cohere|together_ai|openrouter|"
    r"xai|deepseek|models|publishers/[\w-]+/models)[:/]",
)


def normalize_candidate(value: str) -> str:
    """Strip provider prefixes, ARNs and whitespace from a string that may name a model."""
    s = value.strip()
    if s.startswith("arn:") and "/" in s:
        s = s.rsplit("/", 1)[1]
    for _ in range(2):
        m = _PROVIDER_PREFIX.match(s)
        if m is None:
            break
        s = s[m.end() :]
    return s


def trie_regex(words: Iterable[str]) -> str:
    """A regex alternation shaped like a trie (shared prefixes factored out)."""
    trie: _Trie = {}
    for word in words:
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_to_regex(trie)


_Trie = dict[str, "_Trie"]


def _trie_to_regex(node: _Trie) -> str:
    alts = [re.escape(ch) + _trie_to_regex(child) for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if "" in node:
        body = body + "?" if len(body) == 1 else f"(?:{body})?"
    return body


# Characters most of source text is made of, most common first: an anchor starting with one of
# them would make the regex engine try a match at most positions of a file.
_COMMON = "etaoinsr"
_ANCHOR_LEN = 4
_MAX_OFFSET = 6


def _anchor_regex(words: Iterable[str]) -> tuple[str, tuple[int, ...]]:
    """One alternation of short anchors, one per word, each starting at the word's least
    common character (within its first ``_MAX_OFFSET``) and checking the characters before it
    with a lookbehind; and the offsets of the anchors inside their words."""
    by_anchor: dict[str, set[str]] = {}
    offsets: set[int] = set()
    for word in words:
        off = min(range(min(len(word), _MAX_OFFSET)), key=lambda i: (_rank(word[i]), i))
        anchor = word[off : off + _ANCHOR_LEN]
        # An empty lookbehind means the anchor is the word's start: no condition.
        by_anchor.setdefault(anchor, set()).add(word[: off + len(anchor)] if off else "")
        offsets.add(off)
    alts = []
    for anchor, behinds in sorted(by_anchor.items()):
        cond = (
            ""
            if "" in behinds
            else "(?:" + "|".join(f"(?<={re.escape(b)})" for b in sorted(behinds)) + ")"
        )
        alts.append((anchor, cond))
    return _anchor_trie(alts), tuple(sorted(offsets))


def _rank(ch: str) -> int:
    idx = _COMMON.find(ch)
    return 0 if idx < 0 else len(_COMMON) - idx


def _anchor_trie(alts: list[tuple[str, str]]) -> str:
    """A trie-shaped alternation over the anchors, each followed by its lookbehind condition."""
    groups: dict[str, list[tuple[str, str]]] = {}
    ends: list[str] = []
    for anchor, cond in alts:
        if anchor:
            groups.setdefault(anchor[0], []).append((anchor[1:], cond))
        else:
            ends.append(cond)
    parts = [re.escape(ch) + _anchor_trie(rest) for ch, rest in sorted(groups.items())]
    # An anchor ending here is tried after the longer ones; "" (no condition) always matches.
    parts += ["" if "" in ends else "(?:" + "|".join(ends) + ")"] if ends else []
    if len(parts) == 1:
        return parts[0]
    return "(?:" + "|".join(parts) + ")"


class ModelMatcher:
    """Recognises model IDs; built once per process from the catalog's known IDs."""

    def __init__(self, known_ids: Iterable[str]) -> None:
        self.known: frozenset[str] = frozenset(k.lower() for k in known_ids if k)
        # Azure catalog rows are "<model> <version>": the model part is an ID on its own.
        heads = {k.split(" ", 1)[0] for k in self.known}
        words = sorted(heads | set(_SHAPE_PREFIXES))
        # Keep only words not covered by a shorter prefix (keeps the automaton small).
        pruned: list[str] = []
        for w in words:
            if not any(w.startswith(p) and w != p for p in _SHAPE_PREFIXES):
                pruned.append(w)
        self._heads = frozenset(heads)
        id_alt = trie_regex(pruned)
        self._text_re = re.compile(r"(?<![\w\-/.])(?:" + id_alt + r")[\w.\-:@]*", re.IGNORECASE)
        marker_alt = trie_regex(sorted(set(SDK_MARKERS)))
        self._prefilter = re.compile(("(?:" + id_alt + ")|(?:" + marker_alt + ")").lower().encode())
        anchor_re, offsets = _anchor_regex({w.lower() for w in [*pruned, *SDK_MARKERS]})
        self._anchor_re = re.compile(anchor_re.encode())
        self._offsets = offsets

    def prefilter(self, data: bytes) -> bool:
        """True when the bytes may contain a model ID or an SDK marker."""
        low = data.lower()
        match = self._prefilter.match
        search = self._anchor_re.search
        # The anchor automaton finds candidate positions fast (its anchors start at uncommon
        # characters, so the regex engine tries few positions); the full alternation is only
        # tried where a word may start. ``search`` from the next byte, not ``finditer``, so a
        # hit cannot hide an overlapping one.
        hit = search(low)
        while hit is not None:
            pos = hit.start()
            for off in self._offsets:
                if off <= pos and match(low, pos - off):
                    return True
            hit = search(low, pos + 1)
        return False

    def is_model(self, value: str) -> str | None:
        """The model ID ``value`` names (normalised), or ``None``."""
        if not value or len(value) > 120 or "\n" in value:
            return None
        cand = normalize_candidate(value)
        low = cand.lower()
        if low in self.known or low in self._heads:
            return cand
        bare = _REGION_PREFIX.sub("", low)
        if bare in self.known or _SHAPES.match(bare):
            return cand
        return None

    def find_in_text(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, id) for every model ID mentioned in free text."""
        for m in self._text_re.finditer(text):
            token = m.group(0).rstrip(".:-@")
            if self.is_model(token):
                yield m.start(), m.start() + len(token), token
