"""Session 16 (helper RA2): a lay name of a condition (``lay`` in ``lexicon/data/entities.toml``:
"sugar" for diabetes) supports the condition as support words do, and its denial denies it: a
note's "history of diabetes" where the patient answered "No" to a question about their sugar is
stated against the input, as it is where the question named diabetes.
"""

from __future__ import annotations

from medfact.pipeline import cached_engine
from medfact.testing import run_rule
from medfact.verifiers.entities import LAY, SUPPORT_ONLY


def _entity_findings(output: str, context: str) -> list[tuple[int, str]]:
    return [(int(f.risk), f.message) for f in run_rule("entities.v1", output, context)]


def _risk(output: str, context: str) -> int:
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    return int(engine.score({"id": "t", "output": output, "context": context}).risk_level)


_ASKED = (
    "Doctor: Any trouble with your heart or your sugar?\n"
    "Patient: No, nothing like that.\n"
    "Doctor: And you walk every day?\n"
    "Patient: Most days."
)


def test_lay_names_are_support_words_too() -> None:
    assert "sugar" in LAY[("condition", "diabetes")]
    assert "sugar" in SUPPORT_ONLY[("condition", "diabetes")]


def test_a_denied_lay_name_denies_the_condition() -> None:
    found = _entity_findings("Past history of diabetes.", _ASKED)
    assert found and max(risk for risk, _ in found) >= 3
    assert "diabetes" in found[0][1]
    assert _risk("Past history of diabetes.", _ASKED) >= 3


def test_the_faithful_twin_stays_clean() -> None:
    assert _entity_findings("No diabetes.", _ASKED) == []
    assert _risk("Denies diabetes or heart disease.", _ASKED) <= 2


def test_an_affirmed_lay_name_still_supports_the_condition() -> None:
    context = (
        "Doctor: What do you see the nurse for?\n"
        "Patient: My sugar, she checks it every month.\n"
        "Doctor: Any problems with your sugar lately?\n"
        "Patient: No, it's been steady."
    )
    assert _entity_findings("Known diabetes, followed by the practice nurse.", context) == []
