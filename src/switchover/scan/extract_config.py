"""Configuration files: .env, YAML (k8s, compose), JSON (ARM), TOML, Terraform, Bicep, Dockerfile, text."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import yaml

from switchover.scan.common import PRICE_HINT, is_test_path, suppression
from switchover.scan.facts import Deployment, EnvValue, Expr, FileFacts, RawSite
from switchover.scan.literals import ModelMatcher

__all__ = ["ConfigParseError", "extract_config"]


class ConfigParseError(ValueError):
    """A configuration file could not be parsed (reported as a warning, never raised to users)."""


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
_DOCKER_ENV = re.compile(r"^\s*(ENV|ARG)\s+(.+)$", re.IGNORECASE)
_QUOTED = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'([^'\n]*)'")
_KEY_BEFORE = re.compile(r"[\"']?([\w.\-]+)[\"']?\s*[:=]\s*$")


class _Config:
    def __init__(self, rel: str, kind: str, text: str, matcher: ModelMatcher) -> None:
        self.rel = rel
        self.kind = kind
        self.text = text
        self.lines = text.splitlines()
        self.matcher = matcher
        self.facts = FileFacts(path=rel, language=kind)
        self.is_test = is_test_path(rel)
        self.seen: set[tuple[int, int]] = set()

    def add(
        self, line: int, col: int, value: str, key: str = "", context: str | None = None
    ) -> None:
        if (line, col) in self.seen:
            return
        self.seen.add((line, col))
        if context is None:
            context = "config"
            if PRICE_HINT.search(key):
                context = "price_table"
        if self.is_test:
            context = "test_fixture"
        self.facts.sites.append(
            RawSite(
                path=self.rel,
                line=line,
                col=col,
                snippet=self.lines[line - 1].strip()[:200] if 0 < line <= len(self.lines) else "",
                kind="literal",
                context=context,
                expr=Expr(text=value, literal=value),
                symbol=key,
                suppressed=suppression(self.lines, line),
            )
        )

    def quoted_literals(self, *, key_required: bool = False) -> None:
        """Every quoted string that names a model, with the key written before it."""
        for idx, line in enumerate(self.lines, start=1):
            for m in _QUOTED.finditer(line):
                value = m.group(1) if m.group(1) is not None else m.group(2)
                if value is None or not self.matcher.is_model(value):
                    continue
                km = _KEY_BEFORE.search(line[: m.start()])
                key = km.group(1) if km else ""
                if key_required and not key:
                    continue
                ctx = (
                    "price_table"
                    if line[m.end() :].lstrip().startswith((":", "="))
                    and _table_hint(self.lines, idx)
                    else None
                )
                self.add(idx, m.start() + 1, value, key, ctx)

    def text_mentions(self, context: str) -> None:
        for idx, line in enumerate(self.lines, start=1):
            for start, _end, token in self.matcher.find_in_text(line):
                self.add(idx, start + 1, token, "", context)

    # -- kinds ---------------------------------------------------------------------------
    def env_file(self) -> None:
        for idx, line in enumerate(self.lines, start=1):
            if line.lstrip().startswith("#"):
                for start, _e, token in self.matcher.find_in_text(line):
                    self.add(idx, start + 1, token, "", "comment")
                continue
            m = _ENV_LINE.match(line)
            if not m:
                continue
            name, raw = m.group(1), m.group(2)
            value = _unquote(raw.split(" #", 1)[0].strip())
            self.facts.env.append(EnvValue(name, value, self.rel, idx))
            if self.matcher.is_model(value):
                self.add(idx, line.find(value) + 1 if value else 1, value, name)

    def dockerfile(self) -> None:
        for idx, line in enumerate(self.lines, start=1):
            m = _DOCKER_ENV.match(line)
            if not m:
                if line.lstrip().startswith("#"):
                    for start, _e, token in self.matcher.find_in_text(line):
                        self.add(idx, start + 1, token, "", "comment")
                continue
            body = m.group(2).strip()
            pairs = re.findall(r"([A-Za-z_]\w*)=(\"[^\"]*\"|'[^']*'|\S+)", body)
            if not pairs and " " in body:
                k, v = body.split(None, 1)
                pairs = [(k, v)]
            for name, raw in pairs:
                value = _unquote(raw)
                self.facts.env.append(EnvValue(name, value, self.rel, idx))
                if self.matcher.is_model(value):
                    self.add(idx, line.find(value) + 1, value, name)

    def yaml_file(self) -> None:
        try:
            docs = list(yaml.compose_all(self.text, Loader=yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise ConfigParseError(f"invalid YAML: {str(exc).splitlines()[0]}") from exc
        for doc in docs:
            if doc is not None:
                self._yaml_node(doc, [])

    def _yaml_node(self, node: yaml.Node, path: list[str]) -> None:
        if isinstance(node, yaml.MappingNode):
            pairs = {
                k.value: v
                for k, v in node.value
                if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
            }
            # k8s env entries: {name: X, value: Y}
            if "name" in pairs and "value" in pairs and path and path[-1] in {"env", "[]"}:
                self.facts.env.append(
                    EnvValue(
                        str(pairs["name"].value),
                        str(pairs["value"].value),
                        self.rel,
                        pairs["value"].start_mark.line + 1,
                    )
                )
            for k, v in node.value:
                key = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
                if isinstance(v, yaml.ScalarNode) and path and path[-1] in {"environment", "data"}:
                    self.facts.env.append(
                        EnvValue(key, str(v.value), self.rel, v.start_mark.line + 1)
                    )
                if isinstance(k, yaml.ScalarNode) and self.matcher.is_model(key):
                    ctx = (
                        "price_table"
                        if isinstance(v, yaml.MappingNode | yaml.SequenceNode)
                        or PRICE_HINT.search(".".join(path))
                        else "config"
                    )
                    self.add(
                        k.start_mark.line + 1, k.start_mark.column + 1, key, ".".join(path), ctx
                    )
                self._yaml_node(v, [*path, key])
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if (
                    isinstance(item, yaml.ScalarNode)
                    and path
                    and path[-1] == "environment"
                    and "=" in str(item.value)
                ):
                    k, _, v = str(item.value).partition("=")
                    self.facts.env.append(EnvValue(k, v, self.rel, item.start_mark.line + 1))
                    if self.matcher.is_model(v):
                        self.add(
                            item.start_mark.line + 1, item.start_mark.column + len(k) + 2, v, k
                        )
                    continue
                self._yaml_node(item, [*path, "[]"] if path and path[-1] != "[]" else [*path])
        elif isinstance(node, yaml.ScalarNode):
            value = str(node.value)
            if node.tag.endswith(":str") and self.matcher.is_model(value):
                key = ".".join(p for p in path if p != "[]")
                line, col = node.start_mark.line + 1, node.start_mark.column + 1
                if node.style in {'"', "'"}:
                    col += 0
                self.add(line, col, value, key)

    def json_file(self) -> None:
        try:
            data = json.loads(self.text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ConfigParseError(f"invalid JSON: {exc}") from exc
        if _own_output(data):
            return  # a switchover baseline or report checked into the repository
        self._arm_deployments(data)
        self.quoted_literals()

    def _arm_deployments(self, data: Any) -> None:
        stack = [data]
        while stack:
            cur = stack.pop()
            if isinstance(cur, dict):
                typ = str(cur.get("type", ""))
                if typ.lower().endswith("cognitiveservices/accounts/deployments"):
                    model = (cur.get("properties") or {}).get("model") or {}
                    name = str(cur.get("name", "")).split("/")[-1].strip("')]")
                    if isinstance(model, dict) and model.get("name"):
                        self._deployment(
                            name, str(model["name"]), model.get("version"), str(model["name"])
                        )
                stack.extend(cur.values())
            elif isinstance(cur, list):
                stack.extend(cur)

    def _deployment(self, name: str, model: str, version: Any, needle: str) -> None:
        line = next((i for i, ln in enumerate(self.lines, 1) if needle in ln), 1)
        self.facts.deployments.append(
            Deployment(name, model, str(version) if version else None, self.rel, line)
        )

    def toml_file(self) -> None:
        try:
            tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigParseError(f"invalid TOML: {exc}") from exc
        self.quoted_literals()

    def terraform(self) -> None:
        variables = dict(
            re.findall(r'variable\s+"(\w+)"\s*\{[^}]*?default\s*=\s*"([^"]*)"', self.text, re.S)
        )
        variables.update(
            re.findall(r'^\s*(\w+)\s*=\s*"([^"]*)"', self.text, re.M)
            if self.rel.endswith(".tfvars")
            else []
        )
        for m in re.finditer(
            r'resource\s+"azurerm_cognitive_deployment"\s+"(\w+)"\s*\{', self.text
        ):
            block = _block(self.text, m.end() - 1)
            name = _hcl_value(re.search(r"^\s*name\s*=\s*(.+)$", block, re.M), variables)
            model_block = re.search(r"model\s*\{([^}]*)\}", block)
            if not name or not model_block:
                continue
            mname = _hcl_value(re.search(r"name\s*=\s*(.+)", model_block.group(1)), variables)
            version = _hcl_value(re.search(r"version\s*=\s*(.+)", model_block.group(1)), variables)
            if mname:
                self._deployment(
                    name,
                    mname,
                    version,
                    model_block.group(0).split("\n")[0] if False else f'"{mname}"',
                )
        self.quoted_literals()
        self._hash_comments()

    def bicep(self) -> None:
        params = dict(re.findall(r"^\s*param\s+(\w+)\s+\w+\s*=\s*'([^']*)'", self.text, re.M))
        params.update(re.findall(r"^\s*var\s+(\w+)\s*=\s*'([^']*)'", self.text, re.M))
        for m in re.finditer(
            r"resource\s+\w+\s+'Microsoft\.CognitiveServices/accounts/deployments@[^']*'[^{]*\{",
            self.text,
        ):
            block = _block(self.text, m.end() - 1)
            top = re.sub(r"properties\s*:\s*\{.*", "", block, flags=re.S)
            name = _bicep_value(re.search(r"^\s*name\s*:\s*(.+)$", top, re.M), params)
            model_block = re.search(r"model\s*:\s*\{([^}]*)\}", block)
            if not name or not model_block:
                continue
            mname = _bicep_value(re.search(r"name\s*:\s*(.+)", model_block.group(1)), params)
            version = _bicep_value(re.search(r"version\s*:\s*(.+)", model_block.group(1)), params)
            if mname:
                self._deployment(
                    name, mname, version, f"'{mname}'" if f"'{mname}'" in self.text else mname
                )
        self.quoted_literals()
        for idx, line in enumerate(self.lines, start=1):
            if "//" in line:
                cut = line.index("//")
                for start, _e, token in self.matcher.find_in_text(line[cut:]):
                    self.add(idx, cut + start + 1, token, "", "comment")

    def _hash_comments(self) -> None:
        for idx, line in enumerate(self.lines, start=1):
            for marker in ("#", "//"):
                if marker in line and not re.search(r"\"[^\"]*" + re.escape(marker), line):
                    cut = line.index(marker)
                    for start, _e, token in self.matcher.find_in_text(line[cut:]):
                        self.add(idx, cut + start + 1, token, "", "comment")
                    break

    def text_file(self) -> None:
        low = self.rel.lower()
        if low.endswith((".ini", ".cfg", ".conf", ".properties")):
            for idx, line in enumerate(self.lines, start=1):
                m = re.match(r"^\s*([\w.\-]+)\s*[=:]\s*(\S+)\s*$", line)
                if m and self.matcher.is_model(_unquote(m.group(2))):
                    self.add(idx, line.find(m.group(2)) + 1, _unquote(m.group(2)), m.group(1))
        self.text_mentions("comment")


def _own_output(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if data.get("tool") in {"switchover", "switchover scan"}:
        return True
    runs = data.get("runs")
    if isinstance(runs, list) and runs and isinstance(runs[0], dict):
        driver = (runs[0].get("tool") or {}).get("driver") or {}
        return isinstance(driver, dict) and driver.get("name") == "switchover"
    return False


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    return v


def _table_hint(lines: list[str], idx: int) -> bool:
    window = " ".join(lines[max(0, idx - 8) : idx + 2])
    return bool(PRICE_HINT.search(window))


def _block(text: str, open_at: int) -> str:
    depth = 0
    for i in range(open_at, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i]
    return text[open_at + 1 :]


def _hcl_value(m: re.Match[str] | None, variables: dict[str, str]) -> str | None:
    if m is None:
        return None
    raw = m.group(1).strip().split(" #")[0].strip()
    if raw.startswith('"'):
        return raw.strip('"')
    if raw.startswith("var."):
        return variables.get(raw[4:])
    return None


def _bicep_value(m: re.Match[str] | None, params: dict[str, str]) -> str | None:
    if m is None:
        return None
    raw = m.group(1).strip().split(" //")[0].strip()
    if raw.startswith("'"):
        return raw.strip("'")
    return params.get(raw)


def extract_config(rel: str, kind: str, text: str, matcher: ModelMatcher) -> FileFacts:
    """Facts for one configuration / text file. Raises ConfigParseError on broken JSON/YAML/TOML."""
    cfg = _Config(rel, kind, text, matcher)
    handler = {
        "env": cfg.env_file,
        "dockerfile": cfg.dockerfile,
        "yaml": cfg.yaml_file,
        "json": cfg.json_file,
        "toml": cfg.toml_file,
        "terraform": cfg.terraform,
        "bicep": cfg.bicep,
        "text": cfg.text_file,
    }[kind]
    handler()
    return cfg.facts
