"""A record's assessment is the same alone, in any batch and in any order (timings aside)."""

from __future__ import annotations

import pytest

from medfact.pipeline import Engine
from medfact.testing import assert_same_in_any_batch

CONTEXT = (
    "Doctor: What brings you in? Patient: Pain in my left knee for three days. "
    "Doctor: Any fever? Patient: No. Doctor: Medicines? Patient: Metformin 500 mg twice a day "
    "and lisinopril 10 mg daily. I'm allergic to penicillin, I get hives."
)
OUTPUTS = [
    "Left knee pain for three days. Denies fever.",
    "Right knee pain for one week. Reports fever.",
    "Takes metformin 1000 mg twice daily and lisinopril 10 mg daily.",
    "No known drug allergies. Started on warfarin 5 mg daily.",
    "Left knee pain for 3 days, afebrile. Metformin 500 mg BID, lisinopril 10 mg qd. PCN allergy.",
    "Knee pain. Plan: ibuprofen as needed and follow up in two weeks if not improved.",
    "Severe left knee pain that is worse than last month.",
    "Patient possibly has gout of the left knee.",
]


def _records() -> list[dict]:
    out = [{"id": f"c{i}", "output": o, "context": CONTEXT} for i, o in enumerate(OUTPUTS)]
    out.append({"id": "no-context", "output": OUTPUTS[1]})
    return out


@pytest.mark.slow
@pytest.mark.parametrize("config", [None, {"pipeline": {"model": "", "scorer": "rules.v1"}}])
def test_scored_alone_in_any_batch_or_order_the_result_is_the_same(config) -> None:
    engine = Engine.from_config(config).load()
    assert_same_in_any_batch(engine, _records(), seed=7)
