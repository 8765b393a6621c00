"""SARIF 2.1.0 and JUnit XML reports of the gate, checked against their structure."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from medfact.gate import GateSettings, run_gate
from medfact.gate.report import finding_levels, junit_xml, sarif_log, sarif_text, text_lines
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Evidence, Finding, RecordError


class FakeEngine:
    """Flags the word 'right' (risk 4, suggests 'left'), 'severe' (risk 2) and 'maybe' (risk 1);
    adds an omission when the output says 'omit'."""

    config_hash = "fake"

    def score_many(self, cases):
        for case in cases:
            if "CRASH" in case.output:
                yield RecordError(id=case.id, error={"code": "E999", "message": "engine broke"})
                continue
            findings = []
            for word, category, risk, suggestion in (
                ("right", ErrorCategory.DETAIL_MISIDENTIFICATION, 4, "left"),
                ("severe", ErrorCategory.OVERSTATED_INTENSITY, 2, "mild"),
                ("maybe", ErrorCategory.OTHER, 1, None),
            ):
                at = case.output.find(word)
                if at >= 0:
                    findings.append(
                        Finding(
                            category=category,
                            risk=RiskLevel(risk),
                            span=(at, at + len(word)),
                            message=f"'{word}' \x0b is not in the input",
                            rule="fake.v1",
                            suggestion=suggestion,
                            evidence=[Evidence(text="left", source="context", span=(0, 4))],
                        )
                    )
            if "omit" in case.output:
                findings.append(
                    Finding(
                        category=ErrorCategory.MISSING_CLAIM,
                        risk=RiskLevel(3),
                        context_span=(0, 4),
                        message="the input's 'fever' is left out",
                        relation="omitted",
                        rule="fake.v1",
                    )
                )
            level = max((int(f.risk) for f in findings), default=1)
            yield Assessment(
                id=case.id,
                risk_level=RiskLevel(level),
                factuality=1.0,
                findings=findings,
                timings={"verify": 0.001},
                engine_version="test",
                config_hash="fake",
            )


NOTE = "Visit.\nCaf\u00e9 \U0001f600 \u2014 right knee, severe pain.\nmaybe omit\n"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "my notes"
    folder.mkdir()
    (folder / "a.txt").write_text(NOTE, encoding="utf-8")
    (folder / "a.context.txt").write_text("left knee", encoding="utf-8")
    (folder / "clean.md").write_text("---\ncontext: left knee\n---\nLeft knee.\n")
    (folder / "bin.txt").write_bytes(b"\x00\x01")
    (folder / "crash.txt").write_text("CRASH")
    (folder / "crash.context.txt").write_text("x")
    rec = {"id": "r1", "context": "left", "output": "\u00e9\u00e9 right"}
    (folder / "cases.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return run_gate(["my notes"], GateSettings(), engine=FakeEngine(), root=tmp_path)


# The parts of the SARIF 2.1.0 schema that code-review tools rely on, written out here (the
# official schema is not available offline).
REGION = {
    "type": "object",
    "required": ["startLine"],
    "properties": {
        "startLine": {"type": "integer", "minimum": 1},
        "startColumn": {"type": "integer", "minimum": 1},
        "endLine": {"type": "integer", "minimum": 1},
        "endColumn": {"type": "integer", "minimum": 1},
    },
    "additionalProperties": False,
}
ARTIFACT = {
    "type": "object",
    "required": ["uri"],
    "properties": {"uri": {"type": "string", "pattern": "^[^ \\\\]+$"}, "uriBaseId": {}},
    "additionalProperties": False,
}
PHYSICAL = {
    "type": "object",
    "required": ["artifactLocation"],
    "properties": {"artifactLocation": ARTIFACT, "region": REGION},
    "additionalProperties": False,
}
MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs", "$schema"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription"],
                                            "properties": {"shortDescription": MESSAGE},
                                        },
                                    }
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "locations", "level"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": MESSAGE,
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {"physicalLocation": PHYSICAL},
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                                "fixes": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["artifactChanges"],
                                        "properties": {
                                            "artifactChanges": {
                                                "type": "array",
                                                "minItems": 1,
                                                "items": {
                                                    "type": "object",
                                                    "required": [
                                                        "artifactLocation",
                                                        "replacements",
                                                    ],
                                                    "properties": {
                                                        "replacements": {
                                                            "type": "array",
                                                            "minItems": 1,
                                                            "items": {
                                                                "type": "object",
                                                                "required": ["deletedRegion"],
                                                                "properties": {
                                                                    "deletedRegion": REGION
                                                                },
                                                            },
                                                        }
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                    "invocations": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["executionSuccessful"],
                            "properties": {
                                "toolExecutionNotifications": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["message"],
                                        "properties": {
                                            "level": {"enum": ["none", "note", "warning", "error"]},
                                            "locations": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {"physicalLocation": PHYSICAL},
                                                },
                                            },
                                        },
                                    },
                                }
                            },
                        },
                    },
                    "originalUriBaseIds": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {"uri": {"type": "string", "pattern": "/$"}},
                        },
                    },
                },
            },
        },
    },
}


def test_sarif_levels_follow_the_gate(run):
    settings = GateSettings()
    for result in run.results:
        levels = finding_levels(result, settings)
        if result.assessment is None:
            continue
        failing = result.status == "fail"
        assert ("error" in levels) == (failing and (result.risk or 0) > settings.max_risk)
        for f, level in zip(result.assessment.findings, levels, strict=True):
            assert level != "note" or int(f.risk) <= 1


def test_sarif_structure_rules_and_schema(run, tmp_path):
    log = json.loads(sarif_text(run, root=tmp_path))
    jsonschema.validate(log, SARIF_SUBSET)
    sarif_run = log["runs"][0]
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.value for c in ErrorCategory]
    assert len(rules) == 11 and all(r["shortDescription"]["text"] for r in rules)
    for result in sarif_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
    base = sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == tmp_path.resolve().as_uri() + "/"


def _results(log, uri):
    return [
        r
        for r in log["runs"][0]["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
    ]


def test_sarif_regions_count_code_points_and_omissions_sit_on_line_1(run):
    log = sarif_log(run.results)
    results = {r["ruleId"]: r for r in _results(log, "my%20notes/a.txt")}
    right = results["detail_misidentification"]
    region = right["locations"][0]["physicalLocation"]["region"]
    line2 = NOTE.splitlines()[1]
    col = line2.index("right") + 1  # code points: the emoji counts once
    assert col == 10  # (UTF-16 code units would give 11)
    assert region == {"startLine": 2, "startColumn": col, "endLine": 2, "endColumn": col + 5}
    assert right["level"] == "error" and right["properties"]["suggestion"] == "left"
    (fix,) = right["fixes"]
    change = fix["artifactChanges"][0]
    assert change["replacements"][0]["deletedRegion"] == region
    assert change["replacements"][0]["insertedContent"]["text"] == "left"
    assert results["overstated_intensity"]["level"] == "warning"
    assert results["other"]["level"] == "note"
    assert "fixes" not in results["other"]
    maybe = results["other"]["locations"][0]["physicalLocation"]["region"]
    assert (maybe["startLine"], maybe["startColumn"]) == (3, 1)
    omission = results["missing_claim"]
    assert omission["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert omission["properties"]["omission"] is True and right["properties"]["omission"] is False
    fingerprints = {
        r["partialFingerprints"]["medfactFinding/v1"] for r in log["runs"][0]["results"]
    }
    assert len(fingerprints) == len(log["runs"][0]["results"])


def test_sarif_jsonl_record_and_unreadable_inputs(run):
    log = sarif_log(run.results)
    (record,) = _results(log, "my%20notes/cases.jsonl")
    region = record["locations"][0]["physicalLocation"]["region"]
    raw = json.dumps({"id": "r1", "context": "left", "output": "\u00e9\u00e9 right"})
    assert region["startLine"] == 1
    assert raw[region["startColumn"] - 1 : region["endColumn"] - 1] == "right"
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    uris = sorted(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes)
    assert uris == ["my%20notes/bin.txt", "my%20notes/crash.txt"]
    assert all(n["level"] == "error" for n in notes)


def test_junit_one_suite_one_case_per_input(run):
    root = ET.fromstring(junit_xml(run).encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    names = [c.get("name") for c in cases]
    assert sorted(names) == [
        "my notes/a.txt",
        "my notes/bin.txt",
        "my notes/cases.jsonl:1",
        "my notes/clean.md",
        "my notes/crash.txt",
    ]
    assert suite.get("tests") == "5" and suite.get("failures") == "2" and suite.get("errors") == "2"
    by_name = {c.get("name"): c for c in cases}
    failure = by_name["my notes/a.txt"].find("failure")
    assert failure is not None and "risk 4 (high risk) is over the maximum 2" in failure.get(
        "message"
    )
    assert "my notes/a.txt:2:10: risk 4 detail_misidentification" in failure.text
    assert "my notes/a.txt:1: risk 3 missing_claim (omission)" in failure.text
    # the vertical tab (XML cannot hold it, and a terminal must not get it) is written as \x0b
    assert "\\x0b" in failure.text and "\x0b" not in failure.text
    error = by_name["my notes/bin.txt"].find("error")
    assert error is not None and "binary" in error.get("message")
    assert by_name["my notes/crash.txt"].find("error").get("message") == "engine broke"
    clean = by_name["my notes/clean.md"]
    assert clean.find("failure") is None and clean.find("error") is None
    assert by_name["my notes/cases.jsonl:1"].get("line") == "1"
    assert by_name["my notes/a.txt"].get("file") == "my notes/a.txt"


def test_text_lines_for_people(run):
    by_name = {r.name: r for r in run.results}
    lines = text_lines(by_name["my notes/a.txt"])
    assert lines[0].startswith("FAIL my notes/a.txt: risk 4")
    assert lines[1].strip().startswith("my notes/a.txt:2:10: risk 4 detail_misidentification")
    assert text_lines(by_name["my notes/clean.md"]) == []
    assert text_lines(by_name["my notes/bin.txt"]) == []
    assert run.exit_code == 3
