"""JUnit XML for CI: one testcase per metric, and one per case with a regression."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from switchover.evaluate.results import EvalReport
from switchover.evaluate.verdict import format_amount

__all__ = ["render_junit"]


def render_junit(report: EvalReport) -> str:
    """NO-GO metrics and regressed cases are failures; inconclusive gated metrics are
    skipped (with the reason); informational metrics always pass."""
    suites = ET.Element("testsuites", name="switchover eval", verdict=report.verdict)
    for c in report.comparisons:
        cases = [cr for cr in report.cases if cr.candidate == c.candidate]
        suite = ET.SubElement(
            suites, "testsuite", name=f"{report.meta.baseline_model} -> {c.candidate_model}"
        )
        failures = skipped = tests = 0
        for m in c.metrics:
            if m.n_observations == 0:
                continue
            tests += 1
            tc = ET.SubElement(
                suite, "testcase", classname=f"switchover.metrics.{c.candidate}", name=m.name
            )
            summary = (
                f"{m.name}: baseline {format_amount(m.name, m.kind, m.baseline_mean, signed=False)}, "
                f"candidate {format_amount(m.name, m.kind, m.candidate_mean, signed=False)}, "
                f"difference {format_amount(m.name, m.kind, m.diff)} "
                f"[{format_amount(m.name, m.kind, m.ci_low)}, {format_amount(m.name, m.kind, m.ci_high)}]"
            )
            if m.gate and m.verdict == "NO-GO":
                failures += 1
                f = ET.SubElement(tc, "failure", message=m.reason, type="NO-GO")
                f.text = summary
            elif m.gate and m.verdict == "INCONCLUSIVE":
                skipped += 1
                ET.SubElement(tc, "skipped", message=f"INCONCLUSIVE: {m.reason}")
            ET.SubElement(tc, "system-out").text = f"{summary}\n{m.verdict}: {m.reason}"
        for cr in cases:
            if not cr.regressions:
                continue
            tests += 1
            failures += 1
            tc = ET.SubElement(
                suite, "testcase", classname=f"switchover.cases.{c.candidate}", name=cr.case_id
            )
            out = cr.candidate_outputs[0] if cr.candidate_outputs else None
            details = []
            for name in cr.regressions:
                r = out.checks.get(name) if out else None
                details.append(f"{name}: {r.detail if r is not None else 'worse'}")
            f = ET.SubElement(
                tc, "failure", message="regressed: " + ", ".join(cr.regressions), type="regression"
            )
            f.text = "\n".join(details)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
