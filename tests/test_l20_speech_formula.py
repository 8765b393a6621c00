"""A negated verb of knowing, saying or remembering whose clause ends at a comma or "but" ("I
won't lie, ...", "I can't remember, ...", "not gonna lie, ...") is a formula of speech: it
denies nothing after its clause. A reply "I don't know." is no answer either way: what was asked
stays open, not denied. Session 20 (helper K); own sentences.

Controls failed before the reading; a true error of the same shape is still caught.
"""

from __future__ import annotations

from medfact.testing import context_polarity as _polarity
from medfact.testing import run_rule

CRUSHING = (
    "Doctor: How are you feeling today?\n"
    "Patient: I won't lie, the chest pain has been crushing since this morning and it goes "
    "into my left arm."
)


def _messages(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context)]


def test_what_follows_a_speech_formula_is_affirmed() -> None:
    assert _polarity(CRUSHING, "pain") == "affirmed"
    assert _polarity("Patient: Not gonna lie, the cramps are terrible.", "cramps") == "affirmed"
    said = "Patient: I can't remember, the swelling came up on Friday."
    assert _polarity(said, "swelling") == "affirmed"
    assert _polarity("Patient: I don't really know, my ankle just gave way.", "ankle") == (
        "affirmed"
    )
    # a transcript's split clitic reads the same
    assert _polarity("Patient: i do n't know , the itch is worse .", "itch") == "affirmed"


def test_the_formula_verb_itself_stays_denied() -> None:
    assert _polarity(CRUSHING, "lie") == "negated"


def test_a_verb_with_an_object_still_denies_it() -> None:
    assert _polarity("Patient: I don't remember any dizziness before it.", "dizziness") == (
        "negated"
    )
    assert _polarity("Patient: I can't recall a rash at all.", "rash") == "negated"


def test_a_denial_of_what_the_patient_told_after_the_formula_is_caught() -> None:
    messages = _messages("negation.v1", "Denies chest pain.", CRUSHING)
    assert any("'chest'" in m and "present in the input" in m for m in messages)


def test_the_faithful_summary_stays_clear() -> None:
    output = "Crushing chest pain since this morning, radiating to the left arm."
    assert not _messages("negation.v1", output, CRUSHING)


FALL = (
    "Doctor: Did you black out before you fell?\n"
    "Patient: I don't know.\n"
    "Doctor: Okay, and did you hit your head?\n"
    "Patient: Yes, on the door frame."
)
FALL_DENIED = FALL.replace("I don't know.", "No.")


def test_i_dont_know_leaves_the_question_open() -> None:
    assert _polarity(FALL, "black") == "asked"


def test_an_unsure_answer_told_as_unsure_is_clear() -> None:
    for output in (
        "Unsure whether she blacked out. Hit head on door frame.",
        "Possible blackout before the fall. Hit head on door frame.",
    ):
        assert not _messages("negation.v1", output, FALL)


def test_a_plain_no_still_denies_and_its_affirmation_is_caught() -> None:
    assert _polarity(FALL_DENIED, "black") == "negated"
    output = "Blacked out before the fall. Hit head on door frame."
    assert any("denied or absent" in m for m in _messages("negation.v1", output, FALL_DENIED))


def test_a_soft_no_is_still_a_no() -> None:
    asked = "Doctor: Any allergies?\nPatient: {}"
    assert _polarity(asked.format("No, I don't think so."), "allergies") == "negated"
    assert _polarity(asked.format("I don't know of any."), "allergies") == "negated"


def test_not_sure_with_a_degree_hedges_as_not_sure_does() -> None:
    said = "Patient: I'm not quite sure, the swelling started on Friday."
    assert _polarity(said, "swelling") == "uncertain"
    assert _polarity(said.replace("not quite sure", "not sure"), "swelling") == "uncertain"


def test_not_really_without_sure_still_denies() -> None:
    assert _polarity("Patient: I'm not really in pain now.", "pain") == "negated"


ASTHMA_UNSURE = (
    "Doctor: Have you ever been told you have asthma?\n"
    "Patient: I don't know.\n"
    "Doctor: Do you use an inhaler?\n"
    "Patient: Yes, a blue one."
)


def test_an_unsure_answer_told_as_found_or_as_denied_is_caught() -> None:
    stated = _messages("certainty.v1", "Asthma. Uses a blue inhaler.", ASTHMA_UNSURE)
    assert any("only suggests" in m for m in stated)
    denied = _messages("certainty.v1", "No asthma. Uses a blue inhaler.", ASTHMA_UNSURE)
    assert any("leaves it open" in m for m in denied)
