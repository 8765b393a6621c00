"""The clinical severity policy: the table, classification, the stage and the scorers' floors."""

from __future__ import annotations

import pytest

from medfact import severity
from medfact.errors import ConfigError
from medfact.scoring import CalibratedScorer, RuleScorer
from medfact.severity import (
    Texts,
    amounts,
    apply_policy,
    case_floor,
    classify,
    doses_per_day,
    load_policy,
    parse_policy,
)
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.testing import check_plugin
from medfact.types import Finding, Sentence


def finding(
    rule: str = "drugs.v1",
    risk: int = 3,
    relation: str = "unsupported",
    category: ErrorCategory = ErrorCategory.FABRICATED_CLAIM,
    confidence: float = 0.8,
    span: tuple[int, int] | None = None,
    context_span: tuple[int, int] | None = None,
    message: str = "a finding",
) -> Finding:
    return Finding(
        category=category,
        risk=RiskLevel(risk),
        span=span,
        context_span=context_span,
        message=message,
        relation=relation,
        rule=rule,
        confidence=confidence,
    )


def row_of(f: Finding, **texts: str) -> str | None:
    row = classify(f, Texts(**texts))
    return row.id if row else None


# --- the table ------------------------------------------------------------------------------------


def test_package_table_loads_with_sources_and_required_rows() -> None:
    policy = load_policy()
    ids = {row.id for row in policy.rows}
    for needed in (
        "high_alert.anticoagulant",
        "high_alert.insulin",
        "high_alert.opioid",
        "high_alert.antineoplastic",
        "high_alert.sedative",
        "high_alert.concentrated_electrolyte",
        "high_alert.neuromuscular_blocker",
        "high_alert.antiarrhythmic",
        "safety.allergy",
        "safety.code_status",
        "safety.pregnancy",
        "safety.side_site",
        "dose.ratio_2x",
        "dose.unit_class",
        "dose.frequency_escalation",
        "dose.route",
        "lab.critical_value",
        "medication.held_continued_started",
        "fabricated.diagnosis",
        "fabricated.drug",
        "fabricated.procedure",
        "fabricated.demographics_setting",
    ):
        assert needed in ids
    assert all(row.source.strip() and 2 <= row.floor <= 4 for row in policy.rows)
    floors = {row.id: row.floor for row in policy.rows}
    assert floors["high_alert.anticoagulant"] == 4
    assert floors["fabricated.diagnosis"] >= 3
    assert floors["fabricated.demographics_setting"] >= 2


def _table(**row: object) -> dict:
    base = {"id": "x.y", "floor": 3, "match": "term", "terms": ["abc"], "source": "s"}
    return {"row": [{**base, **row}]}


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"floor": 5}, "'floor' must be an integer 2-4"),
        ({"floor": True}, "'floor'"),
        ({"match": "colour"}, "'match' must be one of"),
        ({"terms": ["(unclosed"]}, "does not compile"),
        ({"look_in": ["elsewhere"]}, "'look_in'"),
        ({"source": ""}, "'source'"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"terms": []}, "a 'term' row needs 'terms'"),
        ({"min_ratio": 0.5}, "'min_ratio'"),
    ],
)
def test_a_wrong_row_is_refused_naming_the_row(row: dict, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_policy(_table(**row))
    assert "row 1 ('x.y')" in str(err.value) and words in str(err.value)


def test_duplicate_ids_and_bad_analytes_are_refused() -> None:
    table = _table()
    table["row"].append(dict(table["row"][0]))
    with pytest.raises(ConfigError, match="'x.y'.*used twice"):
        parse_policy(table)
    bad = {**_table(match="lab", terms=[]), "analyte": [{"id": "k", "pattern": "K", "low": 7}]}
    with pytest.raises(ConfigError, match="analyte 1 \\('k'\\)"):
        parse_policy(bad)


def test_a_custom_table_file_loads(tmp_path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        '[[row]]\nid = "local.vitamin"\nfloor = 2\nmatch = "term"\nterms = ["vitamin"]\n'
        'source = "local rule"\n',
        encoding="utf-8",
    )
    policy = load_policy(str(path))
    f = finding(risk=2)
    assert classify(f, Texts(span="vitamin D"), policy).id == "local.vitamin"
    with pytest.raises(ConfigError, match="severity policy file"):
        load_policy(str(tmp_path / "missing.toml"))


# --- reading amounts and frequencies ------------------------------------------------------------


def test_amounts_and_frequencies() -> None:
    assert amounts("warfarin 5 mg daily") == [(5.0, "mg")]
    assert amounts("vancomycin 15 mg/kg IV") == [(15.0, "mg/kg")]
    assert amounts("Fifty milligrams") == [(50.0, "mg")]
    assert amounts("insulin 10 units") == [(10.0, "units")]
    assert doses_per_day("oxycodone 5 mg every 4 hours as needed") == pytest.approx(6.0)
    assert doses_per_day("q2h") == pytest.approx(12.0)
    assert doses_per_day("every 30 minutes") == pytest.approx(48.0)
    assert doses_per_day("methotrexate 10 mg weekly") == pytest.approx(1 / 7)
    assert doses_per_day("metformin twice daily") == 2.0
    assert doses_per_day("Lasix 40 mg t.i.d.") == 3.0
    assert doses_per_day("no schedule here") is None


# --- classification -------------------------------------------------------------------------------


def test_high_alert_drug_classes_by_generic_brand_and_abbreviation() -> None:
    f = finding()
    assert row_of(f, span="warfarin") == "high_alert.anticoagulant"
    assert row_of(f, span="Eliquis") == "high_alert.anticoagulant"  # brand, via the lexicon
    assert row_of(f, span="Lantus 20 units") == "high_alert.insulin"
    assert row_of(f, span="Dilaudid") == "high_alert.opioid"
    assert row_of(f, span="MTX") == "high_alert.antineoplastic"
    assert row_of(f, span="lorazepam") == "high_alert.sedative"
    assert row_of(f, span="KCl 40 mEq IV") == "high_alert.concentrated_electrolyte"
    assert row_of(f, span="rocuronium") == "high_alert.neuromuscular_blocker"
    assert row_of(f, span="amiodarone") == "high_alert.antiarrhythmic"
    # an ordinary drug the input never names is a fabricated drug (floor 3), not high-alert
    assert row_of(f, span="amoxicillin") == "fabricated.drug"


def test_safety_facts() -> None:
    f = finding(rule="negation.v1", relation="contradicted")
    assert row_of(f, span="No known drug allergies") == "safety.allergy"
    assert row_of(f, span="Full code") == "safety.code_status"
    assert row_of(f, span="urine hCG negative") == "safety.pregnancy"
    side = finding(
        rule="laterality.v1",
        relation="contradicted",
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
    )
    assert row_of(side, span="right", context="left") == "safety.side_site"
    # a side word in an unsupported finding is not a wrong side
    assert row_of(finding(rule="x.v1"), span="right") is None


def test_dose_units_frequency_and_labs() -> None:
    f = finding(
        rule="numbers.v1",
        relation="contradicted",
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
        message="dose differs",
    )
    assert row_of(f, span="50 mg", context="25 mg") == "dose.ratio_2x"
    assert row_of(f, span="30 mg", context="25 mg") is None
    assert row_of(f, span="88 mg", context="88 mcg") == "dose.unit_class"
    assert row_of(f, span="6 mL", context="6 units") == "dose.unit_class"
    assert row_of(f, span="1 mg/kg", context="1 mg") == "dose.unit_class"
    assert (
        row_of(f, span="30 minutes", sentence="every 30 minutes", context_sentence="q4h")
        == "dose.frequency_doubled"  # eight times as often
    )
    assert (
        row_of(f, span="q3h", sentence="every 3 hours", context_sentence="q4h")
        == "dose.frequency_escalation"
    )
    assert row_of(f, sentence="Lasix 40 mg daily", context_sentence="Lasix 40 mg BID") is None
    assert row_of(f, span="2.4", sentence="Potassium 2.4 today") == "lab.critical_value"
    assert row_of(f, span="4.1", sentence="Potassium 4.1 today") is None
    assert row_of(f, span="potassium 4.1") == "lab.value"
    assert row_of(f, span="given IV") == "dose.route"


def test_critical_results_dropped_or_contradicted_are_4() -> None:
    dropped = finding(rule="omission.v1", relation="omitted", category=ErrorCategory.MISSING_CLAIM)
    assert row_of(dropped, context="small subdural hematoma") == "safety.critical_result"
    flipped = finding(rule="negation.v1", relation="contradicted")
    assert row_of(flipped, span="no neck stiffness") == "safety.critical_result"
    # an unsupported mention is graded by the fabricated rows, not as a critical result
    assert row_of(finding(rule="x.v1"), span="colon cancer") == "fabricated.diagnosis"


def test_fabricated_content_floors() -> None:
    f = finding(rule="entities.v1", risk=2)
    assert row_of(f, span="history of diabetes") == "fabricated.diagnosis"
    assert row_of(f, span="appendectomy") == "fabricated.procedure"
    assert row_of(f, span="72-year-old woman") == "fabricated.demographics_setting"
    # a contradiction (not a fabrication) is not graded by the fabricated rows
    assert row_of(finding(rule="x.v1", relation="contradicted"), span="appendectomy") is None


def test_the_policy_leaves_doubtful_notes_and_skipped_rules_alone() -> None:
    assert row_of(finding(confidence=0.3), span="warfarin") is None
    assert row_of(finding(risk=1), span="warfarin") is None
    assert row_of(finding(rule="unsupported.v1"), span="warfarin") is None
    assert row_of(finding(rule="crossencoder.v1"), span="warfarin") is None
    # a status word in a sentence without support is not a held/continued/started error
    assert row_of(finding(rule="x.v1", risk=2), span="Treatment should be continued.") is None
    changed = finding(rule="x.v1", relation="contradicted")
    assert row_of(changed, span="continued") == "medication.held_continued_started"


# --- applying it, and the scorers -------------------------------------------------------------


def test_apply_policy_raises_to_the_floor_and_names_the_row() -> None:
    output = "History of atrial fibrillation on warfarin."
    start = output.index("warfarin")
    f = finding(span=(start, start + len("warfarin")), message="drug 'warfarin' is not in it")
    sentences = [Sentence(index=0, span=(0, len(output)), text=output)]
    [raised] = apply_policy([f], output, "Shoulder pain.", sentences, [])
    assert raised.risk == RiskLevel.HIGH and raised.policy == "high_alert.anticoagulant"
    assert raised.message == f.message and f.policy is None  # the input finding is unchanged
    # a finding above its floor keeps its risk, and still names the row
    high = finding(risk=4, span=(start, start + 8))
    [kept] = apply_policy([high], output, None, sentences, [])
    assert kept.risk == RiskLevel.HIGH and kept.policy == "high_alert.anticoagulant"


def test_case_floor_and_the_rule_scorer_never_grade_below_it() -> None:
    f = finding(risk=4, confidence=0.3).model_copy(update={"policy": "safety.code_status"})
    assert case_floor([f]) == 4
    # rules.v1 lowers a low-confidence finding one level, but not below the policy floor
    assert RuleScorer()([f], []) == RiskLevel.HIGH
    plain = f.model_copy(update={"policy": None})
    assert RuleScorer()([plain], []) == RiskLevel.MODERATE
    assert case_floor([plain]) == 1


def test_the_calibrated_scorer_may_raise_but_never_lowers_below_the_floor() -> None:
    import numpy as np

    scorer = CalibratedScorer().load()
    f = finding(risk=3, relation="unsupported").model_copy(update={"policy": "safety.allergy"})
    probabilities = np.array([[0.98, 0.01, 0.01]])  # tier 1: everything supported
    assert scorer([f], [], probabilities) == RiskLevel.HIGH
    assert scorer.unsafe_probability([f], [], probabilities) == 1.0


def test_the_severity_stage_conforms_and_is_in_the_default_pipeline() -> None:
    from medfact.config import DEFAULT_STAGES

    assert check_plugin("stages", "severity").name == "severity"
    assert DEFAULT_STAGES.index("severity") == DEFAULT_STAGES.index("score") - 1
    assert DEFAULT_STAGES.index("severity") > DEFAULT_STAGES.index("verdicts")


WARFARIN_CONTEXT = (
    "Doctor: What brings you in today?\n"
    "Patient: My right shoulder has been hurting for two weeks, worse when I reach overhead.\n"
    "Doctor: Any other medical problems or medicines?\n"
    "Patient: No, I'm healthy. I just take ibuprofen sometimes for the pain."
)
WARFARIN_OUTPUT = (
    "Two weeks of right shoulder pain, worse with overhead reaching. "
    "History of atrial fibrillation on warfarin. Takes ibuprofen as needed."
)


@pytest.mark.parametrize("no_model", [True, False])
def test_issue_13_warfarin_added_to_a_shoulder_visit_is_risk_4(no_model: bool) -> None:
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    engine = Engine.from_config(None, NO_MODEL if no_model else None)
    [result] = list(
        engine.score_many([{"id": "w", "output": WARFARIN_OUTPUT, "context": WARFARIN_CONTEXT}])
    )
    assert result.risk_level == RiskLevel.HIGH
    start = WARFARIN_OUTPUT.index("warfarin")
    rows = {
        f.policy
        for f in result.findings
        if f.span and f.span[0] <= start < f.span[1] and f.risk == RiskLevel.HIGH
    }
    assert "high_alert.anticoagulant" in rows


def test_every_raised_finding_names_its_row() -> None:
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    engine = Engine.from_config(None, NO_MODEL)
    off = Engine.from_config(
        {"pipeline": {"stages": [s for s in engine.settings.pipeline.stages if s != "severity"]}},
        NO_MODEL,
    )
    record = {"id": "w", "output": WARFARIN_OUTPUT, "context": WARFARIN_CONTEXT}
    [with_policy] = list(engine.score_many([record]))
    [without] = list(off.score_many([record]))
    before = {(f.rule, f.span, f.message): f.risk for f in without.findings}
    for f in with_policy.findings:
        if f.risk != before[(f.rule, f.span, f.message)]:
            assert f.policy is not None
    assert all(f.policy is None for f in without.findings)


def test_known_floors_cover_the_package_rows() -> None:
    load_policy()
    assert severity._KNOWN_FLOORS["high_alert.anticoagulant"] == 4
