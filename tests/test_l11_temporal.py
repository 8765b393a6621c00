"""temporal.v1, issue 13: done vs planned and past vs current read by meaning (periods of life,
a habit given up, a test put off or only intended, a dose that is still to be given)."""

from __future__ import annotations

import pytest

from medfact import registry
from medfact.testing import analysed
from medfact.types import Finding


@pytest.fixture(scope="module")
def rule():
    return registry.verifiers.create("temporal.v1")


def findings(rule, context: str, output: str) -> list[Finding]:
    return rule(analysed(output, context))


def said(text: str, span: tuple[int, int] | None) -> str:
    assert span is not None
    return text[span[0] : span[1]]


def clash(rule, context: str, output: str) -> tuple[str, str]:
    """The output's and the input's words of the one contradiction found."""
    found = [f for f in findings(rule, context, output) if f.relation == "contradicted"]
    assert len(found) == 1, [f.message for f in found]
    return said(output, found[0].span), said(context, found[0].context_span)


# --- past vs current: a period of life dates the event ----------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "expected"),
    [
        (
            "Doctor: Have you ever had TB?\nPatient: Yes, when I was a boy, back home. I had "
            "six months of tablets.",
            "Active TB, on treatment.",
            ("Active", "when I was a boy"),
        ),
        (
            "Doctor: Have you ever had seizures?\nPatient: As a kid, yeah. Nothing since.",
            "Epilepsy with ongoing seizures.",
            ("ongoing", "As a kid"),
        ),
        (
            "In her early twenties she had anorexia nervosa, treated as an inpatient.",
            "Active anorexia nervosa.",
            ("Active", "In her early twenties"),
        ),
    ],
)
def test_a_period_of_life_makes_an_illness_past(rule, context, output, expected) -> None:
    assert clash(rule, context, output) == expected


def test_an_illness_of_now_is_no_past_one(rule) -> None:
    # control: the period of life is about another illness than the current one
    context = "As a kid she had asthma. Now she has active eczema on both hands."
    assert findings(rule, context, "Active eczema of both hands.") == []


# --- past vs current: a habit given up --------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "expected"),
    [
        (
            "She smoked 15 a day for twenty years and stopped in 2016.",
            "Current smoker (15/d x20 y).",
            ("Current", "stopped in"),
        ),
        (
            "Doctor: smoking\nPatient: I quit ten years ago, I smoked a pack a day for twenty "
            "years",
            "Current smoker (1 pack/day for 20 years).",
            ("Current", "quit"),
        ),
    ],
)
def test_a_habit_given_up_is_no_current_one(rule, context, output, expected) -> None:
    assert clash(rule, context, output) == expected


def test_a_habit_given_up_agrees_with_a_former_one(rule) -> None:
    context = "She smoked 15 a day for twenty years and stopped in 2016."
    assert findings(rule, context, "Ex-smoker (15/d x20 y), quit 2016.") == []


def test_an_empty_phrase_reads_its_clause_only_for_the_past(rule) -> None:
    # control: "is booked" for Monday says nothing of the palliative dose given today, and a
    # planned or done marker keeps its own phrase as its event
    context = "Palliative radiotherapy to T10, 8 Gy in a single fraction, is booked for Monday."
    output = "Palliative RT to T10 8 Gy x1 booked for Monday."
    assert findings(rule, context, output) == []


# --- done vs planned: a test put off or only intended -----------------------------------------


@pytest.mark.parametrize(
    ("context", "output", "expected"),
    [
        (
            "Flexible cystoscopy was not possible today because the list overran; it has "
            "been rebooked for next Friday.",
            "Flexi cystoscopy done today.",
            ("done today", "was not possible"),
        ),
        (
            "Doctor: I can hear a murmur. I'm going to request an echocardiogram.",
            "Murmur. Plan: echo done - awaiting formal report.",
            ("done", "going to request"),
        ),
    ],
)
def test_a_test_put_off_or_intended_is_not_done(rule, context, output, expected) -> None:
    assert clash(rule, context, output) == expected


def test_a_test_put_off_agrees_with_a_plan(rule) -> None:
    context = (
        "Flexible cystoscopy was not possible today because the list overran; it has been "
        "rebooked for next Friday."
    )
    assert findings(rule, context, "Flexi cystoscopy rebooked for next Fri.") == []


def test_a_dose_none_was_given_is_not_given(rule) -> None:
    # "none given today" is not a done event: the output deferring them agrees
    context = "Nurse: With a fever we'll postpone today's vaccines - none given today - and rebook."
    output = "All vaccines deferred today - rebooked in 2/52."
    assert findings(rule, context, output) == []


# --- medication actions: a dose still to be given ---------------------------------------------


def test_a_drug_that_can_be_started_later_was_not_given(rule) -> None:
    context = "Send him to the ED. Prednisone 40 and doxycycline can be started there."
    found = [f for f in findings(rule, context, "Doxycycline given in office.") if f.risk >= 3]
    assert len(found) == 1
    assert said("Doxycycline given in office.", found[0].span) == "given"
    assert said(context, found[0].context_span) == "started"


def test_a_drug_to_be_given_agrees_with_a_plan_to_give_it(rule) -> None:
    # control: the output keeps the plan
    context = "Send him to the ED. Prednisone 40 and doxycycline can be started there."
    assert findings(rule, context, "Doxycycline to be given in the ED.") == []


def test_a_drug_given_is_still_given(rule) -> None:
    # control: a dose given in the input agrees with one given in the output
    context = "I gave a dose of doxycycline in the office."
    assert findings(rule, context, "Doxycycline given in office.") == []


# --- done vs planned: a result stated is a test done ------------------------------------------


def test_a_result_of_a_pending_test_is_invented(rule) -> None:
    context = "Labs potassium 3.3, aldosterone to renin ratio pending, urinalysis normal."
    output = "K 3.3. UA normal. Aldosterone/renin ratio normal."
    found = [f for f in findings(rule, context, output) if f.relation == "contradicted"]
    assert len(found) == 1 and found[0].span is not None
    assert found[0].span[0] == output.rindex("normal")  # the ratio's, not the urinalysis's
    assert said(context, found[0].context_span) == "pending"


def test_a_result_the_input_reports_agrees(rule) -> None:
    # control: the input gives the result of the test it had pending before
    context = (
        "Aldosterone to renin ratio pending on Monday; aldosterone to renin ratio normal today."
    )
    assert findings(rule, context, "Aldosterone/renin ratio normal.") == []
