"""Session 17 (helper RB3): readings of negation scope found on real clinicians' notes
(negation.v1 and the analyzer's polarity). Each reading has a control that is flagged without
it and a twin of the same shape, a true error, that must stay flagged."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


def _polarity(text: str) -> dict[str, str]:
    """Each word of ``text`` (analysed as an output) and its polarity (the last, if repeated)."""
    engine = cached_engine(None, dict(NO_MODEL))
    doc = engine.document({"id": "t", "output": text, "context": "Doctor: Hello."})
    engine.run_stages([doc], engine._stages_until("analyze"))
    assert doc.output is not None
    return {t.text: t.polarity for t in doc.output.tokens}


# -- a denial's own verb is no end of its scope ("have not noted any fever") --------------------


def test_the_verb_of_a_denial_keeps_its_object_denied() -> None:
    read = _polarity("Her parents have not noted any fevers or vomiting at home.")
    assert read["fevers"] == "negated" and read["vomiting"] == "negated"
    assert _polarity("No cough, noted to have a wheeze.")["wheeze"] == "affirmed"


def test_a_denial_told_by_its_verb_agrees_with_the_no() -> None:
    ctx = "Doctor: Have you had any fevers? Patient: No, none that I saw."
    assert _flagged("She has not noted any fevers.", ctx) == []


def test_the_same_denial_against_a_fever_told_is_caught() -> None:
    ctx = "Doctor: Have you had any fevers? Patient: Yes, I was burning up all night."
    assert _flagged("She has not noted any fevers.", ctx)


# -- a denial reaches each alternative joined by "or" -------------------------------------------


def test_a_denial_reaches_every_alternative_past_the_window() -> None:
    read = _polarity(
        "Nobody in the family was diagnosed with any kind of bowel cancer or any kind of "
        "blood cancer."
    )
    assert read["blood"] == "negated"


def test_a_comma_list_that_closes_with_or_later_is_one_list() -> None:
    read = _polarity(
        "She denied nausea or vomiting, changes in her bowel habit, rashes, joint pains, "
        "headache or visual disturbance."
    )
    assert read["rashes"] == "negated" and read["headache"] == "negated"


def test_a_sited_item_after_a_closed_list_is_still_its_own() -> None:
    read = _polarity("No nodules or cysts, hyperpigmentation on the forehead, scarring.")
    assert read["hyperpigmentation"] == "affirmed"


def test_an_item_far_down_a_denied_list_agrees_with_the_input() -> None:
    ctx = "Doctor: Any headaches, rashes or joint pains? Patient: No, none of those."
    out = (
        "She denied nausea or vomiting, changes in her bowel habit, weight loss, rashes, "
        "joint pains, headache or visual disturbance."
    )
    assert not any("'headache'" in m for m in _flagged(out, ctx))


def test_an_item_far_down_a_denied_list_told_present_is_caught() -> None:
    ctx = "Doctor: Any headaches? Patient: Yes, every single morning this week."
    out = (
        "She denied nausea or vomiting, changes in her bowel habit, weight loss, rashes, "
        "joint pains, headache or visual disturbance."
    )
    assert any("'headache'" in m for m in _flagged(out, ctx))


def test_a_list_verb_of_finding_keeps_the_item_denied() -> None:
    ctx = "Doctor: I don't see any swelling over the joint."
    assert _flagged("No redness, or swelling was seen over the joint.", ctx) == []


def test_a_list_verb_of_finding_against_a_finding_told_is_caught() -> None:
    ctx = "Doctor: There is quite a lot of swelling over the joint."
    assert _flagged("No redness, or swelling was seen over the joint.", ctx)


# -- "pain free", "can't stop coughing", "never ... like this" ----------------------------------


def test_a_word_before_free_is_absent() -> None:
    assert _polarity("He is walking again and pain free.")["pain"] == "negated"
    assert _polarity("Please feel free to ring the ward.")["feel"] == "affirmed"


def test_pain_free_agrees_with_no_pain() -> None:
    ctx = "Doctor: Is he sore anywhere? Father: No, he hasn't had any pain since Tuesday."
    assert _flagged("He is walking again and pain free.", ctx) == []


def test_pain_free_against_pain_told_is_caught() -> None:
    ctx = "Doctor: Is he sore anywhere? Father: Yes, he still cries with pain when he walks."
    assert _flagged("He is walking again and pain free.", ctx)


def test_a_symptom_that_will_not_stop_is_there() -> None:
    ctx = "Doctor: Tell me about the cold. Patient: My nose runs and I can't stop coughing."
    assert _flagged("Runny nose and cough.", ctx) == []
    assert _flagged("Runny nose, no cough.", ctx)


def test_never_like_this_tells_of_now() -> None:
    ctx = "Doctor: What happened? Patient: I have never had dizziness like this before."
    assert _flagged("She reports dizziness since this morning.", ctx) == []
    plain = "Doctor: What happened? Patient: I have never had dizziness, just this tiredness."
    assert _flagged("She reports dizziness since this morning.", plain)


# -- what a denial is about: a purpose, a time, a check, a taken-back no ------------------------


def test_anything_for_a_condition_denies_the_treatment() -> None:
    ctx = "Doctor: Do you take anything for your acid reflux? Patient: No."
    assert _flagged("She has acid reflux.", ctx) == []


def test_a_denied_condition_is_still_caught() -> None:
    ctx = "Doctor: Any acid reflux? Patient: No."
    assert _flagged("She has acid reflux.", ctx)


def test_a_time_after_since_is_presupposed() -> None:
    ctx = (
        "Doctor: Have you seen your own doctor since the operation? Patient: No, I haven't.\n"
        "Doctor: How is the wound? Patient: Healing."
    )
    assert _flagged("The operation went well and the wound is healing.", ctx) == []


def test_a_check_denied_is_no_denial_of_what_is_checked() -> None:
    ctx = (
        "Doctor: You had blood in your urine last time. Have you had your urine rechecked? "
        "Patient: No, not yet."
    )
    assert _flagged("Blood in the urine previously; her urine has not been rechecked.", ctx) == []


def test_a_no_taken_back_with_a_pronoun_affirms() -> None:
    ctx = (
        "Doctor: Do you smoke cigarettes? "
        "Patient: I don't smoke cigarettes, but I do have one at parties."
    )
    assert _flagged("Occasional cigarette use.", ctx) == []
    plain = "Doctor: Do you smoke cigarettes? Patient: I don't smoke cigarettes, I never have."
    assert _flagged("Occasional cigarette use.", plain)


def test_a_short_while_is_no_shortness_of_breath() -> None:
    ctx = "Doctor: Any shortness of breath? Patient: No."
    assert _flagged("The rash spread within a short time.", ctx) == []
    assert _flagged("Short of breath on the stairs.", ctx)


def test_an_organ_that_is_well_is_no_disease_of_it() -> None:
    ctx = "Doctor: And your lungs, do they work well? Patient: Absolutely, they're in great shape."
    assert _flagged("Denies pulmonary disease.", ctx) == []


def test_a_made_noun_is_made_of_the_adjective_itself() -> None:
    from medfact.verifiers.polarity import _made_noun

    assert _made_noun("shortness", "short") and _made_noun("dizziness", "dizzy")
    assert not _made_noun("lightheadedness", "vertigo")  # another word of the same concept
