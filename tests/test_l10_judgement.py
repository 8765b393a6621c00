"""Session 10 rule changes, each with a control."""

from __future__ import annotations

import pytest

import medfact.verifiers  # noqa: F401 - the rules first: omission.v1 imports the compare stage
from medfact.errors import ConfigError
from medfact.testing import run_rule
from medfact.verifiers import omission


def _red_flags(output: str, context: str) -> list[tuple[int, str]]:
    return [
        (f.risk, context[f.context_span[0] : f.context_span[1]])
        for f in run_rule("omission.v1", output, context)
        if f.message.startswith("red flag")
    ]


def test_a_dropped_emergency_red_flag_is_a_risk_4_omission_at_the_input_words() -> None:
    ctx = (
        "Erect chest x-ray. Findings: free subdiaphragmatic gas under the right hemidiaphragm. "
        "Lungs clear. No pleural effusion."
    )
    assert _red_flags("CXR: lungs clear, no effusion.", ctx) == [(4, "free subdiaphragmatic gas")]
    # control: an output that keeps it in other words
    assert _red_flags("CXR: pneumoperitoneum; lungs clear.", ctx) == []


@pytest.mark.parametrize(
    ("context", "dropped"),
    [
        (
            "9-day-old. Vomited after feeds; the last two vomits were dark green.",
            "vomits were dark green",
        ),
        (
            "Back pain for a week. He reports numbness around his bottom when wiping.",
            "numbness around his bottom",
        ),
        (
            "Patient: I've been saving my amitriptyline for about a month.",
            "saving my amitriptyline",
        ),
        (
            "Patient: Yesterday, like a curtain came down over my right eye.",
            "like a curtain came down",
        ),
    ],
)
def test_red_flags_of_several_specialties_are_read_in_lay_words(context: str, dropped: str) -> None:
    assert [text for _, text in _red_flags("Seen today; plan as discussed.", context)] == [dropped]


def test_a_red_flag_that_is_denied_asked_a_relatives_or_a_reports_question_is_no_omission() -> None:
    out = "Plan as discussed."
    assert _red_flags(out, "No bilious vomiting. Feeding well.") == []
    assert _red_flags(out, "Doctor: Any numbness around your bottom? Patient: No.") == []
    assert _red_flags(out, "His father had a seizure last year.") == []
    report = "CT head. Indication: fall, new confusion. Findings: no acute haemorrhage."
    assert _red_flags(out, report) == []
    # control: the same flag in a report's findings is one
    assert _red_flags(out, "CT head. Findings: stridor noted on arrival.") == [(4, "stridor")]


def test_a_broken_red_flag_table_names_the_flag_and_the_field(monkeypatch) -> None:
    table = {"flag": {"green vomit": {"found": "(green", "kept": "green", "risk": 4}}}
    monkeypatch.setattr(omission, "read_tables", lambda name: table)
    with pytest.raises(ConfigError, match="flag 'green vomit', field 'found'"):
        omission._read_red_flags()
    table["flag"]["green vomit"] = {"found": "green", "kept": "green", "risk": 5}
    with pytest.raises(ConfigError, match="flag 'green vomit', field 'risk'"):
        omission._read_red_flags()
    # control: a valid table reads, its list of patterns joined
    table["flag"]["green vomit"] = {"found": ["green vomit", "bilious"], "kept": "green", "risk": 4}
    assert omission._read_red_flags() == {
        "green vomit": ("(?:green vomit)|(?:bilious)", "green", 4)
    }
