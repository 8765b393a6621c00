"""Session 14, helper F3: what a "stop" or "start" is said of (issue 13). A stop whose object is
a test ("we'll stop the weekly blood tests") or that has no agent ("a nosebleed, stopped by
itself") stops no drug; a stop set for later ("stop it 5 days before the operation") leaves the
drug taken until then; an action inside a clause that times another ("once the insulin is
started") is no act on its drug, and a drug named there is not the object of the act before it.
Each with a control that is still found. Sentences written for these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.compare import RULE, CompareStage
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def temporal(output: str, context: str) -> list[str]:
    """temporal.v1's messages at risk 3 or more."""
    return [f.message for f in run_rule("temporal.v1", output, context) if f.risk >= 3]


def compared(output: str, context: str) -> list[str]:
    """compare.v1's messages at risk 3 or more."""
    doc = analysed(output, context)
    engine = cached_engine(_CONFIG)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f.message for f in doc.findings if f.rule == RULE and f.risk >= 3]


_TESTS_STOPPED = (
    "Doctor: He's comfortable now. We'll stop the routine blood tests since they won't change "
    "anything, but we'll keep going with the antibiotics for now.\n"
    "Son: That makes sense."
)


def test_stopping_tests_is_no_drug_stopped() -> None:
    assert not temporal(
        "Comfort focus. Continue IV antibiotics for now; no further bloods.", _TESTS_STOPPED
    )
    # control: a stop of the antibiotics themselves is still read
    ctx = "Doctor: We'll stop the antibiotics now.\nSon: Okay."
    assert temporal("Continue IV antibiotics.", ctx)


_BLEED = (
    "Doctor: Any problems with the apixaban?\n"
    "Patient: A gum bleed once, stopped by itself.\n"
    "Doctor: Good."
)


def test_an_event_that_stopped_by_itself_stops_no_drug() -> None:
    assert not temporal("Minor gum bleed, self-limiting. Plan: continue apixaban.", _BLEED)
    # control: the drug stopped by the patient is still read
    ctx = "Doctor: Any problems with the apixaban?\nPatient: My gums bled so I stopped it.\n"
    assert temporal("Plan: continue apixaban.", ctx)


_PRE_OP = (
    "Meds: warfarin 3 mg OD, bisoprolol 2.5 mg OD.\n"
    "Plan: stop warfarin 5 days before surgery, last dose on the 2nd; bridging not needed."
)


def test_a_stop_set_for_later_leaves_the_drug_listed() -> None:
    out = "Medications: warfarin 3 mg OD, bisoprolol 2.5 mg OD.\nPeri-op: warfarin last dose 2nd."
    assert not temporal(out, _PRE_OP)
    # control: a drug only ever stopped, listed as taken, is still found
    ctx = "Meds: bisoprolol 2.5 mg OD.\nWarfarin was stopped last year after a bleed."
    assert temporal("Medications: warfarin 3 mg OD, bisoprolol 2.5 mg OD.", ctx)


_SWITCH = (
    "Doctor: We'll begin the insulin at night. The sitagliptin, I want you to stop that when the "
    "insulin is started, so you don't go too low.\n"
    "Patient: Right."
)


def test_an_action_timing_another_is_no_act_on_its_drug() -> None:
    out = "Start basal insulin ON. Stop sitagliptin once insulin started."
    assert not compared(out, _SWITCH)
    # control: the drug to be stopped written as started is still found
    out = "Start basal insulin ON. Start sitagliptin."
    assert compared(out, _SWITCH)


def test_a_drug_decided_against_is_not_listed_as_taken() -> None:
    ctx = "Doctor: We'll stop the drip antibiotics and keep him comfortable.\nSon: Yes."
    out = "Family meeting: further IV antibiotics not felt to be of benefit; comfort care."
    assert not temporal(out, ctx)
    # control: the same drug written as going on is still found
    assert temporal("Family meeting: continue IV antibiotics; comfort care.", ctx)


def test_an_action_with_its_own_unnamed_subject_is_not_the_drug_befores() -> None:
    ctx = "ECG: peaked T waves. Calcium gluconate given, ramipril and spironolactone held."
    out = "Peaked T waves. Ca gluconate given, ACEi + spiro held."
    assert not temporal(out, ctx)
    # control: the drug given written as held is still found
    assert temporal("Peaked T waves. Calcium gluconate held.", ctx)


def test_compare_reads_the_unnamed_subject_too() -> None:
    ctx = "ECG: peaked T waves. Calcium gluconate given, ramipril and spironolactone held."
    assert not compared("Peaked T waves. Ca gluconate given, ACEi + spiro held.", ctx)
    assert compared("Peaked T waves. Calcium gluconate held.", ctx)  # control
