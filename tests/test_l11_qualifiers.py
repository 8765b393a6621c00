"""Session 11: qualifiers, understated certainty and false comparisons, each with a control."""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.testing import run_rule


def _hedges(output: str, context: str) -> list[tuple[int, str]]:
    """(risk, the output's hedge) of certainty.v1's 'hedges what the input establishes'."""
    return [
        (f.risk, output[f.span[0] : f.span[1]])
        for f in run_rule("certainty.v1", output, context)
        if "hedges what the input establishes" in f.message
    ]


@pytest.mark.parametrize(
    ("output", "context", "hedge"),
    [
        # the condition named by another word: by its concept
        (
            "V/Q scan: possible PE. Start rivaroxaban.",
            "Doctor: Your lung scan is back. It's a pulmonary embolism. Patient: Oh dear.",
            "possible",
        ),
        (
            "Rhythm strip: ?AF - possible. Anticoagulation discussed.",
            "Doctor: The tracing shows atrial fibrillation. It is treatable.",
            "possible",
        ),
        # a report's labelled result establishes the finding it names
        (
            "CT: possible terminal ileitis (wall thickening).",
            "CT abdomen: terminal ileitis with mural thickening. No collection.",
            "possible",
        ),
        # an acronym spelled out by the input's words; sides and levels name nothing
        (
            "CTA: ?possible R ICA occlusion.",
            "CT angiogram: occlusion of the right internal carotid artery.",
            "possible",
        ),
    ],
)
def test_a_hedge_on_what_the_input_establishes_is_understated(
    output: str, context: str, hedge: str
) -> None:
    assert _hedges(output, context) == [(3, hedge)]


@pytest.mark.parametrize(
    ("output", "context"),
    [
        # controls: the input hedges it, denies it, or only plans around it
        (
            "V/Q scan: possible PE. Start rivaroxaban.",
            "Doctor: It could be a pulmonary embolism, so we'll do a scan.",
        ),
        (
            "CT: possible terminal ileitis (wall thickening).",
            "CT abdomen: mural thickening, ?terminal ileitis versus lymphoma.",
        ),
        (
            "Oxytocin if no established contractions in 2 h.",
            "Plan: oxytocin if contractions do not establish within two hours.",
        ),
        # a two-letter acronym is not matched by initials ("PE", "physical exam")
        (
            "Possible PE on the scan.",
            "Physical exam shows clear lungs. Pleural effusion on the right.",
        ),
    ],
)
def test_a_hedge_the_input_does_not_contradict_is_no_finding(output: str, context: str) -> None:
    assert _hedges(output, context) == []


def test_the_unhedged_output_is_no_finding() -> None:
    ctx = "CT abdomen: terminal ileitis with mural thickening. No collection."
    assert _hedges("CT: terminal ileitis (wall thickening).", ctx) == []
