"""Walk a tree: .gitignore, include/exclude globs, vendored and generated folders, symlink loops."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from switchover.scan.gitignore import IgnoreStack, compile_pattern, parse_gitignore

__all__ = ["DEFAULT_SKIP_DIRS", "WalkStats", "Walker", "file_kind"]

DEFAULT_SKIP_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "vendor",
        "third_party",
        ".venv",
        "venv",
        "dist",
        "build",
        "target",
        "out",
        ".next",
        ".nuxt",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".terraform",
        "bin",
        "obj",
        "coverage",
        "generated",
        "__generated__",
        ".idea",
        ".vscode",
    }
)
_LOCKFILES = frozenset(
    {
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "uv.lock",
        "Cargo.lock",
        "go.sum",
        "composer.lock",
        "Pipfile.lock",
    }
)
_EXT_KIND = {
    ".py": "python",
    ".pyi": "python",
    ".ipynb": "notebook",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".kt": "text",
    ".cs": "csharp",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".tf": "terraform",
    ".tfvars": "terraform",
    ".hcl": "terraform",
    ".bicep": "bicep",
    ".md": "text",
    ".mdx": "text",
    ".rst": "text",
    ".txt": "text",
    ".ini": "text",
    ".cfg": "text",
    ".conf": "text",
    ".properties": "text",
}
_GENERATED_SUFFIXES = (".min.js", ".min.css", ".pb.go", "_pb2.py", ".generated.cs", ".g.cs")


_TEXT_NAMES = ("changelog", "changes", "history", "news", "readme")
# Names that need more than their extension to classify (checked case-insensitively).
_SPECIAL = re.compile(
    r"^(?:\.env|dockerfile|containerfile)|\.env$|\.dockerfile$|^switchover\.toml$|"
    + "|".join(re.escape(s) + "$" for s in _GENERATED_SUFFIXES)
    + "|^(?:"
    + "|".join(re.escape(n) for n in sorted(_LOCKFILES))
    + ")$",
    re.IGNORECASE,
)


def file_kind(name: str) -> str | None:
    """The reader for a file name, or None when scan does not read that kind of file."""
    if _SPECIAL.search(name) is None:  # the common case: the extension decides
        dot = name.rfind(".")
        if dot > 0:
            return _EXT_KIND.get(name[dot:].lower())
        # CHANGELOG, README, NEWS ... without an extension are documentation.
        return "text" if name.lower().startswith(_TEXT_NAMES) else None
    if name in _LOCKFILES or name == "switchover.toml" or name.endswith(_GENERATED_SUFFIXES):
        return None  # lock files, generated code and switchover's own plan are not usage
    if name.startswith(".env") or name.endswith(".env"):
        return "env"
    low = name.lower()
    if low.startswith(("dockerfile", "containerfile")) or low.endswith(".dockerfile"):
        return "dockerfile"
    _, ext = os.path.splitext(low)
    return _EXT_KIND.get(ext)


@dataclass(slots=True)
class WalkStats:
    files_seen: int = 0
    files_ignored: int = 0
    dirs_skipped: int = 0
    symlink_loops: int = 0
    warnings: list[str] = field(default_factory=list)


class Walker:
    """Yields ``(absolute path, relative path, kind)`` for every file scan should read."""

    def __init__(
        self,
        root: Path,
        *,
        include: list[str] | None = None,
        exclude: list[str] | None = None,
        use_gitignore: bool = True,
        skip_dirs: frozenset[str] = DEFAULT_SKIP_DIRS,
    ) -> None:
        self.root = root
        self.use_gitignore = use_gitignore
        self.skip_dirs = skip_dirs
        self.include = [_glob(p) for p in include or []]
        self.exclude = [_glob(p) for p in exclude or []]
        self.stats = WalkStats()

    def fresh(self) -> Walker:
        """A walker over the same tree with the same rules and empty statistics."""
        clone = Walker(self.root, use_gitignore=self.use_gitignore, skip_dirs=self.skip_dirs)
        clone.include, clone.exclude = self.include, self.exclude
        return clone

    def _excluded(self, rel: str, is_dir: bool) -> bool:
        if any(rx.match(rel) for rx in self.exclude):
            return True
        if is_dir or not self.include:
            return False
        return not any(rx.match(rel) for rx in self.include)

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        root = self.root
        if root.is_file():
            kind = file_kind(root.name)
            self.stats.files_seen += 1
            if kind is not None:
                yield str(root), root.name, kind
            return
        seen_dirs: set[tuple[int, int]] = set()
        try:
            st = root.stat()
        except OSError as exc:
            self.stats.warnings.append(f"{root}: cannot read ({exc.strerror})")
            return
        seen_dirs.add((st.st_dev, st.st_ino))
        base = IgnoreStack()
        if self.use_gitignore:
            base = _with_git_excludes(root, base)
        stack: list[tuple[str, str, IgnoreStack]] = [(str(root), "", base)]
        stats = self.stats
        filtered = bool(self.include or self.exclude)
        use_gitignore = self.use_gitignore
        while stack:
            directory, rel_dir, ignores = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = list(it)
            except OSError as exc:
                stats.warnings.append(f"{rel_dir or '.'}: cannot list ({exc.strerror})")
                continue
            if use_gitignore and any(e.name == ".gitignore" for e in entries):
                ignores = ignores.with_dir(Path(directory), rel_dir)
            check_ignores = use_gitignore and bool(ignores.rules)
            prefix = rel_dir + "/" if rel_dir else ""
            subdirs: list[tuple[str, str, IgnoreStack]] = []
            seen = 0
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()  # d_type: no stat unless the entry is a symlink
                except OSError:
                    continue
                if is_dir:
                    rel = prefix + name
                    if self._skip_dir(entry, rel, ignores, seen_dirs):
                        continue
                    subdirs.append((entry.path, rel, ignores))
                    continue
                seen += 1
                kind = file_kind(name)
                if kind is None:
                    continue
                rel = prefix + name
                if filtered and self._excluded(rel, False):
                    continue
                if check_ignores and ignores.ignored(rel, False):
                    stats.files_ignored += 1
                    continue
                yield entry.path, rel, kind
            stats.files_seen += seen
            stack.extend(reversed(subdirs))

    def _skip_dir(
        self, entry: os.DirEntry[str], rel: str, ignores: IgnoreStack, seen: set[tuple[int, int]]
    ) -> bool:
        """Whether not to descend into a directory (skipped, ignored, excluded, a loop)."""
        if entry.name in self.skip_dirs or self._excluded(rel, True):
            self.stats.dirs_skipped += 1
            return True
        if self.use_gitignore and ignores.ignored(rel, True):
            self.stats.dirs_skipped += 1
            return True
        try:
            dst = entry.stat()
        except OSError:
            self.stats.warnings.append(f"{rel}: broken symlink")
            return True
        key = (dst.st_dev, dst.st_ino)
        if key in seen:
            if entry.is_symlink():
                self.stats.symlink_loops += 1
                self.stats.warnings.append(f"{rel}: symlink loop or repeat, skipped")
            return True
        seen.add(key)
        return False


def _glob(pattern: str) -> re.Pattern[str]:
    compiled = compile_pattern(pattern)
    if compiled is None:
        return re.compile(r"(?!)")
    regex = compiled[0]
    # A glob naming a directory also covers everything below it.
    return re.compile(regex.pattern.rstrip("$") + "(?:/.*)?$")


def _with_git_excludes(root: Path, stack: IgnoreStack) -> IgnoreStack:
    info = root / ".git" / "info"
    if (info / "exclude").is_file():
        # Rules in info/exclude behave like a root .gitignore.
        text = (info / "exclude").read_text(encoding="utf-8", errors="replace")
        return IgnoreStack(stack.rules + parse_gitignore(text, ""))
    return stack
