"""entities.v1 (unsupported clinical entities), drugs.v1 high-alert grading, omission.v1 critical
omissions: small texts written for these tests."""

from __future__ import annotations

import pytest

from medfact import registry
from medfact.testing import analysed, check_plugin, run_rule
from medfact.types import Finding
from medfact.verifiers.entities import ages, allergies, code_status, high_alert_class
from medfact.verifiers.omission import critical_labs


def of(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def spans(output: str, findings: list[Finding]) -> list[str]:
    return [output[f.span[0] : f.span[1]] for f in findings if f.span]


def test_plugin_conformance() -> None:
    assert "code_status_risk" in registry.verifiers.parameters("entities.v1")  # loads the registry
    check_plugin("verifiers", "entities.v1")
    check_plugin("verifiers", "omission.v1")


def test_fabricated_condition_is_named_with_its_type() -> None:
    ctx = "58-year-old man with right shoulder pain. Takes lisinopril for blood pressure."
    out = "58-year-old man with right shoulder pain. History of atrial fibrillation."
    found = of(run_rule("entities.v1", out, ctx), "entities.v1")
    assert spans(out, found) == ["atrial fibrillation"]
    assert found[0].category.value == "fabricated_claim"
    assert found[0].risk >= 3
    assert "condition" in found[0].message


def test_abbreviations_and_shorthand_are_support() -> None:
    ctx = (
        "72-year-old woman with congestive heart failure, hypertension and type 2 diabetes, "
        "seen in the emergency department. Chest x-ray and electrocardiogram done."
    )
    out = "72F w/ CHF, HTN, DM2, seen in the ED; CXR and EKG done."
    assert of(run_rule("entities.v1", out, ctx), "entities.v1") == []


def test_spelled_out_abbreviation_in_dialogue_supports() -> None:
    ctx = "Doctor: Your E K G showed a fast rate.\nPatient: Is that bad?"
    out = "EKG showed sinus tachycardia."
    assert of(run_rule("entities.v1", out, ctx), "entities.v1") == []


def test_negated_or_uncertain_entity_is_not_a_claim() -> None:
    ctx = "Cough for three days, no fever."
    out = "Cough for three days. No history of COPD."
    assert of(run_rule("entities.v1", out, ctx), "entities.v1") == []


def test_fabricated_procedure_and_setting() -> None:
    ctx = "Chest pain resolved. Troponins negative. Stress test scheduled as an outpatient."
    out = "Chest pain resolved after cardiac catheterization. Monitored in the ICU."
    found = of(run_rule("entities.v1", out, ctx), "entities.v1")
    assert set(spans(out, found)) == {"catheterization", "ICU"}
    by_span = {out[f.span[0] : f.span[1]]: f for f in found}
    assert by_span["catheterization"].risk >= 3
    assert "setting" in by_span["ICU"].message and by_span["ICU"].risk >= 2


def test_age_and_sex_contradicted() -> None:
    ctx = "52-year-old woman with palpitations for a week."
    out = "78-year-old man with palpitations for a week."
    found = of(run_rule("entities.v1", out, ctx), "entities.v1")
    assert set(spans(out, found)) == {"78-year-old", "man"}
    assert all(f.relation == "contradicted" and f.risk >= 3 for f in found)


def test_fabricated_age_is_weak_and_same_age_is_support() -> None:
    # weak where the input is a conversation; a written input's is graded 3
    # (tests/test_l12_demographics.py)
    ctx = "Doctor: What's the trouble?\nPatient: Itchy rash on both forearms after gardening."
    found = of(run_rule("entities.v1", "67-year-old with an itchy rash.", ctx), "entities.v1")
    assert [int(f.risk) for f in found] == [2]
    assert ages("72F, seen today") == [(72, 0, 3)]
    same = "45 yo with back pain."
    assert of(run_rule("entities.v1", same, "45-year-old with back pain."), "entities.v1") == []


def test_code_status_reversed() -> None:
    ctx = "Goals of care discussed. Code status: DNR/DNI. Continue medical management."
    out = "Code status is full code; continue medical management."
    found = of(run_rule("entities.v1", out, ctx), "entities.v1")
    assert spans(out, found) == ["full code"]
    assert found[0].risk == 4 and found[0].relation == "contradicted"


def test_code_status_declined_in_dialogue() -> None:
    ctx = (
        "Doctor: If your heart stopped, would you want CPR?\n"
        "Patient: No, I do not want that, and no breathing tube either."
    )
    status = code_status(analysed("x", ctx).context)
    assert status.dnr and status.dni
    out = "Patient wants full resuscitation."
    assert spans(out, of(run_rule("entities.v1", out, ctx), "entities.v1")) == [
        "full resuscitation"
    ]
    faithful = "Patient declines CPR and intubation; DNR/DNI."
    assert of(run_rule("entities.v1", faithful, ctx), "entities.v1") == []


def test_no_known_allergies_against_a_stated_drug_allergy() -> None:
    ctx = (
        "Doctor: Any allergies to medicines?\n"
        "Patient: Yes, penicillin. I got hives.\n"
        "Doctor: Anything else?\nPatient: No."
    )
    out = "No known drug allergies."
    found = of(run_rule("entities.v1", out, ctx), "entities.v1")
    assert spans(out, found) == ["No known drug allergies"]
    assert found[0].risk == 4 and "penicillin" in found[0].message


def test_food_allergy_allows_no_drug_allergies() -> None:
    ctx = "Mother: She is allergic to peanuts.\nDoctor: Medicine allergies?\nMother: None."
    out = "Peanut allergy; no known drug allergies."
    assert of(run_rule("entities.v1", out, ctx), "entities.v1") == []
    assert [a.allergen for a in allergies(analysed("x", ctx).context)] == ["peanuts"]


def test_a_question_about_allergies_states_none() -> None:
    ctx = "Doctor: Are you allergic to anything?\nPatient: No allergies that I know of."
    assert allergies(analysed("x", ctx).context) == []
    assert of(run_rule("omission.v1", "None.", ctx), "omission.v1") == []


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("warfarin", "anticoagulant"),
        ("insulin glargine", "insulin"),
        ("Percocet", "opioid"),
        ("lisinopril", None),
    ],
)
def test_high_alert_classes(name: str, cls: str | None) -> None:
    assert high_alert_class(name) == cls


def test_fabricated_high_alert_drug_is_risk_4() -> None:
    ctx = "Knee pain after arthroscopy, improved. Took ibuprofen for three days."
    out = "Knee pain improved; took ibuprofen and oxycodone 5 mg every 4 hours."
    found = of(run_rule("drugs.v1", out, ctx), "drugs.v1")
    assert spans(out, found) == ["oxycodone"]
    assert found[0].risk == 4 and "opioid" in found[0].message
    plain = "Knee pain improved; took ibuprofen and cetirizine."
    assert [int(f.risk) for f in of(run_rule("drugs.v1", plain, ctx), "drugs.v1")] == [3]


def omitted(output: str, context: str) -> list[Finding]:
    return [f for f in run_rule("omission.v1", output, context) if f.risk >= 3]


def test_dropped_allergy_is_a_critical_omission() -> None:
    ctx = "Allergies: sulfa drugs (Stevens-Johnson syndrome). Presents with dysuria."
    found = omitted("Dysuria.", ctx)
    assert len(found) == 1 and found[0].risk == 4
    assert found[0].span is None and found[0].relation == "omitted"
    assert "sulfa" in ctx[found[0].context_span[0] : found[0].context_span[1]]
    assert omitted("Dysuria. Allergy: sulfonamides (SJS).", ctx) == []


def test_dropped_code_status() -> None:
    ctx = "Code status: DNR. Admitted for pneumonia."
    found = omitted("Admitted for pneumonia.", ctx)
    assert [ctx[f.context_span[0] : f.context_span[1]] for f in found] == ["DNR"]
    assert omitted("DNR; admitted for pneumonia.", ctx) == []


def test_dropped_critical_lab_but_not_a_normal_one() -> None:
    ctx = "Admitted for weakness. Potassium 2.6, magnesium 1.9. Replaced orally."
    found = omitted("Admitted for weakness; magnesium 1.9, replaced.", ctx)
    assert len(found) == 1 and found[0].risk == 4
    assert ctx[found[0].context_span[0] : found[0].context_span[1]].startswith("Potassium 2.6")
    assert omitted("Admitted for weakness, K 2.6, Mg 1.9, replaced.", ctx) == []
    normal = "Admitted for weakness. Potassium 4.1. Replaced orally."
    assert omitted("Admitted for weakness, replaced.", normal) == []


def test_critical_lab_reading() -> None:
    doc = analysed("x", "Platelets 12,000. Sodium 139. Lactate 5.2.")
    names = [(lab.name, value) for lab, value, _, _ in critical_labs(doc.context)]
    assert names == [("platelets", 12.0), ("lactate", 5.2)]


def test_dropped_pregnancy_and_diagnosis() -> None:
    ctx = "27-year-old, 9 weeks pregnant, with vomiting."
    assert [f.risk for f in omitted("27-year-old with vomiting.", ctx)] == [4]
    ct = "CT head: small acute subdural hematoma. No midline shift. Patient on aspirin."
    found = omitted("CT head without midline shift; on aspirin.", ct)
    assert [ct[f.context_span[0] : f.context_span[1]] for f in found] == ["subdural hematoma"]
    assert omitted("CT head: small acute SDH, no midline shift; on aspirin.", ct) == []


def test_active_high_alert_drug_dropped_but_not_a_stopped_one() -> None:
    ctx = "Takes warfarin 5 mg daily and lisinopril. Here for a cough."
    found = omitted("On lisinopril; cough.", ctx)
    assert [ctx[f.context_span[0] : f.context_span[1]] for f in found] == ["warfarin"]
    assert "anticoagulant" in found[0].message
    stopped = "Warfarin was stopped last year. Takes lisinopril. Here for a cough."
    assert omitted("On lisinopril; cough.", stopped) == []


def test_pregnancy_raised_against_a_denial_or_from_nothing() -> None:
    ctx = (
        "Doctor: Is there any chance you could be pregnant?\n"
        "Patient: No, I had a hysterectomy five years ago."
    )
    out = "Possibly pregnant; hysterectomy five years ago."
    found = of(run_rule("entities.v1", out, ctx), "entities.v1")
    assert spans(out, found) == ["pregnant"]
    assert found[0].risk == 4 and found[0].relation == "contradicted"
    faithful = "Not pregnant; hysterectomy five years ago."
    assert of(run_rule("entities.v1", faithful, ctx), "entities.v1") == []
    invented = of(
        run_rule("entities.v1", "Pregnant, with a cough.", "Cough for a week."), "entities.v1"
    )
    assert [f.category.value for f in invented] == ["fabricated_claim"]


def test_drug_abbreviation_and_multiword_name_cover_an_omission() -> None:
    ctx = "Methotrexate 15 mg weekly for rheumatoid arthritis; platelet transfusion ordered."
    assert omitted("RA on MTX 15 mg weekly; plt transfusion ordered.", ctx) == []
    found = omitted("RA; plt transfusion ordered.", ctx)
    assert [ctx[f.context_span[0] : f.context_span[1]] for f in found] == ["Methotrexate"]


def test_non_drug_allergy_with_nkda_in_both() -> None:
    ctx = "Allergic to latex, which gives her hives. No drug allergies."
    assert of(run_rule("entities.v1", "Latex allergy (urticaria). NKDA.", ctx), "entities.v1") == []


def test_unsupported_cause_is_unsafe_only_when_it_names_an_entity() -> None:
    ctx = "Fatigue for two months. Hemoglobin 9.1."
    vague = "Fatigue for two months because of stress at work."
    weak = of(run_rule("unsupported.v1", vague, ctx), "unsupported.v1")
    assert weak and all(f.risk == 2 for f in weak if f.category.value == "misleading_justification")
    named = "Fatigue for two months due to colon cancer."
    strong = [
        f
        for f in run_rule("unsupported.v1", named, ctx)
        if f.category.value == "misleading_justification"
    ]
    assert strong and strong[0].risk == 3


def test_allergen_swapped_with_a_tolerated_drug() -> None:
    ctx = "Allergies: cephalexin causes rash. Tolerates penicillin without problems."
    out = "Allergies: penicillin causes rash; cephalexin tolerated."
    found = of(run_rule("entities.v1", out, ctx), "entities.v1")
    assert spans(out, found) == ["penicillin", "tolerated"]  # both halves of the swap
    assert found[0].risk == 4 and "cephalexin" in found[0].message
    same = "Cephalexin allergy (rash); penicillin tolerated."
    assert of(run_rule("entities.v1", same, ctx), "entities.v1") == []
    reworded = "ALLERGY: sulfonamides - SJS."
    assert (
        of(run_rule("entities.v1", reworded, "Allergies: sulfa drugs (SJS)."), "entities.v1") == []
    )


def test_transcribed_drug_spellings_are_support() -> None:
    ctx = "Doctor: I gave you cycle seven ifosphomide, mesna and VP 16 chemotherapy."
    out = "Cycle seven Ifosfamide, mesna, and VP-16 chemotherapy."
    assert of(run_rule("drugs.v1", out, ctx), "drugs.v1") == []


def test_lay_surgery_wording_supports_the_procedure() -> None:
    ctx = "Patient: I had my appendix taken out and my gallbladder out ten years ago."
    out = "Appendectomy; cholecystectomy 10 years ago."
    assert of(run_rule("entities.v1", out, ctx), "entities.v1") == []
    assert spans(
        "Appendectomy.", of(run_rule("entities.v1", "Appendectomy.", "No surgery."), "entities.v1")
    ) == ["Appendectomy"]


@pytest.mark.parametrize(
    ("out", "ctx"),
    [
        (
            "On Lasix 40 mg PO qd and Zofran ODT PRN.",
            "Takes furosemide 40 mg by mouth daily and ondansetron orally disintegrating tablets "
            "as needed.",
        ),
        (
            "Hx HTN, DM2, CHF, COPD; labs WNL.",
            "History of hypertension, type 2 diabetes, congestive heart failure and chronic "
            "obstructive pulmonary disease. Labs within normal limits.",
        ),
        (
            "Pt is a 72F on Coumadin for afib.",
            "72-year-old woman on warfarin for atrial fibrillation.",
        ),
    ],
)
def test_shorthand_rewording_is_not_a_finding(out: str, ctx: str) -> None:
    for rule in ("drugs.v1", "entities.v1", "omission.v1"):
        assert of(run_rule(rule, out, ctx), rule) == [], rule


def test_lower_case_transcript_abbreviations_are_support() -> None:
    ctx = "[doctor] so they did an ekg before you came in, and the chf is stable. a ct of the head."
    out = "EKG stable. CHF stable. CT head unremarkable."
    assert of(run_rule("entities.v1", out, ctx), "entities.v1") == []
    # a word-like abbreviation in lower case is not support ("us" is not an ultrasound)
    assert "US" in spans(
        "US of the liver.",
        of(run_rule("entities.v1", "US of the liver.", "let us see."), "entities.v1"),
    )


def test_years_ago_is_not_an_age_and_cva_tenderness_is_not_a_stroke() -> None:
    assert [a for a, _, _ in ages("Colonoscopy 5-6 years ago; 45 yo; aged 60")] == [45, 60]
    out = "Positive CVA tenderness on the right flank."
    assert of(run_rule("entities.v1", out, "Right flank pain for two days."), "entities.v1") == []


def test_generic_advice_is_weak_but_named_advice_is_unsafe() -> None:
    ctx = "Blood pressure well controlled on lisinopril 10 mg daily."
    plan = (
        "Continue lisinopril 10 mg daily. The patient agrees with the recommended treatment plan."
    )
    found = of(run_rule("unsupported.v1", plan, ctx), "unsupported.v1")
    assert all(f.risk <= 2 for f in found)
    named = "Continue lisinopril. Refer to nephrology and start spironolactone."
    strong = of(run_rule("unsupported.v1", named, ctx), "unsupported.v1")
    assert any(f.risk >= 3 and f.category.value == "incorrect_recommendation" for f in strong)
