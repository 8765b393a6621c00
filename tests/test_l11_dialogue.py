"""Session 11, dialogue answers (issue 13): a question and its answer are one statement, each
reading with a control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.analysis import AFFIRMED, NEGATED
from medfact.testing import analysed, run_rule


def _polarity(context: str, word: str, nth: int = 0) -> str:
    ctx = analysed("Seen today.", context).context
    assert ctx is not None
    found = [t for t in ctx.tokens if t.text == word]
    assert len(found) > nth, f"{word!r} not among {[t.text for t in ctx.tokens]}"
    return found[nth].polarity


def _flips(output: str, context: str) -> list[str]:
    """The output words negation.v1 finds flipped against the input."""
    return [
        output[f.span[0] : f.span[1]]
        for f in run_rule("negation.v1", output, context)
        if f.span is not None and f.risk >= 3
    ]


def test_contact_lens_and_lenses_are_one_word() -> None:
    ctx = (
        "Doctor: How long has the eye been red?\nPatient: Since Sunday.\n"
        "Doctor: Do you wear contact lenses?\nPatient: Um... yeah. Monthlies.\n"
        "Doctor: Any discharge?\nPatient: A bit in the mornings."
    )
    assert any("lens" in span for span in _flips("Red eye since Sunday. No contact lens use.", ctx))
    # control: the lenses denied, the denial stands
    denied = ctx.replace("Um... yeah. Monthlies.", "No, never.")
    assert _flips("Red eye since Sunday. No contact lens use.", denied) == []


def test_low_sugars_asked_in_lay_words_are_hypoglycaemia() -> None:
    ctx = (
        "Doctor: Any low sugars on the insulin?\nPatient: Yes, twice last month, I was shaky.\n"
        "Doctor: And you drive for work?\nPatient: Delivery van."
    )
    out = "On insulin; van driver. No hypoglycaemia."
    assert any("hypoglycaemia" in span for span in _flips(out, ctx))
    denied = ctx.replace("Yes, twice last month, I was shaky.", "No, none.")
    assert not any("hypoglycaemia" in span for span in _flips(out, denied))


def test_an_answer_after_a_silence_answers_the_question() -> None:
    ctx = (
        "Doctor: And yourself? Any thoughts of ending your life?\nPatient: ...\n"
        "Doctor: Take your time.\nPatient: At night, sometimes. Not like a plan.\n"
        "Doctor: Have you thought about how?\nPatient: No."
    )
    assert _polarity(ctx, "ending") == AFFIRMED
    assert any("suicidal" in span for span in _flips("Denies suicidal ideation.", ctx))
    # control: after the silence the answer is no
    denied = ctx.replace("At night, sometimes. Not like a plan.", "No. Never.")
    assert _polarity(denied, "ending") == NEGATED
    assert _flips("Denies suicidal ideation.", denied) == []


def test_a_question_pointing_back_asks_the_statement_before_it() -> None:
    ctx = (
        "Clinician: Some people feeling this low have thoughts of ending their life. "
        "Have you had thoughts like that?\nPatient: No. Never.\n"
        "Clinician: Is there anything that's stopping you?\nPatient: My little brother."
    )
    assert _polarity(ctx, "ending") == NEGATED
    assert _flips("Denies suicidal thoughts.", ctx) == []
    affirmed = ctx.replace("No. Never.", "Sometimes. Yeah.")
    assert _polarity(affirmed, "ending") == AFFIRMED
    assert any("suicidal" in span for span in _flips("Denies suicidal thoughts.", affirmed))
    # control: "anything like that?" closes its own list; the statement before it stands
    listed = (
        "[doctor] i know you were talking about some nasal congestion . do you have any other "
        "symptoms , chest pain , nausea , anything like that ?\n[patient] no ."
    )
    assert _polarity(listed, "congestion") == AFFIRMED


def test_going_back_to_your_question_answers_the_question_denied_before() -> None:
    ctx = (
        "Doctor: Have you had any blood in your urine?\nPatient: Not that I've noticed...\n"
        "Doctor: Okay. Any pain passing it?\nPatient: Yes, it stings. Oh, and sorry, going back "
        "to your question, it was pinkish yesterday, I remember now.\n"
        "Doctor: Any pain in your back or sides?\nPatient: No."
    )
    out = "Dysuria. No haematuria. No loin pain."
    assert any("haematuria" in span for span in _flips(out, ctx))
    # control: without the return to the question the denial stands
    kept = ctx.replace(
        " Oh, and sorry, going back to your question, it was pinkish yesterday, I remember now.",
        "",
    )
    assert _flips(out, kept) == []
