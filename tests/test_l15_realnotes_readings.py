"""Readings of real clinicians' notes against their conversations (session 15, helper R):
spelled-out letters after "a" and letters joined by "and"; a prohibition read as a denial; a
habit's "occasional X" after a denied list item; "no visual changes"; a proposed procedure
is not a hedged diagnosis. Each with a twin that must still be caught. Small texts written for
these tests."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import analysed, run_rule
from medfact.types import Finding


def compare_findings(output: str, context: str) -> list[Finding]:
    """compare.v1's findings (the compare stage, no other rule) at risk 3 or more."""
    from medfact.compare import CompareStage
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f for f in doc.findings if f.rule == "compare.v1" and f.risk >= 3]


def high(rule: str, output: str, context: str) -> list[Finding]:
    """A rule's findings at risk 3 or more."""
    return [f for f in run_rule(rule, output, context) if f.risk >= 3]


def unsupported(output: str, context: str, word: str) -> bool:
    """Whether entities.v1 reports ``word`` of the output as having no support."""
    return any(word in f.message for f in high("entities.v1", output, context))


def test_spelled_letters_after_the_article_support_the_abbreviation() -> None:
    ctx = "Doctor: Did they do any scans?\nPatient: Yes. A C T scan was done to check for spread."
    assert not unsupported("A CT scan was done to check for spread.", ctx, "'CT'")


def test_spelled_letters_joined_by_and_support_the_abbreviation() -> None:
    ctx = "Doctor: Any operations?\nPatient: I had a D and C in twenty fifteen."
    assert not unsupported("She had a D&C in 2015.", ctx, "D&C")


def test_abbreviation_never_spelled_is_still_unsupported() -> None:
    ctx = "Doctor: Did they do any scans?\nPatient: No, they only took my blood."
    assert unsupported("A CT scan was done to check for spread.", ctx, "'CT'")


def flips(output: str, context: str) -> list[Finding]:
    """Polarity flips reported by negation.v1 or compare.v1 at risk 3 or more."""
    found = high("negation.v1", output, context) + compare_findings(output, context)
    said = ("negated here", "affirmed here", "polarity:")
    return [f for f in found if any(s in f.message for s in said)]


def test_a_prohibition_denies_the_act() -> None:
    ctx = "Doctor: Do you smoke?\nPatient: Nope. My father has forbidden smoking in his house."
    assert not flips("Lives with her father, there is no smoking in the home.", ctx)


def test_smoking_said_plainly_is_still_a_flip() -> None:
    ctx = "Doctor: Do you smoke?\nPatient: Yes. My father smokes in his house too."
    assert flips("Lives with her father, there is no smoking in the home.", ctx)


def test_occasional_habit_after_a_denied_item_is_affirmed() -> None:
    ctx = (
        "Doctor: Do you smoke or drink?\nPatient: I drink wine socially, not often.\n"
        "Doctor: Smoke?\nPatient: Never."
    )
    assert not flips("No tobacco use, occasional EtOH.", ctx)


def test_denied_item_after_a_denied_item_is_still_denied() -> None:
    ctx = (
        "Doctor: Do you smoke or drink?\nPatient: I drink wine most nights.\n"
        "Doctor: Smoke?\nPatient: Never."
    )
    assert flips("No tobacco use, no EtOH.", ctx)


_EYES = (
    "Doctor: Any chest pain?\nPatient: No.\nDoctor: Any visual changes or hearing changes.\n"
    "Patient: Nothing."
)


def test_no_visual_changes_says_nothing_of_vision_itself() -> None:
    assert not flips("No chest pain.  No visual changes.", _EYES)


def test_visual_loss_affirmed_against_a_denial_is_still_caught() -> None:
    assert flips("No chest pain.  Visual changes since Monday.", _EYES)


def certainty(output: str, context: str) -> list[Finding]:
    """negation.v1's findings that the output states as fact what the input only suggests."""
    return [f for f in high("negation.v1", output, context) if "only suggests" in f.message]


def test_recommended_surgery_is_a_plan_not_a_hedged_diagnosis() -> None:
    ctx = (
        "Doctor: We should do surgery on this shoulder.\nPatient: What are the risks of the "
        "procedure?\nDoctor: Infection, bleeding, and the possible need for another procedure."
    )
    assert not certainty("Surgery was recommended.  Risks of surgery were discussed.", ctx)


def test_suspected_diagnosis_stated_as_fact_is_still_caught() -> None:
    ctx = "Doctor: It might be pneumonia, we'll see what the x-ray shows.\nPatient: Okay."
    assert certainty("Pneumonia.", ctx)
