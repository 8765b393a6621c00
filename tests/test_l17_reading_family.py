"""Session 17 (helper RB3): a family history written without its header (negation.v1's
family section): an answer to "anything that runs in your family?" names the family's
conditions, a question states none, and "Do you know which type? - No idea" says the type is
not known, not that the condition is absent. Twins: the same conditions written as the
patient's own stay flagged."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine

_RUNS = (
    "Doctor: I see one of your family members had kidney cancer. Are there any other "
    "illnesses that run in your family?\n"
    "Patient: Sadly, yes. Diabetes and glaucoma are the main ones.\nDoctor: Thank you."
)
_TYPE = (
    "Doctor: What is your family history?\n"
    "Patient: My father has high blood pressure. My aunt had a lot of skin cancers cut off.\n"
    "Doctor: Do you know which type of skin cancer she had?\nPatient: No idea."
)


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


def test_an_answer_about_what_runs_in_the_family_is_the_family_s() -> None:
    assert _flagged("Diabetes, kidney cancer, glaucoma.", _RUNS) == []


def test_the_family_s_conditions_written_as_the_patient_s_are_still_caught() -> None:
    assert _flagged("She has diabetes and glaucoma and had kidney cancer.", _RUNS)
    assert _flagged("She has HTN and skin cancer of unknown type.", _TYPE)


def test_a_type_not_known_is_no_denial_of_the_condition() -> None:
    assert _flagged("HTN and skin cancer of unknown type.", _TYPE) == []


def test_a_condition_denied_outright_is_still_caught() -> None:
    ctx = "Doctor: Has anyone in your family had cancer?\nPatient: No, nobody."
    assert _flagged("Family history of cancer.", ctx)
