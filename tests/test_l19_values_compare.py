"""Session 19 (helper A): compare.v1 false alarms of the rotated parts, read for their general
causes. "in pregnancy" was meant to be skipped but the check compared a 7-character slice with
"in "; advice to avoid a thing and a system said to be normal state no presence; an answer that
denies one item of a question leaves the others open; a relative's diagnosis keeps its own
certainty; a threshold is no dose; a dose moved "up to" a bare number carries its unit; a time
its speaker takes back is none; a former amount changed to the window's only amount is not
compared. Each has a control flagged by the start code and a true error still caught."""

from medfact.analysis import AnalyzedText, Analyzer
from medfact.compare import concept_facts
from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine
from medfact.segment import ClinicalSegmenter


def _result(output: str, context: str):  # type: ignore[no-untyped-def]
    engine = cached_engine(None, dict(NO_MODEL))
    return next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))


def _flagged(output: str, context: str, rule: str = "compare.v1") -> list[str]:
    result = _result(output, context)
    return [f.message for f in result.findings if f.rule == rule and f.risk >= 3]


def _caught(output: str, context: str) -> bool:
    """Whether any rule flags the output (risk 3 or more): a true error still caught."""
    return any(f.risk >= 3 for f in _result(output, context).findings)


def _analysed(text: str) -> AnalyzedText:
    return Analyzer()(text, ClinicalSegmenter()(text))


def _polarities(text: str, word: str) -> list[str]:
    doc = _analysed(text)
    return [f.value for f in concept_facts(doc) if f.kind == "polarity" and word in f.key]


# --- "in pregnancy" is a caution, not the patient's status ----------------------------------------

_CAUTION = (
    "Doctor: valproate can harm a baby in pregnancy, so instead I'd suggest lisinopril, ten "
    "milligrams once a day. It mustn't be taken in pregnancy either, but it's fine with your coil."
)


def test_a_caution_in_pregnancy_states_no_pregnancy() -> None:
    out = "Plan: start lisinopril 10 mg OD (not for use in pregnancy, but fine with the coil)."
    assert _flagged(out, _CAUTION) == []


def test_a_pregnancy_denied_against_one_stated_is_still_caught() -> None:
    ctx = "Patient: I found out last week that I'm pregnant. Doctor: Congratulations."
    assert _caught("She is not pregnant.", ctx)


# --- advice to avoid, and a system said to be normal, state no presence ---------------------------


def test_advice_to_abstain_states_no_presence() -> None:
    assert _polarities("Plan: continue methotrexate; abstain from alcohol.", "alcohol") == []
    assert _polarities("Avoid all alcohol until the repeat bloods.", "alcohol") == []


def test_a_thing_taken_still_states_its_presence() -> None:
    assert "affirmed" in _polarities("Drinks alcohol most evenings.", "alcohol")


def test_a_system_said_normal_agrees_with_problems_denied() -> None:
    ctx = "Doctor: Any problems with your bowels? Patient: No. Doctor: And your waterworks?"
    assert _flagged("Bowels normal. Waterworks not asked further.", ctx) == []


def test_a_finding_affirmed_against_a_denial_is_still_caught() -> None:
    ctx = "Doctor: Any vomiting? Patient: No, none at all."
    assert _caught("Vomiting since last night.", ctx)


# --- an answer that denies one item leaves the others open --------------------------------------


def test_an_answer_denying_one_item_leaves_the_others_open() -> None:
    ctx = (
        "Pharmacist: Any nausea, dizziness, any falls? Carer: No falls. She did feel sick on "
        "the first day, not since."
    )
    assert "negated" not in _polarities(ctx, "nausea")


def test_an_answer_denying_the_item_itself_still_denies_it() -> None:
    ctx = "Pharmacist: Any nausea, dizziness, any falls? Carer: No nausea. No falls either."
    assert _polarities(ctx, "nausea") == ["negated"]


# --- a relative's diagnosis keeps its own certainty -----------------------------------------------

_RELATIVE = (
    "Patient: My brother nearly died under a general anaesthetic, some muscle reaction. "
    "Nurse: Malignant hyperthermia. Has anyone tested you? Patient: No."
)


def test_a_relatives_hedged_diagnosis_is_not_the_clinicians_naming() -> None:
    out = "FHx: brother - probable malignant hyperthermia under GA. Pt never tested."
    assert _flagged(out, _RELATIVE) == []


def test_the_patients_own_diagnosis_hedged_is_still_caught() -> None:
    ctx = "Doctor: the biopsy confirms it, this is a malignant melanoma."
    assert _caught("Possible malignant melanoma on biopsy.", ctx)


# --- a threshold is no dose; a dose moved to a bare number carries its unit ----------------------

_BRIDGE = "Plan: enoxaparin 1 mg/kg (80 mg) twice daily until the INR is at least 2.5."


def test_a_threshold_is_no_dose() -> None:
    out = "Dose: warfarin 7 mg today.\nBridging: enoxaparin 80 mg (1 mg/kg) SC BD until INR >= 2.5."
    assert _flagged(out, _BRIDGE) == []


def test_a_changed_bridging_dose_is_still_caught() -> None:
    out = "Dose: warfarin 7 mg today.\nBridging: enoxaparin 160 mg SC BD until INR >= 2.5."
    assert _caught(out, _BRIDGE)


_STEP = (
    "Doctor: we'll start the dulaglutide at 0.75 milligrams weekly for four weeks and then go up "
    "to 1.5. Patient: Fine."
)


def test_a_dose_moved_up_to_a_bare_number_carries_its_unit() -> None:
    assert _flagged("Start dulaglutide 0.75 mg weekly x4 wk, then 1.5 mg weekly.", _STEP) == []


def test_a_step_to_another_dose_is_still_caught() -> None:
    assert _caught("Start dulaglutide 0.75 mg weekly x4 wk, then 3 mg weekly.", _STEP)


# --- a time taken back is none -------------------------------------------------------------------


def test_a_time_its_speaker_takes_back_is_none() -> None:
    ctx = "Nurse: When was the last injection? Patient: I did it yesterday... no, the day before."
    assert _flagged("Last injection 2 days ago.", ctx) == []


def test_a_time_not_taken_back_is_still_compared() -> None:
    ctx = "Nurse: When was the last injection? Patient: I did it yesterday, after lunch."
    assert _flagged("Last injection 2 days ago.", ctx)


# --- a former amount changed to the window's only amount ------------------------------------------

_FOLIC = "Midwife: with your BMI I'll put you on the higher dose of folic acid, 5 mg a day."


def test_a_former_amount_changed_to_the_windows_only_one_is_not_compared() -> None:
    result = _result("Folic acid 400 mcg -> increase to 5 mg OD.", _FOLIC)
    assert [f.message for f in result.findings if f.risk >= 3] == []


def test_a_wrong_new_amount_is_still_caught() -> None:
    assert _caught("Folic acid 400 mcg -> increase to 50 mg OD.", _FOLIC)


def test_a_former_amount_the_window_gives_otherwise_is_still_caught() -> None:
    ctx = "Midwife: you're on folic acid 400 micrograms; I'll increase it to 5 mg a day."
    assert _caught("Folic acid 1 mg -> increase to 5 mg OD.", ctx)


# --- a range of rates agrees with a rate inside it ------------------------------------------------


def test_a_range_of_rates_agrees_with_a_rate_inside_it() -> None:
    ctx = "Doctor: take the codeine every eight hours if you need it."
    assert _flagged("Codeine 30 mg every 6-8 hours PRN.", ctx) == []


def test_a_range_outside_the_rate_is_still_caught() -> None:
    ctx = "Doctor: take the codeine every eight hours if you need it."
    assert _caught("Codeine 30 mg every 2-3 hours PRN.", ctx)


# --- session 19, second pass: the same readings in compare.v1's own facts -------------------------


def test_a_rate_after_a_drugs_closed_schedule_is_not_that_drugs() -> None:
    ctx = (
        "Doctor: and the Symbicort, two puffs twice a day? Patient: Yes. Doctor: and the blue "
        "inhaler? Patient: once or twice a week now."
    )
    out = "Symbicort 2 puffs BD: reliever use 1-2x/week."
    assert _flagged(out, ctx) == [] and _flagged(out, ctx, "numbers.v1") == []


def test_an_amount_written_as_a_difference_of_two_window_amounts_agrees() -> None:
    ctx = "Nurse: fluid balance today, in 2.6 L and out 1.1 L. Urine output is low."
    out = "Balance +1.5 L (in 2.6 L, out 1.1 L); low UO."
    assert _flagged(out, ctx) == [] and _flagged(out, ctx, "numbers.v1") == []


def test_an_amount_written_as_a_difference_the_window_does_not_give_is_still_caught() -> None:
    ctx = "Nurse: fluid balance today, in 2.6 L and out 1.1 L. Urine output is low."
    assert _caught("Balance +3.5 L (in 2.6 L, out 1.1 L); low UO.", ctx)


def test_a_drugs_caution_in_early_pregnancy_states_no_pregnancy() -> None:
    ctx = (
        "Doctor: your test was positive, so you're about six weeks. I'll give you cefalexin; "
        "not trimethoprim, not in early pregnancy."
    )
    out = (
        "Positive home pregnancy test, ~6/40. UTI in early pregnancy: cefalexin (not trimethoprim)."
    )
    assert _flagged(out, ctx) == []
