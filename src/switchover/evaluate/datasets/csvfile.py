"""CSV datasets with templated prompts.

The prompt comes from a ``template`` (or ``prompt``) column, or from ``--template`` for every
row; ``{name}`` placeholders are filled from the row's other columns (other braces, such as
JSON in the prompt, are left alone). Optional columns: ``id``, ``system``, ``model``,
``call_site``, ``tags`` (``;``-separated), ``weight``, ``response`` (a recorded baseline
answer), ``expected`` (the answer must contain it: a ``contains`` assertion).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from switchover.chat import ChatRequest, Message
from switchover.errors import InputError
from switchover.evaluate.datasets.responses import decode_recorded_response
from switchover.evaluate.datasets.rows import build_case
from switchover.evaluate.results import Case

__all__ = ["RESERVED", "cases_from_csv", "fill_template"]

RESERVED = frozenset(
    {
        "id",
        "template",
        "prompt",
        "system",
        "model",
        "call_site",
        "tags",
        "weight",
        "response",
        "expected",
    }
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill_template(template: str, values: dict[str, str], *, path: str, line: int) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            raise InputError(
                f"the template uses {{{name}}} but the row has no such column",
                path=path,
                line=line,
                field=name,
                hint="Columns: " + ", ".join(sorted(values)) if values else None,
            )
        return values[name]

    return _PLACEHOLDER.sub(sub, template)


def cases_from_csv(
    p: Path, *, template: str | None, default_model: str | None, system: str | None
) -> list[Case]:
    path = str(p)
    try:
        fh = p.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot read the dataset: {exc.strerror}", path=path) from None
    cases: list[Case] = []
    with fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise InputError("the CSV file has no header row", path=path, line=1)
        cols = [c.strip() for c in reader.fieldnames]
        if template is None and "template" not in cols and "prompt" not in cols:
            raise InputError(
                "no prompt: the CSV has no 'template' or 'prompt' column",
                path=path,
                line=1,
                hint="Add a template column, or pass --template 'text with {column} placeholders'.",
            )
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise InputError(
                        f"{len(cols) + len(row[None])} values for {len(cols)} columns",
                        path=path,
                        line=line,
                    )
                values = {k.strip(): (v or "") for k, v in row.items()}
                if not any(values.values()):
                    continue
                tmpl = values.get("template") or values.get("prompt") or template
                if not tmpl:
                    raise InputError("empty prompt", path=path, line=line, field="template")
                variables = {k: v for k, v in values.items() if k not in RESERVED}
                text = fill_template(tmpl, variables, path=path, line=line)
                model = values.get("model") or default_model or ""
                messages = []
                sys_text = values.get("system") or system
                if sys_text:
                    messages.append(
                        Message.system(fill_template(sys_text, variables, path=path, line=line))
                    )
                messages.append(Message.user(text))
                weight: float | None = None
                if values.get("weight"):
                    try:
                        weight = float(values["weight"])
                    except ValueError:
                        raise InputError(
                            f"not a number: {values['weight']!r}",
                            path=path,
                            line=line,
                            field="weight",
                        ) from None
                baseline = None
                if values.get("response"):
                    baseline = decode_recorded_response(
                        values["response"], path=path, line=line, field="response", model=model
                    )
                expected = values.get("expected")
                cases.append(
                    build_case(
                        case_id=values.get("id") or f"{p.stem}:{line}",
                        request=ChatRequest(model=model, messages=messages),
                        path=path,
                        line=line,
                        api="csv",
                        call_site=values.get("call_site") or None,
                        tags=values.get("tags") or None,
                        weight=weight,
                        assertions=[{"type": "contains", "value": expected}] if expected else None,
                        baseline=baseline,
                        metadata={"variables": variables} if variables else None,
                    )
                )
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", path=path, line=reader.line_num) from None
    return cases
