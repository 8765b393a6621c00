"""Each tier-0 rule alone: the perturbation it exists for is found, a faithful paraphrase is not.

A rule runs alone on an analysed document (``medfact.testing.analysed``), so a finding can only
come from the rule under test; "all" is the rule tier scored end to end.
"""

from __future__ import annotations

import pytest

from medfact import registry
from medfact.config import NO_MODEL
from medfact.document import CaseDoc
from medfact.pipeline import Engine
from medfact.scoring import RuleScorer
from medfact.taxonomy import ErrorCategory, ErrorGroup, RiskLevel
from medfact.testing import analysed
from medfact.types import Assessment, Finding

RULES = [
    "numbers.v1",
    "negation.v1",
    "laterality.v1",
    "route.v1",
    "drugs.v1",
    "comparison.v1",
    "opposite.v1",
    "certainty.v1",
    "temporal.v1",
    "unsupported.v1",
    "entities.v1",
    "omission.v1",
    "condition.v1",
    "exception.v1",
    "takenback.v1",
    "attributed.v1",
]

DIALOGUE = (
    "Doctor: Any chest pain? Patient: No. Doctor: What medicines do you take? "
    "Patient: Metformin 500 mg twice a day and lisinopril 10 mg. Doctor: Which knee hurts? "
    "Patient: My left knee, it has gotten worse since last week. It is a mild ache."
)
FAITHFUL = (
    "The patient denies chest pain. He takes metformin 500 mg twice daily and lisinopril 10 mg. "
    "Left knee pain, worse since last week, mild."
)


class RuleResult:
    """One rule's findings on a document, with the rule scorer's grade of them."""

    def __init__(self, doc: CaseDoc, findings: list[Finding]) -> None:
        self.claims = doc.claims
        self.findings = findings
        self.risk_level = RuleScorer()(findings, [])


@pytest.fixture(scope="module")
def engines() -> dict[str, object]:
    """Each rule built alone from the registry; "all" is the rule-tier engine."""
    rules: dict[str, object] = {name: registry.verifiers.create(name) for name in RULES}
    rules["all"] = Engine.from_config(NO_MODEL)
    return rules


def run(engines: dict[str, object], rule: str, context: str | None, output: str):
    if rule == "all":
        return engines["all"].score_one(output, context=context)  # type: ignore[attr-defined]
    doc = analysed(output, context)
    return RuleResult(doc, engines[rule](doc))  # type: ignore[operator]


def findings_of(a: Assessment | RuleResult, rule: str) -> list[Finding]:
    return [f for f in a.findings if f.rule == rule]


def covers(output: str, finding: Finding, changed: str) -> bool:
    """Whether the finding's span overlaps the (first) occurrence of ``changed`` in the output."""
    start = output.index(changed)
    end = start + len(changed)
    assert finding.span is not None
    return finding.span[0] < end and start < finding.span[1]


def only_finding(a: Assessment | RuleResult, rule: str) -> Finding:
    found = findings_of(a, rule)
    assert len(found) == 1, [(f.rule, f.message) for f in a.findings]
    assert found[0].claim_id in {c.id for c in a.claims}
    return found[0]


def test_the_rule_tier_runs_every_rule_in_order(engines) -> None:
    names = [v.name for v in engines["all"].parts.verifiers]
    assert names == RULES


@pytest.mark.parametrize("rule", RULES)
def test_rules_need_a_context(engines, rule: str) -> None:
    a = run(engines, rule, None, "Reports severe right knee pain, 1000 mg losartan, worse.")
    assert a.findings == []
    assert a.risk_level == RiskLevel.NO_RISK


@pytest.mark.parametrize("rule", RULES)
def test_faithful_summary_has_no_finding_from_any_rule(engines, rule: str) -> None:
    a = run(engines, rule, DIALOGUE, FAITHFUL)
    assert findings_of(a, rule) == []


# --- numbers.v1 ---------------------------------------------------------------------------------


def test_numbers_changed_dose(engines) -> None:
    ctx = "Patient: I take metformin 500 mg twice a day."
    out = "Takes metformin 1000 mg twice daily."
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert f.category == ErrorCategory.DETAIL_MISIDENTIFICATION
    assert f.group == ErrorGroup.HALLUCINATION
    assert f.risk == RiskLevel.HIGH
    assert f.relation == "contradicted"
    assert covers(out, f, "1000")
    assert f.suggestion == "500 mg"
    assert f.context_span is not None
    assert ctx[f.context_span[0] : f.context_span[1]] == "500 mg"
    assert f.evidence and f.evidence[0].source == "context"


def test_numbers_changed_age_is_a_value_not_a_dose(engines) -> None:
    ctx = "A 26-year-old woman with a cough."
    out = "A 36-year-old woman with a cough."
    a = run(engines, "numbers.v1", ctx, out)
    f = only_finding(a, "numbers.v1")
    assert f.risk == RiskLevel.MODERATE
    assert f.relation == "contradicted"
    assert covers(out, f, "36")
    assert f.suggestion == "26-year-old"
    assert a.risk_level >= RiskLevel.MODERATE


def test_numbers_changed_blood_pressure(engines) -> None:
    ctx = "BP 140/90, temperature 38.5 C."
    out = "BP 150/90, temperature 38.5 C."
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "150/90")
    assert f.suggestion == "140/90"


def test_numbers_unsupported_dose(engines) -> None:
    ctx = "Patient takes metformin for diabetes."
    out = "Takes metformin 850 mg for diabetes."
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert f.relation == "unsupported"
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "850 mg")


def test_numbers_component_parameters_apply(engines) -> None:
    engine = Engine.from_config(
        {"pipeline": {"verifiers": ["numbers.v1"]}, "components": {"numbers.v1": {"dose_risk": 3}}}
    )
    # 750 vs 500 mg: under 2x, so no severity-policy floor (dose.ratio_2x) raises the risk
    a = engine.score_one("Takes 750 mg metformin.", context="Takes 500 mg metformin.")
    assert [int(f.risk) for f in a.findings] == [3]


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("The patient is a 26-year-old woman.", "The patient is twenty six years old."),
        ("She takes 500 mg of metformin.", "She takes five hundred milligrams of metformin."),
        ("She takes 500 mg of metformin.", "She takes 0.5 g of metformin."),
        ("Temperature 38.5 C, BP 140/90.", "BP 140/90 and temperature 38.5 C."),
    ],
)
def test_numbers_paraphrase_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "numbers.v1", ctx, out), "numbers.v1") == []


def test_numbers_changed_number_word_is_inside_the_span(engines) -> None:
    ctx = "She takes 500 mg of metformin."
    out = "She takes four hundred milligrams of metformin."
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert covers(out, f, "four")


def test_numbers_range_in_words_is_not_flagged(engines) -> None:
    ctx = "Doctor: How long do the spells last? Patient: Between five and ten minutes."
    out = "Spells last 5 to 10 minutes."
    assert findings_of(run(engines, "numbers.v1", ctx, out), "numbers.v1") == []


@pytest.mark.parametrize(
    ("ctx", "out", "changed", "units"),
    [
        (
            "Continue levothyroxine 88 mcg by mouth daily.",
            "Levothyroxine 88 mg PO daily.",
            "88 mg",
            "mg vs mcg",
        ),
        (
            "Give insulin lispro 6 units with meals.",
            "Insulin lispro 6 mL with meals.",
            "6 mL",
            "ml vs units",
        ),
        (
            "Vancomycin 15 mg/kg IV every 12 hours.",
            "Vancomycin 15 mg IV every 12 hours.",
            "15 mg",
            "mg vs mg/kg",
        ),
    ],
)
def test_numbers_unit_class_error(engines, ctx: str, out: str, changed: str, units: str) -> None:
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert "unit class" in f.message and units in f.message
    assert f.risk == RiskLevel.HIGH and f.confidence >= 0.9
    assert f.relation == "contradicted" and covers(out, f, changed)
    assert f.context_span is not None


def test_numbers_dose_ratio_is_named(engines) -> None:
    ctx = "Metoprolol succinate 25 mg once daily."
    out = "Metoprolol succinate 250 mg once daily."
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert f.message.startswith("dose x10")
    half = only_finding(
        run(engines, "numbers.v1", "Methotrexate 15 mg weekly.", "Methotrexate 7.5 mg weekly."),
        "numbers.v1",
    )
    assert half.message.startswith("dose x1/2")


@pytest.mark.parametrize(
    ("ctx", "out", "changed", "ratio"),
    [
        (
            "Oxycodone 5 mg PO every 6 hours as needed.",
            "Oxycodone 5 mg PO every hour as needed.",
            "every hour",
            "x6",
        ),
        ("Metformin 500 mg b.i.d.", "Metformin 500 mg q.i.d.", "q.i.d.", "x2"),
        ("Lisinopril 10 mg daily.", "Lisinopril 10 mg q4h.", "q4h", "x6"),
    ],
)
def test_numbers_frequency_escalation(
    engines, ctx: str, out: str, changed: str, ratio: str
) -> None:
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert f.message.startswith(f"frequency escalation {ratio}")
    assert f.risk == RiskLevel.HIGH and f.relation == "contradicted"
    assert covers(out, f, changed)
    assert ctx[f.context_span[0] : f.context_span[1]] == f.suggestion


def test_numbers_frequency_in_an_answer_is_about_its_question(engines) -> None:
    ctx = "Doctor: How often do you use the albuterol inhaler?\nPatient: Maybe twice a week."
    out = "Uses albuterol about twice a day."
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert f.message.startswith("frequency escalation x7") and covers(out, f, "twice a day")
    assert f.suggestion == "twice a week"


def test_numbers_changed_duration_unit(engines) -> None:
    ctx = "Doctor: How long have you had the cough? Patient: About three weeks now."
    out = "Cough for about three days."
    f = only_finding(run(engines, "numbers.v1", ctx, out), "numbers.v1")
    assert f.relation == "contradicted" and covers(out, f, "three days")
    assert f.suggestion == "three weeks"


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("Metformin 500 mg twice a day.", "Metformin 500 mg b.i.d."),
        ("Oxycodone 5 mg every 6 hours.", "Oxycodone 5 mg q6h."),
        ("Levothyroxine 88 mcg daily.", "Levothyroxine 0.088 mg daily."),
        (
            "Aspirin 81 mg daily and atorvastatin 40 mg nightly.",
            "ASA 81 mg qd; atorvastatin 40 mg qhs.",
        ),
        ("Takes insulin glargine 18 units at bedtime.", "Glargine 18 u qHS."),
        (
            "Ice the elbow three times a day. Ibuprofen 600 mg every 6 hours.",
            "Ibuprofen 600 mg q6h; ice the elbow 3 times daily.",
        ),
        (
            "Ice the knee four times a day. Lisinopril 20 mg daily.",
            "Continue lisinopril 20 mg daily; ice the knee.",
        ),
        ("Hemoglobin A1c 6.7. Temperature 98.4 F.", "A1c 6.7; temp 98.4 degrees F."),
        ("MRI of 3/4/21 shows a lesion. Headache 6/10.", "Headache 6/10; MRI (3/4/21): lesion."),
    ],
)
def test_numbers_rewritten_dose_or_frequency_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "numbers.v1", ctx, out), "numbers.v1") == []


# --- negation.v1 --------------------------------------------------------------------------------


def test_negation_denied_symptom_reported(engines) -> None:
    out = FAITHFUL.replace("denies", "reports")
    f = only_finding(run(engines, "negation.v1", DIALOGUE, out), "negation.v1")
    assert f.category == ErrorCategory.DETAIL_MISIDENTIFICATION
    assert f.relation == "contradicted"
    assert f.risk == RiskLevel.HIGH
    assert covers(out, f, "reports chest pain")
    assert f.context_span is not None
    assert DIALOGUE[f.context_span[0] : f.context_span[1]].lower() in {"chest", "pain"}


def test_negation_present_symptom_denied(engines) -> None:
    ctx = "Doctor: Any cough? Patient: Yes, a dry cough. Doctor: Fever? Patient: No."
    out = "Denies cough. No fever."
    f = only_finding(run(engines, "negation.v1", ctx, out), "negation.v1")
    assert f.relation == "contradicted"
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "cough")
    assert "negated" in f.message


def test_negation_hedged_finding_stated_as_fact(engines) -> None:
    ctx = "Possible pneumonia on chest x-ray."
    out = "Pneumonia on chest x-ray."
    f = only_finding(run(engines, "negation.v1", ctx, out), "negation.v1")
    assert f.category == ErrorCategory.OVERSTATED_INTENSITY
    assert f.group == ErrorGroup.CERTAINTY
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "Pneumonia")


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("Doctor: Any fever? Patient: No.", "Patient denies fever."),
        ("Doctor: And no nausea or headaches? Patient: No.", "No nausea. No headaches."),
        ("Doctor: Any fever? Patient: No. Doctor: Cough? Patient: Yes.", "Cough, no fever."),
        ("Possible pneumonia on chest x-ray.", "Possible pneumonia on chest x-ray."),
        ("Patient has hypertension. No diabetes.", "Patient has HTN, without diabetes."),
    ],
)
def test_negation_paraphrase_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "negation.v1", ctx, out), "negation.v1") == []


def test_negation_long_answer_is_not_a_denial(engines) -> None:
    ctx = "Doctor: Any fever? Patient: I have had a cough for two weeks, and I felt hot at night."
    out = "Reports fever and cough for two weeks."
    assert findings_of(run(engines, "negation.v1", ctx, out), "negation.v1") == []


def test_negation_denied_symptom_at_another_site_is_not_a_flip(engines) -> None:
    ctx = "Doctor: Any chest pain? Patient: No. Doctor: Which knee hurts? Patient: My left knee."
    out = "Denies chest pain. Left knee pain."
    assert findings_of(run(engines, "negation.v1", ctx, out), "negation.v1") == []


def test_negation_flip_of_an_ordinary_word_is_not_reported(engines) -> None:
    # the analysis misreads the polarity of ordinary words too often for them to count
    ctx = "Patient: I have been traveling a lot for work. My cough is better."
    out = "She has not been traveling. Cough is better."
    assert findings_of(run(engines, "negation.v1", ctx, out), "negation.v1") == []
    flipped = "She has been traveling. She denies cough."
    f = only_finding(run(engines, "negation.v1", ctx, flipped), "negation.v1")
    assert covers(flipped, f, "cough")


def test_negation_reads_a_split_clitic_as_negation(engines) -> None:
    # ACI-Bench transcripts split "don't" into "do n't"
    ctx = "[doctor] how have you been ?\n[patient] okay , i do n't have any fever ."
    f = only_finding(run(engines, "negation.v1", ctx, "He has a fever."), "negation.v1")
    assert covers("He has a fever.", f, "fever")
    assert findings_of(run(engines, "negation.v1", ctx, "No fever."), "negation.v1") == []


def test_negation_a_turn_answered_no_is_a_question_without_its_mark(engines) -> None:
    ctx = "[doctor] any blood in your stool .\n[patient] no .\n[doctor] okay ."
    out = "He reports blood in the stool."
    f = only_finding(run(engines, "negation.v1", ctx, out), "negation.v1")
    assert covers(out, f, "blood")
    denied = "He denies blood in the stool."
    assert findings_of(run(engines, "negation.v1", ctx, denied), "negation.v1") == []


def test_negation_a_no_answers_only_the_end_of_a_long_turn(engines) -> None:
    ctx = (
        "[doctor] so your lungs are clear and your heart sounds regular on the exam today and "
        "then one more thing have you had any fever\n[patient] no ."
    )
    out = "Lungs are clear. Heart regular. Denies fever."
    assert findings_of(run(engines, "negation.v1", ctx, out), "negation.v1") == []


def test_negation_non_smoker_reported_as_smoker(engines) -> None:
    ctx = "Social history: the patient is a non-smoker."
    out = "He smokes."
    f = only_finding(run(engines, "negation.v1", ctx, out), "negation.v1")
    assert covers(out, f, "smokes")


# --- laterality.v1 ------------------------------------------------------------------------------


def test_laterality_swapped_side(engines) -> None:
    out = FAITHFUL.replace("Left knee", "Right knee")
    f = only_finding(run(engines, "laterality.v1", DIALOGUE, out), "laterality.v1")
    assert f.category == ErrorCategory.DETAIL_MISIDENTIFICATION
    assert f.relation == "contradicted"
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "Right")
    assert f.suggestion == "left knee"


def test_laterality_swapped_side_of_a_procedure_is_high_risk(engines) -> None:
    ctx = "Left knee arthritis. Plan: knee replacement surgery on the left knee."
    out = "Plan: surgery on the right knee."
    f = only_finding(run(engines, "laterality.v1", ctx, out), "laterality.v1")
    assert f.risk == RiskLevel.HIGH
    assert covers(out, f, "right knee")


def test_laterality_side_not_in_the_input(engines) -> None:
    ctx = "Knee pain after a fall."
    out = "Left knee pain after a fall."
    f = only_finding(run(engines, "laterality.v1", ctx, out), "laterality.v1")
    assert f.relation == "unsupported"
    assert f.risk == RiskLevel.LOW
    assert covers(out, f, "Left")


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("Patient reports pain in the left knee after a fall.", "Left knee pain after a fall."),
        ("Patient reports pain in the left knee after a fall.", "Pain in the L knee."),
        ("Pain in both knees.", "Knee pain."),
    ],
)
def test_laterality_paraphrase_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "laterality.v1", ctx, out), "laterality.v1") == []


# --- drugs.v1 -----------------------------------------------------------------------------------


def test_drugs_swapped_drug(engines) -> None:
    out = FAITHFUL.replace("lisinopril", "losartan")
    f = only_finding(run(engines, "drugs.v1", DIALOGUE, out), "drugs.v1")
    assert f.category == ErrorCategory.DETAIL_MISIDENTIFICATION
    assert f.relation == "contradicted"
    assert f.risk == RiskLevel.HIGH
    assert covers(out, f, "losartan")
    assert f.suggestion == "lisinopril"


def test_drugs_new_drug_recommended(engines) -> None:
    ctx = "Patient: I only take Tylenol for my knee."
    out = "Takes acetaminophen for the knee. Start warfarin."
    f = only_finding(run(engines, "drugs.v1", ctx, out), "drugs.v1")
    assert f.category == ErrorCategory.INCORRECT_RECOMMENDATION
    assert f.risk == RiskLevel.HIGH
    assert f.relation == "unsupported"
    assert covers(out, f, "warfarin")


def test_drugs_new_drug_stated(engines) -> None:
    ctx = "No medications."
    out = "Takes ibuprofen daily."
    f = only_finding(run(engines, "drugs.v1", ctx, out), "drugs.v1")
    assert f.category == ErrorCategory.FABRICATED_CLAIM
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "ibuprofen")


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("Patient takes Tylenol for knee pain.", "Takes acetaminophen for knee pain."),
        ("Patient takes acetaminophen for knee pain.", "Takes Tylenol for knee pain."),
        ("Patient takes Zestril.", "Takes lisinopril."),
        # a transcription misspelling in the input, within the fuzzy threshold
        ("Patient: I take lisinoprill ten milligrams.", "Takes lisinopril 10 mg."),
        ("Patient takes several antibiotics.", "Takes antibiotics."),
    ],
)
def test_drugs_paraphrase_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "drugs.v1", ctx, out), "drugs.v1") == []


def test_drugs_fuzzy_threshold_is_what_lets_a_misspelling_pass() -> None:
    engine = Engine.from_config(
        {
            "pipeline": {"verifiers": ["drugs.v1"]},
            "components": {"drugs.v1": {"fuzzy_threshold": 100}},
        }
    )
    a = engine.score_one("Takes lisinopril 10 mg.", context="I take lisinoprill ten milligrams.")
    assert [f.rule for f in a.findings] == ["drugs.v1"]


# --- comparison.v1 ------------------------------------------------------------------------------


def test_comparison_opposite_change(engines) -> None:
    out = FAITHFUL.replace("worse since", "better since")
    f = only_finding(run(engines, "comparison.v1", DIALOGUE, out), "comparison.v1")
    assert f.category == ErrorCategory.FALSE_COMPARISON
    assert f.relation == "contradicted"
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "better")
    assert f.suggestion == "worse"


def test_comparison_change_the_input_does_not_make(engines) -> None:
    ctx = "The patient has a rash on the arm."
    out = "The rash is getting worse."
    f = only_finding(run(engines, "comparison.v1", ctx, out), "comparison.v1")
    assert f.relation == "unsupported"
    assert f.risk == RiskLevel.LOW  # "check this": the input states no change either way
    assert covers(out, f, "worse")


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("The rash has improved since the last visit.", "Rash better than at last visit."),
        ("The rash has improved since the last visit.", "Rash improved since last visit."),
        ("The patient has a rash on the arm.", "The rash is not worse."),
    ],
)
def test_comparison_paraphrase_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "comparison.v1", ctx, out), "comparison.v1") == []


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        (
            "Right shoulder pain for two weeks, worse with overhead reaching, better with rest.",
            "Two weeks of right shoulder pain, worse with overhead reaching and better with rest.",
        ),
        ("Palpitations for a week, worse with coffee.", "1 wk palpitations worse w/ caffeine."),
        ("Chest pain worse after climbing stairs.", "Chest pain, worse after climbing stairs."),
        ("Patient: I smoke maybe half a pack a day.", "Smokes less than a pack a day."),
        ("Swelling of both legs for a month.", "Bilateral lower extremity swelling for a month."),
        (
            "Patient: They increased my metoprolol and I feel worse since.",
            "Feels worse since metoprolol was increased.",
        ),
    ],
)
def test_comparison_triggers_and_states_are_not_changes(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "comparison.v1", ctx, out), "comparison.v1") == []


def test_comparison_a_trigger_in_the_input_does_not_support_a_change(engines) -> None:
    ctx = "Right shoulder pain for two weeks, worse with overhead reaching."
    out = "Right shoulder pain, worsening steadily since onset."
    f = only_finding(run(engines, "comparison.v1", ctx, out), "comparison.v1")
    # a course over time ("steadily since onset") the input never states: an invented trend
    assert f.relation == "unsupported" and f.risk == RiskLevel.MODERATE
    assert covers(out, f, "worsening")


def test_comparison_change_against_no_change(engines) -> None:
    ctx = "Doctor: How is the breathing? Patient: About the same, not better or worse."
    out = "Dyspnea markedly improved since last visit."
    f = only_finding(run(engines, "comparison.v1", ctx, out), "comparison.v1")
    assert f.relation == "contradicted" and "did not change" in f.message
    assert covers(out, f, "improved")


def test_comparison_better_after_a_time_is_a_change(engines) -> None:
    ctx = "The patient has a rash on the arm."
    out = "The rash felt better after two days."
    f = only_finding(run(engines, "comparison.v1", ctx, out), "comparison.v1")
    assert covers(out, f, "better")


# --- certainty.v1 -------------------------------------------------------------------------------


def test_certainty_overstated_severity(engines) -> None:
    out = FAITHFUL.replace("mild.", "severe.")
    f = only_finding(run(engines, "certainty.v1", DIALOGUE, out), "certainty.v1")
    assert f.category == ErrorCategory.OVERSTATED_INTENSITY
    assert f.group == ErrorGroup.CERTAINTY
    assert f.relation == "contradicted"
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "severe")
    assert f.suggestion == "mild"


def test_certainty_understated_severity(engines) -> None:
    ctx = "Severe lower back pain since Monday."
    out = "Mild lower back pain since Monday."
    f = only_finding(run(engines, "certainty.v1", ctx, out), "certainty.v1")
    assert f.category == ErrorCategory.UNDERSTATED_INTENSITY
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "Mild")
    assert f.suggestion == "severe"


def test_certainty_overstated_frequency(engines) -> None:
    ctx = "Headaches occur occasionally."
    out = "Constant headaches."
    f = only_finding(run(engines, "certainty.v1", ctx, out), "certainty.v1")
    assert f.category == ErrorCategory.OVERSTATED_INTENSITY
    assert covers(out, f, "Constant")


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("The patient has mild pain in the lower back.", "Slight lower back pain."),
        ("The patient has mild pain in the lower back.", "Mild lower back pain."),
        ("Headaches occur occasionally.", "Occasional headaches."),
    ],
)
def test_certainty_paraphrase_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "certainty.v1", ctx, out), "certainty.v1") == []


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        (
            "Patient: My shoulder hurts when I reach up. Doctor: It is rotator cuff tendinopathy.",
            "Assessment: rotator cuff tendinopathy, severe.\nPlan: physical therapy.",
        ),
        (
            "Doctor: Your knee looks like osteoarthritis.",
            "ASSESSMENT AND PLAN:\n1. Osteoarthritis of the knee, definitely degenerative.",
        ),
    ],
)
def test_certainty_judgement_under_an_assessment_header_is_not_overstated(
    engines, ctx: str, out: str
) -> None:
    assert findings_of(run(engines, "certainty.v1", ctx, out), "certainty.v1") == []


def test_certainty_outside_a_judgement_section_is_still_read(engines) -> None:
    ctx = "Patient: My shoulder hurts when I reach up."
    out = "Exam: severe shoulder tenderness."
    f = only_finding(run(engines, "certainty.v1", ctx, out), "certainty.v1")
    assert covers(out, f, "severe")


@pytest.mark.parametrize(
    ("ctx", "out", "changed", "category"),
    [
        (
            "MRI: lesions may represent small vessel disease; demyelination cannot be excluded.",
            "MRI: white matter lesions diagnostic of demyelination.",
            "diagnostic of",
            ErrorCategory.OVERSTATED_INTENSITY,
        ),
        (
            "Biopsy confirms invasive ductal carcinoma.",
            "Biopsy possibly shows invasive ductal carcinoma.",
            "possibly",
            ErrorCategory.UNDERSTATED_INTENSITY,
        ),
    ],
)
def test_certainty_hedge_removed_or_added_about_the_same_finding(
    engines, ctx: str, out: str, changed: str, category: ErrorCategory
) -> None:
    f = only_finding(run(engines, "certainty.v1", ctx, out), "certainty.v1")
    assert f.category == category and f.relation == "contradicted"
    assert f.risk >= RiskLevel.MODERATE and covers(out, f, changed)


def test_certainty_hedge_about_another_finding_is_not_a_rival(engines) -> None:
    ctx = "Possible early pneumonia on the x-ray. The fracture of the wrist is confirmed."
    out = "Possible early pneumonia. Wrist fracture confirmed."
    assert findings_of(run(engines, "certainty.v1", ctx, out), "certainty.v1") == []


# --- unsupported.v1 -----------------------------------------------------------------------------


def test_unsupported_fabricated_diagnosis(engines) -> None:
    added = "He was diagnosed with rheumatoid arthritis and gout."
    out = f"{FAITHFUL} {added}"
    f = only_finding(run(engines, "unsupported.v1", DIALOGUE, out), "unsupported.v1")
    assert f.category == ErrorCategory.FABRICATED_CLAIM
    assert f.relation == "unsupported"
    # The bag of words is a weak signal since issue 13: entities.v1 grades the diagnoses.
    assert f.risk == RiskLevel.LOW
    assert covers(out, f, "rheumatoid arthritis")
    assert "gout" in f.message


def test_unsupported_recommendation(engines) -> None:
    ctx = "Patient has hypertension, well controlled."
    out = "Patient has hypertension. Start amlodipine and refer to cardiology."
    a = run(engines, "unsupported.v1", ctx, out)
    found = findings_of(a, "unsupported.v1")
    assert found, "nothing flagged"
    # the condition-aware decomposer may split the advice into one claim per action
    assert all(f.category == ErrorCategory.INCORRECT_RECOMMENDATION for f in found)
    assert all(f.relation == "unsupported" and f.risk >= RiskLevel.MODERATE for f in found)
    assert any(covers(out, f, "amlodipine") for f in found)
    assert any(covers(out, f, "cardiology") for f in found)
    assert not any(covers(out, f, "Patient has hypertension") for f in found)


def test_unsupported_cause(engines) -> None:
    ctx = "Patient has hypertension."
    out = "Patient has hypertension due to chronic kidney disease."
    f = only_finding(run(engines, "unsupported.v1", ctx, out), "unsupported.v1")
    assert f.category == ErrorCategory.MISLEADING_JUSTIFICATION
    assert f.risk >= RiskLevel.MODERATE
    assert covers(out, f, "kidney disease")
    assert not covers(out, f, "Patient")


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        ("Patient has hypertension. No history of diabetes.", "Patient has HTN. No diabetes."),
        ("Patient has high blood pressure.", "Patient has hypertension."),
        ("Doctor: Any fever? Patient: No.", "Patient denies fever."),
    ],
)
def test_unsupported_paraphrase_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "unsupported.v1", ctx, out), "unsupported.v1") == []


def test_unsupported_lay_phrase_for_a_diagnosis_is_not_flagged(engines) -> None:
    ctx = "Patient has hypertension. No history of diabetes."
    out = "Has high blood pressure."
    assert findings_of(run(engines, "unsupported.v1", ctx, out), "unsupported.v1") == []


# --- omission.v1 --------------------------------------------------------------------------------


def test_omission_drug_left_out(engines) -> None:
    ctx = "Patient takes metformin and atorvastatin. He reports knee pain."
    out = "Takes metformin. Knee pain."
    f = only_finding_omitted(run(engines, "omission.v1", ctx, out))
    assert f.category == ErrorCategory.MISSING_CLAIM
    assert f.group == ErrorGroup.OMISSION
    # An ordinary drug dropped is a weak signal since issue 13 (high-alert ones: test_entities).
    assert f.risk == RiskLevel.LOW
    assert f.context_span is not None
    assert ctx[f.context_span[0] : f.context_span[1]] == "atorvastatin"


def test_omission_sentence_left_out_between_covered_ones(engines) -> None:
    ctx = (
        "The patient has a cough for three days. She reports chest tightness and wheezing at "
        "night. The cough is productive with yellow sputum. She has no fever."
    )
    out = "Cough for three days, productive with yellow sputum. No fever."
    f = only_finding_omitted(run(engines, "omission.v1", ctx, out))
    assert f.context_span is not None
    left_out = ctx[f.context_span[0] : f.context_span[1]]
    assert "wheezing" in left_out
    assert "wheezing" in f.message


def only_finding_omitted(a: Assessment) -> Finding:
    f = only_finding_any(a, "omission.v1")
    assert f.relation == "omitted"
    assert f.span is None
    return f


def only_finding_any(a: Assessment, rule: str) -> Finding:
    found = findings_of(a, rule)
    assert len(found) == 1, [(f.rule, f.message) for f in a.findings]
    return found[0]


@pytest.mark.parametrize(
    ("ctx", "out"),
    [
        (
            "Patient takes metformin and atorvastatin. He reports knee pain.",
            "Takes metformin and atorvastatin. Knee pain.",
        ),
        (
            "Patient takes metformin and atorvastatin. He reports knee pain.",
            "Takes metformin and Lipitor. Knee pain.",
        ),
        (
            "The patient has a cough for three days. She reports chest tightness and wheezing "
            "at night. The cough is productive with yellow sputum. She has no fever.",
            "Cough for three days. Chest tightness and wheezing at night. Productive cough with "
            "yellow sputum. No fever.",
        ),
    ],
)
def test_omission_complete_summary_is_not_flagged(engines, ctx: str, out: str) -> None:
    assert findings_of(run(engines, "omission.v1", ctx, out), "omission.v1") == []


# --- all rules together (the default config) ----------------------------------------------------


def test_default_engine_faithful_summary_is_risk_1(engines) -> None:
    a = run(engines, "all", DIALOGUE, FAITHFUL)
    assert a.risk_level == RiskLevel.NO_RISK, [(f.rule, f.message) for f in a.findings]
    assert a.safe
    assert a.factuality == 1.0


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        ("denies chest pain", "reports chest pain", "reports"),
        ("metformin 500 mg", "metformin 1000 mg", "1000"),
        ("Left knee", "Right knee", "Right"),
        ("lisinopril", "losartan", "losartan"),
        ("mild.", "severe.", "severe"),
        ("worse since", "better since", "better"),
        ("mild.", "mild. He was diagnosed with rheumatoid arthritis and gout.", "rheumatoid"),
    ],
)
def test_default_engine_flags_each_perturbation(engines, old: str, new: str, changed: str) -> None:
    assert old in FAITHFUL
    out = FAITHFUL.replace(old, new)
    a = run(engines, "all", DIALOGUE, out)
    assert a.risk_level >= RiskLevel.MODERATE
    assert not a.safe
    assert any(
        f.span is not None and f.risk >= RiskLevel.MODERATE and covers(out, f, changed)
        for f in a.findings
    ), [(f.rule, f.span, f.message) for f in a.findings]
    assert a.factuality is not None and a.factuality < 1.0


def test_numbers_dose_of_a_drug_the_input_never_names_has_no_rival(engines) -> None:
    context = "Doctor: Any medicines? Patient: Lisinopril, ten milligrams every morning."
    output = "Takes lisinopril 10 mg daily. Start prednisone 40 mg daily."
    found = findings_of(run(engines, "numbers.v1", context, output), "numbers.v1")
    assert len(found) == 1
    f = found[0]
    assert output[f.span[0] : f.span[1]] == "40 mg"
    assert f.relation == "unsupported" and f.suggestion is None  # not "differs from 10 mg"
    assert int(f.risk) == 3


def test_negation_a_body_part_alone_is_not_a_flip() -> None:
    from medfact.testing import run_rule

    context = "Doctor: I'm going to listen to your heart now. Okay, your heart sounds good."
    output = "Cardiovascular: No murmurs, gallops, or rubs. No extra heart sounds."
    assert run_rule("negation.v1", output, context) == []
    # the finding about the part still is
    flipped = run_rule("negation.v1", "Denies chest pain.", "Patient: I have chest pain.")
    assert [f.rule for f in flipped] == ["negation.v1"]
