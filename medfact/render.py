"""Turning assessments into text for people (rich). Programs read JSON (medfact.io.result_json).

Every text that came from input (ids, outputs, messages) is escaped first
(:func:`medfact.io.printable`): a control sequence in a record must not reach the terminal.
Findings are shown worst first, each at ``line:col`` of the output (1-based, code points);
findings on overlapping words are grouped under the worst of them.
"""

from __future__ import annotations

import bisect
import re

from rich.console import Console
from rich.text import Text

from medfact.io import printable, printable_offsets
from medfact.taxonomy import ErrorGroup
from medfact.types import Assessment, Finding, RecordError

GROUP_STYLE = {
    ErrorGroup.HALLUCINATION: "bold white on red",
    ErrorGroup.OMISSION: "black on yellow",
    ErrorGroup.CERTAINTY: "black on magenta",
    ErrorGroup.OTHER: "black on cyan",
}
RISK_STYLE = {1: "green", 2: "green", 3: "yellow", 4: "bold red"}


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Worst first: risk descending, then position in the output (omissions last)."""
    return sorted(
        findings,
        key=lambda f: (-int(f.risk), f.span is None, f.span[0] if f.span else 0),
    )


def grouped_findings(findings: list[Finding]) -> list[list[Finding]]:
    """Findings whose output spans overlap (one invented prescription: the drug, its dose, its
    words) as one group, worst first; groups ordered as :func:`sorted_findings` orders their
    worst. Omissions stay alone."""
    spanned = sorted((f for f in findings if f.span is not None), key=lambda f: f.span)
    groups: list[list[Finding]] = []
    end = -1
    for f in spanned:
        if groups and f.span[0] < end:
            groups[-1].append(f)
            end = max(end, f.span[1])
        else:
            groups.append([f])
            end = f.span[1]
    groups += [[f] for f in findings if f.span is None]
    groups = [sorted_findings(g) for g in groups]
    rank = {id(f): i for i, f in enumerate(sorted_findings([g[0] for g in groups]))}
    return sorted(groups, key=lambda g: rank[id(g[0])])


def line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` begins (for :func:`line_col` on many offsets)."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def line_col(text: str, offset: int, starts: list[int] | None = None) -> tuple[int, int]:
    """1-based line and column (code points) of a character offset into ``text``; pass
    ``line_starts(text)`` when asking for many offsets of one text."""
    offset = max(0, min(offset, len(text)))
    starts = starts if starts is not None else line_starts(text)
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def risk_summary(a: Assessment, scorer: str | None = None) -> str:
    """``risk 2 (low, safe)``; when a finding alone is worse than the case, says who put the
    case lower: ``risk 2 (low, safe; the calibrated scorer; worst finding risk 3)``."""
    level = int(a.risk_level)
    words = f"{a.risk_name}, {'safe' if a.safe else 'UNSAFE'}"
    worst = max((int(f.risk) for f in a.findings), default=0)
    if worst > level:
        words += f"; {scorer or 'the case scorer'}; worst finding risk {worst}"
    return f"risk {level} ({words})"


def render_assessment(
    console: Console,
    a: Assessment,
    output_text: str,
    *,
    scorer: str | None = None,
    compact: bool = False,
) -> None:
    """The case line, the output with its findings highlighted, one line per finding worst
    first, findings on overlapping words grouped under the worst (``+``); ``compact``: the
    case line and a not-checked warning only."""
    level = int(a.risk_level)
    fact = "n/a" if a.factuality is None else f"{a.factuality:.2f}"
    head = Text(f"{printable(a.id, one_line=True)}: ", style="bold")
    head.append(risk_summary(a, scorer), style=RISK_STYLE[level])
    head.append(f"  factuality {fact}  claims {len(a.claims)}  findings {len(a.findings)}")
    console.print(head)
    status = getattr(a, "status", None) or "checked"
    warning = None
    if status != "checked":
        reason = getattr(a, "status_reason", None) or "nothing in it could be checked"
        warning = Text(f"  warning: not checked: {printable(str(reason), one_line=True)}")
        warning.stylize("bold yellow")
    if compact:
        if warning is not None:
            console.print(warning)
        return
    shown, offsets = printable_offsets(output_text)
    body = Text(shown)
    ordered = sorted_findings(a.findings)
    for f in ordered:
        if f.span is not None and f.span[1] <= len(output_text):
            body.stylize(GROUP_STYLE[f.group], offsets[f.span[0]], offsets[f.span[1]])
    console.print(body)
    if warning is not None:
        console.print(warning)
    starts = line_starts(output_text)
    for group in grouped_findings(a.findings):
        for part, f in enumerate(group):
            where = (
                "{}:{}".format(*line_col(output_text, f.span[0], starts))
                if f.span
                else "(omission)"
            )
            line = Text(f"  {where} " if part == 0 else f"      + {where} ", style="dim")
            line.append(f"{f.category.value}", style=GROUP_STYLE[f.group])
            line.append(f" risk {int(f.risk)}: {printable(f.message, one_line=True)}")
            if f.suggestion:
                line.append(f"  -> {printable(f.suggestion, one_line=True)}", style="green")
            console.print(line)
    console.print()


def render_error(console: Console, e: RecordError) -> None:
    err = e.error
    line = Text("error", style="bold red")
    where = f"line {err['line']}, " if err.get("line") else ""
    field = f"field {err['field']!r}: " if err.get("field") else ""
    rid = printable(str(e.id), one_line=True)
    line.append(printable(f" record {rid}: {where}{field}{err.get('message', '')}", one_line=True))
    console.print(line, highlight=False)
