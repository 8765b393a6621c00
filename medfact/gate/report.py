"""Gate results as reports: SARIF 2.1.0, JUnit XML, JSON Lines, and text for people.

Levels follow the gate. A finding is SARIF ``error`` only when it makes its input fail: its risk
is over ``max_risk`` in an input that failed on risk (when the case risk alone is over, with no
finding over it, the highest findings of that input). Every other finding is ``warning`` (risk
2 and up) or ``note`` (risk 1): a passing input has no errors. JUnit has a ``failure`` only for
failing inputs and an ``error`` for inputs that could not be checked.

Suppressed findings are reported, not dropped: SARIF ``suppressions`` (``inSource`` for a
``medfact: ignore`` in the text, ``external`` for ``--ignore`` and baselines), JSON
``suppressed``; text output counts them.

Names and messages in text output have control characters escaped (``\\x0a``, ``\\x1b``, ...): a
file name with a newline cannot forge a ``path:line:col`` line, and no escape sequence reaches
the terminal.

SARIF locations: relative URI, 1-based lines, columns in Unicode code points as the run's
``columnKind`` declares, exclusive end column. A finding with a suggested replacement carries it
as a SARIF ``fix``. Omissions are located at line 1 of the file (or the JSONL record's line) with
``properties.omission = true``. Inputs that could not be checked become error notifications of
the invocation, which is then not ``executionSuccessful``.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from medfact import __version__
from medfact.gate.locate import Region
from medfact.gate.runner import ERROR, FAIL, PASS, GateResult, GateRun
from medfact.gate.settings import GateSettings
from medfact.io import printable
from medfact.taxonomy import ErrorCategory, ErrorGroup
from medfact.types import Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def escape(text: str) -> str:
    """``text`` on one line with nothing in it acting on a terminal (control, line-separator and
    bidi characters escaped as ``\\xNN`` / ``\\uNNNN``)."""
    return printable(text, one_line=True)


def finding_levels(result: GateResult, settings: GateSettings) -> list[str]:
    """The SARIF level of each finding of a result (see the module docstring)."""
    a = result.assessment
    if a is None:
        return []
    risks = [int(f.risk) for f in a.findings]
    counts = [result.suppression(i) is None for i in range(len(risks))]
    failed_on_risk = result.status == FAIL and (result.risk or 0) > settings.max_risk
    over = [c and r > settings.max_risk for r, c in zip(risks, counts, strict=True)]
    if failed_on_risk and not any(over):
        top = max((r for r, c in zip(risks, counts, strict=True) if c), default=0)
        over = [c and r == top for r, c in zip(risks, counts, strict=True)]
    return [
        "error" if failed_on_risk and o else "note" if r <= 1 else "warning"
        for r, o in zip(risks, over, strict=True)
    ]


def _words(name: str) -> str:
    return name.replace("_", " ")


def _rule_name(category: ErrorCategory) -> str:
    return "".join(part.capitalize() for part in category.value.split("_"))


def sarif_rules() -> list[dict[str, Any]]:
    """One reporting descriptor per error category, in taxonomy order."""
    return [
        {
            "id": c.value,
            "name": _rule_name(c),
            "shortDescription": {"text": c.description[0].upper() + c.description[1:] + "."},
            "fullDescription": {
                "text": f"{_words(c.value).capitalize()} ({_words(c.group.value)}): "
                f"{c.description}."
            },
            "defaultConfiguration": {"level": "warning"},
            "properties": {"group": c.group.value, "tags": ["medfact", c.group.value]},
        }
        for c in ErrorCategory
    ]


_RULE_INDEX = {c.value: i for i, c in enumerate(ErrorCategory)}


def artifact_uri(uri: str) -> str:
    """A URI reference for a path as the gate names it (forward slashes, percent-encoded)."""
    if uri.startswith("/"):
        return "file://" + quote(uri)
    if re.match(r"^[A-Za-z]:/", uri):
        return "file:///" + quote(uri)
    return quote(uri)


def _sarif_region(region: Region) -> dict[str, int]:
    out = {"startLine": region.start_line}
    if region.start_column is not None:
        out["startColumn"] = region.start_column
        out["endLine"] = region.end_line or region.start_line
        out["endColumn"] = region.end_column or region.start_column
    return out


def _message(f: Finding) -> str:
    text = f.message.rstrip(".") + "."
    if f.suggestion:
        text += f" Suggested: {f.suggestion!r}."
    return text


def _fingerprint(result: GateResult, f: Finding) -> str:
    """Stable across runs and line moves: file, category, rule and the flagged characters' hash
    (no text in the clear)."""
    case = result.input.case
    flagged = case.output[f.span[0] : f.span[1]] if case is not None and f.span else ""
    blob = json.dumps([result.input.name, f.category.value, f.rule, flagged, f.message])
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _notification(result: GateResult, location: dict[str, Any], level: str, text: str) -> dict:
    physical = dict(location)
    if result.input.line is not None:
        physical["region"] = {"startLine": result.input.line}
    code = (result.error.error.get("code") if result.error else None) or "medfact"
    return {
        "level": level,
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
        "descriptor": {"id": code},
    }


def sarif_log(
    results: Iterable[GateResult],
    *,
    root: str | Path | None = None,
    settings: GateSettings | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log (as a dict) of the gate's results."""
    settings = settings or GateSettings()
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    failed = False
    for result in results:
        location = {"artifactLocation": {"uri": artifact_uri(result.input.uri)}}
        if result.input.uri and not result.input.uri.startswith("/"):
            location["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
        if result.status == ERROR:
            failed = True
            message = (result.error.error.get("message") if result.error else None) or "failed"
            text = f"{result.input.name} could not be checked: {message}"
            notifications.append(_notification(result, location, "error", text))
            continue
        assessment = result.assessment
        if assessment is None:
            continue
        if not result.checked:
            level = "error" if settings.fail_on_unchecked else "warning"
            text = f"{result.input.name} was not checked: nothing in it could be checked"
            notifications.append(_notification(result, location, level, text))
        levels = finding_levels(result, settings)
        for i, (f, region) in enumerate(zip(assessment.findings, result.regions(), strict=True)):
            physical = {**location, "region": _sarif_region(region)}
            item: dict[str, Any] = {
                "ruleId": f.category.value,
                "ruleIndex": _RULE_INDEX[f.category.value],
                "level": levels[i],
                "message": {"text": _message(f)},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {"medfactFinding/v1": _fingerprint(result, f)},
                "properties": {
                    "risk": int(f.risk),
                    "group": f.group.value,
                    "rule": f.rule,
                    "relation": f.relation,
                    "suggestion": f.suggestion,
                    "confidence": f.confidence,
                    "omission": f.span is None,
                    "input": result.input.name,
                    "caseId": assessment.id,
                    "caseRisk": int(assessment.risk_level),
                    "caseStatus": result.status,
                },
            }
            if f.medec_type is not None:
                item["properties"]["medecType"] = f.medec_type.value
            mark = result.suppression(i)
            if mark is not None:
                item["suppressions"] = [
                    {"kind": mark.kind, "status": "accepted", "justification": mark.reason}
                ]
            if f.suggestion is not None and f.span is not None and region.start_column:
                item["fixes"] = [
                    {
                        "description": {"text": f"Replace with {f.suggestion!r}"},
                        "artifactChanges": [
                            {
                                "artifactLocation": location["artifactLocation"],
                                "replacements": [
                                    {
                                        "deletedRegion": _sarif_region(region),
                                        "insertedContent": {"text": f.suggestion},
                                    }
                                ],
                            }
                        ],
                    }
                ]
            sarif_results.append(item)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "medfact",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": sarif_rules(),
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
        "invocations": [
            {
                "executionSuccessful": not failed,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    if root is not None:
        base = Path(root).resolve().as_uri().rstrip("/") + "/"
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": base}}
    run["properties"] = {"maxRisk": settings.max_risk, "minFactuality": settings.min_factuality}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def sarif_text(run: GateRun, root: str | Path | None = None) -> str:
    log = sarif_log(run.results, root=root, settings=run.settings)
    return json.dumps(log, indent=2) + "\n"


# --------------------------------------------------------------------------- JUnit

_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """Characters XML 1.0 cannot hold (control characters, lone surrogates) become U+FFFD."""
    return _XML_BAD.sub("\ufffd", text)


def finding_line(result: GateResult, f: Finding, region: Region, paint: Any = None) -> str:
    """``path:line:col: risk N category: message`` (the compiler format editors and CI parse),
    on one line whatever the path and message hold. ``paint`` colours the category."""
    where = f"{escape(result.input.uri)}:{region.start_line}"
    if region.start_column is not None:
        where += f":{region.start_column}"
    extra = " (omission)" if f.span is None else ""
    hint = f" -> {escape(f.suggestion)}" if f.suggestion else ""
    category = paint(f.category.value) if paint else f.category.value
    return f"{where}: risk {int(f.risk)} {category}{extra}: {escape(f.message)}{hint}"


def _counted(result: GateResult) -> list[tuple[Finding, Region]]:
    """The findings that count (not suppressed), most severe first, then by place."""
    a = result.assessment
    if a is None:
        return []
    pairs = [
        (f, r)
        for i, (f, r) in enumerate(zip(a.findings, result.regions(), strict=True))
        if result.suppression(i) is None
    ]
    return sorted(pairs, key=lambda p: (-int(p[0].risk), p[1].start_line, p[1].start_column or 0))


def junit_xml(run: GateRun) -> str:
    """One ``<testsuite>`` in ``<testsuites>``, one ``<testcase>`` per input."""
    results = run.results
    attrs = {
        "name": "medfact gate",
        "tests": str(len(results)),
        "failures": str(run.count(FAIL)),
        "errors": str(run.count(ERROR)),
        "skipped": "0",
        "time": f"{run.seconds:.3f}",
    }
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", attrs)
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("medfact.version", __version__),
        ("max_risk", run.settings.max_risk),
        ("min_factuality", run.settings.min_factuality),
    ):
        ET.SubElement(props, "property", {"name": name, "value": str(value)})
    for result in results:
        seconds = sum(result.assessment.timings.values()) if result.assessment else 0.0
        folder = result.input.uri.rsplit("/", 1)[0] if "/" in result.input.uri else "."
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _xml_safe("medfact." + folder.replace("/", ".")),
                "name": _xml_safe(result.input.name),
                "file": _xml_safe(result.input.uri),
                "time": f"{0.0 if result.cached else seconds:.3f}",
            },
        )
        if result.input.line is not None:
            case.set("line", str(result.input.line))
        lines = [finding_line(result, f, r) for f, r in _counted(result)]
        if result.status == ERROR:
            err = result.error.error if result.error else {}
            node = ET.SubElement(
                case,
                "error",
                {
                    "message": _xml_safe(str(err.get("message", "could not be checked"))),
                    "type": str(err.get("code", "E000")),
                },
            )
            node.text = _xml_safe(json.dumps(err, ensure_ascii=False))
        elif result.status == FAIL and result.assessment is not None:
            a = result.assessment
            node = ET.SubElement(
                case,
                "failure",
                {"message": _xml_safe("; ".join(result.reasons)), "type": f"risk{result.risk}"},
            )
            label = a.risk_name if result.risk == int(a.risk_level) else "after suppressions"
            head = (
                f"risk {result.risk} ({label}), factuality "
                + ("n/a" if a.factuality is None else f"{a.factuality:.2f}")
                + f", {len(lines)} finding(s)"
            )
            if result.suppressed:
                head += f", {result.suppressed} suppressed"
            node.text = _xml_safe("\n".join([head, *lines]))
        elif result.status == PASS and lines:
            ET.SubElement(case, "system-out").text = _xml_safe("\n".join(lines))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


# --------------------------------------------------------------------------- text and JSON lines

GROUP_COLOUR = {
    ErrorGroup.HALLUCINATION: "red",
    ErrorGroup.OMISSION: "yellow",
    ErrorGroup.CERTAINTY: "magenta",
    ErrorGroup.OTHER: "cyan",
}


def text_lines(result: GateResult, *, style: Any = None) -> list[str]:
    """How ``--format text`` shows one result: nothing for a clean pass; a FAIL, pass or
    UNCHECKED header and one ``path:line:col:`` line per finding that counts otherwise, most
    severe first. ``style`` is ``click.style`` or None. Errors are not written here (they go to
    stderr)."""

    def paint(text: str, **kw: Any) -> str:
        return style(text, **kw) if style else text

    a = result.assessment
    if result.status == ERROR or a is None:
        return []
    shown = _counted(result)
    if result.status == PASS and not shown and result.checked:
        return []
    fact = "n/a" if a.factuality is None else f"{a.factuality:.2f}"
    name = escape(result.input.name)
    if result.status == FAIL:
        head = paint("FAIL", fg="red", bold=True) + f" {name}: " + escape("; ".join(result.reasons))
    elif not result.checked:
        head = paint("UNCHECKED", fg="yellow") + f" {name}: nothing in it could be checked"
    else:
        head = paint("pass", fg="green") + f" {name}: risk {result.risk}"
    notes = [f"factuality {fact}"]
    if result.suppressed:
        notes.append(f"{result.suppressed} suppressed")
    if result.cached:
        notes.append("cached")
    lines = [f"{head} ({', '.join(notes)})"]
    for f, region in shown:
        colour = GROUP_COLOUR[f.group]
        line = finding_line(result, f, region, lambda t, c=colour: paint(t, fg=c))
        lines.append("  " + line)
    return lines


def json_line(result: GateResult) -> str:
    """One JSON object (``--format json`` writes JSON Lines; ``medfact report`` reads them).
    Text that UTF-8 cannot hold (a lone surrogate) is written as ``\\u`` escapes."""
    data = result.to_dict()
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, ensure_ascii=True)
    return text
