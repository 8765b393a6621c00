"""Turning assessments into text for people (rich) and into JSON lines for programs."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from medfact.taxonomy import ErrorGroup
from medfact.types import Assessment, RecordError

GROUP_STYLE = {
    ErrorGroup.HALLUCINATION: "bold white on red",
    ErrorGroup.OMISSION: "black on yellow",
    ErrorGroup.CERTAINTY: "black on magenta",
    ErrorGroup.OTHER: "black on cyan",
}
RISK_STYLE = {1: "green", 2: "green", 3: "yellow", 4: "bold red"}


def render_assessment(console: Console, a: Assessment, output_text: str) -> None:
    level = int(a.risk_level)
    fact = "n/a" if a.factuality is None else f"{a.factuality:.2f}"
    head = Text(f"{a.id}: ", style="bold")
    head.append(
        f"risk {level} ({a.risk_name}, {'safe' if a.safe else 'UNSAFE'})", style=RISK_STYLE[level]
    )
    head.append(f"  factuality {fact}  claims {len(a.claims)}  findings {len(a.findings)}")
    console.print(head)
    body = Text(output_text)
    for f in a.findings:
        if f.span is not None:
            body.stylize(GROUP_STYLE[f.group], f.span[0], f.span[1])
    console.print(body)
    for f in a.findings:
        where = f"[{f.span[0]}:{f.span[1]}]" if f.span else "(omission)"
        line = Text(f"  {where} ", style="dim")
        line.append(f"{f.category.value}", style=GROUP_STYLE[f.group])
        line.append(f" risk {int(f.risk)}: {f.message}")
        if f.suggestion:
            line.append(f"  -> {f.suggestion}", style="green")
        console.print(line)
    console.print()


def render_error(console: Console, e: RecordError) -> None:
    err = e.error
    where = f"line {err['line']}, " if err.get("line") else ""
    field = f"field {err['field']!r}: " if err.get("field") else ""
    console.print(
        f"[bold red]error[/] record {e.id}: {where}{field}{err['message']}",
        markup=True,
        highlight=False,
    )
