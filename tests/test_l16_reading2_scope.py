"""Session 16 (helper RB2): a denial's list goes on past a word that closes an item rather than
opening a clause: a trailing "otherwise," ("no long-term problems otherwise, night sweats")
and a trailing "only," ("breathlessness on hills only, palpitations") (negation.v1)."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


_REVIEW = (
    "Doctor: Any long term medical problems? Patient: No. "
    "Doctor: Any night sweats, rashes or weight loss? Patient: No, none."
)
_RASH = (
    "Doctor: Any long term medical problems? Patient: No. Doctor: Any night sweats or weight "
    "loss? Patient: No, none. Doctor: Any rash? Patient: Yes, on my arms."
)
_OTHERWISE = "He has no long term medical problems otherwise, night sweats, rashes or weight loss."


def test_a_trailing_otherwise_keeps_the_list_denied() -> None:
    assert _flagged(_OTHERWISE, _REVIEW) == []


def test_an_item_of_that_list_the_input_affirms_is_still_caught() -> None:
    assert any("'rashes'" in m for m in _flagged(_OTHERWISE, _RASH))


def test_an_otherwise_that_opens_a_clause_still_ends_the_denial() -> None:
    assert _flagged("No night sweats or weight loss, otherwise rashes on arms.", _RASH) == []


_HILLS = (
    "Doctor: Do you get breathless? Patient: Only going up hills. "
    "Doctor: Any palpitations or dizziness? Patient: No."
)
_DIZZY = (
    "Doctor: Do you get breathless? Patient: Only going up hills. Doctor: Any palpitations? "
    "Patient: No. Doctor: Any dizziness? Patient: Yes, when I stand up."
)
_ONLY = "Denies breathlessness on hills only, palpitations or dizziness."


def test_a_trailing_only_keeps_the_list_denied() -> None:
    assert _flagged(_ONLY, _HILLS) == []


def test_an_item_after_a_trailing_only_the_input_affirms_is_still_caught() -> None:
    assert any("'dizziness'" in m for m in _flagged(_ONLY, _DIZZY))


def test_an_only_that_opens_a_clause_still_affirms() -> None:
    assert any("'dizziness'" in m for m in _flagged("Denies palpitations, only dizziness.", _HILLS))
