"""Session 18 (helper D): an answer that narrows a whole with an exception ("Has she had all her
jabs? - Every one except the pre-school booster") and an output that states the whole bare
("Immunisations complete"): exception.v1, read with the question the answer answers."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _result(output: str, context: str) -> tuple[int, list[str]]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    found = [f.message for f in result.findings if f.rule == "exception.v1" and f.risk >= 3]
    return result.risk_level, found


_JABS = (
    "Nurse: Has she had all her immunisations so far?\n"
    "Father: Yes, every one of them. Oh, except the pre-school booster, we moved house.\n"
    "Nurse: And how long has the cough been going?\n"
    "Father: About ten days, worse at night."
)


def test_a_whole_the_answer_narrows_is_caught_stated_whole() -> None:
    risk, found = _result("Cough for ten days, worse at night. Immunisations complete.", _JABS)
    assert found and risk >= 3


def test_the_same_whole_in_another_word_is_caught() -> None:
    _, found = _result("Night cough x10 days. Fully vaccinated.", _JABS)
    assert found


def test_the_whole_with_its_exception_is_left_alone() -> None:
    risk, found = _result(
        "Cough for ten days, worse at night. Immunisations complete apart from the "
        "pre-school booster.",
        _JABS,
    )
    assert found == [] and risk <= 2


def test_the_excepted_item_named_elsewhere_is_left_alone() -> None:
    _, found = _result("Immunisations up to date. Pre-school booster outstanding.", _JABS)
    assert found == []


_DOSES = (
    "[doctor] and the levothyroxine you take is a hundred micrograms every day\n"
    "[patient] every day except sundays when i take fifty\n"
    "[doctor] okay and any palpitations\n"
    "[patient] no"
)


def test_a_dose_schedule_without_its_exception_is_caught_in_an_unmarked_transcript() -> None:
    _, found = _result("Levothyroxine 100 mcg daily. Denies palpitations.", _DOSES)
    assert found


def test_the_schedule_with_its_exception_is_left_alone() -> None:
    _, found = _result(
        "Levothyroxine 100 mcg daily except 50 mcg on Sundays. Denies palpitations.", _DOSES
    )
    assert found == []


def test_a_whole_about_another_topic_is_left_alone() -> None:
    _, found = _result("All palpitations resolved; levothyroxine per schedule.", _DOSES)
    assert found == []


def test_an_exception_only_asked_excepts_nothing() -> None:
    ctx = (
        "Doctor: Do you have pain anywhere apart from the right hip?\n"
        "Patient: No, everything else is fine."
    )
    _, found = _result("Right hip pain; all other joints pain free.", ctx)
    assert found == []


def test_an_exception_that_names_nothing_is_left_alone() -> None:
    ctx = (
        "Doctor: Everyone at home has had the flu this week, except-\n"
        "Patient: Me, luckily. Doctor: Any fever yourself?\nPatient: No."
    )
    _, found = _result("All household members unwell with flu this week. No fever.", ctx)
    assert found == []


_MISSES = (
    "Doctor: And the preventer inhaler, does she use it every day?\n"
    "Father: She should... to be honest, we miss the morning puff most school days.\n"
    "Doctor: Any night waking?\nFather: Twice a week."
)


def test_a_miss_admitted_to_a_whole_asked_is_caught_against_full_adherence() -> None:
    _, found = _result("Preventer inhaler used regularly, no missed doses.", _MISSES)
    assert found


def test_the_miss_written_down_is_left_alone() -> None:
    _, found = _result("Preventer inhaler: morning puff often missed on school days.", _MISSES)
    assert found == []


def test_a_denied_miss_is_no_exception() -> None:
    ctx = (
        "Doctor: Do you take the tamoxifen every day?\n"
        "Patient: Yes, I never miss the evening tablet, my phone reminds me."
    )
    _, found = _result("Tamoxifen taken daily, no missed doses.", ctx)
    assert found == []


def test_a_miss_that_names_nothing_is_no_exception() -> None:
    ctx = "Doctor: Are you using the eye drops every day?\nPatient: Mostly, but I skip it."
    _, found = _result("Eye drops used daily.", ctx)
    assert found == []


def test_a_word_forgotten_is_no_missed_dose() -> None:
    ctx = (
        "Doctor: Do you take the amlodipine every day?\n"
        "Patient: Yes. Oh, I forgot to mention the swelling in my ankles."
    )
    _, found = _result("Amlodipine taken daily. Ankle swelling.", ctx)
    assert found == []
