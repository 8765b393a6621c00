"""Session 17 (helper E2): a claim that denies what its aligned passage states (denial.v1).

Tier 1 aligns "There is no link between X and Y" with a passage about X and Y and cannot read
the "no". Each reading has a control (a contradiction found only with it) and twins that must
stay unflagged: the passage denying it too, a denied predicate the passage never speaks of, an
aim sentence, a field label, a comparator arm, a finding of no effect, a conversation.
"""

from __future__ import annotations

import numpy as np

import medfact.verifiers  # noqa: F401 - the rules first
from medfact.denial import RULE, denial_findings, denied_and_stated
from medfact.direction import denied_by_no_effect
from medfact.testing import analysed

_CLAIM = "There is no link between night-shift work and migraine."


def _denied(claim: str, passage: str) -> list[str] | None:
    doc = analysed(claim, passage)
    assert doc.output is not None and doc.context is not None
    found = denied_and_stated(
        doc.output, (0, len(doc.output.text)), doc.context, (0, len(doc.context.text))
    )
    return None if found is None else [t.text for t in found[1]]


def test_a_denied_link_against_a_passage_that_states_it() -> None:
    passage = "Nurses on rotating night shifts reported migraine twice as often as day staff."
    assert _denied(_CLAIM, passage) == ["night", "migraine"]


def test_no_evidence_that_against_a_passage_that_gives_it() -> None:
    claim = "There is no evidence that chanting spreads influenza."
    passage = "Chanting in a closed hall may have contributed to the spread of influenza."
    assert _denied(claim, passage) is not None


def test_a_passage_that_denies_it_too_is_no_contradiction() -> None:
    passage = "Night-shift work showed no association with migraine in this cohort."
    assert _denied(_CLAIM, passage) is None
    passage = "Migraine was absent among the night-shift nurses."
    assert _denied(_CLAIM, passage) is None


def test_a_denied_predicate_is_left_alone() -> None:
    # the passage names the drug and the patients but never says whether it sedates
    claim = "Gabapentin is not sedating in older adults."
    passage = "Gabapentin was given to older adults at night for neuropathic pain."
    assert _denied(claim, passage) is None


def test_an_aim_or_a_question_states_nothing() -> None:
    passage = "We set out to determine whether night-shift work is linked to migraine."
    assert _denied(_CLAIM, passage) is None


def test_a_field_label_states_nothing() -> None:
    claim = "The patient has no known drug allergies."
    passage = "Vital signs were reviewed. Allergies: NKDA."
    assert _denied(claim, passage) is None


def test_a_comparator_arm_is_no_denial() -> None:
    claim = "Physiotherapy reduced knee pain compared with no physiotherapy."
    passage = "Physiotherapy reduced knee pain at six weeks."
    assert _denied(claim, passage) is None


def test_a_finding_of_no_effect_is_no_absence() -> None:
    doc = analysed("Yoga made no significant difference to fatigue compared with rest.", "")
    assert doc.output is not None
    fatigue = next(t for t in doc.output.tokens if t.text == "fatigue")
    assert denied_by_no_effect(doc.output, fatigue)
    doc = analysed("RV normal, no significant valve disease.", "")
    assert doc.output is not None
    valve = next(t for t in doc.output.tokens if t.text == "valve")
    assert not denied_by_no_effect(doc.output, valve)  # a denial of the disease


def _with_tier1(claim: str, passage: str, p_supported: float) -> list:
    doc = analysed(claim, passage)
    doc.probabilities = np.array([[p_supported, 0.0, 1.0 - p_supported]] * len(doc.claims))
    doc.thresholds = {"supported": 0.6}
    return denial_findings(doc)


def test_the_finding_needs_tier_1_alignment_and_a_written_input() -> None:
    passage = "Nurses on rotating night shifts reported migraine twice as often as day staff."
    (found,) = _with_tier1(_CLAIM, passage, 0.9)
    assert found.rule == RULE and found.relation == "contradicted"
    assert "no link" in found.message and found.evidence
    assert int(found.risk) == 2 and found.confidence < 0.5  # a check, under the policy floor
    assert _with_tier1(_CLAIM, passage, 0.3) == []  # tier 1 does not align the passage
    talk = "[doctor] Any headaches on night shifts?\n[patient] Yes, migraine after nights."
    assert _with_tier1(_CLAIM, talk, 0.9) == []  # a conversation's answers: negation.v1's
    doc = analysed(_CLAIM, passage)
    assert denial_findings(doc) == []  # no model: nothing read


def test_a_resolved_or_planned_mention_states_nothing_now() -> None:
    assert (
        _denied("The patient has no fever.", "Fever resolved yesterday after paracetamol.") is None
    )
    assert (
        _denied("No antibiotics were given.", "Consider antibiotics if the cough worsens.") is None
    )
    given = "Amoxicillin antibiotics were given for the cough."
    assert _denied("No antibiotics were given.", given) == ["antibiotics"]


def test_a_verbless_no_is_an_instruction_not_a_denial() -> None:
    # session 17 (lead): "No NSAIDs." in a discharge note is advice, not a claim that the
    # passage's NSAIDs do not exist; a denial with a verb still reads as one
    passage = "Ibuprofen and other NSAIDs worsened her kidney function during admission."
    assert _denied("No NSAIDs.", passage) is None
    assert _denied("- No heavy lifting or NSAIDs for six weeks", passage) is None
    assert _denied("No NSAIDs were given during admission.", passage) is not None
