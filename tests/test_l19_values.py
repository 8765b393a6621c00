"""Session 19 (helper A): numbers.v1 false alarms of the rotated parts, read for their general
causes: the minutes of a clock time and "x2 days" read right, a range of rates kept as a range,
"48 h" read as hours, values worked out from the input's (a difference, a total, a dose per kg),
a drug's value not compared with another named drug's, "N hours apart" as a rate. Each has a
control flagged by the start code and a true error of the same shape still caught."""

from medfact.testing import run_rule


def _messages(output: str, context: str, least: int = 0) -> list[str]:
    return [f.message for f in run_rule("numbers.v1", output, context) if f.risk >= least]


# --- the minutes of a clock time are no value --------------------------------------------------

_WARD = "Ward round: haemoglobin 83 g/L this morning, stable. Plan: repeat FBC at half past two."


def test_the_minutes_of_a_clock_time_are_no_value() -> None:
    out = "Hb 83 g/L this AM. Repeat FBC 14:30 (G&S sent)."
    assert _messages(out, _WARD, least=3) == []


def test_a_changed_result_beside_a_clock_time_is_still_caught() -> None:
    out = "Hb 63 g/L this AM. Repeat FBC 14:30 (G&S sent)."
    assert any("63 g" in m for m in _messages(out, _WARD, least=3))


def test_two_clock_times_written_as_a_pair_are_no_ratio() -> None:
    ctx = "Doctor: the long-acting morphine, 20 milligrams, morning and night."
    out = "Morphine MR 20 mg BD (07:00/19:00)."
    assert not [m for m in _messages(out, ctx) if "00/19" in m]


# --- "x2 days" is a value ----------------------------------------------------------------------

_VOMITING = "GP note: vomiting x2 days, keeping fluids down. No blood."


def test_a_count_written_with_x_is_read_as_a_value() -> None:
    assert _messages("Two days of vomiting; tolerating fluids.", _VOMITING) == []


def test_another_duration_than_the_x_count_is_still_caught() -> None:
    assert any("5 days" in m for m in _messages("5 days of vomiting.", _VOMITING))


# --- hours written "h" --------------------------------------------------------------------------

_RECHECK = "Plan: hold the ramipril, recheck potassium in 48 h, then review."


def test_hours_written_h_agree_with_the_same_time_in_days() -> None:
    assert _messages("Recheck potassium in 2 days.", _RECHECK) == []


def test_another_time_than_the_hours_is_still_reported() -> None:
    assert any("5 days" in m for m in _messages("Recheck potassium in 5 days.", _RECHECK))


# --- a range of rates is a range ----------------------------------------------------------------

_EVERY = "Nurse: you can give him the Calpol every four to six hours, and keep him drinking."


def test_a_range_of_rates_agrees_with_the_same_range_written_otherwise() -> None:
    assert not [
        m for m in _messages("Paracetamol 4-6 hourly, max 4 doses/day.", _EVERY) if "frequ" in m
    ]


def test_a_rate_outside_the_range_is_still_caught() -> None:
    assert any("frequency" in m for m in _messages("Paracetamol 2-hourly.", _EVERY))


# --- "N hours apart" is a rate, a rate closed by a colon ends its drug's clause ------------------

_OPIOID = (
    "Pharmacist: so the slow-release morphine, ten milligrams, one in the morning and one at "
    "night, twelve hours apart. And the liquid, five milligrams, for the breakthrough pain, "
    "that's fine to have up to every four hours if you need it. The plan is to bring the "
    "slow-release down to five milligrams twice a day from Monday."
)
_MR_DOWN = "Morphine oral solution 5 mg PRN, max 4-hourly. MR to 5 mg BD from Mon."


def test_hours_apart_is_the_drugs_rate() -> None:
    out = f"Morphine MR 10 mg BD. {_MR_DOWN}"
    assert not [m for m in _messages(out, _OPIOID) if "frequency" in m]


def test_a_changed_rate_of_the_drug_is_still_caught() -> None:
    out = f"Morphine MR 10 mg QDS. {_MR_DOWN}"
    assert any("frequency" in m for m in _messages(out, _OPIOID))


_INHALERS = (
    "Doctor: and the Symbicort, two puffs twice a day? Patient: Yes. Doctor: and the blue "
    "inhaler? Patient: once or twice a week now."
)


def test_a_rate_after_a_drugs_closed_schedule_is_not_that_drugs() -> None:
    out = "Symbicort 2 puffs BD: reliever use 1-2x/week."
    assert not [m for m in _messages(out, _INHALERS) if "frequency" in m]


def test_the_drugs_own_rate_changed_is_still_caught() -> None:
    out = "Symbicort 2 puffs QDS: reliever use 1-2x/week."
    assert any("frequency" in m for m in _messages(out, _INHALERS))


# --- values worked out from the input's ----------------------------------------------------------

_WEIGHT = "Clinic: weight 88.6 kg today; her dry weight is 86 kg. Ankles swollen."


def test_a_difference_stated_as_a_change_is_worked_out_from_the_input() -> None:
    out = "Weight 88.6 kg, 2.6 kg above dry weight (86 kg)."
    assert _messages(out, _WEIGHT, least=3) == []


def test_a_difference_the_input_does_not_give_is_still_caught() -> None:
    out = "Weight 88.6 kg, 4.1 kg above dry weight (86 kg)."
    assert any("4.1 kg" in m for m in _messages(out, _WEIGHT, least=3))


_OVERDOSE = (
    "Paramedic: she says she took twenty of the aspirin, the 300 milligram ones, an hour ago. "
    "Nurse: and what does she weigh? Paramedic: sixty kilos."
)


def test_a_total_and_a_dose_per_kg_are_worked_out_from_the_input() -> None:
    out = "Aspirin 20 x 300 mg (6 g; ~100 mg/kg at 60 kg) ~1 h ago."
    assert _messages(out, _OVERDOSE, least=3) == []


def test_a_total_the_count_does_not_give_is_still_caught() -> None:
    out = "Aspirin 20 x 300 mg (9 g; ~100 mg/kg at 60 kg) ~1 h ago."
    assert any("9 g" in m for m in _messages(out, _OVERDOSE, least=3))


# --- a drug's value is compared with its own, not another named drug's ----------------------------

_SYRUPS = (
    "Nurse: what has she had? Mother: the calpol at eight this morning, five ml. Nurse: okay, "
    "and you can add ibuprofen, five ml of the hundred milligrams in five ml, three times a day."
)


def test_a_strength_is_not_compared_with_another_named_drugs() -> None:
    out = "Paracetamol 120 mg/5 ml, 5 ml at 08:00. Ibuprofen 100 mg/5 ml, 5 ml TDS."
    assert _messages(out, _SYRUPS, least=3) == []


def test_the_other_drugs_strength_changed_is_still_caught() -> None:
    out = "Paracetamol 120 mg/5 ml, 5 ml at 08:00. Ibuprofen 200 mg/5 ml, 5 ml TDS."
    assert any("'200 mg'" in m for m in _messages(out, _SYRUPS, least=3))


def test_a_dose_is_compared_with_its_own_drugs_bare_dose() -> None:
    ctx = (
        "Patient: the furosemide is 40 in the morning. Then the spironolactone, the small one, "
        "25. Then the ramipril, 5 milligrams."
    )
    out = "Furosemide 40 mg OM; spironolactone 50 mg OD; ramipril 5 mg."
    assert any("'25'" in m for m in _messages(out, ctx, least=3))


_STEROIDS = (
    "Mother: we use the hydrocortisone one percent but it's not touching it. Doctor: I'll step "
    "up to a moderate steroid once a day for seven days, then back to the hydrocortisone."
)


def test_a_new_drugs_strength_is_not_compared_with_one_the_output_gives_its_own_drug() -> None:
    out = "Step up to clobetasone butyrate 0.05% OD x7 days, then back to hydrocortisone 1%."
    assert _messages(out, _STEROIDS, least=3) == []


def test_the_known_drugs_strength_changed_is_still_caught() -> None:
    out = "Step up to clobetasone butyrate 0.05% OD x7 days, then back to hydrocortisone 2.5%."
    assert any("2.5%" in m for m in _messages(out, _STEROIDS, least=3))


# --- a mixed number is one value; half months are months -----------------------------------------


def test_a_mixed_number_is_one_value() -> None:
    ctx = "Patient: I worked at the clinic for two and a half years before that."
    assert not [
        m for m in _messages("She worked at the clinic for 2-1/2 years.", ctx) if "1/2" in m
    ]


def test_another_mixed_number_is_still_caught() -> None:
    ctx = "Patient: I worked at the clinic for two and a half years before that."
    assert _messages("She worked at the clinic for 3-1/2 years.", ctx, least=3)


_RASH = (
    "Patient: the itch began, I think, one and a half months before the wedding. It's no better."
)


def test_weeks_told_as_half_months_are_the_same_duration() -> None:
    assert _messages("The itch began six weeks before the wedding.", _RASH) == []


def test_weeks_beyond_the_half_months_are_still_reported() -> None:
    assert _messages("The itch began three weeks before the wedding.", _RASH)
