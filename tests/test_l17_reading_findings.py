"""Session 17 (helper RB3): what a denial is of, read on real clinicians' notes (negation.v1):
a part's pain, a part named after the finding, an organ named for its function, a finding "of"
something, a supply lost, a denial over years, a word being explained. Each reading has a
control flagged without it and a twin, a true error of the same shape, still flagged."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message for f in result.findings if f.rule == "negation.v1" and f.risk >= 3]


def test_a_part_that_does_not_hurt_leaves_pain_elsewhere_open() -> None:
    ctx = (
        "Patient: My wrist does not hurt anymore.\n"
        "Doctor: And your hip pain? Patient: Getting a bit better."
    )
    assert _flagged("Her hip pain is getting better.", ctx) == []


def test_pain_denied_in_so_many_words_is_still_caught() -> None:
    ctx = "Doctor: Any pain anywhere? Patient: No, no pain at all."
    assert _flagged("Her hip pain is getting better.", ctx)


def test_pain_denied_in_a_part_named_after_it_leaves_other_pain_open() -> None:
    ctx = "Patient: The headaches sit behind my eyes. Doctor: Any pain in your neck? Patient: No."
    assert _flagged("Headaches behind the eyes. The pain is a dull pressure.", ctx) == []


def test_pain_in_the_part_named_is_still_caught() -> None:
    ctx = "Doctor: Any pain in your neck? Patient: No."
    assert _flagged("Neck pain, dull.", ctx)


def test_an_organ_named_for_its_function_is_no_finding() -> None:
    ctx = "Doctor: Do you have control of your bladder and bowel? Patient: Yes, full control."
    assert _flagged("Denies bowel or bladder incontinence.", ctx) == []
    assert (
        _flagged("As for her bowels, no issues.", "Doctor: Any trouble with your bowels? No.") == []
    )


def test_a_finding_of_the_organ_denied_is_still_caught() -> None:
    ctx = "Doctor: Any bowel incontinence? Patient: Yes, twice this week."
    assert _flagged("No bowel incontinence.", ctx)


def test_a_finding_of_a_function_denies_the_finding_not_the_function() -> None:
    ctx = "Doctor: How is your eyesight? Patient: My vision is perfect."
    assert _flagged("No blurring of vision.", ctx) == []


def test_a_named_loss_of_consciousness_is_still_caught() -> None:
    ctx = "Doctor: Did you black out? Patient: Yes, I was out for a minute."
    assert _flagged("No loss of consciousness.", ctx)


def test_a_denial_over_years_is_no_contradiction_of_the_habit_before() -> None:
    ctx = "Patient: I quit twenty years ago. Before that I smoked a pack a day."
    assert _flagged("Has not smoked for the past 20 years.", ctx) == []


def test_a_denial_of_smoking_ever_is_still_caught() -> None:
    ctx = "Patient: I smoke about ten a day, have done since I was a teenager."
    assert _flagged("She has never smoked.", ctx)


def test_a_word_explained_is_no_one_s_finding() -> None:
    ctx = (
        "Doctor: Any palpitations? Patient: What do you mean? Doctor: Palpitations means you "
        "feel your heart racing or pounding. Patient: Oh, I see. Nothing like that."
    )
    assert _flagged("Denies palpitations.", ctx) == []


def test_a_drug_supply_lost_is_not_taken() -> None:
    ctx = "Doctor: You are not on diltiazem right now. Patient: That's right, I lost it."
    assert _flagged("She has misplaced the diltiazem.", ctx) == []
