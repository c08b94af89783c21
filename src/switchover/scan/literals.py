"""Model-ID recognition: catalog IDs and aliases, shapes of unknown IDs, and the prefilter.

The prefilter is a compiled Aho-Corasick DFA (``ahocorasick-rs``, Rust) over the lower-cased
catalog IDs, aliases, ID-shape prefixes and SDK markers, run on a file's lower-cased bytes.
Only files it matches are parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ahocorasick_rs import BytesAhoCorasick, Implementation

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


# The prefilter searches a file in growing windows, so a file full of model IDs does not build
# a list of every match before the first one answers the question.
_FIRST_WINDOW = 4096
_WINDOW_GROWTH = 4


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
        self.prefilter_words: frozenset[str] = frozenset(w.lower() for w in [*pruned, *SDK_MARKERS])
        automaton = BytesAhoCorasick(
            [w.encode() for w in sorted(self.prefilter_words)],
            implementation=Implementation.DFA,
        )
        self._find = automaton.find_matches_as_indexes
        self._overlap = max(len(w) for w in self.prefilter_words) - 1

    def prefilter(self, data: bytes) -> bool:
        """True when the bytes may contain a model ID or an SDK marker (case-insensitive)."""
        low = data.lower()
        size = len(low)
        find = self._find
        if size <= _FIRST_WINDOW:
            return bool(find(low))
        # A compiled Aho-Corasick DFA (Rust) over growing windows that overlap by the longest
        # word less one byte, so a word across a window boundary is still found.
        start, window = 0, _FIRST_WINDOW
        with memoryview(low) as view:
            while start < size:
                end = min(size, start + window)
                if find(view[max(0, start - self._overlap) : end]):
                    return True
                start, window = end, window * _WINDOW_GROWTH
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
