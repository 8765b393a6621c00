"""Session 19 (helper D): temporal.v1 reads a drug's action and a time the way notes and talk
give them. "Keep the X" continues X (only when X is its object), a verb's object after it wins
over a drug ending nearer before it, a generic subject ("oral meds stopped") is not the drug
named before, a stop set for when another drug starts leaves the drug taken till then,
"midnight" is 00:00, and "the current episodes" name the visit's events. Each with a true
error of the same shape still caught. Sentences written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import run_rule


def _found(output: str, context: str) -> list[str]:
    """temporal.v1's messages at risk 3 or more."""
    return [f.message for f in run_rule("temporal.v1", output, context) if f.risk >= 3]


_KEEP = (
    "Doctor: Your liver test is a bit up since we started the azathioprine last spring. "
    "I'd like to keep the azathioprine at the same dose and recheck in a month."
)


def test_keep_the_drug_continues_it() -> None:
    assert _found("Plan: continue azathioprine, same dose; LFTs in 1/12.", _KEEP) == []


def test_a_start_against_keep_is_still_caught() -> None:
    context = "Doctor: I'd like to keep the azathioprine at the same dose and recheck in a month."
    assert _found("Plan: start azathioprine; LFTs in 1/12.", context)


def test_keep_without_the_drug_as_object_continues_nothing() -> None:
    context = "Doctor: Let's try nortriptyline 10 mg at night, and keep a sleep diary."
    assert _found("Plan: start nortriptyline 10 mg nocte; sleep diary.", context) == []


_OBJECT = (
    "Doctor: These two both lower the pressure on standing. I'll stop the prazosin and keep "
    "the finasteride. The urologist added the finasteride in the autumn."
)


def test_the_object_after_the_verb_is_what_is_kept() -> None:
    assert _found("Stop prazosin; continue finasteride.", _OBJECT) == []


def test_continuing_the_stopped_drug_is_still_caught() -> None:
    assert _found("Continue prazosin and finasteride.", _OBJECT)


_GENERIC = (
    "Syringe driver over 24 h: oxycodone 10 mg and haloperidol 1.5 mg. Oral medications "
    "stopped yesterday as he can no longer swallow."
)


def test_a_generic_subject_is_not_the_drug_named_before() -> None:
    out = "Driver: oxycodone 10 mg, haloperidol 1.5 mg /24 h. Nil by mouth."
    assert _found(out, _GENERIC) == []


def test_a_drug_stopped_by_name_and_listed_is_still_caught() -> None:
    context = "Syringe driver: oxycodone 10 mg. Haloperidol stopped yesterday (rigidity)."
    assert _found("Driver: oxycodone 10 mg and haloperidol 1.5 mg /24 h.", context)


_TIMED = (
    "Plan: clopidogrel 75 mg daily from today. Warfarin from day 3; stop clopidogrel once "
    "warfarin is started."
)


def test_a_stop_when_another_drug_starts_leaves_it_taken() -> None:
    assert _found("Clopidogrel 75 mg OD from today; warfarin from D3.", _TIMED) == []


def test_a_past_stop_when_another_started_still_counts() -> None:
    context = "Patient: I came off the clopidogrel when they started the warfarin."
    assert _found("Meds: clopidogrel 75 mg OD, warfarin.", context)


_CLOCK = "Night plan: heparin level at 20:00 was high, rate reduced. Next level due at midnight."


def test_midnight_is_the_clock_time_00_00() -> None:
    assert _found("Heparin level high at 20:00, rate reduced. Next level 00:00.", _CLOCK) == []


def test_another_clock_time_is_still_caught() -> None:
    assert _found("Heparin level high at 22:00, rate reduced. Next level 00:00.", _CLOCK)


_EPISODES = (
    "She has a history of epilepsy with absences since childhood, but these episodes are different."
)


def test_the_current_episodes_name_the_visits_events() -> None:
    out = "Background: epilepsy with absences since childhood (current episodes differ)."
    assert _found(out, _EPISODES) == []


def test_a_past_condition_called_current_is_still_caught() -> None:
    context = "She has a history of asthma as a child, none since."
    assert _found("Current asthma.", context)


def test_the_current_pattern_is_the_visits_too() -> None:
    context = "Patient: I had bad eczema as a child but this rash is different."
    out = "Childhood eczema; current pattern different."
    assert _found(out, context) == []
