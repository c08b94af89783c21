"""Apply parameter operations to Python call sites with libcst (formatting and comments kept)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from switchover.project.rewrite.ops import ParamOp, literal_text

__all__ = ["rewrite_python_calls"]

_Args = list[cst.Arg]


def _kw(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _comment_line(text: str) -> str:
    return f"# switchover: {text}"


def _with_comment(
    ws: cst.BaseParenthesizableWhitespace, line: cst.EmptyLine
) -> cst.BaseParenthesizableWhitespace | None:
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return None
    return ws.with_changes(empty_lines=[*ws.empty_lines, line])


def _drop(args: _Args, i: int, comment: str) -> tuple[_Args, bool]:
    """Remove ``args[i]``; in a multi-line call the comment takes its line. Returns the new
    arguments and whether the comment was placed."""
    cur = args[i]
    out = list(args)
    del out[i]
    if i == 0:
        return out, False
    prev = args[i - 1]
    if not (
        isinstance(prev.comma, cst.Comma)
        and isinstance(prev.comma.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        out[i - 1] = prev.with_changes(
            comma=cur.comma, whitespace_after_arg=cur.whitespace_after_arg
        )
        return out, False
    indent = prev.comma.whitespace_after.last_line  # the arguments' indentation
    line = cst.EmptyLine(indent=True, whitespace=indent, comment=cst.Comment(comment))
    if isinstance(cur.comma, cst.Comma):
        ws = _with_comment(cur.comma.whitespace_after, line)
        comma = cur.comma if ws is None else cur.comma.with_changes(whitespace_after=ws)
        out[i - 1] = prev.with_changes(comma=comma, whitespace_after_arg=cur.whitespace_after_arg)
        return out, ws is not None
    ws = _with_comment(cur.whitespace_after_arg, line)
    out[i - 1] = prev.with_changes(
        comma=cst.MaybeSentinel.DEFAULT,
        whitespace_after_arg=cur.whitespace_after_arg if ws is None else ws,
    )
    return out, ws is not None


def _add(args: _Args, name: str, value: str) -> _Args:
    new = cst.Arg(
        keyword=cst.Name(name),
        value=cst.parse_expression(value),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if not args:
        return [new]
    last = args[-1]
    sep: cst.Comma | cst.MaybeSentinel = (
        args[-2].comma
        if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
        else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    )
    if isinstance(sep, cst.Comma) and isinstance(sep.whitespace_after, cst.ParenthesizedWhitespace):
        clean = sep.whitespace_after.with_changes(
            first_line=cst.TrailingWhitespace(), empty_lines=[]
        )
        sep = sep.with_changes(whitespace_after=clean)
    new = new.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    last = last.with_changes(comma=sep, whitespace_after_arg=cst.SimpleWhitespace(""))
    return [*args[:-1], last, new]


def apply_ops(args: Sequence[cst.Arg], ops: Sequence[ParamOp]) -> tuple[_Args, list[str]]:
    """The new argument list and the comments that could not be placed inline."""
    out = list(args)
    pending: list[str] = []
    order = {"rename": 0, "set": 1, "add_default": 1, "drop": 2}  # drops last: comments stay put
    for op in sorted(ops, key=lambda o: order[o.kind]):
        idx = next((i for i, a in enumerate(out) if _kw(a) == op.param), None)
        if op.kind == "rename" and idx is not None and op.new_param:
            if any(_kw(a) == op.new_param for a in out):
                text = _comment_line(f"{op.param} removed: {op.new_param} is already set")
                out, placed = _drop(out, idx, text)
                if not placed:
                    pending.append(text)
            else:
                out[idx] = out[idx].with_changes(keyword=cst.Name(op.new_param))
        elif op.kind == "drop" and idx is not None:
            text = _comment_line(f"{op.param} removed: {op.reason}")
            out, placed = _drop(out, idx, text)
            if not placed:
                pending.append(text)
        elif op.kind in ("set", "add_default"):
            value = literal_text(op.value, language="python")
            if idx is None:
                out = _add(out, op.param, value)
            elif op.kind == "set":
                out[idx] = out[idx].with_changes(value=cst.parse_expression(value))
    return out, pending


class _Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, targets: dict[int, list[ParamOp]]) -> None:
        super().__init__()
        self.targets = targets
        self.done: set[int] = set()
        self.pending: list[str] = []

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        line = self.get_metadata(PositionProvider, original).start.line
        ops = self.targets.get(line)
        if not ops or line in self.done or not isinstance(original.func, cst.Attribute | cst.Name):
            return updated
        if not any(_kw(a) == "model" for a in updated.args) and not any(
            _kw(a) == op.param for op in ops for a in updated.args
        ):
            return updated  # not the SDK call itself (e.g. a helper inside the arguments)
        self.done.add(line)
        args, pending = apply_ops(updated.args, ops)
        self.pending += pending
        return updated.with_changes(args=args)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if not self.pending:
            return updated
        text = "; ".join(c.removeprefix("# switchover: ") for c in self.pending)
        self.pending = []
        if updated.trailing_whitespace.comment is not None:
            return updated.with_changes(
                leading_lines=[
                    *updated.leading_lines,
                    cst.EmptyLine(comment=cst.Comment(_comment_line(text))),
                ]
            )
        return updated.with_changes(
            trailing_whitespace=updated.trailing_whitespace.with_changes(
                whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(_comment_line(text))
            )
        )


def rewrite_python_calls(source: str, targets: dict[int, list[ParamOp]]) -> tuple[str, list[int]]:
    """Apply ``targets`` (call start line -> operations) to ``source``; returns the new source
    and the lines whose call was not found."""
    if not targets:
        return source, []
    module = cst.parse_module(source)
    rewriter = _Rewriter(targets)
    new = MetadataWrapper(module).visit(rewriter)
    return new.code, sorted(set(targets) - rewriter.done)
