"""The challenge set (bench/cases) and the `medfact bench cases` runner (no model needed)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from medfact.benchmarks.cases import (
    HELD_OUT_FILES,
    ChallengeCase,
    bench_cases,
    coverage,
    is_dialogue,
    judge,
    load_cases,
    run,
    summarize,
    text_report,
)
from medfact.errors import InputError
from medfact.taxonomy import ErrorCategory

ISSUE_KINDS = {
    "high_alert_med_fabricated",
    "allergy_deleted",
    "allergy_changed",
    "code_status_reversed",
    "dose_error_2x",
    "unit_class_error",
    "frequency_escalation",
    "route_change",
    "wrong_side_site",
    "pregnancy_status",
    "critical_lab_changed",
    "critical_lab_dropped",
    "med_held_continued_started",
    "fabricated_diagnosis",
    "fabricated_drug",
    "fabricated_procedure",
    "fabricated_demographics_setting",
    "family_vs_personal_history",
    "done_vs_planned",
    "past_vs_current",
    "negation_flip_symptom",
    "negation_flip_exam",
    "anatomy_within_region",
    "time_sequence",
    "dialogue_answer",
    "certainty_overstated",
    "certainty_understated",
    "false_comparison",
    "missing_critical_finding",
}


@pytest.fixture(scope="module")
def cases() -> list[ChallengeCase]:
    return load_cases()


def test_set_meets_the_issue_counts(cases: list[ChallengeCase]) -> None:
    counts = coverage(cases)
    assert counts["records"] >= 150
    assert counts["kinds"] >= 30
    assert counts["dialogue"] >= 40
    assert counts["reworded_faithful"] >= 30
    assert {c.kind for c in cases} >= ISSUE_KINDS


def test_every_record_is_well_formed(cases: list[ChallengeCase]) -> None:
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        text = case.context if case.is_omission else case.erroneous
        start, end = case.span
        assert 0 <= start < end <= len(text), case.id
        assert text[start:end] == case.changed_text, case.id
        assert case.faithful.strip() != case.erroneous.strip(), case.id
        assert 1 <= case.severity <= 4
        if case.is_omission:
            # what was dropped must be gone from the erroneous output, or said there fewer times
            # than in the faithful one (a "PRN" dropped from one of three drugs)
            dropped = case.changed_text
            assert case.erroneous.count(dropped) < max(1, case.faithful.count(dropped)), case.id


def test_dangerous_kinds_are_graded_4(cases: list[ChallengeCase]) -> None:
    by_kind: dict[str, Counter[int]] = {}
    for case in cases:
        by_kind.setdefault(case.kind, Counter())[case.severity] += 1
    assert set(by_kind["code_status_reversed"]) == {4}
    # a changed critical value is graded 4; one blind writer (blind11) graded one of theirs 3
    labs = by_kind["critical_lab_changed"]
    assert set(labs) <= {3, 4} and labs[4] > 20 * labs[3]
    # a unit-class slip is an overdose (4) or, written the other way, an underdose a writer may
    # grade 3 (blind8: prednisolone in micrograms leaves an exacerbation untreated)
    units = by_kind["unit_class_error"]
    assert set(units) <= {3, 4} and units[4] > 4 * units[3]
    assert all(
        c.category == ErrorCategory.FABRICATED_CLAIM
        for c in cases
        if c.kind == "high_alert_med_fabricated"
    )


def _write(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    (tmp_path / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return tmp_path


def _record(**changes: Any) -> dict[str, Any]:
    record = {
        "id": "side-x",
        "kind": "wrong_side_site",
        "context": "Doctor: Which ankle hurts?\nPatient: The right one.",
        "faithful": "Right ankle pain.",
        "erroneous": "Left ankle pain.",
        "span": [0, 10],
        "span_in": "erroneous",
        "changed_text": "Left ankle",
        "severity": 4,
        "category": "detail_misidentification",
        "reworded": False,
        "rationale": "The answer gives the side.",
    }
    record.update(changes)
    return record


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"span": [0, 40]}, "span"),
        ({"span": [0, 4]}, "span"),
        ({"erroneous": "Right ankle pain."}, "erroneous"),
        ({"severity": 5}, "severity"),
        ({"category": "wrong_side"}, "category"),
        ({"span_in": "faithful"}, "span_in"),
        ({"notes": "x"}, "notes"),
    ],
)
def test_loader_rejects_bad_records_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as err:
        load_cases(_write(tmp_path, [_record(**changes)]))
    assert err.value.field == field
    assert err.value.record == "side-x"


def test_loader_rejects_a_repeated_id(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="set.jsonl:1"):
        load_cases(_write(tmp_path, [_record(), _record()]))


def test_dialogue_is_detected_from_speaker_turns() -> None:
    assert is_dialogue("Doctor: Any pain?\nPatient: No.")
    assert is_dialogue("Doctor: Any pain? Patient: No.")
    assert not is_dialogue("Patient reports no pain. Doctor noted a rash.")


# Two tiny hand-made records and stand-in results: no engine, no model.
def _finding(span=None, context_span=None, relation="contradicted"):
    return SimpleNamespace(span=span, context_span=context_span, relation=relation)


def _result(risk: int, *findings: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(risk_level=risk, findings=list(findings))


@pytest.fixture()
def two(tmp_path: Path) -> list[ChallengeCase]:
    omission = _record(
        id="allergy-x",
        kind="allergy_deleted",
        context="Allergies: penicillin (hives). Here for a cough.",
        faithful="Cough; allergic to penicillin.",
        erroneous="Cough.",
        span=[11, 21],
        span_in="context",
        changed_text="penicillin",
        category="missing_claim",
    )
    return load_cases(_write(tmp_path, [_record(), omission]))


def test_caught_needs_risk_3_and_a_finding_on_the_span(two: list[ChallengeCase]) -> None:
    side, allergy = two
    faithful = _result(1)
    assert judge(side, faithful, _result(4, _finding((0, 4))))["caught"]
    assert judge(side, faithful, _result(4, _finding((0, 4))))["graded_4"]
    # on the span but too low a risk; high risk but elsewhere; touching the end is not overlap
    assert not judge(side, faithful, _result(2, _finding((0, 4))))["caught"]
    off = judge(side, faithful, _result(3, _finding((11, 15))))
    assert off["flagged"] and not off["on_span"] and not off["caught"]
    assert off["graded_4"] is False
    assert not judge(side, faithful, _result(3, _finding((10, 15))))["caught"]
    # omission: a context span on the dropped text, or an "omitted" finding without one
    assert judge(allergy, faithful, _result(3, _finding(context_span=(0, 15))))["caught"]
    assert judge(allergy, faithful, _result(3, _finding(relation="omitted")))["caught"]
    assert not judge(allergy, faithful, _result(3, _finding(context_span=(30, 40))))["caught"]
    assert not judge(allergy, faithful, _result(3, _finding(span=(0, 5))))["caught"]


def test_false_alarms_and_summary(two: list[ChallengeCase]) -> None:
    side, allergy = two
    outcomes = [
        judge(side, _result(3), _result(4, _finding((0, 10)))),
        judge(allergy, _result(2), _result(2)),
    ]
    assert [o["false_alarm"] for o in outcomes] == [True, False]
    summary = summarize(outcomes)
    overall = summary["overall"]
    assert (overall["caught"], overall["false_alarms"], overall["graded_4"]) == (1, 1, 1)
    assert overall["caught_rate"] == 0.5 and overall["graded_4_rate"] == 0.5
    assert summary["missed"] == ["allergy-x"]
    assert summary["kinds"]["allergy_deleted"]["caught"] == 0
    assert summary["worst_kinds"][0] == "allergy_deleted"


class _Engine:
    """Stands in for Engine: risk 3 with a finding over 'Left' on erroneous outputs."""

    def score_many(self, records: list[dict[str, Any]]):
        for record in records:
            if record["id"].endswith("/faithful"):
                yield _result(1)
            elif record["id"].startswith("allergy"):
                yield SimpleNamespace(id=record["id"], error={"message": "boom"})
            else:
                yield _result(3, _finding((0, 4)))


def test_run_pairs_results_with_cases_and_lists_errors(two: list[ChallengeCase]) -> None:
    summary = run(two, _Engine())
    assert summary["overall"]["caught"] == 1
    assert summary["overall"]["scored"] == 1
    assert summary["errors"] == [{"id": "allergy-x", "output": "erroneous", "message": "boom"}]
    assert summary["coverage"]["records"] == 2


def test_cli_reports_a_bad_set_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        bench_cases, ["--data", str(_write(tmp_path, [_record(severity=0)])), "--no-model"]
    )
    assert result.exit_code == 1
    assert "severity" in result.output


def _negation_module() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "negation_scope.py"
    spec = importlib.util.spec_from_file_location("negation_scope", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_negation_set_is_large_and_covers_the_issue_phenomena() -> None:
    scope = _negation_module()
    records = scope.load(scope.DATA)
    assert len(records) >= 200
    phenomena = Counter(r["phenomenon"] for r in records)
    for name in (
        "termination_semicolon",
        "termination_but",
        "termination_although",
        "pseudo_negation",
        "dialogue",
        "section_header",
        "list",
    ):
        assert phenomena[name] >= 5, name
    labels = Counter(label for r in records for t in r["targets"] for label in t["labels"])
    assert min(labels[x] for x in scope.LABELS) >= 15


def test_negation_scores_per_label() -> None:
    scope = _negation_module()
    records = [
        {
            "id": "a",
            "phenomenon": "p",
            "text": "No fever; cough.",
            "targets": [
                {"span": [3, 8], "text": "fever", "labels": ["negated"]},
                {"span": [10, 15], "text": "cough", "labels": []},
            ],
        },
    ]

    def everything_negated(text: str, spans: list) -> list[frozenset[str]]:
        return [frozenset({"negated"}) for _ in spans]

    result = scope.evaluate(records, everything_negated)
    assert result["labels"]["negated"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.6667,
        "support": 1,
    }
    assert result["labels"]["none"]["recall"] == 0.0
    assert result["exact_match"] == 0.5
    assert [e["target"] for e in result["errors"]] == ["cough"]


def test_held_out_file_is_its_own_part_reported_as_totals(tmp_path: Path) -> None:
    _write(tmp_path, [_record()])
    (tmp_path / "blind7.jsonl").write_text(json.dumps(_record(id="b-side-x")) + "\n")
    cases = load_cases(tmp_path)
    assert {c.id: c.part for c in cases} == {"b-side-x": "held-out", "side-x": "dev"}
    summary = run(cases, _Engine())  # caught on both, no false alarm
    assert summary["parts"]["dev"]["caught"] == summary["parts"]["held-out"]["caught"] == 1
    missed = run(cases, _MissEngine())
    assert missed["missed"] == ["side-x"]  # the held-out id is not listed
    assert missed["parts"]["held-out"]["caught"] == 0
    result = CliRunner().invoke(
        bench_cases,
        ["--data", str(tmp_path), "--no-model", "--part", "held-out", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert [o["id"] for o in json.loads(result.output)["outcomes"]] == ["b-side-x"]


def test_blind_parts_are_held_out(cases: list[ChallengeCase]) -> None:
    # the parts written without reading the rules or scoring are reported as totals only; the first
    # one was read in session 13 and blind2-blind6 in session 19: development parts since
    assert {f"blind{n}.jsonl" for n in range(7, 12)} <= HELD_OUT_FILES
    assert not {"blind.jsonl", *(f"blind{n}.jsonl" for n in range(2, 7))} & HELD_OUT_FILES
    for name, prefix, records, texts in (
        ("blind7", "z-", 90, 45),
        ("blind8", "p-", 90, 45),
        ("blind9", "m-", 90, 45),
        ("blind10", "n-", 90, 45),
        ("blind11", "o-", 90, 45),
    ):
        part = [c for c in cases if c.source.startswith(f"{name}.jsonl:")]
        assert len(part) == records and all(c.id.startswith(prefix) for c in part)
        assert all(c.part == "held-out" for c in part)
        assert len({c.faithful for c in part}) >= texts


class _MissEngine:
    """Risk 1 for every output: nothing caught, no false alarm."""

    def score_many(self, records: list[dict[str, Any]]):
        for _ in records:
            yield _result(1)


class _AlarmEngine:
    """Risk 3 for every output: every erroneous output caught off span, every twin flagged."""

    def score_many(self, records: list[dict[str, Any]]):
        for _ in records:
            yield _result(3)


def test_false_alarms_are_counted_per_faithful_text_and_per_file(tmp_path: Path) -> None:
    # two records share one faithful text (two errors made from it), a third has its own:
    # three flagged records are two flagged texts
    _write(
        tmp_path,
        [
            _record(),
            _record(id="side-y", erroneous="Right knee pain.", span=[6, 10], changed_text="knee"),
            _record(id="side-z", faithful="Pain in the right ankle."),
        ],
    )
    (tmp_path / "other.jsonl").write_text(json.dumps(_record(id="side-w")) + "\n")
    summary = run(load_cases(tmp_path), _AlarmEngine())
    overall = summary["overall"]
    assert (overall["false_alarms"], overall["false_alarm_texts"], overall["faithful_texts"]) == (
        4,
        2,
        2,
    )
    files = summary["files"]
    assert sorted(files) == ["other.jsonl", "set.jsonl"]
    assert (files["set.jsonl"]["false_alarm_texts"], files["set.jsonl"]["n"]) == (2, 3)
    assert files["other.jsonl"]["false_alarm_texts"] == 1
    assert "texts 2/2" in text_report(summary)
    quiet = run(load_cases(tmp_path), _MissEngine())["overall"]
    assert (quiet["false_alarm_texts"], quiet["false_alarm_text_rate"]) == (0, 0.0)
