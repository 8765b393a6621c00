"""Session 16 (helper RB2): temporal.v1 on real notes: "the repeated chest infections" names a
recurrence, not a test done again; a sentence that tells of now ("at present", "right now")
does not give a thing as over because it also says what the patient used to do."""

from medfact.testing import run_rule


def _messages(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("temporal.v1", output, context) if f.risk >= 3]


_INFECTIONS = (
    "Doctor: How often do you get chest infections? Patient: Three or four a winter. "
    "Doctor: Any family history or other cause for repeated chest infections? "
    "Patient: Not that I know."
)


def test_a_recurrence_named_repeated_is_no_test_done() -> None:
    out = "No known inherited condition or other cause for the repeated chest infections."
    assert _messages(out, _INFECTIONS) == []


def test_a_test_repeated_where_the_input_plans_it_is_still_caught() -> None:
    ctx = "Doctor: We will repeat the echocardiogram next month to check the valve."
    assert any("planned" in m for m in _messages("Echocardiogram repeated.", ctx))


def test_a_sentence_telling_of_now_is_not_wholly_past() -> None:
    ctx = (
        "Doctor: Are you working? Patient: At present I can't, because of my disability, but I "
        "used to drive a bus."
    )
    assert _messages("Formerly a bus driver, currently on disability.", ctx) == []


def test_a_thing_the_input_gives_as_over_is_still_caught() -> None:
    ctx = "Doctor: Any regular medicines? Patient: I used to be on methadone, but I stopped it."
    assert any("current vs past" in m for m in _messages("He is currently on methadone.", ctx))


_SINCE = "Doctor: How long has your knee hurt? Patient: I'm forty now, and it has hurt since I was "


def test_a_period_of_life_after_since_is_an_onset() -> None:
    assert _messages("He continues to have knee pain.", _SINCE + "in my twenties.") == []


def test_a_period_of_life_that_ended_is_still_caught() -> None:
    ctx = "Patient: My knee hurt in my twenties, but that settled completely years ago."
    assert any("current vs past" in m for m in _messages("He continues to have knee pain.", ctx))
