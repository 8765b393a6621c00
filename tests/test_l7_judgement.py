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


def test_exam_signs_not_found_and_treatments_ruled_out_are_negations() -> None:
    pulses = "Heart sounds normal, femoral pulses palpable on both sides."
    assert _contradictions("negation.v1", "Femoral pulses not palpable.", pulses)
    assert not _contradictions("negation.v1", "Femoral pulses palpable bilat.", pulses)
    assert not _contradictions("negation.v1", "No pulse recorded.", "Pulse 88, regular.")
    ruled_out = "She is pregnant, so oral isotretinoin and tetracyclines are not options."
    assert not _contradictions("negation.v1", "Pregnant: no isotretinoin/tetracyclines.", ruled_out)
    assert _contradictions("negation.v1", "Pregnant: no isotretinoin.", "Isotretinoin started.")
    # a result still reports its own subject: "the tumor and margins were negative"
    doc = analysed("x", "The tumor and margins were negative.").context
    from medfact.verifiers.polarity import read_polarity

    tumor = next(t for t in doc.tokens if t.text == "tumor")
    assert read_polarity(doc, tumor).polarity == "affirmed"


def test_a_clause_that_opens_with_absent_negates_its_words() -> None:
    ctx = "Breath sounds absent on the left. Trachea central."
    assert not _contradictions("negation.v1", "Absent breath sounds L, trachea central.", ctx)
    present = "Breath sounds present bilaterally."
    assert _contradictions("negation.v1", "Absent breath sounds L.", present)
    doc = analysed("x", "Reflexes absent, sensation intact.").context
    assert next(t for t in doc.tokens if t.text == "sensation").polarity == "affirmed"
