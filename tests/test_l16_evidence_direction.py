"""Session 16 (helper E): effect readings of evidence text that contradictions depend on.

Each reading has a control that fails without it (a contradiction now found) and a twin that
must stay unflagged (the same evidence saying what the claim says).
- confidence intervals as tests of significance (one holding its null value is no effect);
- "the differences between the groups were significant": the groups are not the outcome;
- "both", "each", "either" make a change within every group only when a group word follows;
- "superior"/"inferior" judging a comparison, and amount words on an outcome whose goodness is
  known ("decreased survival" is worse) compared with better/worse;
- "relative" as an adjective of the outcome ("absolute and relative grip strength").
"""

from __future__ import annotations

import numpy as np
import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports this stage
from medfact.compare import RULE, CompareStage
from medfact.direction import _significance, read_effects
from medfact.pipeline import cached_engine
from medfact.testing import analysed
from medfact.types import Finding

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _effects(text: str) -> list[str]:
    return [e.value for e in read_effects(analysed(text, "").output)]


def _outcome_findings(output: str, context: str) -> list[Finding]:
    engine = cached_engine(_CONFIG)
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    return [f for f in doc.findings if f.rule == RULE and f.message.startswith("outcome:")]


@pytest.mark.parametrize(
    ("text", "significant"),
    [
        ("mean change in weight -0.4 kg (95% CI -1.9 to 1.1)", [False]),
        ("hazard ratio 0.72 (95% CI 0.58 to 0.90)", [True]),
        ("odds ratio 1.10 (95% CI 0.85-1.42)", [False]),
        ("difference in scores 3.2 points (95% CI 1.1 to 5.3)", [True]),
        ("difference of 4% (95% CI [-2% to +9%])", [False]),
        # one group's rate: its interval says nothing of an effect
        ("the response rate was 41% (95% CI 33-49)", []),
    ],
)
def test_confidence_intervals_read_as_tests_of_significance(
    text: str, significant: list[bool]
) -> None:
    assert [sig for _, sig in _significance(text, 0, len(text))] == significant


def test_an_interval_holding_zero_contradicts_a_significant_claim() -> None:
    claim = "Oral magnesium significantly increased sleep duration compared with placebo."
    found = _outcome_findings(
        claim,
        "Sleep duration rose by 6 minutes with oral magnesium against placebo "
        "(mean difference 6; 95% CI -8 to 20).",
    )
    assert found
    # twin: an interval clear of zero agrees with the claim
    assert not _outcome_findings(
        claim,
        "Sleep duration rose by 26 minutes with oral magnesium against placebo "
        "(mean difference 26; 95% CI 11 to 41).",
    )


def test_differences_between_groups_are_about_the_outcome_named_before() -> None:
    claim = "Foot massage made no significant difference to anxiety scores compared with rest."
    context = (
        "Anxiety scores were recorded after each session. The differences between the massage "
        "and rest groups were significant (p = 0.003)."
    )
    assert _outcome_findings(claim, context)
    # twin: the claim of a difference agrees
    assert not _outcome_findings(
        "Foot massage significantly changed anxiety scores compared with rest.", context
    )


def test_either_men_or_women_is_no_change_within_each_group() -> None:
    text = "In either men or women, drug Y lowered the risk of stroke compared with placebo."
    assert _effects(text) == ["down"]
    assert _outcome_findings("Drug Y increased the risk of stroke compared with placebo.", text), (
        "a lowered risk against an increased one"
    )
    # twin: a change within both groups is still no effect
    assert _effects("Stroke risk fell in both the treated and the placebo groups.") == []


@pytest.mark.parametrize(
    ("claim", "context"),
    [
        (
            "Early feeding significantly decreased the rate of wound healing compared with "
            "delayed feeding.",
            "Wound healing was superior in the early feeding group compared with delayed "
            "feeding (p = 0.01).",
        ),
        (
            "Nightly splinting significantly reduced hand function compared with a sham device.",
            "Hand function improved significantly more with nightly splinting than with a sham "
            "device (p = 0.02).",
        ),
    ],
)
def test_an_amount_on_a_good_outcome_is_read_as_better_or_worse(claim: str, context: str) -> None:
    assert _outcome_findings(claim, context)


def test_an_amount_on_a_good_outcome_agrees_with_the_same_valence() -> None:
    # twins: "increased healing" is superior healing; "reduced pain" is an improvement
    assert not _outcome_findings(
        "Early feeding significantly increased the rate of wound healing compared with "
        "delayed feeding.",
        "Wound healing was superior in the early feeding group compared with delayed "
        "feeding (p = 0.01).",
    )
    assert not _outcome_findings(
        "Nightly splinting significantly reduced hand pain compared with a sham device.",
        "Hand pain improved significantly more with nightly splinting than with a sham "
        "device (p = 0.02).",
    )


def test_superior_naming_anatomy_is_no_effect() -> None:
    assert _effects("The superior pole of the kidney was scarred.") == []


def test_relative_as_an_adjective_keeps_the_outcome_whole() -> None:
    effects = read_effects(
        analysed("Training increased absolute and relative grip strength.", "").output
    )
    assert [e.value for e in effects] == ["up"]
    assert {"relat", "grip", "strength"} <= effects[0].outcome
    # twin: "relative to" still names the comparison
    (e,) = read_effects(analysed("Training increased strength relative to baseline.", "").output)
    assert e.outcome == {"strength"}


def _with_tier1(output: str, context: str, p_supported: float) -> list[Finding]:
    """compare.v1's findings with tier 1's P(supported) for every claim set to a value."""
    engine = cached_engine(_CONFIG)
    doc = analysed(output, context)
    doc.probabilities = np.array([[p_supported, 0.0, 1.0 - p_supported]] * len(doc.claims))
    doc.thresholds = {"supported": 0.667}
    CompareStage(engine.settings, engine.parts)(doc)
    return [f for f in doc.findings if f.rule == RULE]


def test_study_effects_are_compared_in_a_window_tier1_does_not_align() -> None:
    claim = "Cold compresses significantly reduced pain scores compared with warm compresses."
    context = "There was no significant difference in pain scores between cold and warm compresses."
    found = _with_tier1(claim, context, 0.1)
    assert [f.message.split(":")[0] for f in found] == ["outcome"]
    # twin: the same effect agrees wherever tier 1 puts it
    assert not _with_tier1(
        "Cold compresses made no significant difference to swelling compared with warm compresses.",
        context,
        0.1,
    )


def test_other_facts_still_need_an_aligned_window() -> None:
    claim = "The left knee was drained."
    context = "The right knee was drained."
    assert not _with_tier1(claim, context, 0.1)
    assert _with_tier1(claim, context, 0.9), "control: in an aligned window the side differs"


def test_the_risk_of_an_outcome_is_about_the_outcome() -> None:
    (effect,) = read_effects(
        analysed("Daily aspirin increased the risk of gastric bleeding.", "").output
    )
    assert effect.outcome == {"gastric", "bleed"}
    # so "risk" alone no longer pairs two different outcomes
    assert not _outcome_findings(
        "Daily aspirin did not increase the risk of gastric bleeding.",
        "Night shifts increased the risk of falling asleep at the wheel.",
    )
    # twin: the same outcome is compared
    assert _outcome_findings(
        "Daily aspirin did not increase the risk of gastric bleeding.",
        "Daily aspirin increased the risk of gastric bleeding (p = 0.01).",
    )


def test_an_association_given_with_a_ratio_interval_has_its_direction() -> None:
    context = "Heavy snoring was associated with atrial fibrillation (OR 1.8, 95% CI 1.2-2.6)."
    assert _effects(context) == ["up"]
    assert _outcome_findings("Heavy snoring lowered the odds of atrial fibrillation.", context)
    # twins: the same direction agrees; an interval holding 1 gives no direction
    assert not _outcome_findings(
        "Heavy snoring increased the odds of atrial fibrillation.", context
    )
    assert _effects("Snoring was associated with gout (OR 1.1, 95% CI 0.8-1.5).") == ["assoc"]


def test_a_tables_lower_case_ns_is_no_significant_difference() -> None:
    context = "Pregnancy rate per cycle (%) 21.4 19.8 ns"
    assert _effects(context) == ["none"]
    assert _outcome_findings(
        "Drug A significantly decreased pregnancy rate per cycle compared with drug B.", context
    )
    # twin: an "ns" that is no table's mark (a word, no figure before it) is not read
    assert _effects("Pregnancy rate per cycle (%) 21.4 19.8 (p < 0.01)") == ["assoc"]


def test_the_same_direction_with_the_groups_named_the_other_way_round_disagrees() -> None:
    context = (
        "Significantly more patients discontinued the study in the sertraline group (40%) "
        "compared with the placebo group (21%; p = 0.01)."
    )
    assert _outcome_findings(
        "Placebo significantly increased patients discontinued from the study compared with "
        "sertraline.",
        context,
    )
    # twin: the groups as the claim names them agree
    assert not _outcome_findings(
        "Sertraline significantly increased patients discontinued from the study compared with "
        "placebo.",
        context,
    )


def test_lesser_is_a_direction() -> None:
    context = "The splint group had a significantly lesser time off work (p = 0.002)."
    assert _effects(context) == ["down"]
    assert _effects("Doses lesser than 5 mg were not given.") == []
