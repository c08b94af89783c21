from __future__ import annotations

import os
from pathlib import Path

import pytest

from switchover.scan.gitignore import IgnoreStack, compile_pattern, parse_gitignore
from switchover.scan.walker import Walker, file_kind


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.log", "a/b/x.log", False, True),
        ("*.log", "x.txt", False, False),
        ("/build", "build", True, True),
        ("/build", "src/build", True, False),
        ("docs/*.md", "docs/a.md", False, True),
        ("docs/*.md", "docs/sub/a.md", False, False),
        ("**/cache", "a/b/cache", True, True),
        ("out/**", "out/a/b.py", False, True),
        ("a/**/b", "a/x/y/b", False, True),
        ("tmp/", "tmp", False, False),
        ("tmp/", "tmp", True, True),
        ("file?.py", "file1.py", False, True),
        ("[ab].py", "a.py", False, True),
        ("[!ab].py", "a.py", False, False),
        ("\\#hash", "#hash", False, True),
    ],
)
def test_gitignore_patterns(pattern: str, path: str, is_dir: bool, ignored: bool) -> None:
    stack = IgnoreStack(parse_gitignore(pattern, ""))
    assert stack.ignored(path, is_dir) is ignored


def test_negation_comments_and_blank_lines() -> None:
    stack = IgnoreStack(parse_gitignore("# comment\n\n*.log\n!keep.log\n", ""))
    assert stack.ignored("x.log", False)
    assert not stack.ignored("keep.log", False)
    assert compile_pattern("   ") is None
    assert compile_pattern("!") is None


def test_nested_gitignore_is_relative_to_its_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("/local.py\n")
    stack = IgnoreStack().with_dir(tmp_path / "sub", "sub")
    assert stack.ignored("sub/local.py", False)
    assert not stack.ignored("local.py", False)
    assert not stack.ignored("sub/deeper/local.py", False)


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_walker_honours_gitignore_vendored_and_globs(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "secret/\n*.gen.py\n",
            ".git/info/exclude": "local_only.py\n",
            "app/main.py": "",
            "app/x.gen.py": "",
            "secret/a.py": "",
            "node_modules/pkg/index.js": "",
            "vendor/lib.go": "",
            "local_only.py": "",
            "README.md": "",
            "image.png": "",
            "package-lock.json": "{}",
            "web/page.tsx": "",
        },
    )
    walker = Walker(tmp_path)
    rels = sorted(rel for _, rel, _ in walker)
    assert rels == [
        "README.md",
        "app/main.py",
        "web/page.tsx",
    ]
    assert walker.stats.files_ignored >= 2
    assert walker.stats.dirs_skipped >= 3
    assert sorted(r for _, r, _ in Walker(tmp_path, use_gitignore=False)) == [
        "README.md",
        "app/main.py",
        "app/x.gen.py",
        "local_only.py",
        "secret/a.py",
        "web/page.tsx",
    ]
    assert [r for _, r, _ in Walker(tmp_path, include=["app/**"])] == ["app/main.py"]
    assert "app/main.py" not in [r for _, r, _ in Walker(tmp_path, exclude=["app"])]
    vendored = sorted(r for _, r, _ in Walker(tmp_path, skip_dirs=frozenset({".git"})))
    assert "vendor/lib.go" in vendored


def test_walker_symlink_loop_and_single_file(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/app.py": ""})
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    os.symlink(tmp_path / "missing", tmp_path / "dangling")
    walker = Walker(tmp_path)
    assert [r for _, r, _ in walker] == ["a/app.py"]
    assert walker.stats.symlink_loops == 1
    assert any("loop" in w for w in walker.stats.warnings)
    single = Walker(tmp_path / "a" / "app.py")
    assert [(r, k) for _, r, k in single] == [("app.py", "python")]
    missing = Walker(tmp_path / "nope")
    assert list(missing) == []
    assert missing.stats.warnings


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (".env", "env"),
        (".env.production", "env"),
        ("prod.env", "env"),
        ("Dockerfile", "dockerfile"),
        ("api.Dockerfile", "dockerfile"),
        ("CHANGELOG", "text"),
        ("main.tf", "terraform"),
        ("main.bicep", "bicep"),
        ("x.min.js", None),
        ("switchover.toml", None),
        ("yarn.lock", None),
        ("a.ipynb", "notebook"),
        ("Program.cs", "csharp"),
        ("history.py", "python"),  # only extension-less CHANGELOG/NEWS/... names are docs
        ("news_feed.ts", "typescript"),
        ("NEWS", "text"),
        ("README.md", "text"),
        ("Makefile", None),
        ("package-lock.json", None),
        ("a_pb2.py", None),
    ],
)
def test_file_kind(name: str, kind: str | None) -> None:
    assert file_kind(name) == kind


def test_combined_regex_agrees_with_rule_by_rule_matching() -> None:
    rules = parse_gitignore("*.log\nbuild/\n/dist\ndocs/**/*.tmp\na?c\n[ab]x.py\n", "") + (
        parse_gitignore("secret.env\ncache/\n", "pkg/sub")
    )
    fast = IgnoreStack(rules)
    slow = IgnoreStack(rules)
    slow._any = None  # force the rule-by-rule path
    paths = [
        "x.log", "a/b/x.log", "build", "a/build", "dist", "a/dist", "docs/a/b/c.tmp", "abc",
        "a/abc", "ax.py", "cx.py", "pkg/sub/secret.env", "pkg/secret.env", "pkg/sub/cache",
        "pkg/sub/deep/cache", "cache", "keep.py",
    ]  # fmt: skip
    for path in paths:
        for is_dir in (False, True):
            assert fast.ignored(path, is_dir) == slow.ignored(path, is_dir), (path, is_dir)
    assert fast.ignored("a/b/x.log", False)
    assert not fast.ignored("build", False)
    assert fast.ignored("pkg/sub/deep/cache", True)
    assert not fast.ignored("cache", True)
    with_negation = IgnoreStack(parse_gitignore("*.log\n!keep.log\n", ""))
    assert with_negation._any is None
    assert not with_negation.ignored("keep.log", False)
