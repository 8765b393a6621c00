"""Session 16 (helper RB2): a family history written without its header, where the input tells
some conditions of a person it leaves unnamed ("someone had angina", "another person had a
stroke"): that person is one of the family, not the patient (negation.v1's family section)."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


_FAMILY = (
    "Doctor: Any cancer in the family? Patient: My aunt had breast cancer. Doctor: Heart "
    "problems? Patient: Someone had angina, and another person had a stroke. Doctor: Anything "
    "else? Patient: My father has diabetes."
)


def test_an_unnamed_person_in_a_family_history_is_no_patient() -> None:
    assert _flagged("Positive for breast cancer, angina, stroke and diabetes.", _FAMILY) == []


def test_a_relative_s_condition_given_to_the_patient_is_still_caught() -> None:
    out = "The patient has breast cancer and angina."
    assert any("a relative's" in m for m in _flagged(out, _FAMILY))


def test_the_patient_s_own_condition_keeps_the_output_personal() -> None:
    ctx = _FAMILY.replace("another person had a stroke", "I had a stroke myself")
    assert any("a relative's" in m for m in _flagged("Positive for breast cancer.", ctx))
