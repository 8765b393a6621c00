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


def _changes(output: str, context: str) -> list[tuple[int, str]]:
    """(risk, the output's change word) of comparison.v1."""
    return [
        (f.risk, output[f.span[0] : f.span[1]]) for f in run_rule("comparison.v1", output, context)
    ]


@pytest.mark.parametrize(
    ("output", "context", "found"),
    [
        # a decline or a shrinkage is a change: against an input that says it did not change
        (
            "Memory: decline since spring per wife.",
            "Doctor: How has his memory been since spring? Wife: About the same, really.",
            [(3, "decline")],
        ),
        (
            "Liver metastases have shrunk since June.",
            "CT: liver metastases unchanged in size compared with June.",
            [(3, "shrunk")],
        ),
        # controls: the input tells the same change
        (
            "Memory: decline since spring per wife.",
            "Doctor: How has his memory been since spring? Wife: It's got worse, really.",
            [],
        ),
        (
            "Liver metastases have shrunk since June.",
            "CT: liver metastases smaller than in June.",
            [],
        ),
        # a refusal is no change
        ("She declined the flu vaccine.", "Flu vaccine offered; she declined.", []),
    ],
)
def test_a_decline_or_shrinkage_is_a_change(
    output: str, context: str, found: list[tuple[int, str]]
) -> None:
    assert _changes(output, context) == found


def test_worse_after_a_long_shift_is_a_trigger_not_a_change() -> None:
    ctx = "Heel pain for two months. It is worse after a long shift on her feet."
    # the input's trigger supports no change over time (a course, "progressively": risk 3)
    assert _changes("Heel pain, progressively worsening.", ctx) == [(3, "worsening")]
    # control: the trigger written as a trigger is no change
    assert _changes("Heel pain, worse after long shifts.", ctx) == []


def _conditions(output: str, context: str) -> list[str]:
    """The input's conditions that condition.v1 finds dropped."""
    return [
        context[f.context_span[0] : f.context_span[1]]
        for f in run_rule("condition.v1", output, context)
        if f.context_span is not None
    ]


_LIMITED = (
    "Doctor: Take the naproxen twice a day with food. Patient: For how long? "
    "Doctor: Until the pain eases, five days at most."
)
_RESTARTED = (
    "Hold the lisinopril while you have the vomiting bug. "
    "Restart it when you are eating and drinking normally."
)


@pytest.mark.parametrize(
    ("output", "context", "dropped"),
    [
        # a limit on how long, said of the drug just named
        ("Naproxen BD with food until pain eases.", _LIMITED, ["five days at most"]),
        ("Naproxen BD with food, max 5 days.", _LIMITED, []),
        ("Naproxen BD with food for <= 5 d.", _LIMITED, []),
        # when to start a held drug again ("Restart it" names the drug before)
        (
            "Lisinopril: hold.",
            _RESTARTED,
            ["Restart it when you are eating and drinking normally"],
        ),
        ("Lisinopril: hold; restart when eating normally.", _RESTARTED, []),
        # a condition on an activity
        (
            "Return to full activity.",
            "Return to full activity once cleared by the physiotherapist.",
            ["once cleared by the physiotherapist"],
        ),
        ("Full activity once cleared by physio.", "Full activity once cleared by physio.", []),
    ],
)
def test_a_dropped_limit_restart_or_activity_condition(
    output: str, context: str, dropped: list[str]
) -> None:
    assert _conditions(output, context) == dropped


def test_a_comparison_where_the_input_has_nothing_earlier_contradicts_it() -> None:
    ctx = "CT abdomen. Comparison: no prior imaging available. 2 cm cyst in the left kidney."
    assert _changes("2 cm left renal cyst, unchanged from prior imaging.", ctx) == [
        (3, "unchanged")
    ]
    # control: the input has an earlier study that agrees
    ctx = "CT abdomen. Comparison: CT of May. 2 cm cyst in the left kidney, unchanged since May."
    assert _changes("2 cm left renal cyst, unchanged from prior imaging.", ctx) == []


def test_an_activity_asked_about_takes_the_condition_of_its_answer() -> None:
    ctx = (
        "Patient: When can I go back to the gym? "
        "Doctor: Once you can walk a mile without pain. Start gently."
    )
    assert _conditions("Back to the gym in 4 weeks.", ctx) == [
        "Once you can walk a mile without pain"
    ]
    # control: the output keeps a condition
    assert _conditions("Gym once able to walk a mile pain-free.", ctx) == []


def test_a_written_report_that_opens_with_the_diagnosis_establishes_it() -> None:
    ctx = "Lymph node, left axilla, core biopsy. Metastatic ductal carcinoma of breast origin."
    assert _hedges("L axillary node core: carcinoma not excluded.", ctx) == [(3, "not excluded")]
    # control: a dialogue's passing mention establishes nothing
    dialogue = "Doctor: Any cancer in the family? Patient: Carcinoma in my aunt, I think."
    assert _hedges("Possible carcinoma.", dialogue) == []


def test_she_must_stop_it_if_is_a_condition_on_the_drug_before() -> None:
    ctx = (
        "Carbamazepine started at 100 mg twice daily. "
        "He must stop it and call us the same day if any rash or mouth ulcers appear."
    )
    found = _conditions("Carbamazepine 100 mg BD started.", ctx)
    assert found == ["stop it and call us the same day if any rash or mouth ulcers appear"]
    # control: the output keeps it
    assert _conditions("Carbamazepine 100 mg BD; stop if rash.", ctx) == []


def test_a_limit_is_kept_only_in_the_drugs_own_list_item() -> None:
    ctx = "Plan: sling for 4 weeks; enoxaparin 40 mg daily for the duration of immobilisation."
    # another item's duration ("x 4/52") keeps no limit on the drug
    assert _conditions("Plan: sling x 4/52; enoxaparin 40 mg OD; physio.", ctx) == [
        "for the duration of immobilisation"
    ]
    # control: the drug's own item keeps it
    assert _conditions("Plan: sling x 4/52; enoxaparin 40 mg OD while immobile.", ctx) == []


@pytest.mark.parametrize(
    ("output", "dropped"),
    [
        ("Obs: RR 22, SpO2 92%, HR 98.", ["SpO2 92%"]),
        # controls: the output keeps the oxygen, however it writes it
        ("Obs: RR 22, SpO2 92% on 3 L NC, HR 98.", []),
        ("Obs: RR 22, SpO2 92% 35% FM, HR 98.", []),
        ("Obs: RR 22, sats 92% (3L), HR 98.", []),
    ],
)
def test_a_saturation_read_on_oxygen_keeps_its_oxygen(output: str, dropped: list[str]) -> None:
    ctx = "Obs at 0800: RR 22, SpO2 92% on 3 L/min via nasal cannula, HR 98, BP 130/80."
    assert _conditions(output, ctx) == dropped


def test_a_saturation_on_air_needs_no_oxygen() -> None:
    # control: the input reads it on air, so a bare saturation drops no oxygen
    ctx = "Obs at 0800: RR 18, SpO2 97% on room air, HR 80."
    assert _conditions("Obs: RR 18, SpO2 97%, HR 80.", ctx) == []


def test_home_is_an_activity_and_a_restated_condition_is_kept() -> None:
    ctx = "She can go home as long as her husband stays with her overnight. Paracetamol for pain."
    assert _conditions("Discharged home. Paracetamol for pain.", ctx) == [
        "as long as her husband stays with her overnight"
    ]
    # control: the condition in the output's own words, without a condition word
    assert _conditions("Discharged home with husband staying overnight.", ctx) == []
    # the drug a restart is set on is no word of the condition ("Restart metformin.")
    ctx = "You can restart the metformin after your kidney test on Friday, if it is normal."
    assert _conditions("Restart metformin.", ctx) == [
        "restart the metformin after your kidney test on Friday, if it is normal"
    ]
