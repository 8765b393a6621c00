"""Support of clinical entities on fresh text (session 13, helper A2): a diagnosis the input
shows without naming it (a drug only the condition explains, a lay name, a creatinine risen
from its baseline), a short name the input spells out or a ward abbreviation ("CAPOX", "UFH",
"not for resus"), a word that names something else where it stands ("renal fx", a patient's
initials before age and sex, "since age 9"), and a lab name at the start of a sentence
("Troponin 840"). Each with a control: a fabricated or dropped entity is still reported. Small
texts written for these tests."""

from __future__ import annotations

from medfact.lexicon.drugs import default_lexicon
from medfact.testing import run_rule
from medfact.types import Finding
from medfact.verifiers.entities import ages


def findings(rule: str, output: str, context: str, start: str = "") -> list[Finding]:
    found = run_rule(rule, output, context)
    return [f for f in found if f.rule == rule and f.message.startswith(start) and f.risk >= 3]


# --- a diagnosis the input shows without naming it ------------------------------------------------


def test_anticoagulant_for_heart_rhythm_supports_af() -> None:
    context = "Caller: he takes apixaban for his heart rhythm\nNurse: okay"
    assert not findings("entities.v1", "On apixaban (AF).", context, "condition")
    # control: no rhythm named, the AF is fabricated
    context = "Caller: he takes apixaban for the clot in his leg\nNurse: okay"
    assert findings("entities.v1", "On apixaban (AF).", context, "condition")


def test_specific_treatment_supports_its_condition() -> None:
    assert not findings(
        "entities.v1",
        "Bipolar - lithium review. Mood stable.",
        "Doctor: how has he been on the lithium\nWife: no highs since Christmas",
        "condition",
    )
    assert not findings(
        "entities.v1",
        "USS: thickened appendix -> acute appendicitis. Lap appendicectomy tonight.",
        "Doctor: the scan showed a thick appendix so we'll do a laparoscopic appendicectomy",
        "condition",
    )
    assert not findings(
        "entities.v1",
        "Hb 98 - mild anaemia: start ferrous sulfate 200 mg OD.",
        "Midwife: your haemoglobin is ninety eight so I'd like you to start ferrous sulfate",
        "condition",
    )
    # control: a condition the treatment does not explain is still fabricated
    found = findings(
        "entities.v1",
        "Schizophrenia - lithium review.",
        "Doctor: how has he been on the lithium\nWife: no highs since Christmas",
        "condition",
    )
    assert [f.message for f in found] == ["condition 'Schizophrenia' has no support in the input"]


def test_heart_attack_supports_coronary_disease_but_not_when_denied() -> None:
    context = "68M, chest pain. PMH hypertension. Brother had MI at 50."
    assert not findings("entities.v1", "FHx premature IHD (brother MI at 50).", context)
    denied = "68M, chest pain. PMH hypertension. No history of heart attack."
    assert findings("entities.v1", "PMH IHD.", denied, "condition")


def test_one_sided_weakness_supports_stroke() -> None:
    context = (
        "Doctor: dense left hemiparesis and a left facial droop, he's outside the thrombolysis "
        "window but we'll look at thrombectomy"
    )
    assert not findings("entities.v1", "Wake-up stroke - L hemiparesis.", context, "condition")
    control = "Doctor: left knee swollen and hot, we'll aspirate it"
    assert findings("entities.v1", "Stroke. L knee effusion.", control, "condition")


def test_scan_of_pregnancy_supports_ultrasound() -> None:
    context = "Plan: admit; labetalol 200 mg orally twice daily; growth scan."
    assert not findings("entities.v1", "Plan: admit, labetalol, growth USS.", context)
    assert findings("entities.v1", "Plan: admit, labetalol, growth USS.", "Plan: admit.")


def test_creatinine_risen_from_baseline_supports_aki() -> None:
    output = "AKI: Cr 612, K 6.9."
    assert not findings("entities.v1", output, "K 6.9, creatinine 612 (baseline 290).")
    assert not findings("entities.v1", "AKI.", "Ramipril held, creatinine 198 from 104.")
    assert not findings("entities.v1", "AKI.", "Creatinine 2.4 (baseline 1.1).")
    # controls: a small rise, or a date after "from", is no acute kidney injury
    assert findings("entities.v1", output, "K 6.9, creatinine 312 (baseline 290).", "condition")
    assert findings("entities.v1", "AKI.", "Creatinine 98, stable from 12 January.", "condition")


# --- short names and ward abbreviations -----------------------------------------------------------


def test_regimen_the_input_spells_out_keeps_its_drugs() -> None:
    context = "Adjuvant CAPOX (capecitabine + oxaliplatin), cycle 4 of 8 due today."
    output = "Adjuvant CAPOX C4/8 today; oxaliplatin neuropathy grade 1."
    assert not findings("omission.v1", output, context, "the input mentions")
    # control: the regimen's name left out too, the drug is dropped
    found = findings("omission.v1", "Adjuvant oxaliplatin C4/8 today.", context, "the input")
    assert [f.message.split("'")[1] for f in found] == ["capecitabine"]


def test_ufh_is_unfractionated_heparin() -> None:
    context = "Plan: start unfractionated heparin infusion per protocol, APTT ratio at 6 hours."
    assert not findings("omission.v1", "Start UFH infusion, APTT ratio at 6 h.", context)
    assert findings("omission.v1", "APTT ratio at 6 h.", context, "the input mentions")


def test_not_for_resus_is_a_dnacpr() -> None:
    context = "Carer: she's not for resus the form's in her bag\nDoctor: okay"
    assert not findings("entities.v1", "DNACPR (form with patient).", context, "code status")
    assert findings("entities.v1", "Full code.", context, "code status")


def test_hepatitis_b_surface_antigen_is_no_drug() -> None:
    context = "Hepatitis B surface antigen negative, immune (anti-HBs 120)."
    assert not findings("drugs.v1", "HBsAg neg, immune.", context)
    assert findings("drugs.v1", "HBsAg neg, immune; on tenofovir.", context, "drug")


# --- words that name something else where they stand ----------------------------------------------


def test_fx_after_an_organ_is_its_function() -> None:
    context = "Your kidney function is normal and you weigh seventy eight kilos."
    assert not findings("entities.v1", "Renal fx normal, wt 78 kg.", context)
    found = findings("entities.v1", "Wrist fx, wt 78 kg.", context, "condition")
    assert [f.message for f in found] == ["condition 'fx' has no support in the input"]


def test_initials_before_age_and_sex_are_no_abbreviation() -> None:
    context = "Bed 4: Mr Leon Park, 71, awaiting theatre for right hemicolectomy."
    assert not findings("entities.v1", "B2-4 LP 71M awaiting R hemicolectomy.", context)
    found = findings("entities.v1", "B2-4 71M awaiting R hemicolectomy, LP today.", context)
    assert [f.message for f in found] == ["procedure 'LP' has no support in the input"]


def test_age_at_onset_is_not_the_patients_age() -> None:
    context = "Ms Farah Aziz, 27, type 1 diabetes since age 9. HbA1c 71."
    assert not findings("entities.v1", "27F, T1DM since age 9.", context, "age")
    # control: an age the input states as the patient's still contradicts the output's
    context = "Ms Farah Aziz, aged 31, type 1 diabetes since age 9. HbA1c 71."
    found = findings("entities.v1", "27F, T1DM since age 9.", context, "age")
    assert [f.message for f in found] == ["age 27 differs from the input's 31"]


def test_allergy_noun_does_not_reach_across_a_line() -> None:
    context = "Patient: chlorhexidine, I had anaphylaxis in theatre once"
    output = "Pre-op assessment\nALLERGY: chlorhexidine - anaphylaxis."
    assert not findings("entities.v1", output, context, "allergy")
    # control: on one line the noun before "allergy" is still its allergen
    found = findings("entities.v1", "Latex allergy - anaphylaxis.", context, "allergy")
    assert found


def test_allergen_named_with_its_reaction_is_not_advised() -> None:
    context = (
        "Nurse: he's got a penicillin allergy it's anaphylaxis\n"
        "Doctor: I'll prescribe IV levofloxacin rather than tazocin"
    )
    output = "Plan: IV levofloxacin 500 mg OD (penicillin ANAPHYLAXIS - no piperacillin)."
    assert not findings("entities.v1", output, context, "allergy")
    control = "Plan: IV levofloxacin 500 mg OD. Start penicillin."
    assert findings("entities.v1", control, context, "allergy")


# --- a lab name at the start of a sentence --------------------------------------------------------


def test_capitalised_troponin_keeps_its_value() -> None:
    context = "Doctor: your first troponin is back at eight hundred and forty\nPatient: oh god"
    assert not findings("omission.v1", "ECG: inferior STE. Troponin 840.", context, "critical")
    found = findings("omission.v1", "ECG: inferior STE. Imp: STEMI.", context, "critical")
    assert found


def test_field_loss_keeps_vision_loss() -> None:
    context = "52F, sudden painless loss of vision right eye on waking, like a curtain."
    output = "52F, R eye painless curtain-like field loss on waking."
    assert not findings("omission.v1", output, context, "red flag")
    assert findings("omission.v1", "52F, R eye symptoms on waking.", context, "red flag")


# --- a test stated as done by its result; an allergy list's line ---------------------------------


def test_result_after_a_test_states_it_done() -> None:
    context = "Repeat glucose 142 mg/dL. Head CT not done - neuro exam now non-focal."
    found = findings("entities.v1", "Non-focal neuro exam, head CT negative.", context)
    assert [f.message.split(" is ")[0] for f in found] == ["procedure 'CT'"]
    # controls: the test said as not done, or planned, is no claim it was done
    assert not findings("entities.v1", "Non-focal neuro exam; head CT not done.", context)
    assert not findings("entities.v1", "Plan: head CT if worse.", context)


def test_units_of_red_cells_are_a_transfusion() -> None:
    context = "PPH 1100 mL treated with oxytocin and carboprost; no transfusion. Hb day 1 88 g/L."
    found = findings("entities.v1", "PPH 1.1 L, 2 units RBC transfused; Hb 88 D1.", context)
    assert [f.message.split(" is ")[0] for f in found] == ["procedure 'units RBC'"]
    assert not findings("entities.v1", "PPH 1.1 L, no transfusion; Hb 88 D1.", context)


def test_allergy_line_is_not_named_by_the_line_before() -> None:
    context = (
        "Methotrexate 15 mg weekly - continue, check FBC/LFT\nAllergy: penicillin - anaphylaxis."
    )
    dropped = "Methotrexate 15 mg once weekly - monitor FBC/LFTs."
    found = findings("omission.v1", dropped, context, "allergy")
    assert [f.message.split("'")[1] for f in found] == ["penicillin"]
    kept = dropped + "\nAllergy: penicillin - ANAPHYLAXIS."
    assert not findings("omission.v1", kept, context, "allergy")


def test_age_after_the_patients_name() -> None:
    context = "Thank you for seeing Mr Arjun Patel, 58, a retired taxi driver. PSA 14.2."
    found = findings("entities.v1", "Referral - Mr A. Patel, 68, retired. PSA 14.2.", context)
    assert [f.message for f in found] == ["age 68 differs from the input's 58"]
    assert not findings("entities.v1", "Referral - Mr A. Patel, 58, retired.", context, "age")
    # controls: a number after a name that is no age ("Mr Jones, 12 mg") is not read as one
    assert ages("Mr Jones, 12 mg of morphine.") == []
    assert ages("Ms Farah Aziz, 27, type 1 diabetes since age 9.", events=False) == [(27, 15, 17)]


# --- ward short forms of drugs, a drug kept by its class, a person's name -----------------------


def test_ward_short_forms_name_their_drugs() -> None:
    context = "Continue atorvastatin 80 mg, azathioprine 100 mg; IV vancomycin then linezolid."
    output = "atorva 80, AZA 100 mg OD; IV vanc -> PO linezolid."
    assert not findings("omission.v1", output, context, "the input mentions")
    assert not [f for f in run_rule("omission.v1", output, context) if "mentions" in f.message]
    # control: a drug the output leaves out is still reported (below risk 3: not high-alert)
    dropped = [f.message for f in run_rule("omission.v1", "atorva 80; PO linezolid.", context)]
    assert any("'azathioprine'" in m for m in dropped) and any("'vancomycin'" in m for m in dropped)


def test_drug_kept_by_its_class_name() -> None:
    context = "Start pantoprazole 40 mg IV twice daily after endoscopy. Stop naproxen."
    kept = run_rule("omission.v1", "Stop naproxen; IV PPI post-endoscopy.", context)
    assert not [f for f in kept if "'pantoprazole'" in f.message]
    other = run_rule("omission.v1", "Stop naproxen; IV beta blocker post-endoscopy.", context)
    assert [f for f in other if "'pantoprazole'" in f.message]
    # control: a drug the input gives a reaction to needs its own name, not the class's
    context = "Patient: diclofenac made my face swell up and I got wheezy, I had to go to A&E"
    output = "Allergy: codeine - facial swelling + wheeze; advised to avoid all NSAIDs."
    found = findings("omission.v1", output, context, "allergy")
    assert [f.message.split("'")[1] for f in found] == ["diclofenac"]


def test_name_after_a_title_is_no_drug() -> None:
    lexicon = default_lexicon()
    assert lexicon.find("Mrs Hana Sato, 34, P1.") == []
    assert [d.surface for d in lexicon.find("Mr Smith on Lantus.")] == ["Lantus"]


def test_allergy_service_is_no_allergen() -> None:
    context = "Patient: co-codamol made my face swell up\nPharmacist: I'll record that"
    output = "Pharmacist allergy reconciliation:\n- Co-codamol: facial swelling."
    assert not findings("entities.v1", output, context, "allergy")
    # control: a noun before "allergy" that is no service word is still the allergen
    found = findings("entities.v1", "Latex allergy - facial swelling.", context, "allergy")
    assert found


def test_drug_named_after_not_is_not_advised() -> None:
    context = "Doctor: you must avoid ibuprofen with your kidneys, paracetamol is fine"
    output = "For pain, use paracetamol - NOT ibuprofen or other anti-inflammatories."
    assert not findings("entities.v1", output, context, "avoided drug")
    found = findings("entities.v1", "For pain, use ibuprofen.", context, "avoided drug")
    assert found


def test_papilloedema_left_out_is_a_red_flag() -> None:
    context = "Doctor: there's swelling of both optic discs which is papilloedema, exam normal"
    found = findings("omission.v1", "Headache. Exam normal. Imp: raised ICP.", context, "red flag")
    assert [f.message.split("(")[1] for f in found] == ["papilloedema) is left out"]
    kept = "Headache. Bilateral papilloedema. Imp: raised ICP."
    assert not findings("omission.v1", kept, context, "red flag")
    # control: papilloedema the input denies is no red flag
    assert not findings("omission.v1", "Headache. Exam normal.", "Fundi: no papilloedema.")
