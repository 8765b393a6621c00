"""Session 17 (lead): a hedge opening a clause after a comma ends a denial's scope ("no vomiting,
possibly a touch of gastritis"): what follows is suggested, not denied. Control: flagged without
the reading; twin: the same hedge joined by "or" stays in the list and a true overstated or
denied diagnosis stays caught."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine
from medfact.testing import analysed

_CONTEXT = (
    "Doctor: Any fever at all?\nPatient: No.\n"
    "Doctor: I think there might be a bit of sinusitis going on."
)


def _polarity(text: str) -> dict[str, str]:
    doc = analysed(text, "Doctor: Hello.")
    assert doc.output is not None
    return {t.text: t.polarity for t in doc.output.tokens}


def _risk(output: str, context: str = _CONTEXT) -> int:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return result.risk_level


def test_a_hedge_after_a_comma_leaves_the_next_finding_open() -> None:
    read = _polarity("No fever, probably an early sinusitis.")
    assert read["fever"] == "negated" and read["sinusitis"] != "negated"
    assert _polarity("Denies cough, likely viral rhinitis.")["rhinitis"] != "negated"


def test_a_suggested_diagnosis_after_a_denial_is_no_false_alarm() -> None:
    assert _risk("No fever, possibly a touch of sinusitis.") <= 2


def test_the_denial_still_reaches_a_list_without_a_hedge() -> None:
    # twin: without the hedge the list stays denied, and ruling out what the input leaves
    # open is still caught
    assert _polarity("No fever, chills or sinusitis.")["sinusitis"] == "negated"
    assert _risk("No fever or sinusitis.") >= 3
