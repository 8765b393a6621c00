"""Missed catches on fresh text (session 14, helper M): a critical value said as "a hundred and
...", a list's next item joined by "+", a needle route written with "injection", a drug the input
names as an allergen or says it will not use given with a dose. Each with a control that the
change must leave alone. Small texts written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.compare import RULE, CompareStage
from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule
from medfact.types import Finding
from medfact.verifiers.omission import lab_values
from medfact.verifiers.route import route_mentions


def findings(rule: str, output: str, context: str, start: str = "") -> list[Finding]:
    found = run_rule(rule, output, context)
    return [f for f in found if f.rule == rule and f.message.startswith(start) and f.risk >= 3]


def compared(output: str, context: str, start: str = "") -> list[Finding]:
    """compare.v1's findings at risk 3 or more whose message starts with ``start``."""
    engine = cached_engine(None, dict(NO_MODEL))
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f for f in doc.findings if f.rule == RULE and f.message.startswith(start)]


# --- a critical value said in words after "a" ---------------------------------------------------

_CALL = (
    "Doctor: The bloods from Monday are back. Your kidneys look steady, but your sodium is low "
    "at a hundred and twenty-one, which is low.\nPatient: Is that bad?"
)


def test_spoken_value_after_a_is_read_as_the_labs() -> None:
    values = [(lab.name, value) for lab, value, _, _ in lab_values(analysed(_CALL).output)]
    assert ("sodium", 121.0) in values


def test_critical_value_said_in_words_left_out_is_an_omission() -> None:
    output = "Phone review: renal function stable. Plan to recheck bloods next week."
    assert findings("omission.v1", output, _CALL, "critical value")
    # control: the value kept
    output = "Phone review: renal function stable; Na 121 (low). Recheck bloods next week."
    assert not findings("omission.v1", output, _CALL, "critical value")


# --- a list's next item joined by "+" -----------------------------------------------------------

_BONES = (
    "Doctor: I'm starting risedronate thirty-five milligrams once a week, and a calcium and "
    "vitamin D chew, Calcichew-D3, one tablet twice a day."
)


def test_rate_after_a_plus_is_the_next_items() -> None:
    # the weekly drug written as daily is caught beside the supplement's twice-daily rate
    output = "Bone health: risedronate 35 mg once daily + Calcichew-D3 1 tab BD."
    assert compared(output, _BONES, "frequency") or findings("numbers.v1", output, _BONES)
    # control: the supplement's BD is not read as the weekly drug's rate
    output = "Bone health: risedronate 35 mg once weekly + Calcichew-D3 1 tab BD."
    assert not compared(output, _BONES, "frequency")
    assert not findings("numbers.v1", output, _BONES, "frequency")


# --- a needle route written with "injection" ----------------------------------------------------

_DALTEPARIN = "Dalteparin 5000 units subcutaneous injection once daily for 28 days."


def test_route_with_injection_is_one_route() -> None:
    routes = [m.route for m in route_mentions(analysed(_DALTEPARIN).output)]
    assert routes == ["subcutaneous"]


def test_another_needle_route_is_caught_past_the_word_injection() -> None:
    assert findings("route.v1", "Dalteparin 5000 units IV OD x28 days.", _DALTEPARIN)
    # controls: the same route, and a plain "injection"
    assert not findings("route.v1", "Dalteparin 5000 units SC OD x28 days.", _DALTEPARIN)
    assert not findings("route.v1", "Dalteparin 5000 units by injection daily.", _DALTEPARIN)


# --- a drug the input names as an allergen or will not use, given with a dose -------------------

_REFUSED = (
    "Doctor: Your chest sounds like a pneumonia. Because you're twelve weeks pregnant I won't "
    "use doxycycline; I'll give you amoxicillin, five hundred milligrams three times a day."
)


def test_drug_the_input_will_not_use_given_with_a_dose() -> None:
    output = "CAP in pregnancy (12/40). Doxycycline 100 mg BD for 5 days."
    assert findings("entities.v1", output, _REFUSED, "avoided drug")
    # control: the drug named only as the one avoided
    output = "CAP in pregnancy (12/40). Amoxicillin 500 mg TDS; doxycycline avoided in pregnancy."
    assert not findings("entities.v1", output, _REFUSED, "avoided drug")


_ALLERGY = (
    "Nurse: Any allergies?\nPatient: Clarithromycin, I think. The GP put it on my notes years "
    "ago.\nDoctor: Fine. For the cellulitis I'll prescribe flucloxacillin."
)


def test_listed_allergen_given_with_a_dose() -> None:
    output = "Allergy: clarithromycin. Cellulitis: clarithromycin 500 mg BD for 7 days."
    assert findings("entities.v1", output, _ALLERGY, "allergy")
    # control: the allergy kept and another drug given
    output = "Allergy: clarithromycin. Cellulitis: flucloxacillin 500 mg QDS for 7 days."
    assert not findings("entities.v1", output, _ALLERGY, "allergy")


def test_held_drug_whose_dose_the_input_gives_is_not_a_new_prescription() -> None:
    context = (
        "Nurse: What dose of apixaban are you on?\nPatient: Five milligrams twice a day.\n"
        "Nurse: Don't take any apixaban tomorrow morning before the procedure."
    )
    output = "On apixaban 5 mg BD. Omit tomorrow morning's dose pre-procedure."
    assert not findings("entities.v1", output, context, "avoided drug")


# --- a direction word against the values it is said of ------------------------------------------

_WEIGHTS = (
    "Dietitian: You were ninety-six kilos at the last visit, and today the scale says ninety-one."
    "\nPatient: I've been walking every day."
)


def test_direction_word_against_its_own_values_is_caught() -> None:
    output = "Weight 91 kg today, up from 96 kg at the last visit; walking daily."
    assert findings("comparison.v1", output, _WEIGHTS, "'up'")
    # control: the word that goes with the values
    output = "Weight 91 kg today, down from 96 kg at the last visit; walking daily."
    assert not findings("comparison.v1", output, _WEIGHTS, "'down'")


def test_direction_word_before_a_date_or_a_parenthesis_is_read_past_them() -> None:
    context = "eGFR 38 (checked 2/12 ago). Last year it was 52."
    output = "eGFR 38 (2/12 ago) - higher than last year (52)."
    assert findings("comparison.v1", output, context, "'higher': the output's own values")
    output = "eGFR 38 (2/12 ago) - lower than last year (52)."
    assert not findings("comparison.v1", output, context, "'lower': the output's own values")


def test_unchanged_where_the_input_gives_another_earlier_value() -> None:
    context = "Result: haemoglobin 84 g/L (previous 112 on 03/02). Ferritin to follow."
    output = "Hb 84 (unchanged from 03/02); ferritin pending."
    assert findings("comparison.v1", output, context, "'unchanged'")
    # control: "down from" the earlier value is what the input says
    output = "Hb 84 (down from 112 on 03/02); ferritin pending."
    assert not findings("comparison.v1", output, context)


def test_values_the_input_does_not_give_are_left_to_the_number_rule() -> None:
    context = "Weight today 91 kg."
    output = "Weight 91 kg, up from 96 kg."
    assert not findings("comparison.v1", output, context, "'up': the output's own")


# --- a test given as done where the input only plans it -----------------------------------------

_MRI_LETTER = (
    "Thank you for seeing Mrs Odum with low back pain and left sciatica. Power is normal. "
    "An MRI of the lumbar spine has been requested. I have advised naproxen with omeprazole."
)


def test_test_given_as_done_where_the_input_requests_it() -> None:
    output = "L sciatica, power normal. MRI lumbar spine done. Naproxen + omeprazole."
    assert findings("temporal.v1", output, _MRI_LETTER, "done vs planned")
    # control: the request kept
    output = "L sciatica, power normal. MRI lumbar spine requested. Naproxen + omeprazole."
    assert not findings("temporal.v1", output, _MRI_LETTER, "done vs planned")


def test_procedure_had_where_the_patient_is_listed_for_it() -> None:
    context = (
        "Doctor: Your knee scan shows a torn meniscus. I'll put you on the waiting list for a "
        "knee arthroscopy and meniscal repair; it's about three months."
    )
    output = "Torn meniscus on MRI. Has had knee arthroscopy and meniscal repair."
    assert findings("temporal.v1", output, context, "done vs planned")
    output = "Torn meniscus on MRI. Listed for knee arthroscopy and meniscal repair (~3/12)."
    assert not findings("temporal.v1", output, context, "done vs planned")


def test_level_not_yet_taken_is_planned() -> None:
    context = "Digoxin restarted at 62.5 mcg OD. Digoxin level due on Monday (not yet taken)."
    output = "Digoxin 62.5 mcg OD restarted; level taken, in range."
    assert findings("temporal.v1", output, context, "done vs planned")


def test_what_the_clinician_does_in_the_visit_is_done() -> None:
    context = "Doctor: I'll fill in the ReSPECT form now and put a copy in your notes."
    output = "ReSPECT form completed; copy in notes."
    assert not findings("temporal.v1", output, context, "done vs planned")
    context = "Doctor: I'll fill in the ReSPECT form and it'll go home with you."
    assert not findings("temporal.v1", output, context, "done vs planned")


def test_test_done_and_resulted_in_the_input_is_not_planned_only() -> None:
    context = "An MRI of the lumbar spine was requested in May. The MRI showed an L5/S1 disc."
    output = "MRI lumbar spine done: L5/S1 disc."
    assert not findings("temporal.v1", output, context, "done vs planned")


# --- a drug, habit or lesion given as current where the input gives it as over ------------------


def test_drug_given_as_current_where_the_input_says_it_finished() -> None:
    context = (
        "Patient: I had a clot in my lung in 2019 and was on apixaban for six months, "
        "that was completed.\nDoctor: Any other medicines?\nPatient: Just omeprazole."
    )
    output = "PMH: PE 2019 - currently on apixaban. Omeprazole."
    assert findings("temporal.v1", output, context, "current vs past")
    # control: the course given as finished
    output = "PMH: PE 2019 (6/12 apixaban, completed). Omeprazole."
    assert not findings("temporal.v1", output, context, "current vs past")


def test_habit_given_as_ongoing_where_the_input_says_it_stopped() -> None:
    context = "Social: smoked 20/day until 2021, abstinent since. Alcohol 4 units/week."
    output = "Social: ongoing smoking 20/day. Alcohol 4 u/wk."
    assert findings("temporal.v1", output, context, "current vs past")


def test_lesion_still_dressed_where_it_healed_years_ago() -> None:
    context = "Patient: There was a pressure sore on my sacrum, three years ago, it healed."
    output = "Sacral pressure sore - still being dressed."
    assert findings("temporal.v1", output, context, "current vs past")


def test_current_where_the_input_also_says_it_goes_on_is_left_alone() -> None:
    context = "Stopped ramipril in May. Still taking bisoprolol 2.5 mg daily."
    output = "Currently on bisoprolol 2.5 mg OD; ramipril stopped."
    assert not findings("temporal.v1", output, context, "current vs past")


# --- critical and flagged values left out -------------------------------------------------------

_SEPSIS = "ED triage: T 38.9, HR 118, BP 84/46, RR 24, SpO2 96% on air. Lactate pending."


def test_written_low_systolic_pressure_left_out_is_critical() -> None:
    output = "Triage: febrile 38.9, HR 118, RR 24, SpO2 96% RA. Lactate pending."
    assert findings("omission.v1", output, _SEPSIS, "critical value")
    # control: the pressure kept
    output = "Triage: febrile 38.9, HR 118, BP 84/46, RR 24, SpO2 96% RA. Lactate pending."
    assert not findings("omission.v1", output, _SEPSIS, "critical value")


def test_normal_pressure_and_spoken_pressure_are_not_critical_values() -> None:
    context = "Obs: BP 132/84, HR 76, sats 97% on air."
    assert not findings("omission.v1", "Obs: HR 76, sats 97% RA.", context, "critical value")
    spoken = "Doctor: your blood pressure is one twenty-two over seventy today."
    assert not findings("omission.v1", "BP satisfactory.", spoken, "critical value")


def test_meter_reading_said_as_its_saying_is_the_saturation() -> None:
    context = (
        "Doctor: Have you got the oxygen meter on her finger?\nHusband: Yes. It's showing "
        "eighty-six now.\nDoctor: Okay, I'm sending an ambulance."
    )
    output = "Breathless at home. Ambulance arranged."
    assert findings("omission.v1", output, context, "critical value")
    output = "Breathless at home, SpO2 86% on home meter. Ambulance arranged."
    assert not findings("omission.v1", output, context, "critical value")


def test_drug_level_in_the_toxic_range_left_out() -> None:
    context = "Admitted with vomiting. Digoxin level 2.9 ng/mL. Digoxin withheld."
    output = "Admitted with vomiting; digoxin withheld."
    assert findings("omission.v1", output, context, "critical value")
    # control: a dose written without a unit is no level
    context = "Meds: digoxin 125 daily, bisoprolol 5 mg."
    assert not findings("omission.v1", "Meds: bisoprolol 5 mg.", context, "critical value")


def test_value_the_input_marks_far_out_of_range_left_out() -> None:
    context = (
        "Bloods: vancomycin trough 31 mg/L (target 10-15). Creatinine 310 umol/L (baseline 95). "
        "CRP 12 (ref 0-5)."
    )
    output = "Bloods: renal function and vancomycin level reviewed. CRP 12."
    found = findings("omission.v1", output, context, "abnormal value")
    assert len(found) == 2  # the trough and the creatinine; CRP is kept and not far out
    output = "Bloods: vancomycin trough 31 (high), creatinine 310 (baseline 95). CRP 12."
    assert not findings("omission.v1", output, context, "abnormal value")


# --- a pregnancy the output rules out ------------------------------------------------------------


def test_output_says_not_pregnant_where_the_input_states_a_pregnancy() -> None:
    context = "27F, 14+2 weeks pregnant (G2P1), with 3 days of dysuria. No loin pain."
    output = "27F, not pregnant, 3/7 dysuria, no loin pain."
    assert findings("entities.v1", output, context, "pregnancy status")
    # control: the pregnancy kept
    output = "27F, 14+2/40 (G2P1), 3/7 dysuria, no loin pain."
    assert not findings("entities.v1", output, context, "pregnancy status")


def test_pregnancy_unlikely_where_the_input_cannot_rule_it_out() -> None:
    context = (
        "Doctor: Before the methotrexate, could you be pregnant?\nPatient: My period is late.\n"
        "Doctor: Then I can't rule it out, so we'll do a test first."
    )
    output = "Period late - pregnancy unlikely. Test before methotrexate."
    assert findings("entities.v1", output, context, "pregnancy status")
    output = "Period late - pregnancy not excluded. Test before methotrexate."
    assert not findings("entities.v1", output, context, "pregnancy status")


def test_not_pregnant_where_the_input_test_is_negative_is_left_alone() -> None:
    context = "Urine pregnancy test negative today. LMP 2 weeks ago."
    output = "Not pregnant (UPT negative); LMP 2/52 ago."
    assert not findings("entities.v1", output, context, "pregnancy status")


# --- an allergen named by its class, left out ----------------------------------------------------

_CLASS_ALLERGY = (
    "Nurse: Any allergies to medicines?\nDaughter: The cephalosporin ones. Her face swelled up "
    "and her throat went tight, years ago.\nNurse: Anything else?\nDaughter: Morphine makes her "
    "sick."
)


def test_allergen_named_by_its_class_left_out_is_an_allergy_omission() -> None:
    output = "ADRs: morphine - nausea."
    assert findings("omission.v1", output, _CLASS_ALLERGY, "allergy")
    # control: the class allergy kept
    output = "Allergy: cephalosporins - facial and throat swelling. ADR: morphine - nausea."
    assert not findings("omission.v1", output, _CLASS_ALLERGY, "allergy")


def test_broad_class_word_is_not_the_allergen_itself() -> None:
    context = (
        "Patient: I had hives from an antibiotic after my operation, cefalexin I think.\n"
        "Doctor: I'll record cefalexin as an allergy."
    )
    output = "Allergy: cefalexin (urticaria post-op)."
    assert not findings("omission.v1", output, context, "allergy")
