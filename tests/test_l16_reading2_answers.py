"""Session 16 (helper RB2): an answer that gives a person or a body part in a good state
("He is breathing fine.") denies the problem a yes/no question asked about (negation.v1)."""

from medfact.analysis import _fine_state
from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


def _visit(answer: str) -> str:
    return (
        f"Doctor: Have you been short of breath? Wife: {answer} "
        "Doctor: Any chest pain? Patient: Sometimes at night."
    )


def test_a_good_state_denies_the_problem_asked_about() -> None:
    assert _flagged("He denies being short of breath.", _visit("He is breathing fine.")) == []
    assert _flagged("No shortness of breath.", _visit("His lungs are in great shape.")) == []


def test_a_good_state_narrowed_to_a_time_denies_nothing() -> None:
    answer = "He is breathing fine at rest, but not on the stairs."
    assert _flagged("No shortness of breath.", _visit(answer))


def test_the_next_question_answered_yes_is_still_caught() -> None:
    out = "No chest pain or shortness of breath."
    assert any("'chest'" in m for m in _flagged(out, _visit("He is breathing fine.")))


def test_only_a_named_subject_in_a_whole_good_state_reads_as_a_no() -> None:
    assert _fine_state("she's sleeping well.")
    assert _fine_state("my knees are fine. thanks for asking.")
    assert not _fine_state("it's okay.")  # a bearable pain is still a pain
    assert not _fine_state("i'm fine now.")
    assert not _fine_state("he is not breathing well.")


def test_a_question_of_how_well_is_not_denied_by_a_good_state() -> None:
    ctx = "Doctor: Are you sleeping well these days? Patient: I'm sleeping well."
    assert _flagged("Sleeping well.", ctx) == []
