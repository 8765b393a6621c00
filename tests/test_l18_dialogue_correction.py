"""Session 18 (helper D2): an answer a dialogue settles later. A denial the speaker owns to be
wrong when a relative tells otherwise ("Any X? - No. - Wife: you had X. - Oh. Yes, sorry."),
and a turn that ends with a short follow-up rewording its question ("Any X at all? Y?"), are
read as the answers they are; the output's denial of what the dialogue settles as present is
caught."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine
from medfact.testing import analysed


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return result.risk_level


def _polarity(context: str, word: str, output: str = "Seen today.") -> set[str]:
    doc = analysed(output, context).context
    assert doc is not None
    return {t.polarity for t in doc.tokens if t.text == word}


_OWNED = (
    "Doctor: Have you had any chest pain lately?\n"
    "Patient: No, nothing like that.\n"
    "Doctor: And your breathing?\n"
    "Patient: Fine.\n"
    "Wife: You had chest pain walking the dog on Saturday, you sat on the wall.\n"
    "Patient: Oh. Yes, sorry, I'd forgotten that one. It went after a few minutes.\n"
)


def test_a_denial_owned_to_be_wrong_is_a_yes() -> None:
    assert _polarity(_OWNED, "chest") == {"affirmed"}


def test_the_output_keeping_the_owned_denial_is_caught() -> None:
    assert _risk("Denies chest pain. Breathing fine.", _OWNED) >= 3


def test_the_output_with_the_settled_answer_is_left_alone() -> None:
    assert _risk("Chest pain on Saturday walking the dog, lasting a few minutes.", _OWNED) <= 2


_AGREES_WITH_A_NO = (
    "Doctor: Have you had any chest pain lately?\n"
    "Patient: No, nothing like that.\n"
    "Wife: He hasn't had any chest pain, he's been very well.\n"
    "Patient: Yes, that's right.\n"
)


def test_agreeing_with_a_relatives_denial_takes_nothing_back() -> None:
    assert _polarity(_AGREES_WITH_A_NO, "chest") == {"negated"}
    assert _risk("Denies chest pain.", _AGREES_WITH_A_NO) <= 2


_AGREES_WITH_A_CLINICIAN = (
    "Doctor: Have you had any chest pain lately?\n"
    "Patient: No.\n"
    "Doctor: So you walk the dog every day.\n"
    "Patient: Yes, that's right.\n"
)


def test_agreeing_with_a_clinician_takes_nothing_back() -> None:
    assert _polarity(_AGREES_WITH_A_CLINICIAN, "chest") == {"negated"}


_FOLLOW_UP = (
    "Nurse: Have you had any palpitations since the new tablets? Racing heart?\n"
    "Patient: Um, yes, a couple of evenings.\n"
)


def test_a_short_follow_up_shares_the_answer() -> None:
    assert _polarity(_FOLLOW_UP, "palpitations") == {"affirmed"}


def test_the_output_denying_what_the_follow_up_answer_affirms_is_caught() -> None:
    assert _risk("No palpitations on the new tablets.", _FOLLOW_UP) >= 3


_OWN_QUESTION = (
    "Nurse: Have you had any palpitations since the new tablets? Did you sleep?\n"
    "Patient: Yes, fine.\n"
)


def test_a_follow_up_that_asks_its_own_question_answers_only_itself() -> None:
    assert _polarity(_OWN_QUESTION, "palpitations") == {"asked"}


_OPEN_THEN_FRAGMENT = (
    "Doctor: How about your parents? Any heart trouble?\n"
    "Patient: No, my father has diabetes though.\n"
)


def test_a_follow_up_after_an_open_question_leaves_the_open_one_unanswered() -> None:
    assert _polarity(_OPEN_THEN_FRAGMENT, "parents") != {"negated"}


_ABROAD = (
    "Doctor: Have you been abroad at all this year?\n"
    "Patient: No, we stayed put.\n"
    "Doctor: And the cough, how long?\n"
    "Patient: A fortnight.\n"
    "Husband: We went to Portugal in August, love, for the christening.\n"
    "Patient: Oh. Yes, sorry, I'd forgotten that.\n"
)


def _rule_messages(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "takenback.v1"]


def test_an_output_keeping_a_taken_back_denial_of_an_ordinary_word_is_caught() -> None:
    assert _rule_messages("Cough for two weeks. Not abroad this year.", _ABROAD)
    assert _risk("Cough for two weeks. Not abroad this year.", _ABROAD) >= 3


def test_an_output_telling_the_correction_is_left_alone() -> None:
    output = "Cough for two weeks. Abroad in August (Portugal); at first denied, not abroad."
    assert _rule_messages(output, _ABROAD) == []


def test_an_output_with_the_settled_answer_is_left_alone() -> None:
    output = "Cough for two weeks. Abroad in Portugal in August."
    assert _rule_messages(output, _ABROAD) == []
    assert _risk(output, _ABROAD) <= 2


def test_a_denial_never_taken_back_is_no_finding_of_this_rule() -> None:
    context = "Doctor: Have you been abroad at all this year?\nPatient: No, we stayed put.\n"
    assert _rule_messages("Not abroad this year.", context) == []


_DAY_TAKEN_BACK = (
    "Doctor: And the methotrexate, which day do you take it?\n"
    "Patient: on a thursday, ten milligrams. no wait, it's saturday, since I changed jobs\n"
    "Doctor: okay, saturdays then. Any mouth ulcers?\n"
    "Patient: no\n"
)


def test_an_output_naming_a_day_taken_back_is_caught() -> None:
    assert _rule_messages("Methotrexate 10 mg weekly on Thursdays.", _DAY_TAKEN_BACK)


def test_an_output_naming_the_settled_day_is_left_alone() -> None:
    output = "Methotrexate 10 mg weekly on Saturdays. No mouth ulcers."
    assert _rule_messages(output, _DAY_TAKEN_BACK) == []
    assert _risk(output, _DAY_TAKEN_BACK) <= 2


def test_a_day_named_again_elsewhere_is_no_day_taken_back() -> None:
    context = _DAY_TAKEN_BACK + "Patient: I see the nurse on thursday for bloods.\n"
    assert _rule_messages("Bloods with the nurse on Thursday.", context) == []


_AGREED_AWAY = (
    "Doctor: Any blackouts on the new tablets?\n"
    "Patient: No, none.\n"
    "Doctor: And the ankle swelling?\n"
    "Patient: Much better.\n"
    "Doctor: What happened at the bus stop last week then?\n"
    "Patient: Oh, I went a bit woozy and woke up on the bench, a lady was holding my hand.\n"
    "Doctor: So that was a blackout.\n"
    "Patient: I suppose, yeah. I didn't count it.\n"
)


def test_agreeing_that_the_denied_thing_happened_takes_the_denial_back() -> None:
    assert _polarity(_AGREED_AWAY, "blackouts") == {"affirmed"}


def test_the_output_keeping_a_denial_agreed_away_is_caught() -> None:
    assert _risk("No blackouts on the new tablets. Ankle swelling better.", _AGREED_AWAY) >= 3


def test_the_output_telling_the_agreed_answer_is_left_alone() -> None:
    output = "One blackout at a bus stop last week, at first denied. Ankle swelling better."
    assert _risk(output, _AGREED_AWAY) <= 2


def test_agreeing_with_a_statement_that_names_nothing_denied_takes_nothing_back() -> None:
    context = (
        "Doctor: Any blackouts on the new tablets?\n"
        "Patient: No, none.\n"
        "Doctor: So you're sleeping better.\n"
        "Patient: Yes, much.\n"
    )
    assert _polarity(context, "blackouts") == {"negated"}


def test_a_follow_up_with_its_own_any_answers_only_itself() -> None:
    context = "Nurse: Have you had any palpitations? Any dizziness?\nPatient: No.\n"
    assert _polarity(context, "palpitations") == {"asked"}
