"""Session 7 rule fixes (recall and precision on new development cases), each with a control."""

from __future__ import annotations

from medfact.testing import analysed, run_rule


def _contradictions(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if f.relation == "contradicted"]


def test_a_corrected_answer_is_the_answer() -> None:
    ctx = (
        "Doctor: Any chest pain with the breathlessness?\n"
        "Patient: No. Well... actually, yes, on Tuesday, a tightness when I was hoovering.\n"
        "Doctor: And your ankles?\nPatient: Swollen by the evening."
    )
    assert _contradictions("negation.v1", "No chest pain. Ankles swollen by evening.", ctx)
    plain = ctx.replace("No. Well... actually, yes, on Tuesday, a", "No. Just a")
    assert not _contradictions("negation.v1", "No chest pain. Ankles swollen by evening.", plain)
    doc = analysed("x", ctx).context
    chest = next(t for t in doc.tokens if t.text == "chest")
    assert chest.polarity == "affirmed"


def test_an_answer_that_counts_says_yes() -> None:
    ctx = "Doctor: Have you ever had a seizure?\nPatient: Once. When I was nineteen."
    chest = next(t for t in analysed("x", ctx).context.tokens if t.text == "seizure")
    assert chest.polarity == "affirmed"
    never = "Doctor: Have you ever had a seizure?\nPatient: Never."
    assert next(t for t in analysed("x", never).context.tokens if t.text == "seizure").polarity == (
        "negated"
    )


def test_a_dated_event_is_past_and_a_period_of_life_is_past() -> None:
    dvt = "She had a left leg DVT in 2015 while on the pill, treated with rivaroxaban."
    assert _contradictions("temporal.v1", "Current L leg DVT.", dvt)
    assert not _contradictions("temporal.v1", "H/o L leg DVT (2015).", dvt)
    undated = "She had a left leg DVT, now on rivaroxaban."
    assert not _contradictions("temporal.v1", "Current L leg DVT.", undated)
    heroin = (
        "Doctor: Do you use any drugs?\n"
        "Patient: Not anymore. I used heroin, injected, in my twenties."
    )
    assert _contradictions("temporal.v1", "Active IVDU (heroin).", heroin)
    assert not _contradictions("temporal.v1", "Ex-IVDU (heroin in his 20s).", heroin)
