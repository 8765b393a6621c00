"""Gate results as reports for machines: SARIF 2.1.0, JUnit XML, JSON Lines, and plain text.

SARIF (for code review and code scanning): one run; ``tool.driver.rules`` are the 11 error
categories; each finding is a result with ``ruleId`` = its category, ``level`` error (risk 3-4),
warning (2) or note (1), and a physical location (relative URI, 1-based lines, columns in
Unicode code points as the run's ``columnKind`` declares, exclusive end column). A finding with
a suggested replacement carries it as a SARIF ``fix``. Omissions (nothing in the text to point
at) are located at line 1 of the file (or the JSONL record's line) with
``properties.omission = true``. Inputs that could not be checked become error notifications of
the invocation, which is then not ``executionSuccessful``.

JUnit (for CI dashboards): one ``testsuite``, one ``testcase`` per input (a file or a JSONL
record); a ``failure`` lists the findings of an input over the thresholds, an ``error`` says why
an input could not be checked.
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
from medfact.gate import ERROR, FAIL, PASS, GateResult, GateRun, Region
from medfact.io import printable
from medfact.taxonomy import ErrorCategory, ErrorGroup
from medfact.types import Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_level(risk: int) -> str:
    """error for risk 3-4 (unsafe), warning for 2, note for 1."""
    return "error" if risk >= 3 else "warning" if risk == 2 else "note"


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


def sarif_log(
    results: Iterable[GateResult], *, root: str | Path | None = None, settings: Any = None
) -> dict[str, Any]:
    """A SARIF 2.1.0 log (as a dict) of the gate's results."""
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for result in results:
        location = {"artifactLocation": {"uri": artifact_uri(result.input.uri)}}
        if result.input.uri and not result.input.uri.startswith("/"):
            location["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
        if result.status == ERROR:
            message = (result.error.error.get("message") if result.error else None) or "failed"
            physical = dict(location)
            if result.input.line is not None:
                physical["region"] = {"startLine": result.input.line}
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{result.input.name} could not be checked: {message}"},
                    "locations": [{"physicalLocation": physical}],
                    "descriptor": {"id": (result.error.error.get("code") if result.error else "E")},
                }
            )
            continue
        assessment = result.assessment
        if assessment is None:
            continue
        for f, region in zip(assessment.findings, result.regions(), strict=True):
            physical = {**location, "region": _sarif_region(region)}
            item: dict[str, Any] = {
                "ruleId": f.category.value,
                "ruleIndex": _RULE_INDEX[f.category.value],
                "level": sarif_level(int(f.risk)),
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
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    if root is not None:
        base = Path(root).resolve().as_uri().rstrip("/") + "/"
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": base}}
    if settings is not None:
        run["properties"] = {
            "maxRisk": settings.max_risk,
            "minFactuality": settings.min_factuality,
        }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def sarif_text(run: GateRun, root: str | Path | None = None) -> str:
    return json.dumps(sarif_log(run.results, root=root, settings=run.settings), indent=2) + "\n"


# --------------------------------------------------------------------------- JUnit

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """Characters XML 1.0 cannot hold (control characters, lone surrogates) become U+FFFD."""
    return _XML_BAD.sub("\ufffd", text)


def finding_line(result: GateResult, f: Finding, region: Region, paint: Any = None) -> str:
    """``path:line:col: risk N category: message`` (the compiler format editors and CI parse).
    ``paint`` colours the category (a function of the text), if given."""
    where = f"{printable(result.input.uri, one_line=True)}:{region.start_line}"
    if region.start_column is not None:
        where += f":{region.start_column}"
    extra = " (omission)" if f.span is None else ""
    hint = f" -> {printable(f.suggestion, one_line=True)}" if f.suggestion else ""
    category = paint(f.category.value) if paint else f.category.value
    message = printable(f.message, one_line=True)
    return f"{where}: risk {int(f.risk)} {category}{extra}: {message}{hint}"


def junit_xml(run: GateRun) -> str:
    """One ``<testsuite>`` in ``<testsuites>``, one ``<testcase>`` per input."""
    results = run.results
    failures, errors = run.count(FAIL), run.count(ERROR)
    attrs = {
        "name": "medfact gate",
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": str(errors),
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
                {
                    "message": _xml_safe("; ".join(result.reasons)),
                    "type": f"risk{int(a.risk_level)}",
                },
            )
            lines = [
                f"risk {int(a.risk_level)} ({a.risk_name}), factuality "
                + ("n/a" if a.factuality is None else f"{a.factuality:.2f}")
                + f", {len(a.findings)} finding(s)"
            ]
            for f, region in zip(a.findings, result.regions(), strict=True):
                lines.append(finding_line(result, f, region))
            node.text = _xml_safe("\n".join(lines))
        elif result.status == PASS and result.assessment is not None and result.assessment.findings:
            out = ET.SubElement(case, "system-out")
            out.text = _xml_safe(
                "\n".join(
                    finding_line(result, f, r)
                    for f, r in zip(result.assessment.findings, result.regions(), strict=True)
                )
            )
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
    """How ``--format text`` shows one result: nothing for a clean pass; a FAIL or WARN header
    and one ``path:line:col:`` line per finding otherwise. ``style`` is ``click.style`` or None.
    Errors are not written here (they go to stderr)."""

    def paint(text: str, **kw: Any) -> str:
        return style(text, **kw) if style else text

    a = result.assessment
    if result.status == ERROR or a is None or (result.status == PASS and not a.findings):
        return []
    fact = "n/a" if a.factuality is None else f"{a.factuality:.2f}"
    name = printable(result.input.name, one_line=True)
    if result.status == FAIL:
        reasons = printable("; ".join(result.reasons), one_line=True)
        head = paint("FAIL", fg="red", bold=True) + f" {name}: " + reasons
    else:
        head = paint("pass", fg="green") + f" {name}: risk {int(a.risk_level)}"
    head += f" (factuality {fact}{', cached' if result.cached else ''})"
    lines = [head]
    for f, region in zip(a.findings, result.regions(), strict=True):
        colour = GROUP_COLOUR[f.group]
        line = finding_line(result, f, region, lambda t, c=colour: paint(t, fg=c))
        lines.append("  " + line)
    return lines


def json_line(result: GateResult) -> str:
    """One JSON object (``--format json`` writes JSON Lines; ``medfact report`` reads them).
    UTF-8 as it is; ASCII escapes when a string holds a lone surrogate (UTF-8 cannot)."""
    data = result.to_dict()
    text = json.dumps(data, ensure_ascii=False)
    if _LONE_SURROGATE.search(text):
        return json.dumps(data, ensure_ascii=True)
    return text
