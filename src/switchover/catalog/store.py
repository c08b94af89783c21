"""Installed catalog updates: validated, written atomically, reversible.

Layout of the user data dir (``$SWITCHOVER_HOME/catalog``, else
``$XDG_DATA_HOME/switchover/catalog``, else ``~/.local/share/switchover/catalog``)::

    state.json            {"current": {...} | null, "previous": {...} | null}
    models-<sha12>.csv    one file per installed version (canonical CSV)

A data file is written first (temp file + ``os.replace``), then ``state.json`` the same way.
Until ``state.json`` is replaced the old state - and so the old data - stays in force, so an
interrupted update changes nothing. Rollback swaps ``current`` and ``previous``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from switchover.catalog.model import ModelEntry
from switchover.catalog.rows import entries_to_csv, parse_data_text, read_data_file
from switchover.errors import EXIT_ERROR, CatalogError

if TYPE_CHECKING:
    import httpx

__all__ = ["InstalledVersion", "UpdateStore", "data_dir", "read_update_source"]


def data_dir() -> Path:
    """Where installed catalog updates live."""
    home = os.environ.get("SWITCHOVER_HOME")
    if home:
        return Path(home).expanduser() / "catalog"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "switchover" / "catalog"


@dataclass(frozen=True, slots=True)
class InstalledVersion:
    file: str
    source: str
    installed_at: str
    rows: int
    sha256: str


def read_update_source(
    source: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 30.0
) -> list[ModelEntry]:
    """Fetch (URL) or read (file) an update and validate every row."""
    if source.startswith(("http://", "https://")):
        import httpx  # only updates from a URL need it; keeps `import switchover` light

        try:
            with httpx.Client(
                transport=transport, timeout=timeout, follow_redirects=True
            ) as client:
                response = client.get(source)
        except httpx.HTTPError as exc:
            error = CatalogError(
                f"could not fetch the update: {exc}",
                path=source,
                hint="Check the URL and the network, then retry.",
            )
            error.exit_code = EXIT_ERROR  # the network, not the input, failed
            raise error from None
        if response.status_code != 200:
            error = CatalogError(
                f"could not fetch the update: HTTP {response.status_code}",
                path=source,
                hint="Check the URL." if response.status_code < 500 else "Retry later.",
            )
            if response.status_code >= 500:
                error.exit_code = EXIT_ERROR
            raise error
        label = source
        if "json" in response.headers.get("content-type", "") and not source.endswith(
            (".json", ".jsonl", ".ndjson")
        ):
            label = source + "#.json"
        entries = parse_data_text(response.text, path=label)
    else:
        path = Path(source).expanduser()
        if path.is_dir():
            raise CatalogError(
                "is a directory, not an update file",
                path=source,
                hint="Pass a CSV or JSON file, or a URL.",
            )
        if not path.is_file():
            raise CatalogError(
                "update file not found", path=source, hint="Pass a CSV or JSON file, or a URL."
            )
        entries = read_data_file(path)
    if not entries:
        raise CatalogError("the update has no rows", path=source)
    return entries


class UpdateStore:
    """The installed-update state in one directory. ``replace`` is injectable for tests."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        replace: Callable[[Path, Path], None] = os.replace,
    ) -> None:
        self.root = root if root is not None else data_dir()
        self._replace = replace

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def _read_state(self) -> dict[str, InstalledVersion | None]:
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"current": None, "previous": None}
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CatalogError(
                f"installed catalog state is unreadable: {exc}",
                path=str(self.state_path),
                hint="Delete the file to go back to the shipped catalog.",
            ) from None
        out: dict[str, InstalledVersion | None] = {}
        for slot in ("current", "previous"):
            item: Any = raw.get(slot) if isinstance(raw, dict) else None
            try:
                out[slot] = InstalledVersion(**item) if item else None
            except TypeError:
                raise CatalogError(
                    "installed catalog state is malformed",
                    path=str(self.state_path),
                    field=slot,
                    hint="Delete the file to go back to the shipped catalog.",
                ) from None
        return out

    def current(self) -> InstalledVersion | None:
        return self._read_state()["current"]

    def previous(self) -> InstalledVersion | None:
        return self._read_state()["previous"]

    def current_path(self) -> Path | None:
        cur = self.current()
        return self.root / cur.file if cur else None

    def stamp(self) -> tuple[int, int] | None:
        """Changes whenever the state changes (cache key)."""
        try:
            st = self.state_path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _write_atomic(self, path: Path, text: str) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            self._replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _write_state(self, current: InstalledVersion | None, prev: InstalledVersion | None) -> None:
        data = {
            "version": 1,
            "current": asdict(current) if current else None,
            "previous": asdict(prev) if prev else None,
        }
        self._write_atomic(self.state_path, json.dumps(data, indent=2) + "\n")

    def _cleanup(self) -> None:
        state = self._read_state()
        keep = {v.file for v in state.values() if v is not None}
        for path in self.root.glob("models-*.csv"):
            if path.name not in keep:
                path.unlink()

    def install(self, entries: list[ModelEntry], *, source: str) -> InstalledVersion:
        """Install validated rows as the current update; the old one becomes previous."""
        state = self._read_state()
        text = entries_to_csv(entries)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        version = InstalledVersion(
            file=f"models-{digest[:12]}.csv",
            source=source,
            installed_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            rows=len(entries),
            sha256=digest,
        )
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / version.file
        if not target.exists():
            self._write_atomic(target, text)
        self._write_state(version, state["current"])
        self._cleanup()
        return version

    def rollback(self) -> tuple[InstalledVersion | None, InstalledVersion | None]:
        """Swap current and previous. Returns (now current, now previous)."""
        state = self._read_state()
        cur, prev = state["current"], state["previous"]
        if cur is None and prev is None:
            raise CatalogError(
                "nothing to roll back: the shipped catalog is in use and no update was installed",
                path=str(self.state_path),
                hint="Install one with: switchover catalog update --from FILE_OR_URL",
            )
        self._write_state(prev, cur)
        return prev, cur

    def load_current(self) -> list[ModelEntry]:
        path = self.current_path()
        if path is None:
            return []
        if not path.is_file():
            raise CatalogError(
                "installed catalog update is missing its data file",
                path=str(path),
                hint="Run: switchover catalog rollback",
            )
        return read_data_file(path)
