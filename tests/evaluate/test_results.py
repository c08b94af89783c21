"""The results model: validation, helpers, JSON schema and round-trips."""

from __future__ import annotations

import json

import jsonschema
import pytest
from pydantic import ValidationError

from switchover.chat import ChatRequest, Message
from switchover.evaluate.results import (
    SCHEMA_VERSION,
    ArmOutput,
    Assertion,
    Case,
    CheckResult,
    ErrorInfo,
    EvalReport,
)
from switchover.evaluate.synthetic import synthetic_report

REQ = ChatRequest(model="m", messages=[Message.user("hi")])


def test_case_validation() -> None:
    with pytest.raises(ValidationError, match="must not be empty"):
        Case(id=" ", request=REQ)
    with pytest.raises(ValidationError, match="greater than 0"):
        Case(id="a", request=REQ, weight=0)
    with pytest.raises(ValidationError, match="Extra inputs"):
        Case(id="a", request=REQ, bogus=1)  # type: ignore[call-arg]


def test_check_result_numeric() -> None:
    assert CheckResult(name="a", kind="pass", passed=True).numeric == 1.0
    assert CheckResult(name="a", kind="pass", passed=False).numeric == 0.0
    assert CheckResult(name="a", kind="pass").numeric is None
    assert CheckResult(name="a", kind="score", score=0.3).numeric == 0.3
    assert CheckResult(name="a", kind="value", value=2.5).numeric == 2.5
    assert CheckResult(name="a", kind="value", value=2.5, applicable=False).numeric is None


def test_arm_output_ok_and_assertion_label() -> None:
    assert not ArmOutput(arm="b", model="m").ok
    assert not ArmOutput(arm="b", model="m", error=ErrorInfo(type="X", message="y")).ok
    assert Assertion(type="contains", value="x").label == "contains"
    assert Assertion(type="json_path", path="$.a").label == "json_path:$.a"
    assert Assertion(type="python", function="m:f", name="custom").label == "custom"


def test_report_json_round_trip_and_schema_validation() -> None:
    report = synthetic_report(30, seed=1, n_resamples=500)
    data = json.loads(report.model_dump_json())
    assert data["schema_version"] == SCHEMA_VERSION
    schema = EvalReport.json_schema()
    assert schema["$id"].endswith(SCHEMA_VERSION)
    jsonschema.validate(data, schema)
    again = EvalReport.model_validate(data)
    assert again == report
