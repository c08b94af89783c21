"""JavaScript / TypeScript / TSX / Go / Java / C# via tree-sitter: calls, constants, literals."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from tree_sitter_language_pack import get_parser

from switchover.scan.common import MODEL_KEYS, PRICE_HINT, call_fields, is_test_path, suppression
from switchover.scan.facts import Expr, FileFacts, RawSite
from switchover.scan.literals import ModelMatcher
from switchover.scan.sdk import (
    AI_SDK_FUNCS,
    AI_SDK_PROVIDERS,
    CLIENT_TYPES,
    CallKind,
    classify_call,
    classify_constructor,
    norm,
)

__all__ = ["extract_tree", "sdk_constant_to_id"]

_STRINGS = {
    "string",
    "template_string",
    "interpreted_string_literal",
    "raw_string_literal",
    "string_literal",
    "verbatim_string_literal",
}
_COMMENTS = {"comment", "line_comment", "block_comment"}
_CALLS = {"call_expression", "method_invocation", "invocation_expression"}
_NEWS = {"new_expression", "object_creation_expression"}
_DECLS = {
    "variable_declarator",
    "const_spec",
    "var_spec",
    "short_var_declaration",
    "public_field_definition",
    "property_declaration",
}
_SEQS = {
    "array",
    "array_initializer",
    "literal_value",
    "collection_expression",
    "implicit_array_creation_expression",
    "array_creation_expression",
    "initializer_expression",
}
_PAIRS = {"pair", "keyed_element", "assignment_expression", "argument", "jsx_attribute"}
_PARAMS_API = {
    "chatcompletionnewparams": ("openai", "openai.chat"),
    "chatcompletioncreateparams": ("openai", "openai.chat"),
    "chatcompletionoptions": ("openai", "openai.chat"),
    "responsenewparams": ("openai", "openai.responses"),
    "responsecreateparams": ("openai", "openai.responses"),
    "embeddingnewparams": ("openai", "openai.embeddings"),
    "embeddingcreateparams": ("openai", "openai.embeddings"),
    "messagenewparams": ("anthropic", "anthropic.messages"),
    "messagecreateparams": ("anthropic", "anthropic.messages"),
    "messageparameters": ("anthropic", "anthropic.messages"),
}
_ENV = re.compile(
    r"process\.env\.(\w+)|process\.env\[[\"'](\w+)[\"']\]|import\.meta\.env\.(\w+)|os\.Getenv\(\"(\w+)\"\)"
    r"|(?:System\.getenv|GetEnvironmentVariable|os\.LookupEnv|getProperty|getOrDefault)\(\"(\w+)\""
)
_DEFAULT = re.compile(r"(?:\?\?|\|\||orElse\(|getOrDefault\(\"\w+\",|,)\s*[\"'`]([^\"'`]+)[\"'`]")
_IMPORT_HINTS = {
    "openai": "openai",
    "@anthropic-ai/sdk": "anthropic",
    "anthropic": "anthropic",
    "@google/genai": "google-genai",
    "google.golang.org/genai": "google-genai",
    "@ai-sdk/": "ai-sdk",
    "@langchain/": "langchain",
    "langchain": "langchain",
    "groq": "groq",
    "mistral": "mistralai",
    "cohere": "cohere",
    "bedrock": "boto3",
}


@lru_cache(maxsize=8)
def _parser(lang: str) -> Any:
    return get_parser(lang)  # type: ignore[arg-type]


def sdk_constant_to_id(name: str) -> str | None:
    """``ChatModelGPT4o`` / ``GPT_4_1_MINI`` / ``ModelClaudeSonnet4_5_20250929`` -> a model ID."""
    base = re.sub(r"^(?:ChatModel|Model|EmbeddingModel|ImageModel)", "", name)
    tokens = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]+|[a-z]+|\d+", base)
    if not tokens:
        return None
    toks = [t.lower() for t in tokens]
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "o" and i + 1 < len(toks) and toks[i + 1].isdigit() and not out:
            out.append("o" + toks[i + 1])
            i += 2
            continue
        if out and t.isalpha() and len(t) == 1 and out[-1][-1].isdigit():
            out[-1] += t  # 4 + o -> 4o
        elif (
            out
            and out[0] == "gpt"
            and t.isdigit()
            and len(t) == 1
            and len(out) == 2
            and out[-1].isdigit()
        ):
            out[-1] += "." + t  # gpt 4 1 -> gpt-4.1
        else:
            out.append(t)
        i += 1
    return "-".join(out)


class _TreeExtractor:
    def __init__(self, rel: str, lang: str, src: bytes, matcher: ModelMatcher) -> None:
        self.rel = rel
        self.lang = lang
        self.src = src
        self.lines = src.decode("utf-8", errors="replace").splitlines()
        self.matcher = matcher
        self.facts = FileFacts(path=rel, language=lang)
        self.imports: set[str] = set()
        self.bindings: dict[str, tuple[str, str | None]] = {}
        self.consumed: set[int] = set()
        self.model_nodes: set[int] = set()
        self.is_test = is_test_path(rel)
        if lang == "go":
            self.imports.add("go")

    def text(self, node: Any) -> str:
        return str(node.text.decode("utf-8", errors="replace"))

    def site(self, node: Any, **kw: Any) -> RawSite:
        row, col = node.start_point
        return RawSite(
            path=self.rel,
            line=row + 1,
            col=col + 1,
            snippet=self.lines[row].strip()[:200] if row < len(self.lines) else "",
            symbol=self._symbol(node),
            suppressed=suppression(self.lines, row + 1, node.end_point[0] + 1),
            **kw,
        )

    def _symbol(self, node: Any) -> str:
        names: list[str] = []
        cur = node.parent
        while cur is not None:
            if cur.type.endswith(
                (
                    "function_declaration",
                    "method_declaration",
                    "class_declaration",
                    "method_definition",
                )
            ):
                name = cur.child_by_field_name("name")
                if name is not None:
                    names.append(self.text(name))
            cur = cur.parent
        return ".".join(reversed(names))

    # -- expressions ---------------------------------------------------------------------
    def string_value(self, node: Any) -> str | None:
        if node.type not in _STRINGS:
            return None
        if node.type == "template_string" and any(
            c.type == "template_substitution" for c in node.children
        ):
            return None
        raw = self.text(node)
        if raw.startswith("@"):
            raw = raw[1:]
        return raw.strip("\"'`")

    def expr(self, node: Any) -> Expr:
        text = self.text(node)[:200]
        lit = self.string_value(node)
        if lit is not None:
            return Expr(text=text, literal=lit)
        env = _ENV.search(text)
        if env:
            name = next(g for g in env.groups() if g)
            dm = _DEFAULT.search(text, env.end())
            default = Expr(text=dm.group(1), literal=dm.group(1)) if dm else None
            return Expr(text=text, env=name, default=default)
        if node.type in {"identifier", "property_identifier", "field_identifier"}:
            return Expr(text=text, ref=text)
        if node.type in {
            "member_expression",
            "selector_expression",
            "field_access",
            "member_access_expression",
            "qualified_name",
        }:
            last = re.split(r"[.:]", text)[-1]
            sdk_id = sdk_constant_to_id(last) if last[:1].isupper() else None
            if sdk_id and self.matcher.is_model(sdk_id):
                return Expr(text=text, literal=sdk_id)
            return Expr(text=text, ref=text)
        if node.type in _CALLS:
            fn = node.child_by_field_name("function") or node.child_by_field_name("name")
            args = node.child_by_field_name("arguments")
            if fn is not None and args is not None and args.named_children:
                fname = self.text(fn)
                head = fname.split(".")[0]
                if head in AI_SDK_PROVIDERS or head.startswith("create") or head in self.bindings:
                    inner = self.expr(args.named_children[0])
                    inner.text = text
                    return inner
        if node.type in {"binary_expression", "parenthesized_expression"} and node.named_children:
            first = self.expr(node.named_children[0])
            if len(node.named_children) > 1:
                first.default = self.expr(node.named_children[-1])
            first.text = text
            return first
        return Expr(text=text)

    # -- walk ----------------------------------------------------------------------------
    def run(self, tree: Any) -> FileFacts:
        root = tree.root_node
        if root.has_error:
            self.facts.warnings.append(f"{self.rel}: syntax errors; results may be partial")
        nodes: list[Any] = []
        stack = [root]
        while stack:
            node = stack.pop()
            nodes.append(node)
            stack.extend(reversed(node.children))
        for node in nodes:
            t = node.type
            if t in {
                "import_statement",
                "import_spec",
                "import_declaration",
                "using_directive",
            } or (t in _CALLS and self.text(node).startswith("require(")):
                src = self.text(node)
                for hint, sdk in _IMPORT_HINTS.items():
                    if hint in src.lower() or hint in src:
                        self.imports.add(sdk)
                if re.search(r"from\s+[\"']ai[\"']|require\([\"']ai[\"']\)", src):
                    self.imports.add("ai-sdk")
            elif t in _DECLS:
                self._decl(node)
        for node in nodes:
            if node.type in _CALLS or node.type in _NEWS:
                self._call(node)
            if node.type in {"composite_literal", "object_creation_expression"}:
                self._params_struct(node)
        if self.lang == "java":
            self.java_builders(nodes)
        for node in nodes:
            if node.type in _STRINGS and node.start_byte not in self.consumed:
                self._literal(node)
            elif node.type in _COMMENTS:
                self._comment(node)
        return self.facts

    def _decl(self, node: Any) -> None:
        name = node.child_by_field_name("name") or node.child_by_field_name("left")
        value = node.child_by_field_name("value") or node.child_by_field_name("right")
        if value is None and node.type == "variable_declarator" and node.named_children:
            value = node.named_children[-1] if len(node.named_children) > 1 else None
        if name is None or value is None:
            return
        if value.type == "expression_list" and value.named_children:
            value = value.named_children[0]
        if name.type == "expression_list" and name.named_children:
            name = name.named_children[0]
        if name.type not in {
            "identifier",
            "property_identifier",
            "field_identifier",
            "private_property_identifier",
        }:
            return
        key = self.text(name)
        vtext = self.text(value)
        m = re.match(r"(?:await\s+)?(?:new\s+)?([\w.]+)\s*\(", vtext)
        if m:
            ctor = norm(m.group(1).split(".")[-1])
            if ctor in CLIENT_TYPES and ctor != "newclient":
                self.bindings[key] = CLIENT_TYPES[ctor]
            elif ctor in {"newclient", "fromenv", "builder"} or ctor.startswith("create"):
                low = vtext.lower()
                for word, sdk in (
                    ("azure", ("openai", "azure")),
                    ("openai", ("openai", "openai")),
                    ("anthropic", ("anthropic", "anthropic")),
                    ("genai", ("google-genai", "gemini-api")),
                ):
                    if word in low:
                        self.bindings[key] = sdk
                        break
        expr = self.expr(value)
        if expr.literal is not None or expr.env is not None or expr.ref is not None:
            self.facts.constants[key] = expr

    def _call(self, node: Any) -> None:
        fn = (
            node.child_by_field_name("function")
            or node.child_by_field_name("constructor")
            or node.child_by_field_name("type")
        )
        if node.type == "method_invocation":
            obj = node.child_by_field_name("object")
            name = node.child_by_field_name("name")
            callee = (self.text(obj) + "." if obj is not None else "") + (
                self.text(name) if name is not None else ""
            )
        elif fn is not None:
            callee = self.text(fn)
        else:
            return
        chain = re.findall(r"[A-Za-z_]\w*", re.sub(r"\([^()]*\)|<[^<>]*>", "", callee))
        if not chain:
            return
        imports = frozenset(self.imports)
        args = node.child_by_field_name("arguments")
        kind: CallKind | None = None
        if node.type in _NEWS or (len(chain) == 1 and chain[0][:1].isupper()):
            kind = classify_constructor(
                chain[-1], imports, "langchain" if "langchain" in imports else ""
            )
            if kind is None and norm(chain[-1]) in CLIENT_TYPES:
                return
        elif len(chain) == 1 and norm(chain[0]) in AI_SDK_FUNCS and "ai-sdk" in imports:
            kind = CallKind(sdk="ai-sdk", api="ai-sdk." + chain[0])
        else:
            root = self.bindings.get(chain[0])
            if root is None and len(chain) > 1 and chain[0] == "this":
                root = self.bindings.get(chain[1])
            kind = classify_call(chain, root, imports)
            if kind is not None and self.lang == "java":
                return  # Java calls take a params builder; the builder is the finding.
        if kind is None or args is None:
            return
        model_node, params = self._args(args, kind)
        if kind.sdk in {"openai", "anthropic"} and self.lang == "go" and model_node is None:
            return  # the params struct literal is reported on its own
        if model_node is not None:
            expr = self.expr(model_node)
            self._consume(model_node)
            self.model_nodes.add(model_node.start_byte)
            if kind.sdk == "ai-sdk" and model_node.type in _CALLS:
                fname = self.text(model_node.child_by_field_name("function") or model_node).split(
                    "."
                )[0]
                prov = AI_SDK_PROVIDERS.get(fname)
                if prov:
                    kind = CallKind(
                        sdk="ai-sdk",
                        api=kind.api,
                        provider=prov[0] or None,
                        platform=prov[1],
                        deployment=prov[1] == "azure",
                    )
        else:
            expr = Expr(text="<SDK default>")
        self.facts.sites.append(self.site(node, **call_fields(kind, expr, params, self.is_test)))

    def _args(self, args: Any, kind: CallKind) -> tuple[Any | None, dict[str, Any]]:
        keys = {norm(k) for k in kind.keys}
        model_node = None
        params: dict[str, Any] = {}
        positional: list[Any] = []
        for arg in args.named_children:
            inner = arg
            if arg.type == "argument":
                nm = arg.child_by_field_name("name")
                val = arg.named_children[-1] if arg.named_children else None
                if nm is not None and val is not None:
                    if norm(self.text(nm)) in keys and model_node is None:
                        model_node = val
                    else:
                        params[self.text(nm)] = self._val(val)
                    continue
                inner = val if val is not None else arg
            if inner.type in {"object", "composite_literal", "literal_value"}:
                m, p = self._pairs(inner, keys)
                model_node = model_node or m
                params.update(p)
            positional.append(inner)
        if model_node is None and kind.pos is not None and len(positional) > kind.pos:
            model_node = positional[kind.pos]
        return model_node, params

    def _pairs(self, obj: Any, keys: set[str]) -> tuple[Any | None, dict[str, Any]]:
        model_node = None
        params: dict[str, Any] = {}
        body = obj.child_by_field_name("body") or obj
        for pair in body.named_children:
            if pair.type not in _PAIRS and pair.type not in {"shorthand_property_identifier"}:
                continue
            if pair.type == "shorthand_property_identifier":
                k, v = self.text(pair), pair
            else:
                kn = pair.child_by_field_name("key") or pair.child_by_field_name("left")
                vn = pair.child_by_field_name("value") or pair.child_by_field_name("right")
                if kn is None or vn is None:
                    continue
                k, v = self.text(kn).strip("\"'"), vn
            if v.type == "literal_element" and v.named_children:
                v = v.named_children[0]
            if norm(k) in keys and model_node is None:
                model_node = v
            else:
                params[k] = self._val(v)
        return model_node, params

    def _val(self, node: Any) -> Any:
        t = self.text(node)
        if node.type in _STRINGS:
            return self.string_value(node)
        if re.fullmatch(r"-?\d+", t):
            return int(t)
        if re.fullmatch(r"-?\d*\.\d+", t):
            return float(t)
        if t in {"true", "false"}:
            return t == "true"
        m = re.fullmatch(r"(?:openai|anthropic|param)\.(?:Int|Float|F|Opt\[\w+\])\((-?[\d.]+)\)", t)
        if m:
            return float(m.group(1)) if "." in m.group(1) else int(m.group(1))
        return f"<{t[:80]}>"

    def _consume(self, node: Any) -> None:
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in _STRINGS:
                self.consumed.add(n.start_byte)
            stack.extend(n.children)

    def _params_struct(self, node: Any) -> None:
        """Go ``openai.ChatCompletionNewParams{...}``, C# ``new MessageCreateParams { ... }``."""
        tnode = node.child_by_field_name("type")
        if tnode is None:
            return
        tname = norm(re.split(r"[.:]", self.text(tnode))[-1])
        spec = _PARAMS_API.get(tname)
        if spec is None:
            return
        body = node.child_by_field_name("body") or node.child_by_field_name("initializer")
        if body is None:
            for child in node.named_children:
                if child.type == "initializer_expression":
                    body = child
        if body is None:
            return
        model_node, params = self._pairs(body, {"model"})
        if model_node is None or model_node.start_byte in self.model_nodes:
            return
        self._consume(model_node)
        self._emit_struct(node, spec, model_node, params)

    def _emit_struct(
        self, node: Any, spec: tuple[str, str], model_node: Any, params: dict[str, Any]
    ) -> None:
        platform = "azure" if "azure" in self.imports else None
        self.facts.sites.append(
            self.site(
                node,
                kind="call",
                context="test_fixture" if self.is_test else "call_argument",
                expr=self.expr(model_node),
                sdk=spec[0],
                api=spec[1],
                platform=platform,
                params=params,
            )
        )

    def java_builders(self, nodes: list[Any]) -> None:
        for node in nodes:
            if node.type != "method_invocation":
                continue
            name = node.child_by_field_name("name")
            if name is None or self.text(name) != "build":
                continue
            calls: list[tuple[str, Any]] = []
            cur = node.child_by_field_name("object")
            type_name = ""
            while cur is not None and cur.type == "method_invocation":
                nm = cur.child_by_field_name("name")
                args = cur.child_by_field_name("arguments")
                if nm is not None:
                    calls.append((self.text(nm), args))
                obj = cur.child_by_field_name("object")
                if obj is not None and obj.type != "method_invocation":
                    type_name = self.text(obj)
                cur = obj
            spec = _PARAMS_API.get(norm(type_name.split(".")[-1]))
            if spec is None:
                continue
            model_node = None
            params: dict[str, Any] = {}
            for method, args in calls:
                if args is None or not args.named_children:
                    continue
                if method == "model" and model_node is None:
                    model_node = args.named_children[0]
                elif method not in {"builder", "addUserMessage", "addSystemMessage", "addMessage"}:
                    params[method] = self._val(args.named_children[0])
            if model_node is not None:
                self._consume(model_node)
                self._emit_struct(node, spec, model_node, params)

    def _literal(self, node: Any) -> None:
        value = self.string_value(node)
        if value is None or not self.matcher.is_model(value):
            return
        self.facts.sites.append(
            self.site(
                node,
                kind="literal",
                context=self._context(node),
                expr=Expr(text=self.text(node), literal=value),
            )
        )

    def _context(self, node: Any) -> str:
        if self.is_test:
            return "test_fixture"
        cur = node.parent
        child = node
        keys: list[str] = []
        in_seq = False
        while cur is not None:
            t = cur.type
            if t in _PAIRS or t == "keyed_element":
                kn = (
                    cur.child_by_field_name("key")
                    or cur.child_by_field_name("left")
                    or cur.child_by_field_name("name")
                )
                if kn is None and t == "keyed_element" and cur.named_children:
                    kn = cur.named_children[0]
                if (
                    kn is not None
                    and kn.start_byte == child.start_byte
                    and kn.end_byte == child.end_byte
                ):
                    parent_obj = cur.parent
                    if parent_obj is not None and _looks_like_price_table(self.text(parent_obj)):
                        return "price_table"
                    return "price_table" if PRICE_HINT.search(self._decl_name(cur)) else "constant"
                if kn is not None:
                    keys.append(self.text(kn).strip("\"'"))
                if t == "jsx_attribute":
                    return "ui_list"
            elif t in _SEQS:
                in_seq = in_seq or t != "initializer_expression"
            elif t in {"jsx_element", "jsx_opening_element", "jsx_self_closing_element"}:
                return "ui_list"
            elif t in _CALLS or t in _NEWS or t in {"argument_list", "arguments"}:
                if t in {"argument_list", "arguments"}:
                    pass
                elif any(norm(k) in MODEL_KEYS for k in keys) or not (keys or in_seq):
                    callee = self.text(cur)[:40]
                    if not _ENV.search(callee):
                        return "call_argument"
            elif t in _DECLS or t in {
                "field_declaration",
                "const_declaration",
                "assignment_statement",
                "return_statement",
                "lexical_declaration",
                "export_statement",
            }:
                name = self._decl_name(cur)
                if PRICE_HINT.search(name) or any(PRICE_HINT.search(k) for k in keys):
                    return "price_table"
                return "ui_list" if in_seq else "constant"
            elif t == "binary_expression" and re.search(r"\?\?|\|\|", self.text(cur)):
                pass  # a default: process.env.X ?? "gpt-4o"
            elif t in {
                "binary_expression",
                "switch_case",
                "case_clause",
                "expression_case",
                "switch_label",
            }:
                return "other"
            child = cur
            cur = cur.parent
        if any(PRICE_HINT.search(k) for k in keys):
            return "price_table"
        return "ui_list" if in_seq else "other"

    def _decl_name(self, node: Any) -> str:
        cur = node
        while cur is not None:
            if cur.type in _DECLS:
                nm = cur.child_by_field_name("name") or cur.child_by_field_name("left")
                return self.text(nm) if nm is not None else ""
            cur = cur.parent
        return ""

    def _comment(self, node: Any) -> None:
        text = self.text(node)
        row0, col0 = node.start_point
        for start, _end, token in self.matcher.find_in_text(text):
            before = text[:start]
            row = row0 + before.count("\n")
            col = (start - before.rfind("\n") - 1) if "\n" in before else col0 + start
            self.facts.sites.append(
                RawSite(
                    path=self.rel,
                    line=row + 1,
                    col=col + 1,
                    snippet=self.lines[row].strip()[:200] if row < len(self.lines) else "",
                    kind="literal",
                    context="test_fixture" if self.is_test else "comment",
                    expr=Expr(text=token, literal=token),
                    suppressed=suppression(self.lines, row + 1),
                )
            )


def _looks_like_price_table(text: str) -> bool:
    return bool(re.search(r"\b(?:input|output|prompt|completion)\b\s*[:=]\s*[\d.]", text)) or bool(
        PRICE_HINT.search(text[:60])
    )


def extract_tree(rel: str, lang: str, src: bytes, matcher: ModelMatcher) -> FileFacts:
    """Facts for one source file in a tree-sitter language."""
    tree = _parser(lang).parse(src)
    return _TreeExtractor(rel, lang, src, matcher).run(tree)
