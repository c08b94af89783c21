"""``make demo``: the offline walk-through. Grows as capabilities land."""

from __future__ import annotations

from rich.console import Console
from rich.rule import Rule

from switchover._version import __version__


def main() -> None:
    console = Console()
    console.print(Rule(f"switchover {__version__} demo (offline, simulator only)"))


if __name__ == "__main__":
    main()
