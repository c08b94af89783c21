"""Read the walked files on every core: each process walks the tree and reads its own share.

Walking costs a few microseconds per file, less than sending each path to a worker, so every
process (the main one included) walks the whole tree itself and reads only the files whose
path hashes to its share (``crc32(rel) % jobs``): no per-file messages, both cores busy from
the first file, and workers send back only the files that passed the prefilter.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import zlib
from collections.abc import Iterable, Iterator
from itertools import islice
from multiprocessing.connection import Connection

from switchover.scan.literals import ModelMatcher
from switchover.scan.reader import FileOutcome, Limits, parse_file, prefiltered, unreadable
from switchover.scan.walker import Walker

__all__ = ["SERIAL_BELOW", "read_tree"]

SERIAL_BELOW = 400  # trees with fewer files to read are scanned in-process
_BATCH = 256
_Item = tuple[str, str, str]
Batch = tuple[list[FileOutcome], int]  # outcomes of matched/skipped files, unmatched count


def read_items(items: Iterable[_Item], matcher: ModelMatcher, limits: Limits) -> Batch:
    """Outcomes worth keeping (files that passed the prefilter or failed) and the unmatched count."""
    keep: list[FileOutcome] = []
    unmatched = 0
    for path, rel, kind in items:
        # Hot loop: most files are read and rejected without allocating anything but the bytes.
        try:
            data = prefiltered(path, matcher, limits)
        except OSError as exc:
            keep.append(unreadable(rel, exc))
            continue
        if data is None:
            unmatched += 1
        else:
            keep.append(parse_file(data, rel, kind, matcher, limits))
    return keep, unmatched


def _share(items: Iterable[_Item], share: int, jobs: int) -> Iterator[_Item]:
    crc = zlib.crc32
    for item in items:
        if crc(item[1].encode()) % jobs == share:
            yield item


def _batches(items: Iterator[_Item], matcher: ModelMatcher, limits: Limits) -> Iterator[Batch]:
    while chunk := list(islice(items, _BATCH)):
        yield read_items(chunk, matcher, limits)


def _child(
    walker: Walker, known: list[str], limits: Limits, share: int, jobs: int, conn: Connection
) -> None:
    """Worker process: walk, read this share, send everything back in one message."""
    gc.disable()  # the hot loop makes no reference cycles
    matcher = ModelMatcher(known)
    keep, unmatched = read_items(_share(iter(walker), share, jobs), matcher, limits)
    conn.send((keep, unmatched))
    conn.close()


def read_tree(walker: Walker, known: list[str], limits: Limits, jobs: int) -> Iterator[Batch]:
    """Batches of outcomes for every file ``walker`` yields (its stats are the tree's)."""
    matcher = ModelMatcher(known)
    items = iter(walker)
    head = list(islice(items, SERIAL_BELOW))
    if jobs <= 1 or len(head) < SERIAL_BELOW:
        yield from _batches(_chain(head, items), matcher, limits)
        return
    fork = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork") if fork else mp.get_context("spawn")
    children: list[tuple[int, mp.process.BaseProcess, Connection]] = []
    # Objects that exist before the fork are never collected in the workers: keeping the
    # collector off them spares copying the parent's heap page by page (copy-on-write).
    gc.freeze()
    try:
        for share in range(1, jobs):
            recv, send = ctx.Pipe(duplex=False)
            child = ctx.Process(
                target=_child,
                args=(walker.fresh(), known, limits, share, jobs, send),
                daemon=True,
            )
            child.start()
            send.close()
            children.append((share, child, recv))
        yield from _batches(_share(_chain(head, items), 0, jobs), matcher, limits)
        for share, proc, recv in children:
            try:
                batch: Batch = recv.recv()
            except (EOFError, OSError):
                # The worker died (killed, out of memory): read its share here instead.
                batch = read_items(_share(iter(walker.fresh()), share, jobs), matcher, limits)
            finally:
                recv.close()
            proc.join()
            yield batch
    finally:
        for _share_no, proc, _recv in children:
            if proc.is_alive():
                proc.terminate()
                proc.join()
        gc.unfreeze()


def _chain(head: list[_Item], rest: Iterable[_Item]) -> Iterator[_Item]:
    yield from head
    yield from rest
