"""Python (and notebook cells): call sites, constants, env lookups and model literals via ``ast``."""

from __future__ import annotations

import ast
from typing import Any

from switchover.scan.common import MODEL_KEYS, PRICE_HINT, call_fields, is_test_path, suppression
from switchover.scan.facts import Expr, FileFacts, RawSite
from switchover.scan.literals import ModelMatcher
from switchover.scan.sdk import CLIENT_TYPES, CallKind, classify_call, classify_constructor, norm

__all__ = ["extract_python", "module_name"]

_IMPORT_SDKS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google.genai": "google-genai",
    "google.generativeai": "google-generativeai",
    "vertexai": "vertexai",
    "boto3": "boto3",
    "mistralai": "mistralai",
    "cohere": "cohere",
    "groq": "groq",
    "litellm": "litellm",
    "langchain": "langchain",
    "llama_index": "llama_index",
    "crewai": "crewai",
    "pydantic_ai": "pydantic_ai",
}


def module_name(rel: str) -> str:
    """Dotted module name for a relative path (``src/`` layouts stripped)."""
    parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if parts and parts[0] in {"src", "lib"}:
        parts = parts[1:]
    return ".".join(parts)


class _Extractor:
    def __init__(self, rel: str, text: str, matcher: ModelMatcher, cell: int | None) -> None:
        self.rel = rel
        self.lines = text.splitlines()
        self.matcher = matcher
        self.cell = cell
        self.facts = FileFacts(path=rel, language="python", module=module_name(rel))
        self.imports: set[str] = set()
        self.name_modules: dict[str, str] = {}
        self.bindings: dict[str, tuple[str, str | None]] = {}
        self.parents: dict[ast.AST, ast.AST] = {}
        self.consumed: set[tuple[int, int]] = set()
        self.is_test = is_test_path(rel)

    # -- helpers -------------------------------------------------------------------------
    def seg(self, node: ast.AST) -> str:
        ln = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", ln) or ln
        c0 = getattr(node, "col_offset", 0)
        c1 = getattr(node, "end_col_offset", None)
        if not (1 <= ln <= len(self.lines)):
            return ""
        if ln == end:
            return self.lines[ln - 1][c0:c1][:200]
        return (self.lines[ln - 1][c0:] + " ...")[:200]

    def symbol(self, node: ast.AST) -> str:
        names: list[str] = []
        cur: ast.AST | None = node
        while cur is not None:
            if isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.append(cur.name)
            cur = self.parents.get(cur)
        return ".".join(reversed(names))

    def expr(self, node: ast.AST) -> Expr:
        text = self.seg(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return Expr(text=text, literal=node.value)
        if isinstance(node, ast.Name):
            return Expr(text=text, ref=node.id)
        if isinstance(node, ast.Attribute):
            chain = _chain(node)
            if chain[:2] == ["os", "environ"]:
                return Expr(text=text)
            return Expr(text=text, ref=".".join(chain) if chain else None)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) >= 2:
            first = self.expr(node.values[0])
            first.default = self.expr(node.values[-1])
            first.text = text
            return first
        if isinstance(node, ast.Subscript):
            chain = _chain(node.value)
            key = node.slice
            if chain[-2:] == ["os", "environ"] and isinstance(key, ast.Constant):
                return Expr(text=text, env=str(key.value))
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and chain:
                return Expr(text=text, ref=".".join([*chain, key.value]))
        if isinstance(node, ast.Call):
            chain = _chain(node.func)
            args = node.args
            if (
                (
                    chain
                    and chain[-1] in {"getenv", "get"}
                    and (
                        chain[:-1] in (["os"], ["os", "environ"], ["environ"])
                        or chain == ["getenv"]
                    )
                )
                and args
                and isinstance(args[0], ast.Constant)
            ):
                default = args[1] if len(args) > 1 else None
                for kw in node.keywords:
                    if kw.arg == "default":
                        default = kw.value
                return Expr(
                    text=text,
                    env=str(args[0].value),
                    default=self.expr(default) if default is not None else None,
                )
            if chain and chain[-1] == "Field":
                for kw in node.keywords:
                    if kw.arg == "default":
                        return self.expr(kw.value)
                if args:
                    return self.expr(args[0])
        return Expr(text=text)

    def site(self, node: ast.AST, **kw: Any) -> RawSite:
        line = getattr(node, "lineno", 1)
        return RawSite(
            path=self.rel,
            line=line,
            col=getattr(node, "col_offset", 0) + 1,
            snippet=self.lines[line - 1].strip()[:200] if line <= len(self.lines) else "",
            cell=self.cell,
            symbol=self.symbol(node),
            suppressed=suppression(self.lines, line, getattr(node, "end_lineno", None)),
            **kw,
        )

    # -- passes --------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> FileFacts:
        # One traversal: parent links plus the node lists every later pass needs.
        self.nodes: list[ast.AST] = []
        self.strings: list[ast.Constant] = []
        stack: list[ast.AST] = [tree]
        while stack:
            parent = stack.pop()
            self.nodes.append(parent)
            if isinstance(parent, ast.Constant) and isinstance(parent.value, str):
                self.strings.append(parent)
            for field in parent._fields:
                value = getattr(parent, field, None)
                if isinstance(value, ast.AST):
                    self.parents[value] = parent
                    stack.append(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST):
                            self.parents[item] = parent
                            stack.append(item)
        calls: list[ast.Call] = []
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self._note_import(alias.name)
                    self.name_modules[alias.asname or alias.name.split(".")[0]] = alias.name
            elif isinstance(node, ast.ImportFrom):
                mod = self._abs_module(node)
                self._note_import(mod)
                for alias in node.names:
                    local = alias.asname or alias.name
                    self.name_modules[local] = mod
                    self.facts.imports[local] = f"{mod}.{alias.name}"
            elif isinstance(node, ast.Call):
                calls.append(node)
        for node in self.nodes:
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.withitem):
                self._note_binding(node)
            elif isinstance(node, ast.arg) and node.annotation is not None:
                name = _chain(node.annotation)
                if name and norm(name[-1]) in CLIENT_TYPES:
                    self.bindings[node.arg] = CLIENT_TYPES[norm(name[-1])]
        self._constants(tree)
        # Source order keeps fingerprints' occurrence numbers stable.
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            self._call(call)
        self.strings.sort(key=lambda c: (c.lineno, c.col_offset))
        for const in self.strings:
            self._literal(const)
        self._comments()
        return self.facts

    def _abs_module(self, node: ast.ImportFrom) -> str:
        mod = node.module or ""
        if node.level:
            base = (self.facts.module or "").split(".")
            if not self.rel.endswith("__init__.py"):
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
            mod = ".".join([*base, mod] if mod else base)
        return mod

    def _note_import(self, mod: str) -> None:
        for prefix, sdk in _IMPORT_SDKS.items():
            if mod == prefix or mod.startswith((prefix + ".", prefix + "_")):
                self.imports.add(sdk)

    def _note_binding(self, node: ast.Assign | ast.AnnAssign | ast.withitem) -> None:
        value: ast.expr | None
        if isinstance(node, ast.withitem):
            value, targets = node.context_expr, [node.optional_vars] if node.optional_vars else []
        elif isinstance(node, ast.Assign):
            value, targets = node.value, list(node.targets)
        else:
            value, targets = node.value, [node.target]
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return
        kind = self._client_kind(value)
        if kind is None:
            return
        for target in targets:
            chain = _chain(target) if target is not None else []
            if chain:
                self.bindings[".".join(chain)] = kind
                self.bindings[chain[-1]] = kind

    def _client_kind(self, call: ast.Call) -> tuple[str, str | None] | None:
        chain = _chain(call.func)
        if not chain:
            return None
        last = norm(chain[-1])
        if last == "client" and (chain[0] == "boto3" or "session" in norm(chain[0])):
            svc = call.args[0] if call.args else None
            for kw in call.keywords:
                if kw.arg == "service_name":
                    svc = kw.value
            if isinstance(svc, ast.Constant) and str(svc.value).startswith("bedrock"):
                return ("boto3", "bedrock")
            return None
        if last == "client" and len(chain) >= 2 and chain[-2] == "genai":
            vertex = any(
                kw.arg == "vertexai" and isinstance(kw.value, ast.Constant) and kw.value.value
                for kw in call.keywords
            )
            return ("google-genai", "vertex" if vertex else "gemini-api")
        if last == "client" and chain[0] == "cohere":
            return ("cohere", "cohere")
        mod = self.name_modules.get(chain[0], "")
        if mod.startswith(("langchain", "llama_index", "crewai", "pydantic_ai")):
            return None
        if last in CLIENT_TYPES and last != "newclient":
            return CLIENT_TYPES[last]
        return None

    def _constants(self, tree: ast.Module) -> None:
        def visit(body: list[ast.stmt], prefix: str, settings: bool) -> None:
            for stmt in body:
                if isinstance(stmt, ast.ClassDef):
                    bases = {(_chain(b) or [""])[-1] for b in stmt.bases}
                    is_settings = bool(bases & {"BaseSettings", "Settings"})
                    visit(stmt.body, stmt.name + ".", is_settings)
                    continue
                targets: list[ast.expr] = []
                value: ast.expr | None = None
                if isinstance(stmt, ast.Assign):
                    targets, value = list(stmt.targets), stmt.value
                elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    targets, value = [stmt.target], stmt.value
                if value is None:
                    continue
                for target in targets:
                    if isinstance(target, ast.Name):
                        expr = self.expr(value)
                        if settings and expr.env is None:
                            expr = Expr(text=expr.text, env=target.id.upper(), default=expr)
                        self.facts.constants[target.id] = expr
                        if prefix:
                            self.facts.constants[prefix + target.id] = expr

        visit(tree.body, "", False)
        # Attributes assigned in __init__/functions: self.model = os.getenv(...)
        for node in self.nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                chain = _chain(node.targets[0])
                if len(chain) == 2 and chain[0] == "self":
                    self.facts.constants.setdefault(chain[1], self.expr(node.value))

    def _call(self, call: ast.Call) -> None:
        chain = _chain(call.func)
        if not chain:
            return
        imports = frozenset(self.imports)
        kind: CallKind | None = None
        if len(chain) >= 2:
            root = self.bindings.get(".".join(chain[:-3])) or self.bindings.get(".".join(chain[:2]))
            root = root or self.bindings.get(chain[0])
            if root is None and isinstance(call.func, ast.Attribute):
                inner = _root_call(call.func)
                if inner is not None:
                    root = self._client_kind(inner)
            if root is None and chain[0] in self.name_modules:
                top = self.name_modules[chain[0]]
                for prefix, sdk in _IMPORT_SDKS.items():
                    if top == prefix or top.startswith(prefix + "."):
                        root = (sdk, None) if sdk != "boto3" else None
            kind = classify_call(chain, root, imports)
        if kind is None:
            mod = self.name_modules.get(chain[0], "") if len(chain) == 1 else ".".join(chain[:-1])
            if len(chain) > 1:
                mod = self.name_modules.get(chain[0], chain[0]) + "." + ".".join(chain[1:-1])
            kind = classify_constructor(chain[-1], imports, mod.strip("."))
        if kind is None:
            return
        model_node: ast.expr | None = None
        params: dict[str, Any] = {}
        keys = {norm(k) for k in kind.keys}
        for kw in call.keywords:
            if kw.arg is None:
                params["**"] = self.seg(kw.value)
                continue
            if model_node is None and norm(kw.arg) in keys:
                model_node = kw.value
                continue
            params[kw.arg] = _value(kw.value, self.seg)
        if model_node is None and kind.pos is not None and len(call.args) > kind.pos:
            model_node = call.args[kind.pos]
        if model_node is not None:
            expr = self.expr(model_node)
            self.consumed.add((model_node.lineno, model_node.col_offset))
        elif "**" in params:
            expr = Expr(text=f"**{params['**']}")
        else:
            expr = Expr(text="<SDK default>")
        if kind.sdk in {"openai", "anthropic"} and kind.api in {"model"} and not params:
            return
        self.facts.sites.append(self.site(call, **call_fields(kind, expr, params, self.is_test)))

    def _literal(self, node: ast.Constant) -> None:
        value = str(node.value)
        if isinstance(self.parents.get(node), ast.Expr) and not self.matcher.is_model(value):
            for start, _end, token in self.matcher.find_in_text(value):
                line = node.lineno + value[:start].count("\n")
                self.facts.sites.append(
                    RawSite(
                        path=self.rel,
                        line=line,
                        col=1,
                        snippet=self.lines[line - 1].strip()[:200]
                        if line <= len(self.lines)
                        else "",
                        kind="literal",
                        context="test_fixture" if self.is_test else "comment",
                        expr=Expr(text=token, literal=token),
                        cell=self.cell,
                    )
                )
            return
        if (node.lineno, node.col_offset) in self.consumed or not self.matcher.is_model(value):
            return
        ctx = self._context(node)
        self.facts.sites.append(
            self.site(
                node, kind="literal", context=ctx, expr=Expr(text=self.seg(node), literal=value)
            )
        )

    def _context(self, node: ast.AST) -> str:
        if self.is_test:
            return "test_fixture"
        parent = self.parents.get(node)
        if isinstance(parent, ast.Expr):
            return "comment"  # a bare string statement
        names: list[str] = []
        cur: ast.AST | None = parent
        in_seq = False
        child: ast.AST = node
        while cur is not None:
            if isinstance(cur, ast.Dict):
                if child in cur.keys:
                    idx = cur.keys.index(child)
                    val = cur.values[idx]
                    if isinstance(val, ast.Constant | ast.Dict | ast.Tuple | ast.Call) and not (
                        isinstance(val, ast.Constant) and isinstance(val.value, str)
                    ):
                        return "price_table" if _dict_is_table(cur) else "constant"
                else:
                    for k, v in zip(cur.keys, cur.values, strict=True):
                        if v is child and isinstance(k, ast.Constant) and isinstance(k.value, str):
                            names.append(k.value)
            elif isinstance(cur, ast.List | ast.Tuple | ast.Set):
                in_seq = True
            elif isinstance(cur, ast.keyword):
                names.append(cur.arg or "")
            elif isinstance(cur, ast.Call) and _transparent(cur):
                pass  # os.getenv("X", "gpt-4o") / Field(default=...): the value is a default
            elif isinstance(cur, ast.Call):
                if any(norm(n) in MODEL_KEYS for n in names):
                    return "call_argument"
                if not in_seq and not names:
                    return "call_argument"
            elif isinstance(cur, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = cur.targets if isinstance(cur, ast.Assign) else [cur.target]
                tnames = [".".join(_chain(t)) for t in targets]
                if any(PRICE_HINT.search(t) for t in tnames + names):
                    return "price_table"
                return "ui_list" if in_seq else "constant"
            elif isinstance(cur, ast.arguments):
                return "constant"  # a default argument value
            elif isinstance(cur, ast.Return):
                return "ui_list" if in_seq else "constant"
            elif isinstance(cur, ast.Compare | ast.JoinedStr | ast.FormattedValue):
                return "other"
            elif isinstance(cur, ast.stmt):
                break
            child = cur
            cur = self.parents.get(cur)
        if any(PRICE_HINT.search(n) for n in names):
            return "price_table"
        if any(norm(n) in MODEL_KEYS for n in names):
            return "constant"
        return "ui_list" if in_seq else "other"

    def _comments(self) -> None:
        spans: dict[int, list[tuple[int, int]]] = {}
        for node in self.strings:
            end = node.end_lineno or node.lineno
            for ln in range(node.lineno, end + 1):
                c0 = node.col_offset if ln == node.lineno else 0
                c1 = (node.end_col_offset or 0) if ln == end else 10**9
                spans.setdefault(ln, []).append((c0, c1))
        for idx, line in enumerate(self.lines, start=1):
            hash_at = line.find("#")
            if hash_at < 0:
                continue
            for start, _end, token in self.matcher.find_in_text(line):
                if start < hash_at or any(a <= start < b for a, b in spans.get(idx, [])):
                    continue
                self.facts.sites.append(
                    RawSite(
                        path=self.rel,
                        line=idx,
                        col=start + 1,
                        snippet=line.strip()[:200],
                        kind="literal",
                        context="test_fixture" if self.is_test else "comment",
                        expr=Expr(text=token, literal=token),
                        cell=self.cell,
                        suppressed=suppression(self.lines, idx),
                    )
                )


def _chain(node: ast.AST) -> list[str]:
    parts: list[str] = []
    cur: ast.AST = node
    while True:
        if isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        elif isinstance(cur, ast.Name):
            parts.append(cur.id)
            break
        elif isinstance(cur, ast.Call):
            cur = cur.func
        elif isinstance(cur, ast.Await):
            cur = cur.value
        else:
            break
    return list(reversed(parts))


def _transparent(call: ast.Call) -> bool:
    chain = _chain(call.func)
    return bool(chain) and chain[-1] in {"getenv", "get", "Field", "str", "setdefault"}


def _root_call(node: ast.Attribute) -> ast.Call | None:
    cur: ast.AST = node
    while isinstance(cur, ast.Attribute):
        cur = cur.value
    return cur if isinstance(cur, ast.Call) else None


def _dict_is_table(node: ast.Dict) -> bool:
    for v in node.values:
        if isinstance(v, ast.Dict):
            keys = [
                k.value for k in v.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
            if any(PRICE_HINT.search(k) or k in {"input", "output"} for k in keys):
                return True
        if isinstance(v, ast.Constant) and isinstance(v.value, int | float):
            return True
        if isinstance(v, ast.Tuple) and all(isinstance(e, ast.Constant) for e in v.elts):
            return True
    return False


def _value(node: ast.AST, seg: Any) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return f"<{seg(node)}>"


def extract_python(
    rel: str, text: str, matcher: ModelMatcher, *, cell: int | None = None
) -> FileFacts:
    """Facts for one Python source. Raises SyntaxError on unparsable code (caller counts it)."""
    tree = ast.parse(text, filename=rel)
    return _Extractor(rel, text, matcher, cell).run(tree)
