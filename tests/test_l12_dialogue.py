"""Session 12, dialogue answers (issue 13): what a speaker takes back or settles on in a
dialogue is read as the dialogue says, each reading with a control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.analysis import AFFIRMED, FAMILY
from medfact.testing import analysed, run_rule


def _token(context: str, word: str):
    ctx = analysed("Seen today.", context).context
    assert ctx is not None
    found = [t for t in ctx.tokens if t.text == word]
    assert found, f"{word!r} not among {[t.text for t in ctx.tokens]}"
    return found[0]


def _flagged(rule: str, output: str, context: str) -> list[str]:
    """The output spans ``rule`` flags at risk 3 or more."""
    return [
        output[f.span[0] : f.span[1]]
        for f in run_rule(rule, output, context)
        if f.span is not None and f.risk >= 3
    ]


_INHALER = (
    "Nurse: Do you use any inhalers?\n"
    "Patient: Yes, the salbutamol. No, sorry. That's my son's, he keeps it in my bag. "
    "I just have the nasal spray.\n"
    "Nurse: And the cut on your knee, how did that happen?\n"
    "Patient: Tripped on the kerb."
)


def test_a_thing_given_back_to_a_relative_is_the_relatives() -> None:
    tok = _token(_INHALER, "salbutamol")
    assert (tok.scope, tok.polarity) == (FAMILY, AFFIRMED)
    out = "Knee laceration after tripping on kerb. Meds: salbutamol inhaler, nasal spray."
    assert any("salbutamol" in span for span in _flagged("negation.v1", out, _INHALER))
    # control: kept as the patient's own when nothing gives it back
    own = _INHALER.replace("No, sorry. That's my son's, he keeps it in my bag. ", "")
    assert _token(own, "salbutamol").scope != FAMILY
    assert not any("salbutamol" in span for span in _flagged("negation.v1", out, own))


def test_a_take_back_inside_the_sentence_gives_what_came_before() -> None:
    ctx = (
        "Doctor: Any allergies?\n"
        "Patient: Yes, to aspirin... no, hang on, that's my wife. Mine is latex.\n"
        "Doctor: What happens with latex?\nPatient: Hives on my hands."
    )
    assert _token(ctx, "aspirin").scope == FAMILY
    # control: "that's my wife" with no take-back before it gives nothing back
    said = ctx.replace("no, hang on, that's my wife", "and that's my wife's too")
    assert _token(said, "aspirin").scope != FAMILY


def test_a_tag_question_given_back_to_a_relative_is_affirmed_for_the_relative() -> None:
    ctx = (
        "Doctor: Any problems with his heart or his circulation?\n"
        "Wife: Well... he had a stroke a few years back, didn't he? No, wait, that was his "
        "brother. He's never had anything like that.\n"
        "Doctor: Any diabetes?\nWife: No."
    )
    tok = _token(ctx, "stroke")
    assert (tok.scope, tok.polarity) == (FAMILY, AFFIRMED)
    # a source named with "per" is not whose it is: the stroke is still the patient's there
    out = "Per wife: previous stroke. No diabetes."
    assert any("stroke" in span for span in _flagged("negation.v1", out, ctx))
    # controls: the output that gives the stroke to the brother is left alone, and so is one
    # whose sentence is about a relative ("his brother's stroke, per wife")
    told = "Per wife: brother had a stroke; none for pt. No diabetes."
    assert not any("stroke" in span for span in _flagged("negation.v1", told, ctx))
    about = "Brother had a stroke, per wife. No diabetes."
    assert not any("stroke" in span for span in _flagged("negation.v1", about, ctx))


def test_a_count_settled_on_after_a_retraction_answers_the_question() -> None:
    ctx = (
        "Doctor: How many flights of stairs can you manage now?\n"
        "Patient: Three. Well... no, that's not right. One now.\n"
        "Doctor: Any chest pain on the stairs?\nPatient: No."
    )
    out = "Manages 3 flights of stairs. No exertional chest pain."
    assert any("3" in span for span in _flagged("numbers.v1", out, ctx))
    # control: the settled count written is left alone
    assert _flagged("numbers.v1", out.replace("3", "1"), ctx) == []


def test_a_count_of_something_else_or_the_earlier_count_is_not_compared() -> None:
    ctx = (
        "Doctor: How many pillows do you prop yourself up on?\n"
        "Patient: Two. Well... no, that's not right. Four now.\n"
        "Doctor: Since when?\nPatient: About a month."
    )
    assert _flagged("numbers.v1", "Props up on 2 pillows.", ctx) != []
    # "~1 mo" counts months, not pillows; "(previously 2)" is the count before the change
    assert _flagged("numbers.v1", "Props up on 4 pillows for ~1 mo.", ctx) == []
    assert _flagged("numbers.v1", "Props up on 4 pillows (previously 2).", ctx) == []


def test_bled_is_bleeding() -> None:
    ctx = (
        "Doctor: Tell me about the mole.\n"
        "Daughter: It's got bigger, and it bled onto his pillow on Sunday.\n"
        "Doctor: Any itch?\nPatient: No."
    )
    out = "Enlarging mole, no bleeding. No itch."
    assert any("bleeding" in span for span in _flagged("negation.v1", out, ctx))
    # control: an input that says it never bled agrees with the output
    never = ctx.replace("and it bled onto his pillow on Sunday", "but it has never bled")
    assert not any("bleeding" in span for span in _flagged("negation.v1", out, never))


def test_blood_in_the_wee_is_haematuria() -> None:
    ctx = (
        "Doctor: Any blood in your wee?\nPatient: No.\n"
        "Doctor: Any pain in your side?\nPatient: Yes, on the left."
    )
    out = "Left flank pain. Haematuria."
    assert any("haematuria" in span.lower() for span in _flagged("negation.v1", out, ctx))
    # control: the blood affirmed, the output agrees
    seen = ctx.replace(
        "Any blood in your wee?\nPatient: No.", "Any blood in your wee?\nPatient: Yes."
    )
    assert not any("haematuria" in span.lower() for span in _flagged("negation.v1", out, seen))


def test_worse_on_a_deep_breath_is_worse_on_inspiration() -> None:
    ctx = (
        "Doctor: Does the pain get worse when you take a deep breath?\nPatient: No.\n"
        "Doctor: And when you lie down?\nPatient: Yes, much worse."
    )
    out = "Chest pain worse on inspiration."
    assert any("inspiration" in span for span in _flagged("negation.v1", out, ctx))
    # control: the answer is yes
    yes = ctx.replace("deep breath?\nPatient: No.", "deep breath?\nPatient: Yes.")
    assert not any("inspiration" in span for span in _flagged("negation.v1", out, yes))


_STONE = (
    "Doctor: and the scan in the ED\n"
    "Patient: they said it was a six millimetre stone\n"
    "Wife: three millimetre, the report says three\n"
    "Doctor: okay any fever\nPatient: no"
)


def test_a_relatives_turn_is_a_sentence_of_its_own() -> None:
    ctx = analysed("Seen today.", _STONE).context
    assert ctx is not None
    assert [s.text.split(":")[0] for s in ctx.sentences[:3]] == ["Doctor", "Patient", "Wife"]
    # control: a note's own line that opens with a word and a colon is no turn
    note = analysed("Seen today.", "Plan: stone six millimetre\nrecheck in two weeks").context
    assert note is not None and len(note.sentences) == 1


def test_millimetres_in_words_are_a_length() -> None:
    ctx = analysed("Seen today.", "a six millimetre stone and a two centimetre cyst").context
    assert ctx is not None
    assert [(q.value, q.unit) for q in ctx.quantities] == [(6.0, "mm"), (2.0, "cm")]


def test_a_value_a_relative_corrects_at_once_is_taken_back() -> None:
    out = "CT: 6 mm distal ureteral stone. No fever."
    assert any("6 mm" in span for span in _flagged("numbers.v1", out, _STONE))
    assert _flagged("numbers.v1", out.replace("6 mm", "3 mm"), _STONE) == []
    # control: a relative who opens with the same value confirms it
    agreed = _STONE.replace("three millimetre, the report says three", "six millimetre, yes")
    assert _flagged("numbers.v1", out, agreed) == []
