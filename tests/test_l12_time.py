"""Issue 13, time and comparisons: a change dated as a course over time ("progressively
worsening since onset", "worse than last visit") that the input never states is an invented
trend (comparison.v1, risk 3); a trigger or a change dated by an event stays a check."""

from __future__ import annotations

import pytest

from medfact import registry
from medfact.testing import analysed
from medfact.types import Finding


@pytest.fixture(scope="module")
def comparison():
    return registry.verifiers.create("comparison.v1")


def risks(rule, context: str, output: str) -> list[tuple[str, int]]:
    found: list[Finding] = rule(analysed(output, context))
    return [(output[f.span[0] : f.span[1]], f.risk) for f in found if f.span is not None]


# --- comparison.v1: a course over time --------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "word"),
    [
        (
            "Doctor: How has the pain been?\nPatient: It comes when I bend over, about the same "
            "each time. It eases off when I stand up.",
            "Low back pain on bending, progressively worsening since onset.",
            "worsening",
        ),
        (
            "Patient: The wheeze is there most mornings, it's been like that for a while.\n"
            "Doctor: Using the blue inhaler?\nPatient: Twice a day.",
            "Morning wheeze, worse since last visit; salbutamol BD.",
            "worse",
        ),
        (
            "Day 3. Creatinine 142 today, 141 yesterday, 165 on admission. Eating and drinking.",
            "Cr 142, improving daily (165 on admission).",
            "improving",
        ),
        (
            "Breathless on walking to the bathroom. SpO2 91% on 2 L. Drain in situ.",
            "Breathlessness worse than last week, SpO2 91% on 2 L.",
            "worse",
        ),
    ],
)
def test_a_course_the_input_never_states_is_risk_3(comparison, context, output, word) -> None:
    assert (word, 3) in risks(comparison, context, output)


@pytest.mark.parametrize(
    ("context", "output", "word"),
    [
        # undated: a check only ("improving" may reword "much better now")
        (
            "Patient: The cough is there at night, mostly.",
            "Cough improving.",
            "improving",
        ),
        # dated by an event: the input gives the same change in other words
        (
            "Patient: I've been eating badly since my husband passed.",
            "Diet worse since bereavement.",
            "worse",
        ),
        (
            "Patient: That one's been fine since the injection.",
            "R knee settled since injection.",
            "settled",
        ),
    ],
)
def test_an_undated_change_or_one_dated_by_an_event_stays_a_check(
    comparison, context, output, word
) -> None:
    assert (word, 2) in risks(comparison, context, output)


def test_a_trigger_is_no_course(comparison) -> None:
    context = "Patient: My shoulder hurts when I reach overhead, it's been like that a month."
    assert risks(comparison, context, "Shoulder pain, worse with overhead reaching.") == []


def test_a_course_the_input_gives_is_no_finding(comparison) -> None:
    context = "Patient: The pain has been getting worse and worse since it started."
    assert risks(comparison, context, "Pain progressively worsening since onset.") == []


def test_a_course_stays_a_check_where_the_input_states_that_change_of_something(
    comparison,
) -> None:
    # a transcript without stops: "better" is the patient's answer, its topic worded otherwise
    context = (
        "[doctor] how have you been since the last time i saw you ? [patient] i've been "
        "doing better . um , i've been struggling with my mood a bit"
    )
    output = "The patient reports that she has been doing better since her last visit."
    assert ("better", 3) not in risks(comparison, context, output)
    # control: with no "better" in the input the same course is an invented trend
    assert ("better", 3) in risks(comparison, context.replace("doing better", "so-so"), output)


def test_a_state_word_is_no_course(comparison) -> None:
    context = "Doctor: How long had he been that way?\nWife: All day. He was barely conscious."
    output = "Found with a decreased status since the last one day."
    assert all(risk < 3 for _, risk in risks(comparison, context, output))


# --- temporal.v1: clock times of the same event -----------------------------------------------


@pytest.fixture(scope="module")
def temporal():
    return registry.verifiers.create("temporal.v1")


def test_a_time_belongs_to_the_moment_its_when_clause_describes(temporal) -> None:
    context = (
        "Found by her husband at 08:15 unable to speak. He last saw her well at 07:50, when "
        "she was making breakfast."
    )
    assert ("03:50", 3) in risks(temporal, context, "LKW 03:50 (making breakfast).")
    # control: the same time is no finding
    assert risks(temporal, context, "LKW 07:50 (making breakfast).") == []


def test_a_four_digit_time_after_at_may_be_followed_by_an_order_word(temporal) -> None:
    context = "Aspirin 325 mg given at 1412, then heparin bolus at 1430, then transfer to the cath "
    context += "lab at 1455."
    assert [word for word, _ in risks(temporal, context, "Aspirin at 1510 after arrival.")] == [
        "1510"
    ]
    # control: the input's own time, and a count that no "at" makes a time
    assert risks(temporal, context, "Aspirin at 1412 before transfer.") == []
    assert risks(temporal, context, "Platelets 1510 after transfusion.") == []


# --- temporal.v1: the order of two events, read from the input's dates -----------------------


def orders(rule, context: str, output: str) -> list[str]:
    found: list[Finding] = rule(analysed(output, context))
    return [output[f.span[0] : f.span[1]] for f in found if f.message.startswith("order:")]


@pytest.mark.parametrize(
    ("context", "output", "expected"),
    [
        (
            "Started on doxycycline five days ago for cellulitis. A blotchy rash appeared this "
            "morning.",
            "Blotchy rash, appeared before doxycycline was started.",
            ["before doxycycline was started"],
        ),
        (
            "Lamotrigine was started 12 days ago. Two days ago she developed a red, blotchy "
            "rash on her chest. Lamotrigine stopped today.",
            "Rash on chest predating lamotrigine.",
            ["predating lamotrigine"],
        ),
        (
            "Swollen ankles for three weeks. She started amlodipine 10 mg five weeks ago.",
            "Ankle swelling, began before starting amlodipine.",
            ["before starting amlodipine"],
        ),
        # a phrase that opens another clause takes no date from the one before ("four days
        # ago" is the drug's): the rash keeps the one date the input gives it
        (
            "The rash appeared this morning. She was started on amoxicillin four days ago, and "
            "the rash came on after the fourth day of treatment.",
            "Rash, appeared before amoxicillin was started.",
            ["before amoxicillin was started"],
        ),
    ],
)
def test_an_order_the_input_dates_the_other_way_is_a_contradiction(
    temporal, context, output, expected
) -> None:
    assert orders(temporal, context, output) == expected


@pytest.mark.parametrize(
    ("context", "output"),
    [
        # the order the input's dates give
        (
            "Started on doxycycline five days ago for cellulitis. A blotchy rash appeared this "
            "morning.",
            "Blotchy rash, appeared after doxycycline was started.",
        ),
        (
            "Swollen ankles for three weeks. She started amlodipine 10 mg five weeks ago.",
            "Ankle swelling, began 2 wk after starting amlodipine.",
        ),
        # a plan orders what is to come
        (
            "Swollen ankles for three weeks. She started amlodipine 10 mg five weeks ago.",
            "Will review ankle swelling before starting amlodipine again.",
        ),
    ],
)
def test_an_order_the_input_does_not_reverse_is_no_finding(temporal, context, output) -> None:
    assert orders(temporal, context, output) == []


# --- temporal.v1: "X given" in a note is done -------------------------------------------------


def test_a_dose_written_as_given_where_the_input_has_it_to_be_given(temporal) -> None:
    context = "Kleihauer sent; anti-D to be given once the result is back, before discharge."
    assert ("given", 3) in risks(temporal, context, "Kleihauer sent, anti-D given.")
    # controls: the plan kept, and "given" as a reason or a denial
    assert risks(temporal, context, "Kleihauer sent; anti-D to be given when back.") == []
    assert risks(temporal, context, "Anti-D not yet given; Kleihauer sent.") == []
    assert risks(temporal, context, "Kleihauer sent given her blood group; anti-D planned.") == []


# --- temporal.v1: a sequence told in one sentence ---------------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "expected"),
    [
        (
            "Witness: She was sitting on the bench, then she went stiff and started jerking, "
            "and then she fell and hit her head on the kerb.",
            "Fell and hit head on kerb, then stiffening and jerking.",
            ["then stiffening and jerking"],
        ),
        # one event by two names: "sick" for "vomited", "went down" after it
        (
            "Wife: He was sick in the sink, then he went grey and went down, hitting his head "
            "on the worktop.",
            "Went grey and collapsed, striking head on worktop, then vomited.",
            ["then vomited"],
        ),
        (
            "Palpitations came on at the desk, then her vision greyed and she collapsed.",
            "Collapsed, vision greyed before palpitations.",
            ["before palpitations"],
        ),
    ],
)
def test_a_sequence_the_input_tells_the_other_way_round(
    temporal, context, output, expected
) -> None:
    assert orders(temporal, context, output) == expected


@pytest.mark.parametrize(
    ("context", "output"),
    [
        # the same order in other words
        (
            "Witness: She went stiff and started jerking, and then she fell and hit her head.",
            "Stiffening and jerking, then fell, hitting head.",
        ),
        (
            "Witness: She went stiff and started jerking, and then she fell and hit her head.",
            "Fell and hit head after stiffening and jerking.",
        ),
        # an order asked about is not told; a denied event is in no order
        (
            "Doctor: Did she fall and then start jerking?\nWitness: I didn't see.",
            "Jerking, then fell.",
        ),
        (
            "Patient: I didn't have any increased back pain after the accident.",
            "Accident 5 years ago; no increased back pain following that accident.",
        ),
        # "following that accident" names the event, it is no "after that"
        (
            "Patient: The back pain got worse after the accident.",
            "Back pain worse following that accident.",
        ),
    ],
)
def test_a_sequence_told_the_same_way_or_not_told_is_no_finding(temporal, context, output) -> None:
    assert orders(temporal, context, output) == []


# --- temporal.v1: a stopped drug listed as taken after a dash ---------------------------------


def test_a_word_before_a_dash_does_not_mark_the_drug_after_it_as_past(temporal) -> None:
    context = "Patient: I was on warfarin after the clot in my leg. But they stopped it last year."
    assert ("warfarin", 3) in risks(temporal, context, "Previous DVT - on warfarin.")
    # control: the past said of the drug itself
    assert risks(temporal, context, "DVT - previously on warfarin, stopped last year.") == []


# --- unsupported.v1: a cause the input calls normal ---------------------------------------------


@pytest.fixture(scope="module")
def unsupported():
    return registry.verifiers.create("unsupported.v1")


def causes(rule, context: str, output: str) -> list[tuple[str, int]]:
    found: list[Finding] = rule(analysed(output, context))
    return [(f.message.split(":")[0], f.risk) for f in found if "cause" in f.message]


def test_a_cause_the_input_calls_normal_is_ruled_out(unsupported) -> None:
    context = (
        "Doctor: The baby's growth on the scan is fine. It's your blood pressure, and there's "
        "protein in your urine. You'll go to the day unit this afternoon."
    )
    output = "Referred to the day unit because of reduced fetal growth on scan (bloods)."
    assert ("the input rules out this cause", 3) in causes(unsupported, context, output)
    # control: the input's own cause
    output = "Referred to the day unit because of blood pressure and urine protein (bloods)."
    assert all(risk < 3 for _, risk in causes(unsupported, context, output))


def test_one_word_called_fine_does_not_rule_out_a_cause(unsupported) -> None:
    # the dentist found the teeth fine, yet they hurt: "teeth" alone names no result
    context = (
        "Patient: This pressure in my sinus is causing tooth pain. I went to my dentist "
        "yesterday, but my teeth are fine."
    )
    output = "She went to the dentist because her teeth were hurting."
    assert all(risk < 3 for _, risk in causes(unsupported, context, output))
