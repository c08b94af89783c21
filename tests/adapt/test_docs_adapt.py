"""docs/adapt.md embeds the generated rule table; keep them in sync."""

from __future__ import annotations

from pathlib import Path

from switchover.catalog.rules import get_rules, rules_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "adapt.md"


def test_rule_table_in_docs_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    begin, end = "<!-- rules-table:begin -->\n", "<!-- rules-table:end -->"
    embedded = text[text.index(begin) + len(begin) : text.index(end)]
    assert embedded == rules_table(), (
        "docs/adapt.md is stale: replace the table with switchover.catalog.rules.rules_table()"
    )
    for rule in get_rules().rules:
        assert f"`{rule.id}`" in embedded
