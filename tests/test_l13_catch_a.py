"""Missed catches on fresh text (session 13, helper A3): a weekly drug written as daily beside
another drug's daily rate, or under a title that names it; a rate the input rules out ("not every
day"); a spoken dose at night ("three hundred at night"); a pregnancy test result turned the other
way. Each with a control. Small texts written for these tests."""

from __future__ import annotations

from medfact.testing import run_rule
from medfact.types import Finding


def findings(rule: str, output: str, context: str, start: str = "") -> list[Finding]:
    found = run_rule(rule, output, context)
    return [f for f in found if f.rule == rule and f.message.startswith(start) and f.risk >= 3]


# --- frequency ----------------------------------------------------------------------------------

_MED_LIST = (
    "1. Amlodipine 5 mg once daily - continue\n"
    "2. Methotrexate 10 mg ONCE WEEKLY on Fridays - continue\n"
)


def test_weekly_drug_daily_beside_another_drugs_daily_rate() -> None:
    output = "Continue: amlodipine 5 mg OD; methotrexate 10 mg once daily (Fri)."
    assert findings("numbers.v1", output, _MED_LIST, "frequency escalation")
    # control: the weekly rate kept
    output = "Continue: amlodipine 5 mg OD; methotrexate 10 mg once weekly (Fri)."
    assert not findings("numbers.v1", output, _MED_LIST, "frequency")


def test_daily_use_told_twice_is_still_one_rate() -> None:
    context = "Patient: I take the inhaler twice a day, every day."
    assert not findings("numbers.v1", "Inhaler twice a day, used every day.", context, "freq")


def test_dose_under_a_title_takes_the_titles_drug() -> None:
    context = (
        "Pharmacist: you're starting alendronic acid\n"
        "Patient: seventy milligrams it says\n"
        "Pharmacist: yes seventy milligrams once a week not every day"
    )
    output = "Counselling - alendronic acid\nDose: 70 mg ONCE DAILY."
    assert findings("numbers.v1", output, context, "frequency escalation")
    # control: the weekly dose, and the rate the input rules out ("not every day") is no rate
    output = "Counselling - alendronic acid\nDose: 70 mg ONCE WEEKLY."
    assert not findings("numbers.v1", output, context, "frequency")


def test_spoken_dose_at_night_is_a_daily_rate() -> None:
    context = (
        "Patient: the gabapentin three hundred at night\n"
        "Doctor: increase gabapentin to three hundred three times a day"
    )
    assert not findings("numbers.v1", "Taking gabapentin 300 mg qHS.", context, "frequency")
    # control: a rate neither gives is still read
    assert findings("numbers.v1", "Taking gabapentin 300 mg q4h.", context, "frequency escalation")
    # control: a morning and night dose is twice a day, not once
    context = "Patient: lamotrigine, 100 in the morning and 100 at night"
    assert not findings("numbers.v1", "On lamotrigine 100 mg BID.", context, "frequency")


# --- pregnancy test result ------------------------------------------------------------------------


def test_pregnancy_test_result_reversed() -> None:
    context = (
        "Doctor: any chance you could be pregnant\n"
        "Patient: no and the test they did downstairs was negative"
    )
    assert findings("entities.v1", "LMP last week, urine hCG positive.", context, "pregnancy")
    assert findings("entities.v1", "Pregnancy test today: positive.", context, "pregnancy")
    # control: the same result
    assert not findings("entities.v1", "LMP last week, urine hCG negative.", context, "pregnancy")


def test_other_test_result_is_not_a_pregnancy_test() -> None:
    context = "Doctor: your covid test was negative and the pregnancy test was positive"
    assert not findings("entities.v1", "Pregnant (hCG positive).", context, "pregnancy")
    context = "Doctor: your strep test was negative"
    assert not findings("entities.v1", "Strep test positive.", context, "pregnancy")


# --- critical laboratory values ---------------------------------------------------------------


def test_toxic_lithium_level_changed() -> None:
    context = "Seen after lithium toxicity (level 2.4 mmol/L on admission, now 0.9)."
    assert findings("omission.v1", "Li 1.4 on admission, now 0.9.", context, "critical value")
    assert findings("omission.v1", "Lithium toxicity, now 0.9.", context, "critical value")
    # control: the level kept
    assert not findings("omission.v1", "Li 2.4 on admission, now 0.9.", context, "critical")


def test_dose_of_a_salt_is_not_its_level() -> None:
    context = "Patient: I take lithium at eight hundred milligrams at night"
    assert not findings("omission.v1", "Lithium 800 mg nocte; Li level 0.7.", context, "critical")
    context = "Replacement: Sando-K two effervescent tablets twice daily."
    assert not findings("omission.v1", "Sando-K 2 tabs BD.", context, "critical")
    # control: a potassium level is still read
    context = "Potassium 2.5 this morning. Replacement: Sando-K two effervescent tablets."
    assert findings("omission.v1", "Sando-K 2 tabs BD.", context, "critical value")


# --- code status and allergies --------------------------------------------------------------------


def test_dnr_order_said_to_be_absent_accepts_cpr() -> None:
    context = "ICU handover.\nDNACPR: not in place - full escalation.\nPlan: sedation hold."
    assert findings("entities.v1", "Escalation: DNACPR in place.", context, "code status")
    assert findings("entities.v1", "DNR.", "Doctor: no DNR order, he is for everything", "code")
    # control: an order that is in place, and its content after a dash
    context = "ICU handover.\nDNACPR - no CPR, ward-based care.\nPlan: sedation hold."
    assert not findings("entities.v1", "Escalation: DNACPR in place.", context, "code status")
    assert findings("entities.v1", "Full code.", context, "code status")


def test_allergy_heading_with_none_under_it() -> None:
    context = "PMH: HIT after stent. Allergies: heparin (HIT), otherwise none. Aspirin continues."
    assert findings("entities.v1", "PMH: stent. Allergies: none known.", context, "allergy")
    assert findings("entities.v1", "Drug allergies - nil.", context, "allergy")
    # control: the allergy kept
    assert not findings("entities.v1", "Allergies: heparin (HIT).", context, "allergy")


def test_anaphylaxis_heading_names_its_allergen() -> None:
    context = "Patient: my lips swelled after the prawn curry\nDoctor: anaphylaxis to shellfish"
    assert findings("entities.v1", "Anaphylaxis - peanut. Lip swelling.", context, "allergy")
    # control: the same allergen
    assert not findings("entities.v1", "Anaphylaxis - shellfish. Lip swelling.", context, "allergy")


def test_severe_reaction_written_as_skin_irritation() -> None:
    context = (
        "Nurse: any allergies\nPatient: chlorhexidine\nNurse: what happened\n"
        "Patient: my blood pressure crashed and I came out in hives all over"
    )
    output = "Allergy: chlorhexidine - mild skin irritation."
    assert findings("entities.v1", output, context, "allergy")
    # control: the reaction given as it was
    output = "Allergy: chlorhexidine - hypotension and urticaria."
    assert not findings("entities.v1", output, context, "allergy")


def test_fabricated_psychosis_history() -> None:
    context = "Panic attack in a lecture, settled in 20 minutes. No hallucinations, no drug use."
    output = "Student with a history of psychosis, panic attack in a lecture."
    assert findings("entities.v1", output, context, "condition 'psychosis'")
    # control: a psychosis the input gives
    context = "Known first-episode psychosis in 2021, now well. Panic attack in a lecture."
    assert not findings("entities.v1", output, context, "condition 'psychosis'")
