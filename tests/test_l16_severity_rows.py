"""Severity rows of session 16: antiplatelets after a stent, critical ECG and valve results."""

from __future__ import annotations

from medfact.severity import Texts, classify
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Finding


def _finding(rule: str, relation: str, category: ErrorCategory) -> Finding:
    return Finding(
        category=category,
        risk=RiskLevel(3),
        span=None,
        context_span=None,
        message="a finding",
        relation=relation,
        rule=rule,
        confidence=0.8,
    )


def _row(f: Finding, **texts: str) -> str | None:
    row = classify(f, Texts(**texts))
    return row.id if row else None


def test_p2y12_and_gp2b3a_inhibitors_are_high_alert_antiplatelets() -> None:
    f = _finding("drugs.v1", "unsupported", ErrorCategory.FABRICATED_CLAIM)
    assert _row(f, span="prasugrel 10 mg daily") == "high_alert.antiplatelet"
    assert _row(f, span="Brilinta") == "high_alert.antiplatelet"
    assert _row(f, span="eptifibatide infusion") == "high_alert.antiplatelet"
    held = _finding("drugs.v1", "contradicted", ErrorCategory.DETAIL_MISIDENTIFICATION)
    assert _row(held, span="clopidogrel held", context="continue clopidogrel") == (
        "high_alert.antiplatelet"
    )
    # aspirin alone stays an ordinary drug: fabricated, floor 3
    assert _row(f, span="aspirin 81 mg") == "fabricated.drug"


def test_critical_ecg_and_valve_results_dropped_are_critical() -> None:
    dropped = _finding("omission.v1", "omitted", ErrorCategory.MISSING_CLAIM)
    assert _row(dropped, context="ECG: new left bundle branch block") == "safety.critical_result"
    assert _row(dropped, context="new LBBB on today's tracing") == "safety.critical_result"
    assert _row(dropped, context="complete heart block, rate 38") == "safety.critical_result"
    assert _row(dropped, context="echo: severe aortic stenosis") == "safety.critical_result"
    # an old, known bundle branch block and mild stenosis are not critical results
    assert _row(dropped, context="known right bundle branch block") is None
    assert _row(dropped, context="mild aortic stenosis") is None


def test_an_unsupported_mention_is_graded_by_what_it_names_not_its_neighbours() -> None:
    f = _finding("entities.v1", "unsupported", ErrorCategory.FABRICATED_CLAIM)
    sentence = "On warfarin; lumpectomy last year."
    assert _row(f, span="lumpectomy", sentence=sentence) == "fabricated.procedure"
    assert _row(f, span="migraine", sentence="Allergies: penicillin. Migraine.") != "safety.allergy"
    # a bare amount names nothing itself: its sentence says whose dose it is
    assert _row(f, span="5 mg", sentence="Warfarin 5 mg daily.") == "high_alert.anticoagulant"
    # a contradiction keeps its sentence (a changed dose of a named drug)
    held = _finding("numbers.v1", "contradicted", ErrorCategory.DETAIL_MISIDENTIFICATION)
    assert _row(held, span="daily", sentence="Apixaban 5 mg daily.") == "high_alert.anticoagulant"


def test_an_allergen_alone_is_graded_as_an_allergy_by_its_message() -> None:
    f = _finding("entities.v1", "unsupported", ErrorCategory.FABRICATED_CLAIM)
    message = "allergy to 'milk': the input states no allergies"
    assert _row(f, span="milk", message=message) == "safety.allergy"
