"""Reading a tree on several processes: shares, equality with a serial read, a dying worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from switchover.catalog import Catalog
from switchover.scan.parallel import SERIAL_BELOW, read_items, read_tree
from switchover.scan.reader import Limits
from switchover.scan.walker import Walker


def _tree(root: Path, files: int) -> None:
    for i in range(files):
        d = root / f"pkg{i % 7}"
        d.mkdir(exist_ok=True)
        text = 'M = "gpt-4o"\n' if i % 40 == 0 else "x = 1\n"
        (d / f"m{i}.py").write_text(text)
    (root / "blob.json").write_bytes(b"\x00\x01gpt-4o")


def _collect(batches: Iterator[tuple[list[object], int]]) -> tuple[list[str], int]:
    rels: list[str] = []
    unmatched = 0
    for outcomes, count in batches:
        rels += [o.rel for o in outcomes]  # type: ignore[attr-defined]
        unmatched += count
    return sorted(rels), unmatched


def test_every_file_is_read_once_whatever_the_number_of_jobs(
    tmp_path: Path, catalog: Catalog
) -> None:
    _tree(tmp_path, SERIAL_BELOW + 100)
    known = sorted(catalog.known_ids())
    results = {}
    for jobs in (1, 2, 3):
        walker = Walker(tmp_path)
        results[jobs] = _collect(read_tree(walker, known, Limits(), jobs))  # type: ignore[arg-type]
        assert walker.stats.files_seen == SERIAL_BELOW + 101
    assert results[1] == results[2] == results[3]
    rels, unmatched = results[1]
    assert len(rels) == len(range(0, SERIAL_BELOW + 100, 40)) + 1  # matches + the binary file
    assert "blob.json" in rels
    assert unmatched == SERIAL_BELOW + 101 - len(rels)


class _DyingInWorkers(Walker):
    """Kills any process but the test's own as soon as it starts walking."""

    owner = os.getpid()

    def fresh(self) -> Walker:
        clone = _DyingInWorkers(self.root)
        return clone

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        if os.getpid() != self.owner:
            os._exit(3)
        return super().__iter__()


def test_a_dead_worker_share_is_read_by_the_main_process(tmp_path: Path, catalog: Catalog) -> None:
    _tree(tmp_path, SERIAL_BELOW + 50)
    known = sorted(catalog.known_ids())
    expected = _collect(read_tree(Walker(tmp_path), known, Limits(), 1))  # type: ignore[arg-type]
    got = _collect(read_tree(_DyingInWorkers(tmp_path), known, Limits(), 2))  # type: ignore[arg-type]
    assert got == expected


def test_read_items_reports_unreadable_files(tmp_path: Path, catalog: Catalog) -> None:
    from switchover.scan.literals import ModelMatcher

    matcher = ModelMatcher(catalog.known_ids())
    keep, unmatched = read_items(
        [(str(tmp_path / "gone.py"), "gone.py", "python")], matcher, Limits()
    )
    assert unmatched == 0
    assert [(o.rel, o.status) for o in keep] == [("gone.py", "unreadable")]
    assert keep[0].warning is not None
    assert "gone.py: cannot read" in keep[0].warning


def test_read_bytes_reads_big_files_in_pieces_up_to_the_limit(tmp_path: Path) -> None:
    from switchover.scan.reader import read_bytes

    big = tmp_path / "big.txt"
    payload = bytes(range(256)) * 1000  # 256,000 bytes: more than the first 64 KB read
    big.write_bytes(payload)
    assert read_bytes(str(big), 10**6) == payload
    assert read_bytes(str(big), 100_000) == payload[:100_000]
    assert read_bytes(str(big), 10) == payload[:10]
    small = tmp_path / "small.txt"
    small.write_bytes(b"abc")
    assert read_bytes(str(small), 10**6) == b"abc"


def test_worker_entry_point_sends_its_share_once(tmp_path: Path, catalog: Catalog) -> None:
    import gc
    import multiprocessing as mp

    from switchover.scan.parallel import _child

    _tree(tmp_path, 60)
    recv, send = mp.Pipe(duplex=False)
    try:
        _child(Walker(tmp_path), sorted(catalog.known_ids()), Limits(), 0, 1, send)
    finally:
        gc.enable()  # the worker turns the collector off for its hot loop
    keep, unmatched = recv.recv()
    recv.close()
    assert sorted(o.rel for o in keep) == ["blob.json", "pkg0/m0.py", "pkg5/m40.py"]
    assert unmatched == 61 - 3
