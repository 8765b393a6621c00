"""Session 16 (helper RB2): a side named as what a part is compared with ("my ankle is more
swollen than the right one") puts the part on the other side (laterality.v1)."""

from medfact.config import NO_MODEL
from medfact.pipeline import cached_engine


def _flagged(output: str, context: str) -> list[str]:
    engine = cached_engine(None, dict(NO_MODEL))
    result = next(iter(engine.score_many([{"id": "t", "output": output, "context": context}])))
    return [f.message.lower() for f in result.findings if f.rule == "laterality.v1" and f.risk >= 3]


_ANKLE = (
    "Doctor: Anything else bothering you? Patient: Look at my ankle, it is much more swollen "
    "than the right one. Doctor: Is it painful? Patient: No."
)


def test_the_part_compared_with_a_side_is_on_the_other_side() -> None:
    assert _flagged("Swelling of the left ankle, not painful.", _ANKLE) == []


def test_the_side_compared_with_is_still_caught_as_the_part_s() -> None:
    assert any("'right ankle'" in m for m in _flagged("Right ankle swelling.", _ANKLE))


def test_a_side_that_is_no_comparison_keeps_its_own_part() -> None:
    ctx = "Patient: My right ankle is more swollen than it was on Sunday."
    assert any("'left ankle'" in m for m in _flagged("Left ankle swelling.", ctx))
