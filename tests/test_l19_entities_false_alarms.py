"""Session 19 (helper C): general causes of entities.v1, drugs.v1 and unsupported.v1 false alarms
read on the rotated parts, each with a faithful control (a finding at the start) and an error of
the same shape that stays caught. Sentences written for these tests."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _found(output: str, context: str, rule: str, floor: int = 3) -> list[str]:
    """Messages of ``rule``'s findings at risk ``floor`` or more."""
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == rule and f.risk >= floor]


# --- conditions shown by results (medfact/lab_criteria.py) ---------------------------------------
_FBC = "Bloods today: Hb 96 g/L, platelets 240, white cells 7.1. Plan: iron studies."


def test_a_haemoglobin_below_the_cut_off_supports_anaemia() -> None:
    assert not _found("Anaemia (Hb 96). Iron studies planned.", _FBC, "entities.v1")


def test_anaemia_with_a_normal_haemoglobin_is_still_caught() -> None:
    context = _FBC.replace("Hb 96", "Hb 141")
    found = _found("Anaemia. Iron studies.", context, "entities.v1")
    assert any("anaemia" in m.lower() for m in found)


_URINE = "Mid-stream urine: Klebsiella >10^5 CFU/mL, sensitive to nitrofurantoin. Afebrile."


def test_significant_bacteriuria_supports_a_uti() -> None:
    assert not _found("Klebsiella UTI; nitrofurantoin-sensitive.", _URINE, "entities.v1")


def test_a_uti_with_a_clear_urine_is_still_caught() -> None:
    context = "Mid-stream urine: no growth. Dipstick negative. Afebrile."
    assert any("UTI" in m for m in _found("UTI, treat.", context, "entities.v1"))


def test_the_nhs_words_for_burning_on_passing_urine_are_a_sign_of_a_uti() -> None:
    context = "Patient: There's a burning sensation when peeing, since Monday.\nDoctor: Okay."
    assert not _found("UTI. Nitrofurantoin.", context, "entities.v1")
    denied = "Patient: No burning sensation when peeing, just the back ache.\nDoctor: Okay."
    assert _found("UTI. Nitrofurantoin.", denied, "entities.v1")


def test_insulin_by_its_names_supports_diabetes() -> None:
    context = "Doctor: You take the detemir at night and the lispro with meals?\nPatient: Yes."
    assert not _found("Type 1 diabetes on basal-bolus insulin.", context, "entities.v1")
    assert _found("Type 1 diabetes.", "Doctor: Any tablets?\nPatient: None.", "entities.v1")


# --- names read the way the input means them -----------------------------------------------------
def test_a_condition_a_screen_looks_for_is_no_diagnosis() -> None:
    context = "Referral: six months of word-finding trouble. Bloods: B12, TSH, calcium all normal."
    output = "Dementia screening bloods (B12, TSH, Ca) normal."
    assert not _found(output, context, "entities.v1")
    assert _found("Known dementia. Bloods normal.", context, "entities.v1")


def test_a_slash_abbreviation_is_not_the_ampersand_one() -> None:
    context = "Seen in ED with a sprained ankle, strapped, sent home with crutches."
    assert not _found("Sprained ankle, strapped. D/C home with crutches.", context, "entities.v1")
    assert _found("Sprained ankle. D&C performed.", context, "entities.v1")


def test_a_specialty_after_a_hyphen_is_read() -> None:
    context = "Biopsy results to be discussed at the neuro-oncology meeting next week."
    assert not _found("The brain cancer team will discuss your results.", context, "entities.v1")
    other = "Biopsy results to be discussed in clinic next week."
    assert _found("The brain cancer team will discuss your results.", other, "entities.v1")


def test_a_radiation_heading_of_a_pain_history_is_no_radiotherapy() -> None:
    context = "Patient: the pain is in my right shoulder and it goes down to my elbow."
    output = "R shoulder pain.\nRadiation: down the arm to the elbow."
    assert not _found(output, context, "entities.v1")
    assert _found("R shoulder pain. Completed radiation to the chest.", context, "entities.v1")


def test_imaging_and_lay_names_support_their_concepts() -> None:
    scan = "Ultrasound: liver bright, with diffuse fatty infiltration. Spleen normal."
    assert not _found("Hepatic steatosis on US.", scan, "entities.v1")
    assert _found("Hepatic steatosis on US.", "Ultrasound: liver and spleen normal.", "entities.v1")
    birth = "Patient: I had a section last time because the baby was lying the wrong way."
    assert not _found("Previous LSCS (breech).", birth, "entities.v1")


# --- the readings behind safety findings ---------------------------------------------------------
def test_advice_to_start_one_drug_is_not_advice_about_the_next() -> None:
    context = (
        "Doctor: Your potassium is high. Please don't take the spironolactone until we recheck.\n"
        "Patient: And the citalopram I started last month?\nDoctor: Carry on with that."
    )
    output = "Started citalopram 1/12 ago; also on spironolactone - withheld until recheck."
    assert not [m for m in _found(output, context, "entities.v1") if "avoided" in m]
    assert _found("Plan: start spironolactone 25 mg OD.", context, "entities.v1")


def test_cpr_the_team_will_not_do_is_a_code_status() -> None:
    context = (
        "Doctor: If his heart stopped, CPR would not work for him, so we won't do CPR.\n"
        "Son: We understand."
    )
    assert not _found("DNACPR agreed with son.", context, "entities.v1")
    assert _found("For full CPR.", context, "entities.v1")
    none = "Doctor: His chest is improving on the antibiotics.\nSon: Good."
    assert _found("DNACPR agreed with son.", none, "entities.v1")


def test_a_negative_test_that_is_required_is_no_result() -> None:
    context = (
        "Doctor: Before the methotrexate you need to have a negative pregnancy test.\n"
        "Patient: Okay.\nDoctor: The result is here... it's positive."
    )
    assert not _found("Urine hCG positive; methotrexate not started.", context, "entities.v1")
    given = "Doctor: The pregnancy test today was negative, so we can start."
    assert _found("Pregnancy test positive.", given, "entities.v1")
    needed = "Doctor: She needed a pregnancy test first, which came back negative."
    assert _found("Pregnancy test positive.", needed, "entities.v1")


def test_asthma_the_patient_has_is_no_reaction_to_the_drug() -> None:
    context = (
        "Doctor: Take naproxen 250 mg twice a day.\nPatient: I've got asthma, is that alright?\n"
        "Doctor: Have you had naproxen before?\nPatient: Yes, no problem at all."
    )
    assert not _found("Asthma - has tolerated naproxen before.", context, "entities.v1")
    reacted = "Patient: The naproxen made me wheeze badly, I ended up in A&E."
    assert _found("Tolerates naproxen.", reacted, "entities.v1")


def test_a_capitalised_continue_keeps_what_the_input_says_not_to_stop() -> None:
    context = "Doctor: Please don't stop the lamotrigine, even if you feel well."
    assert not _found("Continue lamotrigine 100 mg BD.", context, "unsupported.v1")
    banned = "Doctor: You must stop driving until the clinic has seen you."
    assert _found("Continue driving as normal.", banned, "unsupported.v1")


# --- drugs ---------------------------------------------------------------------------------------
def test_a_salt_whose_base_the_input_gives_by_route() -> None:
    context = "Last winter he needed IV magnesium on the high-dependency unit."
    assert not _found("Previous HDU stay (IV MgSO4).", context, "drugs.v1")
    level = "Bloods: magnesium 0.62, calcium normal."
    assert _found("Previous HDU stay (IV MgSO4).", level, "drugs.v1")


def test_a_member_kept_out_with_the_class_the_input_keeps_out() -> None:
    context = "Your kidney function is low. Please avoid NSAIDs."
    assert not _found("Please avoid painkillers like naproxen.", context, "drugs.v1")
    assert _found("Start naproxen 500 mg twice a day.", context, "drugs.v1")


def test_a_drug_glossed_with_the_inputs_brand_is_a_check() -> None:
    context = "Doctor: Use the Elocon cream once a day for a week on the patches."
    output = "Mometasone furoate 0.1% (Elocon) OD x7 days."
    assert not _found(output, context, "drugs.v1")
    assert _found("Clobetasol 0.05% OD x7 days.", context, "drugs.v1")


def test_a_cause_is_read_up_to_a_joined_clause() -> None:
    context = "The practice nurse gave you diet advice today. Please avoid NSAIDs."
    output = "Follow the diet advice from the nurse, and please avoid painkillers like naproxen."
    assert not [m for m in _found(output, context, "unsupported.v1") if "cause" in m]


def test_an_antiemetic_the_input_names_in_lay_words() -> None:
    context = "Anaesthetist: You were sick last time, so I'll give you anti-sickness medicine."
    assert not _found("Plan: intra-op antiemetic prophylaxis.", context, "unsupported.v1")


def test_a_stent_told_where_the_heart_is_the_topic_supports_coronary_disease() -> None:
    context = "Nurse: Any trouble with your heart?\nPatient: They put a stent in back in 2020."
    assert not _found("PMH: IHD - PCI 2020.", context, "entities.v1")
    kidney = "Nurse: Any trouble with your kidneys?\nPatient: They put a stent in back in 2020."
    assert _found("PMH: IHD - PCI 2020.", kidney, "entities.v1")


def test_a_question_asking_since_when_takes_the_sign_as_given() -> None:
    context = (
        "Doctor: The burning when you pass urine, how long has that been going on?\n"
        "Patient: A week."
    )
    assert not _found("UTI. Cefalexin.", context, "entities.v1")
    asked = "Doctor: Any burning when you pass urine?\nPatient: No, none at all."
    assert _found("UTI. Cefalexin.", asked, "entities.v1")
