"""Session 15 (helper C2): laboratory results and values read where they were missed.

Each capability has a control that fails without it and a twin that must stay as it is.
"""

from __future__ import annotations

from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule


def _numbers(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("numbers.v1", output, context)]


def _graded(output: str, context: str) -> list[tuple[int, str | None, str]]:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    result = engine.score({"id": "t", "output": output, "context": context})
    return [(int(f.risk), f.policy, f.message) for f in result.findings if f.rule == "numbers.v1"]


# --- a result said in the sentence after its analyte ----------------------------------------

_SPOKEN = (
    "Doctor: I've had a call from the lab about your calcium. It came back at three point one. "
    "Patient: Is that high? Doctor: A little, so we'll repeat it next week."
)


def test_a_result_said_in_the_next_sentence_is_its_analytes() -> None:
    found = _numbers("Ca 2.4 - repeat next week.", _SPOKEN)
    assert found and "calcium" in found[0] and "three point one" in found[0]
    # twin: the same value is no finding
    assert _numbers("Ca 3.1 - repeat next week.", _SPOKEN) == []


def test_a_bare_value_after_a_reply_is_the_analyte_asked_about() -> None:
    ctx = "Nurse: The sodium's back. Patient: Oh? Nurse: One hundred and eighteen."
    assert any("sodium" in m for m in _numbers("Na 128.", ctx))
    # control: a name that already has its value keeps it; the next bare number is not its
    other = "Nurse: The sodium is 138. Two tablets at night."
    assert _numbers("Na 138.", other) == []


def test_a_result_read_across_sentences_is_graded_by_its_critical_limits() -> None:
    ctx = "Doctor: Your potassium from this morning. It's come back at six point nine."
    graded = _graded("K 5.1, recheck.", ctx)
    assert graded and graded[0][:2] == (4, "lab.critical_value")
    # twin: a value inside the limits said that way stays a changed value (3)
    calm = ctx.replace("six point nine", "four point nine")
    assert [g[:2] for g in _graded("K 4.1, recheck.", calm)] == [(3, "lab.value")]


def test_level_words_and_brackets_stand_between_a_name_and_its_value() -> None:
    ctx = "The practice nurse said the magnesium is quite low, 0.5, and wants a repeat."
    assert any("magnesium" in m for m in _numbers("Magnesium (Mg) level: 0.9, repeat.", ctx))
    assert _numbers("Magnesium (Mg) level: 0.5, repeat.", ctx) == []


def test_hba1c_is_one_name_and_a_recheck_interval_no_result() -> None:
    ctx = "Annual review. HbA1c 71, up from 58 in spring. Recheck in 3 months."
    assert any("a1c" in m for m in _numbers("HbA1c 61 (58 in spring).", ctx))
    # twin: "HbA1c 3 mo" is when to check it, not a result of 3
    assert _numbers("HbA1c 71 (58 in spring). HbA1c 3 mo.", ctx) == []


def test_a_bare_result_equal_to_an_age_is_still_compared() -> None:
    ctx = "Falls review. 72-year-old man. Pulse 52 and irregular on amiodarone."
    assert any("heart rate" in m for m in _numbers("72M. HR 72, irregular.", ctx))
    # control: a value the input gives bare elsewhere still counts as said
    said = ctx + " Sitting pulse later 72."
    assert _numbers("72M. HR 72, irregular.", said) == []


def test_the_result_written_over_is_the_one_the_output_leaves_out() -> None:
    ctx = (
        "ED. Capillary glucose on arrival 2.1 mmol/L. Given glucose gel; twenty minutes later "
        "glucose 6.9 and alert."
    )
    found = _graded("BM 8.2 on arrival, glucose gel -> 6.9.", ctx)
    assert found and "2.1" in found[0][2] and found[0][0] == 4


# --- a value replaced by the input's one value the output leaves unsaid ----------------------


def test_a_value_in_place_of_the_inputs_one_unsaid_value_of_its_unit() -> None:
    ctx = (
        "Renal clinic. Weight today 88.4 kg, last visit 86.0 kg, target weight 85 kg. "
        "Fluid restriction reinforced."
    )
    found = _numbers("Wt 84.4 kg (86.0 last visit; target 85). Fluid restriction.", ctx)
    assert found and "differs from the input's '88.4 kg'" in found[0]
    # twin: every value said - no finding
    assert _numbers("Wt 88.4 kg (86.0 last visit; target 85). Fluid restriction.", ctx) == []
    # control: two unsaid values leave the rival unknown (no contradiction claimed)
    two = ctx.replace("target weight 85 kg", "target weight 85 kg, clinic scale 87.9 kg")
    assert all("differs" not in m for m in _numbers("Wt 84.4 kg (86.0; target 85).", two))


# --- a drug's former dose given as its dose ------------------------------------------------

_REDUCED = (
    "Heart failure clinic. Symptomatic hypotension. Bisoprolol reduced from 10 mg once daily to "
    "5 mg once daily. Ramipril 2.5 mg unchanged."
)


def test_a_former_dose_given_as_the_dose_is_a_dose_error() -> None:
    found = _graded("Bisoprolol 10 mg OD; ramipril 2.5 mg.", _REDUCED)
    assert found and found[0][0] == 4 and "former dose of bisoprolol" in found[0][2]
    # twins: the new dose, or the old one given as old
    assert _numbers("Bisoprolol 5 mg OD; ramipril 2.5 mg.", _REDUCED) == []
    assert _numbers("Bisoprolol 5 mg OD (was 10 mg); ramipril 2.5 mg.", _REDUCED) == []
    assert _numbers("Bisoprolol 10 mg -> 5 mg OD; ramipril 2.5 mg.", _REDUCED) == []


def test_a_dose_the_input_gives_as_current_is_no_former_dose() -> None:
    ctx = "Amlodipine 10 mg daily continued; bisoprolol changed from 5 mg to 2.5 mg."
    assert _numbers("Amlodipine 10 mg daily.", ctx) == []


# --- a dose's amount and time keep a route word with its drug ------------------------------


def test_a_route_after_the_doses_amount_and_time_is_the_drugs() -> None:
    ctx = "Nurse: Lantus, twenty units at night, given under the skin by her daughter."
    found = [f.message for f in run_rule("route.v1", "Lantus 20 units ON IM.", ctx)]
    assert any("under the skin" in m for m in found)
    assert run_rule("route.v1", "Lantus 20 units ON SC.", ctx) == []
    # control: a comma that starts another item still ends the drug's phrase
    listed = "Lantus twenty units at night, senna two tablets orally."
    assert run_rule("route.v1", "Lantus 20 units ON SC; senna 2 tabs PO.", listed) == []


# --- critical values dropped -----------------------------------------------------------------


def _dropped(output: str, context: str) -> list[tuple[int, str]]:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    result = engine.score({"id": "t", "output": output, "context": context})
    return [(int(f.risk), f.message) for f in result.findings if "critical value" in f.message]


def test_a_result_named_with_when_it_was_taken_is_read() -> None:
    ctx = "Nurse: Your lithium from yesterday came back at 2.4. Stop it for now."
    found = _dropped("Lithium held; recheck tomorrow.", ctx)
    assert found and found[0][0] == 4
    assert _dropped("Lithium 2.4 - held; recheck tomorrow.", ctx) == []


def test_blood_ketones_of_three_or_more_are_a_critical_value() -> None:
    ctx = "Type 1 diabetes, vomiting since lunch. Glucose 21. Blood ketones 4.1. Sent to ED."
    found = _dropped("T1DM, vomiting. CBG 21. To ED.", ctx)
    assert found and found[0][0] == 4 and "ketones" in found[0][1]
    assert _dropped("T1DM, vomiting. CBG 21, ketones 4.1. To ED.", ctx) == []
    # controls: a normal ketone level, and urine ketones graded in "+"
    assert _dropped("T1DM. CBG 21. To ED.", ctx.replace("4.1", "0.4")) == []
    urine = "Vomiting. Urine ketones 3+. Glucose 21."
    assert all("ketones" not in m for _, m in _dropped("Vomiting. CBG 21.", urine))


def test_a_value_a_transcript_cut_at_its_point_is_not_compared() -> None:
    ctx = "[doctor] your a1c now was seven . two so it's come down since last year"
    assert _numbers("A1c: 7.2", ctx) == []
    # twin: the value said whole is compared
    assert any("a1c" in m for m in _numbers("A1c: 8.2", ctx.replace("seven . two", "7.2")))


# --- hundreds said in hyphenated parts --------------------------------------------------------


def test_hundreds_said_in_hyphenated_parts_are_one_value() -> None:
    ctx = "Paramedic: pulse one-thirty, pressure one-oh-eight over sixty-two, sats ninety."
    found = _numbers("HR 100, BP 108/62, SpO2 90%.", ctx)
    assert any("heart rate" in m for m in found)
    assert _numbers("HR 130, BP 108/62, SpO2 90%.", ctx) == []
    # control: a clock time said the same way is no value
    doc = analysed("x", "Doctor: come back at two-thirty tomorrow.").context
    assert [q.value for q in doc.quantities] == []


def test_a_capillary_glucose_in_mmol_below_three_is_critical() -> None:
    ctx = "Night: CBG 2.6 mmol/L at 02:00, juice given; CBG 4.4 at 02:20 and 6.0 at 02:40."
    graded = _graded("Hypo overnight: CBG 4.6 at 02:00 -> juice; 4.4 at 02:20, 6.0 at 02:40.", ctx)
    assert graded and graded[0][:2] == (4, "lab.critical_value") and "2.6" in graded[0][2]
    # twin: a changed value inside the limits stays a changed value (3)
    calm = ctx.replace("2.6", "3.6")
    out = "Low overnight: CBG 4.6 at 02:00 -> juice; 4.4 at 02:20, 6.0 at 02:40."
    assert [g[:2] for g in _graded(out, calm)] == [(3, "lab.value")]


def test_a_clock_time_between_an_analyte_and_its_value_is_skipped() -> None:
    ctx = "Nurse A: her potassium came back at three o'clock, 6.7. Nurse B: repeat it then."
    graded = _graded("K 4.7 at 15:00, repeat.", ctx)
    assert graded and graded[0][:2] == (4, "lab.critical_value")
    assert _numbers("K 6.7 at 15:00, repeat.", ctx) == []
