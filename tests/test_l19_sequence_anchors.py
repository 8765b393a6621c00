"""Session 19 (helper F): times of anchored events read on both sides (temporal.v1 through
medfact.verifiers.anchors): a named event's clock time ("last known well", "found", "onset"), an
interval to a procedure ("N days pre-op"), and a start the output puts now that the input puts
later ("from day 4", "in three weeks", "once the rash has settled")."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine
from medfact.verifiers.anchors import (
    clock_clashes,
    interval_clashes,
    order_clashes,
    start_clashes,
)


def _result(output: str, context: str) -> tuple[int, list[str]]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    found = [f.message for f in result.findings if f.rule == "temporal.v1" and f.risk >= 3]
    return result.risk_level, found


_STROKE = (
    "Crew: Mrs Alder, 81, her son found her in the garden at 16:45 with a droopy face. "
    "She was last seen well at 15:10 when he brought her tea.\n"
    "Nurse: Any blood thinners?\nCrew: None that we know of."
)


def test_the_found_time_given_as_last_known_well_is_caught() -> None:
    risk, found = _result("81F, facial droop. LKW 16:45. No anticoagulants.", _STROKE)
    assert found and risk >= 3


def test_the_last_known_well_the_input_gives_is_left_alone() -> None:
    risk, found = _result("81F, facial droop, found 16:45; LKW 15:10. No anticoagulants.", _STROKE)
    assert found == [] and risk <= 2


def test_a_clock_in_twelve_hour_form_reads_as_the_same_time() -> None:
    assert clock_clashes("Last known well 3.10.", _STROKE) == []


def test_an_event_the_input_gives_no_clock_is_not_read() -> None:
    context = "Son: she was fine at tea time, then we found her like this."
    assert clock_clashes("LKW 17:00.", context) == []


_KNEE = (
    "Nurse: You're on warfarin for the valve?\nPatient: Yes, five milligrams.\n"
    "Nurse: The anaesthetist wants the warfarin stopped five days before the operation, and "
    "we'll check your INR the day before."
)


def test_a_shorter_interval_before_the_operation_is_caught() -> None:
    risk, found = _result("Warfarin 5 mg - stop 2 days pre-op; INR day before.", _KNEE)
    assert found and risk >= 3


def test_the_same_interval_in_other_words_is_left_alone() -> None:
    risk, found = _result("Warfarin 5 mg - stop 5/7 pre-op; INR day before.", _KNEE)
    assert found == [] and risk <= 2


def test_an_interval_for_another_thing_is_not_read() -> None:
    context = _KNEE + "\nNurse: Nothing to eat for six hours before the operation."
    assert interval_clashes("Fast from midnight; aspirin stop 7 days pre-op.", context) == []


_STEROID = (
    "Doctor: we'll keep the prednisolone going. We can start the methotrexate "
    "once the chest infection has cleared.\nPatient: and the folic acid?\n"
    "Doctor: start that with the methotrexate."
)


def test_a_start_put_today_that_the_input_defers_is_caught() -> None:
    risk, found = _result("Continue prednisolone. Start methotrexate today.", _STEROID)
    assert found and risk >= 3


def test_the_deferred_start_is_left_alone() -> None:
    risk, found = _result(
        "Continue prednisolone. Start methotrexate once chest infection cleared.", _STEROID
    )
    assert found == [] and risk <= 2


def test_a_later_time_of_another_clause_is_not_read_as_the_start() -> None:
    context = "Doctor: start the amoxicillin, and I'll see you again in two weeks."
    assert start_clashes("Start amoxicillin today; review in 2 weeks.", context) == []


def test_an_input_that_also_starts_it_now_is_left_alone() -> None:
    context = "Doctor: start the ramipril today.\nDoctor: we'll increase the ramipril in two weeks."
    assert start_clashes("Ramipril started today.", context) == []


_BACK = (
    "Doctor: when did the back pain begin?\n"
    "Patient: The back pain came on two days ago, after the vomiting had started.\n"
    "Doctor: any pain before the vomiting?\nPatient: no, nothing."
)


def test_an_event_put_before_its_anchor_is_caught() -> None:
    risk, found = _result("Back pain for 2 days (began before the vomiting).", _BACK)
    assert found and risk >= 3


def test_the_event_on_its_own_side_is_left_alone() -> None:
    risk, found = _result("Back pain for 2 days (began after the vomiting).", _BACK)
    assert found == [] and risk <= 2


def test_a_question_or_denial_gives_no_order() -> None:
    context = "Doctor: any chest pain before the faint?\nPatient: no."
    assert order_clashes("Chest pain after the faint, settled.", context) == []
