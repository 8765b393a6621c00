"""compare.v1 polarity and denial scope, session 16 (helper RB), from false alarms on real
clinician notes. Small texts written for these tests.

- A denial the input narrows to a time ("any pain at night? - no") or a kind or site ("no
  ankle swelling") does not contradict the output's bare, affirmed word ("rates her pain at
  6/10"); a bare denial against a finding of a kind ("no pain" against "knee pain") and the
  same kind affirmed ("ankle swelling") are still differences.
- A denial's scope ends where "and" opens the next clause with a verb of its own ("denies
  tobacco and drinks wine most days"), as it did at "and reports"; a list of findings joined by
  "and" ("denies fever and chills") is still denied throughout.
"""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import analysed
from medfact.types import Finding


def _polarity_findings(output: str, context: str) -> list[Finding]:
    """compare.v1's polarity findings (the compare stage, no other rule) at risk 3 or more."""
    from medfact.compare import CompareStage
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [
        f
        for f in doc.findings
        if f.rule == "compare.v1" and f.risk >= 3 and f.message.startswith("polarity")
    ]


def _polarities(text: str) -> dict[str, str]:
    return {t.text: t.polarity for t in analysed(text, "Patient: Hello.").output.tokens}


_NIGHT = (
    "Doctor: On a scale to ten, how bad is your pain today? Patient: A six. "
    "Doctor: Any pain at night? Patient: No, luckily not."
)


def test_denial_at_a_time_does_not_contradict_the_bare_finding() -> None:
    assert not _polarity_findings("She rates her pain at 6/10, worse on stairs.", _NIGHT)


def test_bare_denial_against_a_finding_of_a_kind_is_still_a_difference() -> None:
    context = "Patient: My knee pain is bad today."
    assert _polarity_findings("No pain.", context)


def test_the_denied_kind_affirmed_is_still_a_difference() -> None:
    context = "Doctor: Any ankle swelling? Patient: No."
    assert _polarity_findings("Ankle swelling.", context)


def test_and_with_a_verb_of_its_own_ends_the_denial() -> None:
    polarity = _polarities("Denies smoking and drinks wine on weekends.")
    assert polarity["smoking"] == "negated"
    assert polarity["drinks"] == "affirmed"
    assert _polarities("No fever and eats well.")["eats"] == "affirmed"


def test_findings_joined_by_and_are_still_denied() -> None:
    polarity = _polarities("Denies fever and chills.")
    assert polarity["fever"] == polarity["chills"] == "negated"


def test_drinking_after_a_denial_agrees_with_the_input() -> None:
    context = (
        "Doctor: Do you smoke or drink? Patient: I don't smoke, but I drink a glass of wine "
        "most days."
    )
    assert not _polarity_findings("Denies tobacco and drinks wine most days.", context)
