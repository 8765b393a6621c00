"""Session 13, helper C: facts compared with the right input mention (issue 13), each reading
with a control that still differs."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.compare import RULE, CompareStage
from medfact.pipeline import cached_engine
from medfact.testing import analysed, run_rule

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _compared(output: str, context: str) -> list[str]:
    """Messages of compare.v1's findings for the pair."""
    engine = cached_engine(_CONFIG)
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f.message for f in doc.findings if f.rule == RULE]


def _risky(rule: str, output: str, context: str) -> list[str]:
    """Messages of the rule's findings at risk 3 or more."""
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


# --- a frequency is the rate of the check named before it -----------------------------------------
_CHECKS = "Plan: reduce {drug} by 2.5 mg a fortnight, continue azathioprine, bloods every 2 months."


def test_a_checks_rate_is_not_the_drugs() -> None:
    out = "Taper 2.5 mg q2wk; aza continues; bloods q2 months."
    ctx = _CHECKS.format(drug="prednisolone")
    assert not [m for m in _compared("Pred 10 mg once daily, taper.", ctx) if "frequency" in m]
    assert not [m for m in _compared(out, ctx) if "frequency" in m]


def test_a_changed_check_rate_still_differs() -> None:
    # control: the bloods' own rate changed
    found = _compared("Bloods every 2 weeks.", _CHECKS.format(drug="prednisolone"))
    assert any("frequency" in m for m in found)


def test_a_drugs_rate_after_a_comma_is_still_the_drugs() -> None:
    # control: "two tablets" after the comma is the dose, not another item
    ctx = "Paracetamol 500 mg, two tablets every 6 hours when needed."
    assert any("frequency" in m for m in _compared("Paracetamol 1 g every 2 hours.", ctx))


# --- a different time of day is a different statement ---------------------------------------------
_MISSED = (
    "Nurse: Did you take your insulin this morning?\n"
    "Patient: No, I forgot. I only took the night one yesterday.\n"
    "Nurse: So no insulin this morning."
)


def test_a_dose_at_another_time_is_not_denied() -> None:
    out = "Missed this morning's insulin; took the bedtime insulin last night."
    assert not [m for m in _compared(out, _MISSED) if "polarity" in m]


def test_a_dose_at_the_same_time_is_still_denied() -> None:
    # control: the morning's insulin written as taken
    found = _compared("Took insulin this morning.", _MISSED) + _risky(
        "negation.v1", "Took insulin this morning.", _MISSED
    )
    assert found


# --- RT is radiotherapy before a referral, a course or a dose -------------------------------------
_PALLIATIVE = "Pain in the left hip from a bone metastasis. Plan: radiotherapy to the left hip."


def test_rt_referral_is_radiotherapy_not_right() -> None:
    assert _risky("laterality.v1", "RT referral L hip.", _PALLIATIVE) == []
    assert _risky("laterality.v1", "Palliative RT L hip, 8 Gy.", _PALLIATIVE) == []


def test_a_right_hip_is_still_the_wrong_side() -> None:
    # control: "RT hip" with no treatment word is the right hip
    assert _risky("laterality.v1", "RT hip pain.", _PALLIATIVE)
    assert _risky("laterality.v1", "RT referral right hip.", _PALLIATIVE)


# --- a superseded code status is not the current one ----------------------------------------------
_DECIDED = (
    "Doctor: Last month you wanted everything done.\n"
    "Patient: I've thought again. If my heart stops, don't restart it.\n"
    "Doctor: So I'll record you as DNR."
)


def test_a_changed_earlier_order_is_not_the_current_one() -> None:
    for out in (
        "Has changed his earlier wish for full resuscitation; now DNR.",
        "Previously full code, now DNR.",
    ):
        assert not [m for m in _risky("entities.v1", out, _DECIDED) if "code status" in m]


def test_a_confirmed_earlier_order_is_still_read() -> None:
    # control: the earlier wish confirmed, or the change reversed
    for out in (
        "Confirms his earlier wish for full resuscitation.",
        "Has changed his earlier wish for DNR; now full code.",
    ):
        assert any("code status" in m for m in _risky("entities.v1", out, _DECIDED))


# --- an arrow after a drug is what the drug caused ------------------------------------------------
_REACTION = "Amoxicillin was stopped in 2019 after she developed hives and wheeze."


def test_a_drug_arrow_is_a_cause_not_an_order() -> None:
    out = "Allergy: amoxicillin -> hives, wheeze (2019)."
    assert not [m for m in _risky("temporal.v1", out, _REACTION) if "order" in m]


def test_an_arrow_between_events_is_still_an_order() -> None:
    # control: two events in an arrow told the other way round
    ctx = "The rash came first, and then the fever started two days later."
    assert any("order" in m for m in _risky("temporal.v1", "Fever -> rash.", ctx))


# --- a side taken back in the same turn, a side said without its part -----------------------------
_MUDDLED = (
    "Doctor: Which shoulder is the sore one?\n"
    "Patient: The left, definitely the left... no, sorry, I'm mixing them up. It's this one, the "
    "right. The left only clicks.\n"
    "Doctor: Does it wake you?\n"
    "Patient: Yes."
)


def test_a_side_taken_back_is_not_the_side_given() -> None:
    assert _risky("laterality.v1", "Right shoulder pain, waking at night.", _MUDDLED) == []


def test_the_side_taken_back_is_still_a_wrong_side() -> None:
    # control: the side the patient took back, written as the sore one
    assert _risky("laterality.v1", "Left shoulder pain, waking at night.", _MUDDLED)


_OTHER_ONE = (
    "Doctor: So it's the right hip you want me to look at?\n"
    "Patient: No, the other one. The right's the one they replaced. It's the left that's been "
    "aching."
)


def test_a_bare_side_with_the_same_content_supports_the_side() -> None:
    out = "Left hip ache. Previous right hip replacement."
    assert _risky("laterality.v1", out, _OTHER_ONE) == []


def test_a_bare_side_with_other_content_does_not() -> None:
    # control: the ache given the replaced side; a side only asked about supports nothing
    assert _risky("laterality.v1", "Right hip ache.", _OTHER_ONE)


def test_a_retinal_side_is_the_eyes() -> None:
    ctx = "Patient: My right eye went dark from the top this morning, like a curtain."
    assert _risky("laterality.v1", "Impression: ?L retinal detachment.", ctx)
    assert _risky("laterality.v1", "Impression: ?R retinal detachment.", ctx) == []


# --- a side the window gives, without its part, to what the claim says ----------------------------
_KNUCKLES = (
    "Doctor: On exam the knuckles of the right hand are still swollen, the left is quiet. "
    "We'll keep the same dose."
)


def test_a_side_given_to_the_claims_word_is_no_swap() -> None:
    assert not [
        m for m in _compared("Exam: R MCPs swollen; L hand quiet.", _KNUCKLES) if "side" in m
    ]


def test_a_side_given_to_another_word_still_differs() -> None:
    # control: the left hand written as the swollen one
    found = _compared("Exam: L hand swollen.", _KNUCKLES)
    assert any("side" in m for m in found)


# --- code status in the words families use; a possible outcome is no order ------------------------
_NO_PUMPING = (
    "Daughter: He told his GP he didn't want the chest pumping, not at his age.\n"
    "Doctor: Mr Bell, is that still what you want?\n"
    "Patient: Yes. If my heart stops, let me go."
)


def test_lay_words_for_cpr_declined_are_a_dnr() -> None:
    assert not [
        m
        for m in _risky("entities.v1", "Pt does not want CPR: DNACPR.", _NO_PUMPING)
        if "code" in m
    ]
    # control: full code against the same words
    assert any("code status" in m for m in _risky("entities.v1", "For full CPR.", _NO_PUMPING))


_FOR_EVERYTHING = (
    "Doctor: CPR might not work with his lungs, and if it did he could be on a ventilator for a "
    "long time.\n"
    "Patient: I still want it.\n"
    "Doctor: Then he is for full resuscitation and intensive care."
)


def test_a_possible_ventilation_is_no_intubation_order() -> None:
    assert not [
        m for m in _risky("entities.v1", "For full CPR and ICU.", _FOR_EVERYTHING) if "code" in m
    ]
    # control: a DNI against the same conversation
    assert any("code status" in m for m in _risky("entities.v1", "DNR and DNI.", _FOR_EVERYTHING))


# --- a plan of another event that the output states as well ---------------------------------------
_VACCINES = (
    "He has had his hepatitis B and tetanus vaccines, and the pneumococcal vaccine is recommended."
)


def test_another_events_plan_is_no_rival() -> None:
    out = "Hep B + tetanus vaccines done; pneumococcal vaccine recommended."
    assert not [m for m in _risky("temporal.v1", out, _VACCINES) if "planned" in m]
    assert not [m for m in _compared(out, _VACCINES) if "status" in m]


def test_the_planned_event_written_as_done_still_differs() -> None:
    # control: the recommended vaccine written as given
    out = "Pneumococcal vaccine done."
    found = _risky("temporal.v1", out, _VACCINES) + _compared(out, _VACCINES)
    assert any("planned" in m for m in found)


_LINE = "Echo is booked for Monday. A PICC line is to be placed once the echo is reported."


def test_to_be_placed_is_a_plan() -> None:
    out = "Echo booked Mon; PICC once echo reported."
    assert not [m for m in _risky("temporal.v1", out, _LINE) if "planned" in m]
    # control: the plan written as done
    assert any("done" in m for m in _risky("temporal.v1", "Echo done Monday.", _LINE))


def test_the_other_clauses_done_is_the_inputs_done() -> None:
    ctx = (
        "Doctor: Which eye is the cataract operation on?\n"
        "Patient: My left eye, the right one was done last year."
    )
    out = "Cataract operation planned on the left eye; right eye done last year."
    assert not [m for m in _compared(out, ctx) if "status" in m]
    # control: the planned operation written as done
    planned = ctx.replace(
        "Which eye is the cataract operation on?",
        "The cataract operation is planned for your left eye next month.",
    )
    out = "Left eye cataract operation done."
    assert any(
        "planned" in m for m in _compared(out, planned) + _risky("temporal.v1", out, planned)
    )


# --- a relative who has been shown something has no condition -------------------------------------
def test_a_relative_shown_how_is_no_family_history() -> None:
    ctx = "Emergency glucagon kit supplied and his daughter shown how to use it. Insulin pen given."
    out = "You have a glucagon kit (your daughter has been shown how to use it) and an insulin pen."
    assert not [m for m in _compared(out, ctx) if "scope" in m]


def test_a_relative_diagnosed_is_still_family_history() -> None:
    # control: "has been diagnosed" is the relative's condition
    ctx = "He has type 2 diabetes."
    out = "His daughter has been diagnosed with type 2 diabetes."
    assert any("scope" in m for m in _compared(out, ctx))
