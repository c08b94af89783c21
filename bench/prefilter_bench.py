"""Micro-benchmark of the scan prefilter's multi-string search (not a timed test).

Reads every text file of a tree into memory once (as the scanner reads them: binaries, i.e.
a NUL in the first 8 KB, are left out), then times, over the same bytes, alternately:

- ``regex``: the byte-regex prefilter (anchor alternation + trie-shaped confirmation) that
  ``ModelMatcher`` used before it switched to Aho-Corasick (rebuilt here from the same words);
- ``ahocorasick_rs``: ``BytesAhoCorasick`` (Rust) over the whole lower-cased file, default and
  DFA automaton;
- ``pyahocorasick``: ``ahocorasick.Automaton`` (C) over the lower-cased bytes decoded as
  latin-1 (its PyPI wheels are built for ``str`` keys), if installed;
- ``matcher``: ``ModelMatcher.prefilter`` as shipped (ahocorasick_rs DFA over growing windows).

Each must select exactly the same files; medians of ``--repeat`` passes, microseconds per file.

    .venv/bin/python bench/prefilter_bench.py TREE [TREE...] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from switchover.catalog import get_catalog
from switchover.scan.literals import ModelMatcher, trie_regex

# The regex prefilter's anchor builder, as it was in switchover.scan.literals before the switch
# to Aho-Corasick (commit 44c8b76), kept here as the reference to compare against.
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


def load(roots: list[Path]) -> list[tuple[str, bytes]]:
    files = []
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = os.path.join(dirpath, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    data = Path(path).read_bytes()[: 8 << 20]
                    if data.find(b"\x00", 0, 8192) == -1:
                        files.append((path, data))
    return files


def regex_prefilter(words: list[str]) -> Callable[[bytes], bool]:
    """The pre-Aho-Corasick prefilter, built from the same (lower-cased) words."""
    full = re.compile(trie_regex(sorted(set(words))).encode())
    anchor_src, offsets = _anchor_regex(set(words))
    anchor = re.compile(anchor_src.encode())

    def check(data: bytes) -> bool:
        low = data.lower()
        hit = anchor.search(low)
        while hit is not None:
            pos = hit.start()
            for off in offsets:
                if off <= pos and full.match(low, pos - off):
                    return True
            hit = anchor.search(low, pos + 1)
        return False

    return check


def candidates(words: list[str]) -> dict[str, Callable[[bytes], bool]]:
    out: dict[str, Callable[[bytes], bool]] = {"regex": regex_prefilter(words)}
    try:
        import ahocorasick_rs

        for impl in (None, ahocorasick_rs.Implementation.DFA):
            rs = ahocorasick_rs.BytesAhoCorasick([w.encode() for w in words], implementation=impl)
            rs_find = rs.find_matches_as_indexes
            label = (
                "ahocorasick_rs (default, whole file)"
                if impl is None
                else "ahocorasick_rs (DFA, whole file)"
            )
            out[label] = lambda data, f=rs_find: bool(f(data.lower()))
    except ImportError:
        pass
    try:
        import ahocorasick

        auto = ahocorasick.Automaton()
        for w in words:
            auto.add_word(w, w)
        auto.make_automaton()
        auto_iter = auto.iter

        def py_check(data: bytes) -> bool:
            return next(auto_iter(data.lower().decode("latin-1")), None) is not None

        out["pyahocorasick"] = py_check
    except ImportError:
        pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("roots", nargs="+", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    matcher = ModelMatcher(get_catalog().known_ids())
    words = sorted(matcher.prefilter_words)
    files = load(args.roots)
    total = sum(len(d) for _, d in files)
    print(f"{len(files)} text files, {total / 1e6:.1f} MB, {len(words)} words")
    methods = {**candidates(words), "matcher": matcher.prefilter}
    selections = {name: {p for p, d in files if check(d)} for name, check in methods.items()}
    reference = selections["regex"]
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.repeat):
        for name, check in methods.items():
            t = time.perf_counter()
            for _p, d in files:
                check(d)
            times[name].append(time.perf_counter() - t)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| method | us per file (median) | min | selected | same files as regex |")
    print("|---|---|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts) / len(files) * 1e6
        low = min(ts) / len(files) * 1e6
        same = selections[name] == reference
        print(f"| {name} | {med:.2f} | {low:.2f} | {len(selections[name])} | {same} |")


if __name__ == "__main__":
    main()
