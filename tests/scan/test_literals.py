from __future__ import annotations

import re

import pytest

from switchover.scan.literals import ModelMatcher, normalize_candidate, trie_regex


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gpt-4o", "gpt-4o"),
        ("openai:gpt-4o", "gpt-4o"),
        ("anthropic/claude-3-opus-20240229", "claude-3-opus-20240229"),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", "anthropic.claude-v2"),
        (
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        ),
        ("gemini-2.0-flash-thinking-exp", "gemini-2.0-flash-thinking-exp"),
        ("meta.llama3-70b-instruct-v1:0", "meta.llama3-70b-instruct-v1:0"),
        ("o3-mini", "o3-mini"),
        ("mistral-large-latest", "mistral-large-latest"),
        ("command-r-plus", "command-r-plus"),
        # not models: API names, rule IDs, prose, multi-line text
        ("anthropic.messages", None),
        ("gemini-3-thinking-level", None),
        ("gemini-2-5-thinking-budget", None),
        ("gpt-based", None),
        ("hello", None),
        ("gpt-4o\nand more", None),
        ("", None),
    ],
)
def test_is_model(matcher: ModelMatcher, value: str, expected: str | None) -> None:
    assert matcher.is_model(value) == expected


def test_prefilter_is_case_insensitive_and_selective(matcher: ModelMatcher) -> None:
    assert matcher.prefilter(b'MODEL = "GPT-4o"')
    assert matcher.prefilter(b"from openai import OpenAI")
    assert matcher.prefilter(b"const x = new Anthropic()")
    assert not matcher.prefilter(b"def add(a, b):\n    return a + b  # compute the total\n")
    assert not matcher.prefilter(b"")


def test_find_in_text(matcher: ModelMatcher) -> None:
    found = [
        t for _, _, t in matcher.find_in_text("Moved from gpt-4-turbo to gpt-4o. See o3-mini: ok.")
    ]
    assert found == ["gpt-4-turbo", "gpt-4o", "o3-mini"]


def test_trie_regex_matches_exactly_the_words() -> None:
    words = ["gpt-4o", "gpt-4o-mini", "gpt-4", "o3", "claude"]
    rx = re.compile(f"^(?:{trie_regex(words)})$")
    assert all(rx.match(w) for w in words)
    assert not any(rx.match(w) for w in ["gpt-4o-", "gpt", "o", "claud", "o33"])
    assert trie_regex([]) == ""
    assert normalize_candidate("  openai:gpt-4o ") == "gpt-4o"


def test_prefilter_finds_every_catalog_id_and_marker_anywhere(matcher: ModelMatcher) -> None:
    from switchover.scan.literals import SDK_MARKERS

    words = sorted(matcher.known | set(SDK_MARKERS))
    for word in words:
        for text in (word, f"x = '{word}'\n", f"prefix{word}", f"o{word[:2]}{word}"):
            assert matcher.prefilter(text.encode()), text
    # Anchors overlapping each other must not hide a later word.
    assert matcher.prefilter(b"ttext-embedding-3")
    assert matcher.prefilter(b"oo1")
    assert not matcher.prefilter(b"context ts o 1 next- rerun sora")


@pytest.mark.parametrize(
    "word", ["gpt-4o", "OpenAI", "claude-3-5-haiku-20241022", "Microsoft.CognitiveServices"]
)
def test_prefilter_finds_a_word_at_every_window_boundary_of_a_big_file(
    matcher: ModelMatcher, word: str
) -> None:
    # Windows end at 4 KB, 20 KB, 84 KB, 340 KB: a word cut by any of them, or at the very end
    # of a large file, is still found; the same filler alone is not.
    filler = b"def add(a, b):\n    return a + b  # compute the total\n"
    body = (filler * 20_000)[:400_000]
    assert not matcher.prefilter(body)
    encoded = word.encode()
    for cut in (4096, 20_480, 86_016, 348_160):
        for shift in range(1, len(encoded)):
            pos = cut - shift
            data = body[:pos] + encoded + body[pos + len(encoded) :]
            assert matcher.prefilter(data), (cut, shift)
    assert matcher.prefilter(body + encoded)
    assert matcher.prefilter(body[:4095] + encoded)


def test_prefilter_words_and_a_file_full_of_ids(matcher: ModelMatcher) -> None:
    assert matcher.prefilter(b'"gpt-4o", ' * 500_000)
    assert matcher.prefilter_words >= {"gpt-", "openai", "claude-"}
    assert all(w == w.lower() for w in matcher.prefilter_words)
