"""Effect direction (medfact/direction.py) and its hook in the comparison stage.

Each contradiction is found with both spans; its control (the same direction said otherwise,
another outcome, the groups named the other way round) is not flagged.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports this stage
from medfact.compare import RULE, CompareStage
from medfact.direction import agree, comparable, read_effects
from medfact.pipeline import cached_engine
from medfact.testing import analysed
from medfact.types import Finding

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def _effects(text: str) -> list[tuple[str, str]]:
    doc = analysed(text, "")
    return [(e.value, text[e.start : e.phrase_end]) for e in read_effects(doc.output)]


def _outcome_findings(output: str, context: str) -> list[Finding]:
    engine = cached_engine(_CONFIG)
    doc = analysed(output, context)
    CompareStage(engine.settings, engine.parts)(doc)
    kinds = ("outcome:", "effect:", "direction:")  # the older change-word readings too
    return [f for f in doc.findings if f.rule == RULE and f.message.startswith(kinds)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Botulinum toxin did not reduce pain scores.", "not-down"),
        ("Treatment failed to improve survival.", "not-better"),
        ("There was no significant difference in mortality between groups.", "none"),
        ("Mortality was lower in the treated group (p = 0.40).", "none"),
        ("Mortality was lower in the treated group (p < 0.001).", "down"),
        ("Drug X significantly reduced mortality compared with placebo.", "down"),
        ("Drug X increased the risk of bleeding.", "up"),
        ("Exercise improved quality of life.", "better"),
        ("Statins were not associated with dementia.", "none"),
        ("Statins were associated with dementia.", "assoc"),
    ],
)
def test_direction_of_an_effect(text: str, value: str) -> None:
    found = _effects(text)
    assert [v for v, _ in found] == [value], found


def test_no_effect_read_from_bounds_trends_and_open_questions() -> None:
    assert _effects("Patients took less than 5 mg a day.") == []
    assert _effects("There was a trend towards lower mortality.") == []
    assert _effects("We asked whether statins reduce mortality.") == []
    assert _effects("Pain decreased in both groups.") == []


def test_a_dismissed_significance_makes_the_effect_none() -> None:
    text = "Patients ordered 275 fewer calories, although this was not statistically significant."
    assert _effects(text)[0] == ("none", "fewer calories")


def test_reduced_against_no_difference_is_contradicted_with_both_spans() -> None:
    found = _outcome_findings(
        "Drug X significantly reduced mortality compared with placebo.",
        "There was no significant difference in mortality between drug X and placebo.",
    )
    assert len(found) == 1
    message = found[0].message
    assert "outcome: output says 'reduced mortality'" in message
    assert "input says 'no significant difference in mortality'" in message


def test_no_difference_against_a_difference_in_another_outcome_is_silence() -> None:
    found = _outcome_findings(
        "Drug X made no significant difference to mortality compared with placebo.",
        "Drug X significantly reduced the length of hospital stay compared with placebo.",
    )
    # the older sentence-level "effect" reading still pairs these (two shared words): left as is
    assert not [f for f in found if f.message.startswith("outcome:")]
    # control: the same outcome is compared
    assert _outcome_findings(
        "Drug X made no significant difference to mortality compared with placebo.",
        "Drug X significantly reduced mortality compared with placebo.",
    )


def test_the_same_effect_in_other_words_is_not_flagged() -> None:
    assert not _outcome_findings(
        "Drug X significantly reduced mortality compared with placebo.",
        "Mortality was significantly lower with drug X than with placebo (p = 0.01).",
    )


def test_opposite_direction_is_contradicted() -> None:
    found = _outcome_findings(
        "Drug X significantly increased pain scores compared with placebo.",
        "Drug X significantly reduced pain scores compared with placebo.",
    )
    assert len(found) == 1 and "'increased" in found[0].message and "'reduced" in found[0].message


def test_groups_named_the_other_way_round_are_read_as_such() -> None:
    # "more ... in placebo than in X" is "X decreased": no contradiction
    assert not _outcome_findings(
        "Drug X significantly decreased discontinuation due to lack of efficacy compared with "
        "placebo.",
        "Significantly more patients had discontinuation due to lack of efficacy in the placebo "
        "group than in the drug X group (p < 0.001).",
    )
    # control: the same sentence with the groups as the claim names them is a contradiction
    assert _outcome_findings(
        "Drug X significantly decreased discontinuation due to lack of efficacy compared with "
        "placebo.",
        "Significantly more patients had discontinuation due to lack of efficacy in the drug X "
        "group than in the placebo group (p < 0.001).",
    )


def test_an_insignificant_p_value_contradicts_a_significant_claim() -> None:
    found = _outcome_findings(
        "Drug X significantly reduced mortality compared with placebo.",
        "Mortality was lower with drug X than with placebo (p = 0.40).",
    )
    assert len(found) == 1


def test_clinical_note_pain_improved_against_pain_worse() -> None:
    assert _outcome_findings("Her back pain has improved.", "Her back pain is worse.")
    assert not _outcome_findings("Her back pain has improved.", "Her back pain got better.")


def test_amount_and_valence_are_compared_only_through_an_outcome_of_known_goodness() -> None:
    # (session 16: amount and valence were never compared; now an outcome that outcomes.toml
    # lists as good or bad for the patient carries one into the other)
    a = read_effects(analysed("Drug X reduced mortality.", "").output)[0]
    b = read_effects(analysed("Drug X improved mortality.", "").output)[0]
    assert comparable(a, b) and agree(a, b)
    c = read_effects(analysed("Drug X increased mortality.", "").output)[0]
    assert comparable(a, c) and not agree(a, c)
    d = read_effects(analysed("Drug X reduced walking distance.", "").output)[0]
    e = read_effects(analysed("Drug X improved walking distance.", "").output)[0]
    assert not comparable(d, e)


def test_a_denied_direction_contradicts_only_the_direction_it_denies() -> None:
    claim = "Drug X did not reduce mortality compared with placebo."
    assert _outcome_findings(claim, "Drug X reduced mortality compared with placebo.")
    # controls: no difference, or the other direction, agree with "did not reduce"
    assert not _outcome_findings(
        claim, "There was no significant difference in mortality between drug X and placebo."
    )
    assert not _outcome_findings(claim, "Drug X increased mortality compared with placebo.")


def test_clinical_note_not_improved_is_no_contradiction_of_worse() -> None:
    assert not _outcome_findings("Her back pain has not improved.", "Her back pain is worse.")
    assert _outcome_findings("Her back pain has not improved.", "Her back pain has improved.")
    # not against a conversation: a transcript's "increased back pain" is no study outcome (the
    # lead's gate, after false alarms on MTS-Dialog and ACI-Bench reference notes)
    said = "Patient: My back pain has improved.\nDoctor: Good."
    assert not _outcome_findings("Her back pain has not improved.", said)


def test_clinical_state_words_are_no_effect() -> None:
    # "elevated" and "unchanged" describe a reading, not a change: no contradiction of a change
    assert not _outcome_findings(
        "Blood pressure was elevated at 150/90.",
        "Blood pressure 150/90, lower than at the last visit.",
    )
    assert not _outcome_findings(
        "The rash is unchanged.", "The rash looks a little better than last week."
    )
    # control: a stated change against the opposite change is flagged
    assert _outcome_findings(
        "She reports improved sleep.", "Sleep is not improved, but her mood is better."
    )


def test_figures_in_brackets_name_no_comparator() -> None:
    effect = read_effects(
        analysed(
            "Lactates were lower in the GDFR group (1.79 vs. 2.23 mmol/l, p = 0.003).", ""
        ).output
    )[0]
    assert effect.value == "down" and not effect.against
    found = _outcome_findings(
        "GDFR strategy significantly increased lactate level compared with usual care.",
        "Lactates were lower in the GDFR group (1.79 vs. 2.23 mmol/l, p = 0.003).",
    )
    assert found


def test_a_control_arm_on_both_sides_orients_the_comparison() -> None:
    claim = "Auriculotherapy significantly decreased clinical pregnancy compared with routine care."
    found = _outcome_findings(
        claim,
        "The frequency of clinical pregnancy in the intervention group was significantly higher "
        "than the control group.",
    )
    assert found
    # control: the control arm named first reverses it, and "higher" then agrees
    assert not _outcome_findings(
        claim,
        "Clinical pregnancy in the control group was significantly higher than in the "
        "auriculotherapy group.",
    )


def test_figures_without_a_direction_word_can_say_no_effect() -> None:
    claim = "Frovatriptan significantly increased rate of recurrence compared with zolmitriptan."
    assert _outcome_findings(claim, "Rate of recurrence was 21% and 24% (p = NS).")
    assert not _outcome_findings(claim, "Rate of recurrence was 21% and 44% (p = 0.01).")


def test_a_significant_difference_contradicts_no_difference() -> None:
    claim = "Drug X made no significant difference to pain compared with placebo."
    assert _outcome_findings(claim, "Pain differed significantly between the groups (p = 0.01).")
    assert not _outcome_findings(claim, "Pain did not differ significantly between the groups.")


def test_an_outcome_named_by_its_short_form() -> None:
    claim = (
        "Psychotherapy significantly decreased Center for Epidemiological Studies Depression "
        "scale (CES-D) compared with active control."
    )
    assert _outcome_findings(
        claim, "No differences between the treatments were found on the CES-D."
    )
    assert not _outcome_findings(
        claim, "No differences between the treatments were found on the BDI."
    )


def test_no_difference_in_the_next_sentence_speaks_of_the_outcome_named_before() -> None:
    claim = read_effects(
        analysed("PMH7000 significantly decreased the duration of treatment.", "").output
    )[0]
    said = (
        "The mean duration of treatment in the two groups was 5.3 and 3.4 days. "
        "The t-test showed no significant difference between the two groups."
    )
    window = read_effects(analysed(said, "").output)
    assert [e.value for e in window] == ["none"]
    assert comparable(claim, window[0]) and not agree(claim, window[0])
    # control: the sentence before names another outcome
    other = said.replace("duration of treatment", "pain score")
    window = read_effects(analysed(other, "").output)
    assert not comparable(claim, window[0])


def test_changes_within_each_arm_are_no_effect_between_arms() -> None:
    assert not _outcome_findings(
        "The combination made no significant difference to myocardial T2 compared with DFO.",
        "Myocardial T2 improved in both arms (combination p = 0.04; DFO p = 0.04), but with no "
        "significant difference between treatments (p = 0.65).",
    )


def test_a_denied_outcome_is_not_read() -> None:
    assert _effects("More patients without musculoskeletal symptoms had bone loss.") == []
    assert _effects("More patients with musculoskeletal symptoms had bone loss.")[0][0] == "up"


def test_a_corpus_passage_speaks_of_the_claim_only_if_it_names_its_exposure() -> None:
    claim = read_effects(analysed("Adjuvant chemotherapy increased survival rates.", "").output)
    other = read_effects(analysed("Radiotherapy led to lower survival rates.", "").output)
    same = read_effects(analysed("Adjuvant chemotherapy led to lower survival rates.", "").output)
    assert comparable(claim[0], other[0])  # in context mode the window is the claim's source
    corpus = [replace(e, corpus=True) for e in (other[0], same[0])]
    assert not comparable(claim[0], corpus[0])
    assert comparable(claim[0], corpus[1]) and not agree(claim[0], corpus[1])
