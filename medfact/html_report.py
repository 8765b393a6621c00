"""A self-contained HTML page of assessments: each output with its findings highlighted.

One file, no network: CSS and JavaScript are inline, there is no external URL, and a
Content-Security-Policy forbids every load and every script but the page's own (pinned by hash).
Every piece of text is HTML-escaped.

Input: JSON Lines as ``medfact gate --format json`` writes them (each line carries the
assessment, the output and the context), or as ``medfact score --input`` writes them
(assessments and error records; the texts then come from ``cases``, the JSONL the scores were
made from, matched by id).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from medfact import __version__
from medfact.taxonomy import ErrorCategory, ErrorGroup, RiskLevel
from medfact.types import Assessment, Finding

GROUP_COLOURS = {  # background, text: the hues of the terminal renderer, softened for reading
    ErrorGroup.HALLUCINATION: ("#f8c4c4", "#7a0c0c"),
    ErrorGroup.OMISSION: ("#fde68a", "#6b4f00"),
    ErrorGroup.CERTAINTY: ("#e9c6f5", "#5b1670"),
    ErrorGroup.OTHER: ("#bfeff5", "#0b5560"),
}
RISK_COLOURS = {1: "#2e7d32", 2: "#689f38", 3: "#ef8f00", 4: "#c62828"}


@dataclass
class ReportItem:
    """One case of the report: its assessment (or error) and, when known, its texts."""

    id: str
    assessment: Assessment | None = None
    error: dict[str, Any] | None = None
    output: str | None = None
    context: str | None = None
    name: str | None = None  # the input as the gate named it ("notes/a.txt")
    status: str | None = None  # the gate's pass / fail / error
    reasons: list[str] = field(default_factory=list)
    locations: list[dict[str, int]] | None = None  # file positions of the findings (gate)
    line: int | None = None  # line of the results file it came from
    unreadable: bool = False  # the results line itself could not be read


def read_items(
    stream: IO[bytes], cases: dict[str, dict[str, Any]] | None = None
) -> Iterator[ReportItem]:
    """Report items from a results JSONL stream; a line that cannot be read becomes an item
    with an error naming the line, so nothing is lost."""
    from medfact.io import iter_jsonl

    for number, record in iter_jsonl(stream):
        if not isinstance(record, dict):  # a RecordError from the reader
            yield ReportItem(id=f"line {number}", error=record.error, line=number, unreadable=True)
            continue
        try:
            yield _item(record, number, cases or {})
        except Exception as exc:  # any shape that is not a result: that line's error item
            yield ReportItem(
                id=str(record.get("id") or f"line {number}"),
                error={
                    "code": "E010",
                    "field": None,
                    "message": f"line {number} is not a medfact result: {_first_line(exc)}",
                    "line": number,
                },
                line=number,
                unreadable=True,
            )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _assessment(data: dict[str, Any]) -> Assessment:
    if not isinstance(data, dict):
        raise TypeError(f"an assessment must be an object, got {type(data).__name__}")
    findings = data.get("findings", [])
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise TypeError("'findings' must be a list of objects")
    return Assessment.from_json(json.dumps(data))


def _item(record: dict[str, Any], number: int, cases: dict[str, dict[str, Any]]) -> ReportItem:
    if "status" in record and "input" in record:  # medfact gate --format json
        a = record.get("assessment")
        rid = str(record.get("id") or record["input"])
        item = ReportItem(
            id=rid,
            assessment=_assessment(a) if a else None,
            error=record.get("error"),
            output=record.get("output"),
            context=record.get("context"),
            name=record["input"],
            status=record["status"],
            reasons=list(record.get("reasons") or []),
            locations=record.get("locations"),
            line=number,
        )
    elif "error" in record and "risk_level" not in record:  # a RecordError
        item = ReportItem(id=str(record.get("id") or f"line {number}"), error=record["error"])
        item.line = number
    else:  # an Assessment, perhaps with its texts alongside
        data = {k: v for k, v in record.items() if k not in ("output", "context", "question")}
        a = _assessment(data)
        item = ReportItem(
            id=a.id,
            assessment=a,
            output=record.get("output"),
            context=record.get("context"),
            line=number,
        )
    case = cases.get(item.id)
    if case is not None:
        item.output = item.output if item.output is not None else case.get("output")
        item.context = item.context if item.context is not None else case.get("context")
    return item


def read_cases(stream: IO[bytes]) -> dict[str, dict[str, Any]]:
    """Cases by id from a JSONL stream (lines that cannot be read are skipped). Raises
    InputError when two lines share an id: results are matched to their texts by id, so one
    case's findings would be drawn over another's text."""
    from medfact.errors import DuplicateIdError
    from medfact.io import escape_surrogates, iter_jsonl

    out: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for number, record in iter_jsonl(stream):
        if not isinstance(record, dict):
            continue
        rid = str(record.get("id"))
        if rid in out:
            raise DuplicateIdError(
                f"the cases file has id {escape_surrogates(rid)!r} on lines {lines[rid]} and "
                f"{number}; results are matched to cases by id, so ids must be unique",
                field="id",
            )
        out[rid], lines[rid] = record, number
    return out


# --------------------------------------------------------------------------- rendering


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _segments(text: str, spans: list[tuple[int, int, int]]) -> Iterator[tuple[int, int, list[int]]]:
    """Split ``text`` at every span boundary: (start, end, indices of the spans covering it)."""
    n = len(text)
    cuts = {0, n}
    clean = []
    for start, end, index in spans:
        start, end = max(0, min(start, n)), max(0, min(end, n))
        if end > start:
            clean.append((start, end, index))
            cuts.update((start, end))
    points = sorted(cuts)
    for a, b in zip(points, points[1:], strict=False):
        yield a, b, [i for s, e, i in clean if s <= a and b <= e]


def _finding_title(f: Finding) -> str:
    text = f"{f.category.value} (risk {int(f.risk)}): {f.message}"
    if f.suggestion:
        text += f" \u2192 suggested: {f.suggestion}"
    return text


def highlight(text: str, findings: list[Finding], case_index: int, *, use_context: bool = False):
    """Escaped HTML of ``text`` with each finding's span in a ``<mark>`` coloured by its group.

    Where findings overlap, the riskiest decides the colour and the tooltip lists them all.
    """
    spans = []
    for i, f in enumerate(findings):
        span = f.context_span if use_context else f.span
        if span is not None:
            spans.append((span[0], span[1], i))
    parts = []
    for start, end, covering in _segments(text, spans):
        chunk = _e(text[start:end])
        if not covering:
            parts.append(chunk)
            continue
        lead = max(covering, key=lambda i: (int(findings[i].risk), -i))
        f = findings[lead]
        refs = " ".join(f"c{case_index}-f{i + 1}" for i in covering)
        multi = " multi" if len(covering) > 1 else ""
        title = "\n".join(_finding_title(findings[i]) for i in covering)
        parts.append(
            f'<mark class="hl g-{_e(f.group.value)} r{int(f.risk)}{multi}" '
            f'data-category="{_e(f.category.value)}" data-findings="{_e(refs)}" '
            f'tabindex="0" title="{_e(title)}">{chunk}</mark>'
        )
    return "".join(parts)


_CSS = """
:root { --ink:#1d232a; --muted:#5f6b76; --line:#d9dee3; --paper:#fff; --bg:#f4f6f8; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
header.top { background:#17324d; color:#fff; padding:18px 28px; }
header.top h1 { margin:0; font-size:22px; }
header.top p { margin:4px 0 0; color:#c8d6e5; font-size:13px; }
main { max-width:1180px; margin:0 auto; padding:20px 28px 60px; }
section.panel { background:var(--paper); border:1px solid var(--line); border-radius:8px;
  padding:16px 20px; margin-bottom:18px; }
h2 { font-size:17px; margin:0 0 10px; }
.summary { display:grid; grid-template-columns:repeat(auto-fit,minmax(320px,1fr)); gap:18px; }
.stats { display:flex; gap:22px; flex-wrap:wrap; margin-bottom:8px; }
.stat b { display:block; font-size:24px; }
.stat span { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; vertical-align:top; padding:5px 8px; border-bottom:1px solid var(--line);
  font-size:13.5px; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; }
.bar { height:12px; border-radius:3px; }
.barcell { width:45%; }
.badge { display:inline-block; padding:2px 9px; border-radius:11px; color:#fff; font-weight:600;
  font-size:12.5px; white-space:nowrap; }
.r1 .badge, .badge.r1 { background:#2e7d32; } .badge.r2 { background:#689f38; }
.badge.r3 { background:#ef8f00; } .badge.r4 { background:#c62828; }
.badge.err { background:#546e7a; }
.chip { display:inline-block; padding:1px 7px; border-radius:4px; font-size:12.5px;
  white-space:nowrap; }
.legend { display:flex; gap:10px; flex-wrap:wrap; align-items:center; font-size:13px; }
.controls { display:flex; gap:16px; align-items:center; flex-wrap:wrap; margin-top:10px;
  font-size:13.5px; }
article.case { background:var(--paper); border:1px solid var(--line); border-left:6px solid #999;
  border-radius:8px; padding:14px 18px; margin-bottom:16px; }
article.case.risk1 { border-left-color:#2e7d32; } article.case.risk2 { border-left-color:#689f38; }
article.case.risk3 { border-left-color:#ef8f00; } article.case.risk4 { border-left-color:#c62828; }
article.case.error { border-left-color:#546e7a; }
article.case h3 { margin:0 0 6px; font-size:16px; display:flex; gap:10px; align-items:center;
  flex-wrap:wrap; }
.meta { color:var(--muted); font-size:13px; }
.reasons { color:#b71c1c; font-size:13.5px; margin:4px 0; }
pre.text { white-space:pre-wrap; word-wrap:break-word; font:14px/1.6 ui-monospace,Menlo,Consolas,
  monospace; background:#fafbfc; border:1px solid var(--line); border-radius:6px; padding:10px 12px;
  margin:8px 0; }
mark.hl { border-radius:3px; padding:0 1px; cursor:help; }
mark.r3, mark.r4 { text-decoration:underline wavy; text-underline-offset:3px; }
mark.hl:focus { outline:2px solid #17324d; }
mark.hl.multi { box-shadow:inset 0 -3px 0 rgba(0,0,0,.35); }
tr.flash { animation:flash 1.6s ease-out; }
@keyframes flash { from { background:#fff59d; } to { background:transparent; } }
td.ev { max-width:340px; color:#34404b; }
td.ev q { font-style:italic; }
td.flagged code, td.sugg code { background:#f1f3f5; padding:0 3px; border-radius:3px;
  white-space:pre-wrap; }
details { margin:6px 0; } summary { cursor:pointer; color:var(--muted); font-size:13.5px; }
.none { color:var(--muted); font-style:italic; }
body.only-unsafe article.case.safe { display:none; }
h2.cases { margin:22px 0 10px; }
footer { color:var(--muted); font-size:12px; text-align:center; margin-top:24px; }
@media print { .controls { display:none; } article.case { break-inside:avoid; } }
"""

_JS = """
(function () {
  var box = document.getElementById('only-unsafe');
  if (box) { box.addEventListener('change', function () {
    document.body.classList.toggle('only-unsafe', box.checked); }); }
  function go(mark) {
    var refs = (mark.getAttribute('data-findings') || '').split(' ');
    var row = document.getElementById(refs[0]);
    if (!row) { return; }
    row.scrollIntoView({block: 'center', behavior: 'smooth'});
    refs.forEach(function (id) { var r = document.getElementById(id); if (r) {
      r.classList.remove('flash'); void r.offsetWidth; r.classList.add('flash'); } });
  }
  document.querySelectorAll('mark.hl').forEach(function (mark) {
    mark.addEventListener('click', function () { go(mark); });
    mark.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { go(mark); } });
  });
  document.body.classList.add('js-ready');
})();
"""


def _group_css() -> str:
    rules = []
    for group, (bg, fg) in GROUP_COLOURS.items():
        rules.append(f".g-{group.value} {{ background:{bg}; color:{fg}; }}")
    return "\n".join(rules)


def _csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()


def _badge(level: int) -> str:
    r = RiskLevel(level)
    return f'<span class="badge r{level}">risk {level} &middot; {_e(r.label)}</span>'


def _chip(category: ErrorCategory) -> str:
    return f'<span class="chip g-{category.group.value}">{_e(category.value)}</span>'


def _where(item: ReportItem, f: Finding, index: int) -> str:
    if f.span is None:
        if f.context_span is not None:
            return f"in the input, chars {f.context_span[0]}&ndash;{f.context_span[1]}"
        return "not in the text"
    if item.locations and index < len(item.locations):
        loc = item.locations[index]
        if "start_column" in loc:
            return _e(f"line {loc['start_line']}, col {loc['start_column']}")
    if item.output is not None:
        from medfact.gate import LineIndex

        line, col = LineIndex(item.output).position(f.span[0])
        return _e(f"line {line}, col {col}")
    return _e(f"chars {f.span[0]}\u2013{f.span[1]}")


def _evidence(f: Finding) -> str:
    if not f.evidence:
        return '<span class="none">none recorded</span>'
    parts = []
    for ev in f.evidence[:3]:
        src = ev.source + (f" {ev.doc_id}" if ev.doc_id else "")
        parts.append(f"<div><q>{_e(ev.text)}</q> <span class='meta'>({_e(src)})</span></div>")
    if len(f.evidence) > 3:
        parts.append(f"<div class='meta'>and {len(f.evidence) - 3} more</div>")
    return "".join(parts)


def _findings_table(item: ReportItem, findings: list[Finding], ci: int) -> str:
    if not findings:
        return '<p class="none">No findings.</p>'
    rows = []
    for i, f in enumerate(findings):
        flagged = ""
        if f.span is not None and item.output is not None:
            flagged = f"<code>{_e(item.output[f.span[0] : f.span[1]])}</code>"
        elif f.span is None:
            flagged = '<span class="none">left out</span>'
            if f.context_span is not None and item.context is not None:
                missed = item.context[f.context_span[0] : f.context_span[1]]
                flagged += f" <code>{_e(missed)}</code>"
        sugg = f"<code>{_e(f.suggestion)}</code>" if f.suggestion else ""
        rows.append(
            f'<tr id="c{ci}-f{i + 1}" class="finding g-row-{f.group.value}">'
            f"<td>{i + 1}</td><td>{_chip(f.category)}</td>"
            f'<td><span class="badge r{int(f.risk)}">{int(f.risk)}</span></td>'
            f"<td>{_where(item, f, i)}</td><td class='flagged'>{flagged}</td>"
            f"<td>{_e(f.message)}<div class='meta'>{_e(f.rule)}, {_e(f.relation)}</div></td>"
            f"<td class='ev'>{_evidence(f)}</td><td class='sugg'>{sugg}</td></tr>"
        )
    return (
        "<table class='findings'><thead><tr><th>#</th><th>Category</th><th>Risk</th>"
        "<th>Where</th><th>Flagged</th><th>Message</th><th>Evidence</th><th>Suggestion</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _case_html(item: ReportItem, ci: int) -> str:
    name = item.name or item.id
    if item.assessment is None:
        err = item.error or {}
        where = f" (results line {item.line})" if item.line else ""
        return (
            f'<article class="case error" id="case-{ci}"><h3>{_e(name)} '
            f'<span class="badge err">not scored</span></h3>'
            f"<p class='reasons'>{_e(err.get('code', ''))} {_e(err.get('message', ''))}{_e(where)}"
            "</p></article>"
        )
    a = item.assessment
    level = int(a.risk_level)
    fact = "n/a" if a.factuality is None else f"{a.factuality:.2f}"
    safe = "safe" if a.safe else "unsafe"
    status = f" &middot; gate: <b>{_e(item.status)}</b>" if item.status else ""
    head = (
        f'<article class="case risk{level} {safe}" id="case-{ci}" data-risk="{level}">'
        f"<h3>{_e(name)} {_badge(level)}</h3>"
        f"<div class='meta'>id {_e(a.id)} &middot; {safe} &middot; factuality {fact} &middot; "
        f"{len(a.claims)} claims &middot; {len(a.findings)} findings{status}</div>"
    )
    if item.reasons:
        head += f"<div class='reasons'>{_e('; '.join(item.reasons))}</div>"
    if item.output is not None:
        body = f'<pre class="text output">{highlight(item.output, a.findings, ci)}</pre>'
    else:
        body = (
            "<p class='none'>The output text is not in the results; pass the cases file "
            "(--cases) to see it highlighted.</p>"
        )
    if item.context:
        body += (
            "<details><summary>Input (context), with the passages the findings point at</summary>"
            f'<pre class="text context">{highlight(item.context, a.findings, ci, use_context=True)}'
            "</pre></details>"
        )
    return head + body + _findings_table(item, a.findings, ci) + "</article>"


def _summary(items: list[ReportItem]) -> str:
    scored = [i.assessment for i in items if i.assessment is not None]
    errors = len(items) - len(scored)
    unsafe = sum(not a.safe for a in scored)
    risk = Counter(int(a.risk_level) for a in scored)
    cats = Counter(f.category for a in scored for f in a.findings)
    cases_with = Counter(c for a in scored for c in {f.category for f in a.findings})
    stats = "".join(
        f"<div class='stat'><b>{v}</b><span>{_e(k)}</span></div>"
        for k, v in (
            ("cases", len(items)),
            ("safe", len(scored) - unsafe),
            ("unsafe", unsafe),
            ("not scored", errors),
            ("findings", sum(cats.values())),
        )
    )
    top = max(risk.values(), default=0) or 1
    risk_rows = "".join(
        f"<tr class='risk-row' data-level='{lvl}'><td>{_badge(lvl)}</td><td>{risk.get(lvl, 0)}</td>"
        f"<td class='barcell'><div class='bar' style='width:{100 * risk.get(lvl, 0) / top:.1f}%;"
        f"background:{RISK_COLOURS[lvl]}'></div></td></tr>"
        for lvl in (1, 2, 3, 4)
    )
    ctop = max(cats.values(), default=0) or 1
    cat_rows = "".join(
        f"<tr class='cat-row' data-category='{c.value}'><td>{_chip(c)}</td>"
        f"<td class='meta'>{_e(c.group.value.replace('_', ' '))}</td><td>{cats.get(c, 0)}</td>"
        f"<td>{cases_with.get(c, 0)}</td><td class='barcell'><div class='bar' "
        f"style='width:{100 * cats.get(c, 0) / ctop:.1f}%;background:{GROUP_COLOURS[c.group][1]}'>"
        "</div></td></tr>"
        for c in ErrorCategory
    )
    legend = "".join(
        f"<span class='chip g-{g.value}'>{_e(g.value.replace('_', ' '))}</span>"
        for g in GROUP_COLOURS
    )
    return (
        "<section class='panel'><h2>Summary</h2>"
        f"<div class='stats'>{stats}</div><div class='summary'>"
        "<div><h2>Risk distribution</h2><table id='risk-distribution'><thead><tr><th>Risk</th>"
        f"<th>Cases</th><th></th></tr></thead><tbody>{risk_rows}</tbody></table></div>"
        "<div><h2>Findings per category</h2><table id='category-counts'><thead><tr>"
        "<th>Category</th><th>Group</th><th>Findings</th><th>Cases</th><th></th></tr></thead>"
        f"<tbody>{cat_rows}</tbody></table></div></div>"
        f"<div class='controls'><span class='legend'>Highlights by group: {legend}</span>"
        "<label><input type='checkbox' id='only-unsafe'> show unsafe and unscored cases only"
        "</label></div></section>"
    )


def _worst_first(items: list[ReportItem]) -> list[ReportItem]:
    """Unsafe cases (riskiest first), then those not scored, then safe ones; ties keep order."""

    def rank(item: ReportItem) -> tuple[int, int]:
        if item.assessment is None:
            return (1, 0)
        level = int(item.assessment.risk_level)
        return (0 if level >= 3 else 2, -level)

    return sorted(items, key=rank)


def render_html(
    items: Iterable[ReportItem], *, title: str = "medfact report", source: str = ""
) -> str:
    """The whole page as a string."""
    items = list(items)
    css = _CSS + _group_css()
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src '{_csp_hash(_JS)}'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    cases = "".join(_case_html(item, i) for i, item in enumerate(_worst_first(items), start=1))
    sub = f"{len(items)} cases" + (f" from {_e(source)}" if source else "")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='generator' content='medfact {_e(__version__)}'>"
        f"<title>{_e(title)}</title><style>{css}</style></head><body>"
        f"<header class='top'><h1>{_e(title)}</h1><p>{sub} &middot; risk 1&ndash;2 safe, "
        "3&ndash;4 unsafe &middot; hover a highlight for its finding, click it to find its row"
        "</p></header><main>"
        + _summary(items)
        + "<h2 class='cases'>Cases, the riskiest first</h2>"
        + (cases or "<p class='none'>No results.</p>")
        + f"<footer>Made by medfact {_e(__version__)}. Self-contained: this page loads nothing."
        "</footer></main>"
        f"<script>{_JS}</script></body></html>\n"
    )
