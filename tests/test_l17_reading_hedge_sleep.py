"""Session 17 (helper RB3): a hedge on the finding a word names the kind of ("possible
urinary retention") is not a hedge on the word itself ("600 mL of urine drained"); "could
not sleep" is a symptom told, like "couldn't sleep" (negation.v1)."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine

_RETENTION = (
    "Doctor: They put a catheter in and six hundred mL came out. So possible urinary "
    "retention from the prostate.\nPatient: That explains it."
)
_CRAMPS = "Patient: My calves cramp, and some nights I could not sleep at all because of it."


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


def test_a_hedged_kind_leaves_the_word_itself_stated() -> None:
    assert _flagged("A catheter was placed and 600 mL of urine drained.", _RETENTION) == []


def test_the_hedged_finding_stated_as_fact_is_still_caught() -> None:
    assert _flagged("Urinary retention from the prostate.", _RETENTION)


def test_could_not_sleep_is_a_sleep_problem_told() -> None:
    assert _flagged("The cramps wake him from his sleep.", _CRAMPS) == []


def test_a_sleep_problem_denied_against_it_is_still_caught() -> None:
    ctx = "Doctor: Any trouble sleeping? Patient: Yes, I wake up every night."
    assert _flagged("No trouble sleeping.", ctx)
