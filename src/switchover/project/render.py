"""Render a :class:`ProjectStatus` for the terminal (rich) and for chat / CI (Markdown)."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.table import Table

from switchover.project.model import KeyInterval, MigrationStatus, ProjectStatus
from switchover.rollout import format_duration

__all__ = ["fmt_interval", "render_markdown", "render_rich"]

_VERDICT_STYLE = {"GO": "bold green", "NO-GO": "bold red", "INCONCLUSIVE": "bold yellow"}


def _num(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:+.3f}" if abs(x) < 100 else f"{x:+.0f}"


def fmt_interval(k: KeyInterval) -> str:
    """``+0.012 [-0.004, +0.030] (margin 0.02)``."""
    return f"{_num(k.diff)} [{_num(k.ci_low)}, {_num(k.ci_high)}] (margin {k.margin:g})"


def _days(m: MigrationStatus) -> str:
    if m.deadline is None:
        return "no deadline"
    left = m.days_left if m.days_left is not None else 0
    when = f"{left} day(s) left" if left >= 0 else f"{-left} day(s) past"
    return f"{m.deadline} ({when}; from {m.deadline_source})"


def _eval_line(m: MigrationStatus) -> str:
    ev = m.eval
    if ev is None:
        return "not evaluated yet"
    verdict = ev.verdict or "running / unfinished"
    return f"{verdict} (run {ev.run_id}{'' if ev.complete else ', incomplete'})"


def render_rich(status: ProjectStatus, console: Console) -> None:
    """The status as a terminal report."""
    console.print(
        f"[bold]{status.project}[/] status on {status.today} ([dim]{status.config or 'no config'}; "
        f"store {status.store}[/])",
        soft_wrap=True,
    )
    if not status.migrations:
        console.print("No migrations defined: run `switchover init`.")
    for m in status.migrations:
        console.rule(f"[bold]{m.name}[/]: {m.from_model} -> {m.to_model}")
        style = "red" if m.days_left is not None and m.days_left < 14 else "default"
        console.print(
            f"  deadline: [{style}]{_days(m)}[/]" + (f"; owner {m.owner}" if m.owner else "")
        )
        site_style = "yellow" if m.call_sites else "green"
        console.print(
            f"  code on the old model: [{site_style}]{len(m.call_sites)} site(s)[/]"
            + (f", {m.param_problems} parameter problem(s)" if m.param_problems else "")
            + ("" if status.scanned else " (not scanned)")
        )
        for s in m.call_sites[:8]:
            extra = f"  [dim]rejects {', '.join(s.params)}[/]" if s.params else ""
            console.print(
                f"    {s.path}:{s.line}  {s.context}  {s.expression}{extra}", soft_wrap=True
            )
        if len(m.call_sites) > 8:
            console.print(f"    ... and {len(m.call_sites) - 8} more")
        ev = m.eval
        vstyle = _VERDICT_STYLE.get(ev.verdict or "", "default") if ev else "default"
        console.print(f"  evaluation: [{vstyle}]{_eval_line(m)}[/]")
        if ev is not None:
            for k in ev.intervals[:6]:
                console.print(f"    {k.metric:<22} {fmt_interval(k)}  {k.verdict}")
            if "html" in ev.reports:
                console.print(f"    report: {ev.reports['html']}", soft_wrap=True)
            if ev.note:
                console.print(f"    [dim]{ev.note}[/]")
        ro = m.rollout
        console.print(f"  rollout: [bold]{ro.summary}[/] (state version {ro.version})")
        if ro.time_in_stage_s is not None and ro.required_s is not None:
            console.print(
                f"    in stage {format_duration(_td(ro.time_in_stage_s))} of "
                f"{format_duration(_td(ro.required_s))}; gate failures {ro.failures} of "
                f"{ro.failure_limit}"
            )
        if ro.gates:
            table = Table(show_edge=False, pad_edge=False, box=None)
            for col in ("    gate", "outcome", "baseline", "candidate", "samples", "reason"):
                table.add_column(col)
            for g in ro.gates:
                table.add_row(
                    f"    {g.gate}",
                    g.outcome,
                    _plain(g.baseline),
                    _plain(g.candidate),
                    f"{g.samples[0]}/{g.samples[1]}",
                    g.reason,
                )
            console.print(table)
        if ro.schedule:
            console.print(f"    schedule from now: {ro.schedule}")
        for w in m.warnings:
            console.print(f"  [bold yellow]warning:[/] {w}", soft_wrap=True)
        console.print(f"  [bold cyan]next:[/] {m.next_step}", soft_wrap=True)


def _td(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def _plain(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(status: ProjectStatus) -> str:
    """The status as Markdown (a pull-request or chat message)."""
    out = [f"## {status.project}: migration status on {status.today}", ""]
    if not status.migrations:
        out.append("No migrations defined: run `switchover init`.")
    for m in status.migrations:
        ro = m.rollout
        out += [
            f"### {m.name}: `{m.from_model}` → `{m.to_model}`",
            "",
            "| | |",
            "|---|---|",
            f"| deadline | {_md_escape(_days(m))} |",
            f"| owner | {m.owner or '-'} |",
            f"| code on the old model | {len(m.call_sites)} site(s), "
            f"{m.param_problems} parameter problem(s) |",
            f"| evaluation | {_md_escape(_eval_line(m))} |",
            f"| rollout | {_md_escape(ro.summary)} |",
            f"| next step | {_md_escape(m.next_step)} |",
            "",
        ]
        if m.eval is not None and m.eval.intervals:
            out += ["| metric | candidate − baseline [95% CI] | verdict |", "|---|---|---|"]
            out += [f"| {k.metric} | {fmt_interval(k)} | {k.verdict} |" for k in m.eval.intervals]
            out.append("")
        if ro.gates:
            out += ["| gate | outcome | baseline | candidate | reason |", "|---|---|---|---|---|"]
            out += [
                f"| {g.gate} | {g.outcome} | {_plain(g.baseline)} | {_plain(g.candidate)} | "
                f"{_md_escape(g.reason)} |"
                for g in ro.gates
            ]
            out.append("")
        if m.call_sites:
            out.append("<details><summary>Sites on the old model</summary>\n")
            out += [f"- `{s.path}:{s.line}` {s.context} `{s.expression}`" for s in m.call_sites]
            out += ["", "</details>", ""]
        out += [f"> ⚠️ {_md_escape(w)}" for w in m.warnings]
        if m.warnings:
            out.append("")
    return "\n".join(out).rstrip() + "\n"
