"""Session 14, helper F3: how a rate, a dose or a value is read and whose it is (issue 13):
"4x daily" and "the two a day" are rates; a check's rate ("bloods every two weeks") is no drug's;
an item joined after a drug's own rate ("+ calcium 1 tab BD") is another's; a rate compares
with the same dose's rate (a breakthrough dose has its own); "a week" is 7 days and "a gram" 1 g;
a score's earlier points said bare. Each with a control that must still be flagged. Sentences
written for these tests."""

from __future__ import annotations

from medfact.testing import run_rule
from medfact.types import Finding


def risky(output: str, context: str, start: str = "") -> list[Finding]:
    """numbers.v1's findings at risk 3 or more whose message starts with ``start``."""
    found = run_rule("numbers.v1", output, context)
    return [f for f in found if f.message.startswith(start) and f.risk >= 3]


# --- "Nx daily", "two a day" ---------------------------------------------------------------------

_RELIEVER = (
    "Doctor: And the salbutamol, how often are you using it?\n"
    "Patient: Two or three times a day at the moment, more when it's cold."
)


def test_times_written_with_x_is_a_rate() -> None:
    assert not risky("Salbutamol 2-3x daily currently.", _RELIEVER, "frequency")
    assert not risky("Using salbutamol 3 x a day.", _RELIEVER, "frequency")
    # control: another count of times is still a changed rate
    assert risky("Salbutamol 6x daily currently.", _RELIEVER, "frequency escalation")


_GLUCOSE_PLAN = "Gestational diabetes: finger-prick glucose checks 4x daily, diet first."


def test_x_rate_of_a_check_matches_a_written_qds() -> None:
    assert not risky("Gestational diabetes: glucose checks QDS, diet first.", _GLUCOSE_PLAN)
    # control: another count of times against the input's "4x" is still a changed rate
    out = "Gestational diabetes: glucose checks 8x daily, diet first."
    assert risky(out, _GLUCOSE_PLAN, "frequency escalation")


_TWO_A_DAY = (
    "Nurse: and the sertraline, still the one a day?\n"
    "Patient: yes just the one in the morning\n"
    "Nurse: and the metformin, is that the two a day\n"
    "Patient: that's right, breakfast and tea"
)


def test_small_count_a_day_is_a_rate() -> None:
    assert not risky("Metformin 500 mg BD; sertraline 50 mg OD.", _TWO_A_DAY, "frequency")
    # control: the rate the two a day gives is still compared
    assert risky("Metformin 500 mg QDS; sertraline 50 mg OD.", _TWO_A_DAY, "frequency escalation")


# --- a check's rate is not the drug's -------------------------------------------------------------

_CHECKS = (
    "Doctor: We'll put the azathioprine up to 100 milligrams once a day, and keep the "
    "mesalazine going as it is.\n"
    "Patient: Okay.\n"
    "Doctor: Blood tests every week for a month, then every three months."
)


def test_check_rate_not_carried_to_the_drug_before() -> None:
    out = (
        "Azathioprine 100 mg OD; mesalazine once daily as before. Bloods weekly x4, then 3-monthly."
    )
    assert not risky(out, _CHECKS, "frequency")
    # control: the drug's own rate changed is still found
    out = "Azathioprine 100 mg BD; mesalazine as before. Bloods weekly x4, then 3-monthly."
    assert risky(out, _CHECKS, "frequency escalation")


# --- an item joined after a drug's own rate -------------------------------------------------------

_BONES = (
    "Start risedronate 35 mg once a week on Sundays, and calcium with vitamin D, one chewable "
    "tablet twice a day."
)


def test_item_joined_after_a_rate_is_anothers() -> None:
    out = "Risedronate 35 mg once weekly (Sun) + Calcichew-D3 1 tab BD."
    assert not risky(out, _BONES, "frequency")
    # control: the weekly drug written as daily, beside the other item, is still found
    out = "Risedronate 35 mg once daily (Sun) + Calcichew-D3 1 tab BD."
    assert risky(out, _BONES, "frequency escalation")


# --- a rate compares with the same dose's ---------------------------------------------------------

_TWO_REGIMENS = (
    "Doctor: Which painkillers is he on now?\n"
    "Wife: The slow-release ones, twenty milligrams twice a day.\n"
    "Doctor: And for pain in between he can have oxycodone liquid, five milligrams, up to "
    "every four hours."
)


def test_regular_and_breakthrough_doses_have_their_own_rates() -> None:
    out = "Oxycodone MR 20 mg BD; oxycodone liquid 5 mg up to 4-hourly PRN for breakthrough."
    assert not risky(out, _TWO_REGIMENS, "frequency")
    # control: the breakthrough dose's rate changed is still found
    out = "Oxycodone MR 20 mg BD; oxycodone liquid 5 mg up to hourly PRN for breakthrough."
    assert risky(out, _TWO_REGIMENS, "frequency escalation")


_SWITCHED = (
    "Digoxin 250 mcg once daily on admission. HR 48 this morning; reduced by the night "
    "registrar to 125 mcg every other day."
)


def test_a_changed_dose_keeps_its_own_rate() -> None:
    out = "Digoxin reduced from 250 mcg OD to 125 mcg every other day (HR 48)."
    assert not risky(out, _SWITCHED, "frequency")
    # control: the first dose given another rate is still found
    out = "Digoxin reduced from 250 mcg BD to 125 mcg every other day (HR 48)."
    assert risky(out, _SWITCHED, "frequency")


# --- one of a unit in words -----------------------------------------------------------------------


def test_a_week_is_seven_days_and_a_gram_is_one_gram() -> None:
    ctx = "Doctor: I'll give you a week of cefalexin, and a gram of paracetamol when needed."
    assert not risky("Cefalexin for 7 days; paracetamol 1 g PRN.", ctx)
    # control: another number of days is still not the input's
    assert risky("Cefalexin for 7 days; paracetamol 2 g PRN.", ctx, "value '2 g'")


# --- a score's earlier points said bare -----------------------------------------------------------


def test_earlier_score_said_without_its_total() -> None:
    ctx = "Doctor: His MoCA today is twenty out of thirty. Last spring it was twenty-four."
    assert not risky("MoCA 20/30 (24/30 last spring).", ctx)
    # control: a total the input never gives for that score is still compared
    assert risky("MoCA 17/30 (24/30 last spring).", ctx, "value")


_LIMIT = (
    "Nurse: What have you been giving him for the fever?\n"
    "Father: Nurofen, the children's one.\n"
    "Nurse: How often?\n"
    "Father: Every three hours or so. Sometimes more. He hates the taste.\n"
    "Nurse: For his weight he can have 7.5 mils, that's 150 milligrams, but no more than every "
    "8 hours."
)


def test_same_dose_with_no_drug_named_is_the_same_regimen() -> None:
    out = "Ibuprofen 100 mg/5 mL: 7.5 mL (150 mg) every 8 hours with food."
    assert not risky(out, _LIMIT, "frequency")
    # control: a rate the input gives for neither is still compared
    out = "Ibuprofen 100 mg/5 mL: 7.5 mL (150 mg) every 2 hours with food."
    assert risky(out, _LIMIT, "frequency")
