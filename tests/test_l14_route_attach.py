"""Session 14, helper F3: which drug a route word is said of (issue 13). A route word with no
drug in its sentence takes the drug of the sentence before only where it names no item of its
own: not "IV abx" or "until oral intake improves" (a word it qualifies), not "Oh, and I've got
the inhaler" (a sentence adding an item). A drug given by two routes, one said loosely beside
its name ("sixty by mouth a day ... of morphine"), agrees with either. Each with a control that
is still found. Sentences written for these tests."""

from __future__ import annotations

from medfact.testing import run_rule


def routes(output: str, context: str) -> list[str]:
    """route.v1's messages at risk 3 or more."""
    return [f.message for f in run_rule("route.v1", output, context) if f.risk >= 3]


_POST_OP = (
    "Day 2 after bowel resection. Dalteparin 5000 units SC given at 18:00.\n"
    "Plan: keep IV fluids at 100 mL/h until oral intake is better; remove the catheter tomorrow."
)


def test_route_word_qualifying_a_noun_is_no_drugs_route() -> None:
    out = "Dalteparin 5000 units SC at 1800.\nPlan: IVF 100 mL/h until oral intake better."
    assert not routes(out, _POST_OP)
    # control: the drug's own route changed is still found
    out = "Dalteparin 5000 units IV at 1800.\nPlan: IVF 100 mL/h until oral intake better."
    assert routes(out, _POST_OP)


_DNACPR = (
    "Mrs Quayle, 91, admitted with urosepsis. Co-amoxiclav IV day 1. Levothyroxine via PEG.\n"
    "Not for CPR, discussed with son. Ward-based treatment including IV antibiotics."
)


def test_one_word_route_before_a_class_word_is_not_the_drug_before() -> None:
    out = "Levothyroxine via PEG. DNACPR. Ward-level care incl. IV abx, not for HDU."
    assert not routes(out, _DNACPR)
    # control: the drug named with the route is still compared
    out = "Levothyroxine IV. DNACPR. Ward-level care incl. IV abx, not for HDU."
    assert routes(out, _DNACPR)


_MED_REVIEW = (
    "Pharmacist: And the omeprazole?\n"
    "Patient: Twenty, first thing in the morning.\n"
    "Patient: Oh, and I've got an inhaler too, the brown one, two puffs at night."
)


def test_a_sentence_adding_an_item_is_not_the_drug_before() -> None:
    assert not routes("Omeprazole 20 mg PO OM. Beclometasone inhaler 2 puffs ON.", _MED_REVIEW)
    # control: a route said of the drug in the answer itself is still read
    ctx = "Pharmacist: And the omeprazole?\nPatient: Twenty, I take it as an injection."
    assert routes("Omeprazole 20 mg PO OM.", ctx)


_DRIVER = (
    "Doctor: She can't swallow the tablets any more, so we'll give the oxycodone under the "
    "skin with a syringe driver.\n"
    "Daughter: What dose is that?\n"
    "Doctor: Let me check the chart.\n"
    "Daughter: Take your time.\n"
    "Doctor: She's on fifteen milligrams of the slow-release twice a day, that's thirty by mouth "
    "a day, so about fifteen milligrams of oxycodone in the driver over the day."
)


def test_a_second_route_said_beside_the_drug_agrees() -> None:
    out = "Convert oxycodone MR 15 mg BD (30 mg/24 h PO) to oxycodone 15 mg/24 h SC via driver."
    assert not routes(out, _DRIVER)
    # control: a route the input gives in no sentence of the drug is still found
    out = "Convert oxycodone MR 15 mg BD to oxycodone 15 mg/24 h IV via driver."
    assert routes(out, _DRIVER)


def test_an_injection_named_by_its_route_is_that_route() -> None:
    ctx = "Discharge: tinzaparin 4500 units by subcutaneous injection once daily for 28 days."
    # the named route is the injection's: another needle route is a change
    assert routes("Tinzaparin 4500 units IV OD x28 days.", ctx)
    # control: the same route, and a plain injection, still agree
    assert not routes("Tinzaparin 4500 units SC OD x28 days.", ctx)
    assert not routes("Tinzaparin 4500 units OD x28 days.", "Tinzaparin injection daily.")


def test_calcium_gluconate_written_short_is_read() -> None:
    ctx = "K 6.9 with peaked T waves: 10 mL 10% calcium gluconate IV given over 10 minutes."
    assert routes("K 6.9, peaked T waves: 10 mL 10% Ca gluconate IM given.", ctx)
    assert not routes("K 6.9, peaked T waves: 10 mL 10% Ca gluconate IV given.", ctx)
