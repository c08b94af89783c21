from __future__ import annotations

import textwrap

from switchover.scan.extract_python import extract_python
from switchover.scan.facts import Expr, FileFacts, RawSite
from switchover.scan.literals import ModelMatcher
from switchover.scan.resolver import Index, resolve_site


def _index(matcher: ModelMatcher, files: dict[str, str], **kw: dict[str, str]) -> Index:
    index = Index(**kw)
    for rel, code in files.items():
        index.add(extract_python(rel, textwrap.dedent(code), matcher))
    return index


def _values(index: Index, path: str, expr: Expr) -> tuple[str, list[str]]:
    res = index.resolve(expr, index.by_path[path])
    return res.kind, [v for v, _ in res.values]


def test_module_attribute_relative_and_self(matcher: ModelMatcher) -> None:
    index = _index(
        matcher,
        {
            "src/app/config.py": 'MODEL = "gpt-4o"\nALIAS = MODEL\n',
            "src/app/svc/use.py": "from app import config\nfrom ..config import ALIAS\n",
            "src/app/svc/cls.py": 'class A:\n    def __init__(self):\n        self.model = "o3-mini"\n',
        },
    )
    assert _values(index, "src/app/svc/use.py", Expr("config.MODEL", ref="config.MODEL")) == (
        "constant",
        ["gpt-4o"],
    )
    kind, values = _values(index, "src/app/svc/use.py", Expr("ALIAS", ref="ALIAS"))
    assert (kind, values) == ("constant", ["gpt-4o"])
    assert _values(index, "src/app/svc/cls.py", Expr("self.model", ref="self.model"))[1] == [
        "o3-mini"
    ]


def test_cycles_defaults_and_ambiguity(matcher: ModelMatcher) -> None:
    index = _index(
        matcher,
        {"a.py": "A = B\nB = A\n", "b.py": 'X = "gpt-4o"\n', "c.py": 'X = "o3"\n'},
    )
    assert index.resolve(Expr("A", ref="A"), index.by_path["a.py"]).kind == "unresolved"
    res = index.resolve(
        Expr("Y", ref="Y", default=Expr('"gpt-4.1"', literal="gpt-4.1")), index.by_path["a.py"]
    )
    assert res.values[0][0] == "gpt-4.1"
    assert not res.confident
    # X is defined differently in two files: never guessed.
    assert (
        index.resolve(Expr("X", ref="X"), FileFacts(path="d.py", language="python")).kind
        == "unresolved"
    )
    assert index.resolve(Expr("MODEL", env="MISSING"), index.by_path["a.py"]).kind == "unresolved"


def test_deployments_from_mapping(matcher: ModelMatcher) -> None:
    index = _index(matcher, {"a.py": ""}, azure_deployments={"chat": "gpt-4o 2024-11-20"})
    site = RawSite(
        "a.py", 1, 1, "", "call", "call_argument", Expr('"chat"', literal="chat"), deployment=True
    )
    res = resolve_site(index, site)
    assert res.kind == "deployment"
    assert res.values[0][0] == "gpt-4o 2024-11-20"
    assert "switchover.toml" in res.values[0][1][-1]
    other = RawSite(
        "b.py", 1, 1, "", "call", "call_argument", Expr('"x"', literal="x"), deployment=True
    )
    miss = resolve_site(index, other)
    assert miss.values[0][0] == "x"
    assert not miss.confident
