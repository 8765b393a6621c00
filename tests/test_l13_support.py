"""Support by abbreviation, drug name form and class (session 13, helper A): an output's
abbreviation is supported by the input phrase whose words it shortens ("GTCS", "EVAR"), and an
input's abbreviation supports the output's spelled-out name; an acid and its salt are one drug
("alendronic acid", "alendronate"); a drug given with its form ("calcium supplement") or a
compound named by its part as a product ("the brown iodine one") is named in the input; a lay
name with its words turned round ("the infection in his water") supports the condition; an
allergy to a class and one to its member are one allergy ("ACEi", "lisinopril"). Each with a
control: a fabricated abbreviation, drug, condition or allergen is still reported. Small texts
written for these tests."""

from __future__ import annotations

from medfact.lexicon.abbreviations import abbreviated_in, spelled_out
from medfact.lexicon.drugs import class_named, class_of_drug, default_lexicon
from medfact.testing import run_rule
from medfact.types import Finding
from medfact.verifiers.entities import same_allergen, supported_concepts


def findings(rule: str, output: str, context: str, start: str = "") -> list[Finding]:
    found = run_rule(rule, output, context)
    return [f for f in found if f.rule == rule and f.message.startswith(start) and f.risk >= 3]


# --- abbreviations and the phrases they shorten ---------------------------------------------------


def test_abbreviation_spells_a_phrase_of_one_sentence() -> None:
    text = "He had an unprovoked generalised tonic-clonic seizure. EEG normal."
    assert spelled_out("GTCS", text) == (text.index("generalised"), text.index("."))
    assert spelled_out("TURP", "Booked for transurethral resection of the prostate.") is not None
    assert spelled_out("TTE", "A transthoracic echocardiogram was normal.") is not None
    assert spelled_out("UTIs", "recurrent urinary tract infections") is not None


def test_abbreviation_not_spelled_by_chance() -> None:
    # the letters must open words next to each other in one phrase: not across a comma or a stop,
    # not with a content word passed over, and not two letters alone
    assert spelled_out("PCI", "Pain, cough and itching.") is None
    assert spelled_out("PCI", "Pain. Cough is better. Itching.") is None
    assert spelled_out("CABG", "coronary artery disease, on a beta blocker and aspirin") is None
    assert spelled_out("MI", "mild increase") is None
    assert spelled_out("GTCS", "generalised tonic-clonic seizure") is not None
    assert spelled_out("GTCS", "generalised tonic seizure") is None


def test_input_abbreviation_supports_spelled_out_phrase() -> None:
    assert abbreviated_in("urinary tract infection", "Dip positive, likely UTI.")
    assert not abbreviated_in("urinary tract infection", "Dip positive, likely URTI.")


def test_procedure_abbreviation_supported_by_its_words() -> None:
    context = (
        "CT angiogram confirms an infrarenal abdominal aortic aneurysm of 5.8 cm. "
        "Listed for endovascular repair after anaesthetic assessment."
    )
    assert not findings("entities.v1", "5.8 cm AAA. Listed for EVAR.", context, "procedure")
    # control: an abbreviation whose words the input never has is still reported
    found = findings("entities.v1", "5.8 cm AAA. Listed for CABG.", context, "procedure")
    assert [f.message for f in found] == ["procedure 'CABG' has no support in the input"]


def test_red_flag_kept_by_its_abbreviation() -> None:
    context = (
        "First seizure clinic. 34-year-old man with an unprovoked generalised tonic-clonic "
        "seizure 3 weeks ago. EEG normal."
    )
    assert not findings("omission.v1", "34M, first unprovoked GTCS 3 wk ago; EEG nl.", context)
    # control: an output without it, or with another abbreviation, leaves the seizure out
    for output in ("34M, EEG nl.", "34M, first unprovoked TIA 3 wk ago; EEG nl."):
        found = findings("omission.v1", output, context, "red flag")
        assert found and "seizure" in found[0].message, output


# --- drug names by form and salt --------------------------------------------------------------


def test_acid_and_its_salt_are_one_drug() -> None:
    lexicon = default_lexicon()
    for salt, acid in (("alendronate", "alendronic acid"), ("ibandronate", "ibandronic acid")):
        assert [d.canonical for d in lexicon.find(salt)] == [acid]
    context = "Continue alendronic acid 70 mg once a week. Calcium and vitamin D daily."
    assert not findings("drugs.v1", "Alendronate 70 mg weekly; Ca/vit D.", context)
    # control: another bisphosphonate is still a drug the input does not name
    assert findings("drugs.v1", "Risedronate 35 mg weekly; Ca/vit D.", context)


def test_drug_with_its_form_or_part_named_in_the_input() -> None:
    context = "Daughter: She takes amlodipine and the calcium tablets."
    assert not findings("drugs.v1", "Regular: amlodipine, calcium supplement.", context)
    context = "Nurse: And the brown iodine one?\nPatient: That's been fine, no problem."
    assert not findings("drugs.v1", "Povidone-iodine tolerated.", context)
    # controls: a part the input does not name as a product, a drug it does not name at all
    context = "Nurse: Any iodine in your diet?\nPatient: Not that I know."
    assert findings("drugs.v1", "Povidone-iodine tolerated.", context)
    context = "Daughter: She takes amlodipine and the calcium tablets."
    assert findings("drugs.v1", "Regular: amlodipine, vitamin D supplement.", context)


# --- conditions by lay names turned round -----------------------------------------------------


def test_lay_name_with_words_turned_round_supports_condition() -> None:
    context = "Doctor: We think the infection in his water is the main cause of the confusion."
    assert ("condition", "urinary tract infection") in supported_concepts(context)
    assert not findings("entities.v1", "Delirium, likely due to UTI.", context, "condition")
    # control: an infection elsewhere is no urinary one
    context = "Doctor: We think the infection in his chest is the main cause of the confusion."
    assert findings("entities.v1", "Delirium, likely due to UTI.", context, "condition")


# --- an allergy to a class and to its member ------------------------------------------------------


def test_class_and_member_are_one_allergen() -> None:
    assert class_named("ACEi") == class_of_drug("lisinopril") == "ace inhibitor"
    assert class_named("NSAIDs") == class_of_drug("ibuprofen") == "nsaid"
    assert same_allergen("acei", "lisinopril")
    assert same_allergen("ramipril", "ace")
    # controls: two members of a class, or a member of another class, are not one allergen
    assert not same_allergen("ramipril", "lisinopril")
    assert not same_allergen("acei", "losartan")
    context = "Lisinopril was stopped in 2021 after she developed angioedema. Allergy: lisinopril."
    output = "ACEi allergy: lisinopril -> angioedema."
    assert not findings("entities.v1", output, context, "allergy")
    assert findings("entities.v1", "ARB allergy: losartan -> angioedema.", context, "allergy")


def test_salt_given_by_its_base_alone() -> None:
    context = "Doctor: Let's start magnesium. Four grams over fifteen minutes as the loading dose."
    assert not findings("drugs.v1", "MgSO4 4 g over 15 min loading.", context)
    # control: a magnesium level is no magnesium given
    context = "Doctor: Her magnesium is 0.6 this morning."
    assert findings("drugs.v1", "MgSO4 4 g over 15 min loading.", context)


def test_monofilament_screen_supports_diabetes() -> None:
    context = "Nurse: You can feel the monofilament in all ten places on both feet."
    assert not findings("entities.v1", "Diabetic foot check: 10/10 sites.", context, "condition")
    # control: a foot check without it does not make the patient diabetic
    context = "Nurse: Your feet look healthy, no cuts or calluses."
    assert findings("entities.v1", "Diabetic foot check: skin intact.", context, "condition")


def test_entity_name_and_abbreviation_read_both_ways() -> None:
    from medfact.verifiers.entities import _abbreviation_of

    assert _abbreviation_of("HCV", "Known hepatitis C virus infection, treated.")
    assert _abbreviation_of("hepatitis C virus", "HCV positive in 2019.")
    # controls: letters in another order, a two-letter abbreviation, an unrelated phrase
    assert not _abbreviation_of("HCV", "Virus: hepatitis C.")
    assert not _abbreviation_of("MI", "mild increase in pain")
    assert not _abbreviation_of("hepatitis C virus", "HBV positive in 2019.")


# --- an input's diagnosis kept by its abbreviation or symbol ----------------------------------


def test_diagnosis_kept_by_two_letter_abbreviation_or_symbol() -> None:
    context = "Echo this morning: severe aortic stenosis, valve area 0.7 cm2. Plan: cardiology."
    assert not findings("omission.v1", "Echo: severe AS, AVA 0.7 cm2. Plan: cardiology.", context)
    # control: an abbreviation of something else leaves it out
    found = findings("omission.v1", "Echo: severe MR, AVA 0.7 cm2. Plan: cardiology.", context)
    assert found and "aortic stenosis" in found[0].message
    context = "Chest x-ray: old healed fractures of the left 6th and 7th ribs. No pneumothorax."
    assert not findings("omission.v1", "CXR: old healed L 6th/7th rib #. No PTX.", context)
    # control: "#" before a number is a number, not a fracture
    found = findings("omission.v1", "CXR: bed #6, no PTX; ribs reviewed.", context)
    assert found and "fracture" in found[0].message


def test_drug_kept_by_its_abbreviation_and_named_by_its_verb() -> None:
    context = "For VTE prophylaxis start low molecular weight heparin once daily."
    assert not findings("omission.v1", "VTE: LMWH daily.", context)
    # control: an abbreviation of another drug leaves it out
    found = findings("omission.v1", "VTE: DOAC daily.", context)
    assert found and "heparin" in found[0].message
    context = "Registrar: Platelets 22 and a nosebleed, so transfuse platelets today."
    assert not findings("drugs.v1", "Plt 22, epistaxis: platelet transfusion today.", context)
    assert not findings("entities.v1", "Plt 22, epistaxis: platelet transfusion today.", context)
    # control: no word of a transfusion in the input
    context = "Registrar: Platelets 22 and a nosebleed; recheck the count tomorrow."
    assert findings("entities.v1", "Plt 22, epistaxis: platelet transfusion today.", context)
