"""Generated JSON validates against the schema it was generated from."""

from __future__ import annotations

import random
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from switchover.chat import Tool
from switchover.providers.sim.jsongen import choose_tools, generate_value
from switchover.providers.sim.textgen import extract_facts

FACTS = extract_facts(
    "Order A1234 for jane@example.com on 2026-11-20: 3 items, ticket 55512, 'blue widget'."
)
CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def _valid(schema: dict[str, Any], value: Any) -> None:
    jsonschema.Draft202012Validator(schema, format_checker=CHECKER).validate(value)


_scalars = st.one_of(
    st.just({"type": "string"}),
    st.builds(
        lambda lo, span: {"type": "integer", "minimum": lo, "maximum": lo + span},
        st.integers(-100, 100),
        st.integers(0, 50),
    ),
    st.builds(
        lambda lo, span: {
            "type": "number",
            "exclusiveMinimum": lo,
            "exclusiveMaximum": lo + span + 1,
        },
        st.integers(-100, 100),
        st.integers(0, 50),
    ),
    st.just({"type": "number"}),
    st.just({"type": "integer", "exclusiveMinimum": 0}),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=4, unique=True).map(
        lambda xs: {"enum": xs}
    ),
    st.sampled_from(["date", "date-time", "email", "uuid", "uri"]).map(
        lambda f: {"type": "string", "format": f}
    ),
    st.builds(
        lambda lo, extra: {"type": "string", "minLength": lo, "maxLength": lo + extra},
        st.integers(0, 10),
        st.integers(0, 10),
    ),
    st.just({"type": ["string", "null"]}),
    st.just({"const": "fixed"}),
)
_names = st.sampled_from(
    [
        "id",
        "order_id",
        "email",
        "date",
        "name",
        "summary",
        "tags",
        "quantity",
        "score",
        "status",
        "url",
        "language",
        "query",
        "x",
        "created_at",
        "keywords",
        "confidence",
    ]
)


def _object(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def build(props: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        required = st.lists(st.sampled_from(sorted(props)), unique=True) if props else st.just([])
        return required.map(
            lambda req: {
                "type": "object",
                "properties": props,
                "required": req,
                "additionalProperties": False,
            }
        )

    return st.dictionaries(_names, children, max_size=5).flatmap(build)


_schemas = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.builds(
            lambda items, lo: {"type": "array", "items": items, "minItems": lo, "maxItems": lo + 3},
            children,
            st.integers(0, 3),
        ),
        _object(children),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"anyOf": xs}),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"oneOf": xs[:1]}),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(schema=_schemas, seed=st.integers(0, 2**32))
def test_generated_values_validate(schema: dict[str, Any], seed: int) -> None:
    _valid(schema, generate_value(schema, FACTS, random.Random(seed)))


def test_values_are_drawn_from_the_prompt() -> None:
    schema = {
        "type": "object",
        "properties": {
            "order_id": {"type": "string", "pattern": "^A\\d{4}$"},
            "email": {"type": "string", "format": "email"},
            "date": {"type": "string", "format": "date"},
            "quantity": {"type": "integer", "minimum": 1},
            "ticket_number": {"type": "string"},
            "product": {"type": "string"},
            "tags": {
                "type": "array",
                "items": {"type": "string"},
                "uniqueItems": True,
                "maxItems": 2,
            },
        },
        "required": ["order_id", "email", "date", "quantity", "ticket_number", "product", "tags"],
    }
    value = generate_value(schema, FACTS, random.Random(0))
    _valid(schema, value)
    assert value["order_id"] == "A1234"
    assert value["email"] == "jane@example.com"
    assert value["date"] == "2026-11-20"
    assert value["quantity"] == 3
    assert value["ticket_number"] == "55512"
    assert value["product"] == "blue widget"
    assert len(value["tags"]) == 2


def test_allof_refs_and_definitions() -> None:
    schema = {
        "definitions": {
            "money": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number", "minimum": 0},
                    "currency": {"const": "EUR"},
                },
                "required": ["amount", "currency"],
            }
        },
        "allOf": [
            {
                "type": "object",
                "properties": {"total": {"$ref": "#/definitions/money"}},
                "required": ["total"],
            },
            {
                "properties": {
                    "items": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
                },
                "required": ["items"],
            },
        ],
    }
    value = generate_value(schema, FACTS, random.Random(1))
    _valid(schema, value)
    assert value["total"]["currency"] == "EUR"
    assert generate_value({"$ref": "http://elsewhere/x"}, FACTS, random.Random(0)) == "blue widget"


def test_deep_nesting_is_bounded() -> None:
    schema: dict[str, Any] = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"child": {"$ref": "#/$defs/node"}},
                "required": ["child"],
            }
        },
        "$ref": "#/$defs/node",
    }
    value = generate_value(schema, FACTS, random.Random(0))
    depth = 0
    while isinstance(value, dict) and value:
        value = value["child"]
        depth += 1
    assert 5 <= depth <= 10


def test_choose_tools_by_overlap() -> None:
    tools = [
        Tool(name="cancel_subscription", description="Cancel a plan"),
        Tool(name="lookupWeather", description="Current weather for a city"),
    ]
    assert (
        choose_tools(tools, extract_facts("What is the weather in Paris?"), forced=False)
        == tools[1]
    )
    assert (
        choose_tools(tools, extract_facts("Please cancel my subscription"), forced=False)
        == tools[0]
    )
    assert choose_tools(tools, extract_facts("Tell me a joke"), forced=False) is None
    assert choose_tools(tools, extract_facts("Tell me a joke"), forced=True) == tools[0]
    assert choose_tools([], extract_facts("x"), forced=True) is None
