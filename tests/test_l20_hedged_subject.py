"""A hedge before a clause with a definite subject ("I think the pain is in my hip", "maybe the
swelling started on Monday") doubts what is said of the subject (its place, time or cause), not
the subject: "the pain" is taken as there. The hedge's forward reach read the subject as
uncertain, so negation.v1 (which flags no denial of a hedged word) let an output deny it.
Session 20 (helper K2); own sentences.

The control failed at the start; the hedged predicate stays hedged; a faithful output is clear.
"""

from __future__ import annotations

from medfact.testing import context_polarity as _polarity
from medfact.testing import negation_flips

CONTEXT = "Doctor: Where does it hurt? Patient: I think the ache is in my left knee, mostly."


def _flips(output: str) -> list[str]:
    return negation_flips(output, CONTEXT)


def test_the_definite_subject_is_taken_as_there() -> None:
    assert _polarity("Patient: I think the swelling started on Monday.", "swelling") == ("affirmed")
    assert _polarity(CONTEXT, "ache") == "affirmed"


def test_what_is_said_of_it_stays_hedged() -> None:
    assert _polarity("Patient: I think the swelling started on Monday.", "monday") == ("uncertain")
    assert _polarity("Patient: I think it is a migraine.", "migraine") == "uncertain"


def test_denying_the_subject_is_caught() -> None:
    assert any("'ache'" in m for m in _flips("No knee ache."))


def test_the_faithful_output_is_clear() -> None:
    assert not _flips("Ache, probably in the left knee.")
