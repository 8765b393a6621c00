"""Session 14 (helper K): routine primary care in an output where the input calls for
emergency care now."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - registers the rules
from medfact.pipeline import cached_engine
from medfact.testing import run_rule


def _deferred(output: str, context: str) -> list[str]:
    return [
        f.message
        for f in run_rule("unsupported.v1", output, context)
        if f.message.startswith("the output puts off")
    ]


_CALL = (
    "Patient: the pain in my chest is crushing and I'm sweating buckets\n"
    "Nurse: please put the phone down and ring nine nine nine now, chew an aspirin"
)


def test_a_gp_appointment_for_what_needs_an_ambulance_is_urgent_care_deferred() -> None:
    found = _deferred("Crushing chest pain, sweaty. GP appointment within 48 h.", _CALL)
    assert found == [
        "the output puts off what the input says to do at once ('ring nine nine nine')"
    ]
    engine = cached_engine(None, {"pipeline": {"learned_verifiers": [], "model": ""}})
    result = engine.score(
        {"id": "t", "output": "Crushing chest pain; see GP routinely.", "context": _CALL}
    )
    assert any(f.policy == "advice.urgent_care_deferred" and f.risk == 4 for f in result.findings)
    # twin: the output that keeps the emergency advice
    assert _deferred("Crushing chest pain, sweaty. Told to call 999 now.", _CALL) == []


def test_a_routine_gp_review_is_no_deferral_where_the_input_calls_for_no_emergency_care() -> None:
    discharge = (
        "Discharge summary. Community-acquired pneumonia, treated. Stop the clarithromycin "
        "immediately if palpitations occur. GP review in 2 weeks for blood pressure."
    )
    # control: "immediately" about another matter; the GP review was asked for
    assert _deferred("CAP treated. GP appointment within 2 weeks for BP.", discharge) == []
    # the A and E instruction said "straight to" is emergency care
    ae = "If the pain spreads to your back, come straight to A and E."
    assert len(_deferred("If pain spreads to back, contact GP routinely.", ae)) == 1
