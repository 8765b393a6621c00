"""Session 16 (helper RA): "radiation" as the spread of a pain is no radiotherapy ("back pain with
radiation into the left leg", "radiation of the ache up to her shoulder"); radiotherapy the input
never gives ("radiation to the chest wall") stays unsupported.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _radiation(output: str, context: str) -> list[str]:
    return [f.message for f in run_rule("entities.v1", output, context) if "radiation" in f.message]


def test_a_pain_spreading_is_no_radiotherapy() -> None:
    shooting = "Patient: My back hurts and it shoots down my right leg."
    assert _radiation("Low back pain with radiation into the right calf.", shooting) == []
    moving = "Patient: It aches and moves up to my shoulder."
    assert _radiation("There is radiation of the ache up to her shoulder.", moving) == []


def test_radiotherapy_the_input_never_gives_is_still_unsupported() -> None:
    breast = "Patient: I had surgery on my breast last year."
    assert _radiation("Completed radiation to the chest wall in May.", breast)
    neck = "Patient: My neck hurts."
    assert _radiation("Neck pain. Plan: radiation to the spine.", neck)
