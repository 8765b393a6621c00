"""The self-contained HTML report: highlights, escaping, summary, reading results, a browser."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from medfact.gate_cli import report
from medfact.html_report import ReportItem, read_items, render_html
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Evidence, Finding

EVIL = "<script>alert('x')</script>"
OUTPUT = f"Right knee swelling. Severe pain {EVIL} & more. Takes 800 mg."
CONTEXT = f"Left knee swelling, mild pain. Takes 400 mg. Denies fever. {EVIL}"


def finding(category, risk, span, message, **kw) -> Finding:
    return Finding(category=category, risk=RiskLevel(risk), span=span, message=message, **kw)


def unsafe_item() -> ReportItem:
    dose = OUTPUT.index("800 mg")
    findings = [
        finding(
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            3,
            (0, 10),
            f"'Right knee': the input gives the left side {EVIL}",
            rule="laterality.v1",
            suggestion=f"Left knee {EVIL}",
            evidence=[Evidence(text=f"Left knee {EVIL}", source="context", span=(0, 9))],
            context_span=(0, 9),
        ),
        finding(
            ErrorCategory.OVERSTATED_INTENSITY,
            2,
            (21, 32),
            "'Severe' is stronger than 'mild'",
            rule="certainty.v1",
            suggestion="Mild",
        ),
        finding(  # overlaps the previous one
            ErrorCategory.FABRICATED_CLAIM,
            2,
            (28, 32 + len(EVIL) + 1),
            "unsupported words",
            rule="unsupported.v1",
        ),
        finding(
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            4,
            (dose, dose + 6),
            "dose '800 mg' differs from the input's '400 mg'",
            rule="numbers.v1",
            suggestion="400 mg",
        ),
        finding(
            ErrorCategory.MISSING_CLAIM,
            3,
            None,
            "the input's 'fever' is left out",
            rule="omission.v1",
            relation="omitted",
            context_span=(CONTEXT.index("Denies"), CONTEXT.index("Denies") + 12),
        ),
    ]
    a = Assessment(
        id=f"note {EVIL}",
        risk_level=RiskLevel.HIGH,
        factuality=0.25,
        findings=findings,
        engine_version="test",
        config_hash="h",
    )
    return ReportItem(id=a.id, assessment=a, output=OUTPUT, context=CONTEXT, name="notes/a.txt")


def safe_item() -> ReportItem:
    a = Assessment(
        id="safe", risk_level=RiskLevel.NO_RISK, factuality=1.0, engine_version="t", config_hash="h"
    )
    return ReportItem(id="safe", assessment=a, output="Left knee swelling.", context="left knee")


def error_item() -> ReportItem:
    return ReportItem(
        id="broken", error={"code": "E010", "message": f"file is binary {EVIL}"}, status="error"
    )


class Page(HTMLParser):
    """Collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[dict] = []
        self.scripts: list[str] = []
        self.urls: list[str] = []
        self.csp = None
        self._mark: dict | None = None
        self._script: list[str] | None = None
        self.rows: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href", "action", "srcset", "data"):
            if key in a:
                self.urls.append(a[key])
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a["content"]
        if tag == "mark":
            self._mark = {**a, "text": ""}
        if tag == "script":
            self._script = []
        if tag == "tr" and "data-level" in a or "data-category" in a and tag == "tr":
            self.rows.append(a)

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark is not None:
            self.marks.append(self._mark)
            self._mark = None
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data):
        if self._mark is not None:
            self._mark["text"] += data
        if self._script is not None:
            self._script.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_highlights_by_group_with_tooltips():
    page = parse(render_html([unsafe_item(), safe_item()]))
    output_marks = [m for m in page.marks if "data-findings" in m and "c" in m["data-findings"]]
    texts = [m["text"] for m in output_marks]
    assert "Right knee" in texts and "800 mg" in texts
    right = next(m for m in page.marks if m["text"] == "Right knee")
    assert "g-hallucination" in right["class"] and "r3" in right["class"]
    assert right["data-category"] == "detail_misidentification"
    assert "the input gives the left side" in right["title"] and "suggested" in right["title"]
    severe = next(m for m in page.marks if m["text"] == "Severe ")
    assert "g-certainty_misalignment" in severe["class"]
    both = next(m for m in page.marks if m["text"] == "pain")  # where two findings overlap
    assert "multi" in both["class"] and len(both["data-findings"].split()) == 2
    assert "overstated_intensity" in both["title"] and "fabricated_claim" in both["title"]
    # the omission is highlighted in the input
    assert any(m["text"] == "Denies fever" and "g-omission" in m["class"] for m in page.marks)


def test_all_text_is_escaped_and_nothing_is_loaded():
    html = render_html([unsafe_item(), error_item()], title=f"title {EVIL}")
    page = parse(html)
    assert EVIL not in html
    assert html.count("&lt;script&gt;") >= 6
    assert len(page.scripts) == 1  # the page's own, and no other
    assert page.urls == []
    assert not re.search(r"(?i)\b(?:https?|ftp)://|//cdn|@import|url\(", html)
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page.csp
    assert "default-src 'none'" in page.csp
    joined = "".join(m["text"] for m in page.marks)
    assert EVIL in joined  # shown as text, where it was flagged


def test_summary_counts():
    page = parse(render_html([unsafe_item(), safe_item(), error_item()]))
    html = render_html([unsafe_item(), safe_item(), error_item()])
    risk = {r["data-level"] for r in page.rows if "data-level" in r}
    assert risk == {"1", "2", "3", "4"}
    rows = re.findall(r"<tr class='risk-row' data-level='(\d)'><td>.*?</td><td>(\d+)</td>", html)
    assert dict(rows) == {"1": "1", "2": "0", "3": "0", "4": "1"}
    cats = dict(
        re.findall(
            r"<tr class='cat-row' data-category='(\w+)'><td>.*?</td><td.*?</td><td>(\d+)</td>",
            html,
        )
    )
    assert len(cats) == 11
    assert cats["detail_misidentification"] == "2" and cats["missing_claim"] == "1"
    assert cats["false_comparison"] == "0"
    assert "<b>3</b><span>cases</span>" in html and "<b>1</b><span>not scored</span>" in html
    # the riskiest case comes first, then the unscored one, then the safe one
    heads = re.findall(r'<article class="case[^"]*"[^>]*><h3>(.*?) <span', html)
    assert heads == ["notes/a.txt", "broken", "safe"]


def test_read_items_from_gate_score_and_garbage_lines():
    assessment = unsafe_item().assessment
    gate_line = {
        "input": "notes/a.txt",
        "status": "fail",
        "reasons": ["risk 4"],
        "id": assessment.id,
        "assessment": assessment.to_dict(),
        "locations": [{"start_line": 1, "start_column": 1, "end_line": 1, "end_column": 11}],
        "output": OUTPUT,
        "context": CONTEXT,
    }
    score_line = assessment.model_copy(update={"id": "scored"}).to_dict()
    lines = [
        json.dumps(gate_line),
        json.dumps(score_line),
        json.dumps({"id": "e", "error": {"code": "E010", "message": "bad"}}),
        "not json",
        json.dumps({"id": "x", "risk_level": 9}),
    ]
    stream = io.BytesIO(("\n".join(lines) + "\n").encode())
    cases = {"scored": {"id": "scored", "output": OUTPUT, "context": CONTEXT}}
    items = list(read_items(stream, cases))
    assert [i.id for i in items][:3] == [assessment.id, "scored", "e"]
    assert items[0].status == "fail" and items[0].locations[0]["start_column"] == 1
    assert items[1].output == OUTPUT and items[1].assessment is not None
    assert items[2].error["message"] == "bad" and not items[2].unreadable
    assert items[3].unreadable and "line 4" in items[3].error["message"]
    assert items[4].unreadable and "not a medfact result" in items[4].error["message"]


def test_report_command(tmp_path):
    results = tmp_path / "results.jsonl"
    item = unsafe_item()
    results.write_text(
        json.dumps({**item.assessment.to_dict(), "output": OUTPUT, "context": CONTEXT}) + "\n"
    )
    out = tmp_path / "out" / "report.html"
    runner = CliRunner()
    result = runner.invoke(report, ["--input", str(results), "--html", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "1 results (1 scored)" in result.stderr
    result = runner.invoke(report, ["--input", str(results), "--html", "-"])
    assert result.exit_code == 0 and result.stdout.startswith("<!DOCTYPE html>")
    with results.open("a") as fh:
        fh.write("{broken\n")
    result = runner.invoke(report, ["--input", str(results), "--html", str(out)])
    assert result.exit_code == 3 and "results line 2" in result.stderr
    result = runner.invoke(report, ["--input", str(tmp_path / "none.jsonl"), "--html", str(out)])
    assert result.exit_code == 2 and "cannot read" in result.stderr
    assert runner.invoke(report, ["--input", str(results)]).exit_code == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless Chromium on this machine (Debian: apt-get install chromium)",
)
def test_page_in_a_real_headless_browser(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html([unsafe_item(), safe_item(), error_item()]), encoding="utf-8")
    shot = tmp_path / "report.png"
    common = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,900",
    ]
    url = page.as_uri()
    dom = subprocess.run(
        [*common, "--dump-dom", url], capture_output=True, text=True, timeout=60, check=False
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert 'class="js-ready"' in html  # the page's script ran under its own CSP
    assert re.search(r'<mark class="hl g-hallucination r3"[^>]*>Right knee</mark>', html)
    assert re.search(r'<mark class="hl g-hallucination r4"[^>]*>800 mg</mark>', html)
    assert re.search(r'<mark class="hl g-omission r3"[^>]*>Denies fever</mark>', html)
    assert "alert(" not in re.sub(r"&lt;script&gt;alert\('x'\)&lt;/script&gt;", "", html)
    run = subprocess.run(
        [*common, f"--screenshot={shot}", url], capture_output=True, timeout=60, check=False
    )
    assert run.returncode == 0 and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
