"""negation.v1 readings, session 20 (helper J), of what last session's helpers noticed and left.

- Advice to go without a thing ("abstain from alcohol", "refrain from smoking", "stay off the
  ibuprofen") neither states nor denies it: an input's "no alcohol at all" agrees with it.
- A no that names one item of a listed question and closes the turn ("Any cough, wheeze or
  fever? - No fever.") answers that item only; the other items are left unanswered.

Each reading has a control that failed before it and a true error of the same shape that is
still caught.
"""

from __future__ import annotations

from medfact.testing import analysed
from medfact.testing import context_polarity as _polarity
from medfact.testing import negation_flips as _flips

# --- advice to go without -----------------------------------------------------------------

TEETOTAL = "Doctor: Do you drink?\nPatient: Never touch it, no alcohol at all, and I don't smoke."


def test_abstain_from_agrees_with_no_alcohol() -> None:
    assert not _flips(
        "Teetotal. Advised to abstain from alcohol while on the antibiotic.", TEETOTAL
    )


def test_refrain_from_and_stay_off_agree_with_a_denial() -> None:
    assert not _flips("Refrain from smoking; stay off alcohol during treatment.", TEETOTAL)


def test_advice_reads_as_hypothetical() -> None:
    doc = analysed("Told to keep off alcohol and steer clear of smoking.", "Seen.").output
    scopes = {t.text: t.scope for t in doc.tokens if t.text in ("alcohol", "smoking")}
    assert scopes == {"alcohol": "hypothetical", "smoking": "hypothetical"}


def test_alcohol_stated_against_a_denial_is_still_caught() -> None:
    assert any("'alcohol'" in m for m in _flips("Drinks alcohol most evenings.", TEETOTAL))


# --- a named no that closes the turn --------------------------------------------------------

LISTED = (
    "Doctor: Any cough, wheeze or fever since the weekend?\n"
    "Mother: No fever.\n"
    "Doctor: Let me listen to her chest."
)


def test_named_no_at_the_end_of_the_turn_leaves_the_rest_unanswered() -> None:
    assert _polarity(LISTED, "wheeze") != "negated"
    assert not _flips("Wheeze since the weekend, no fever.", LISTED)


def test_named_no_at_the_end_of_the_turn_still_denies_what_it_names() -> None:
    assert any("'fever'" in m for m in _flips("Fever since the weekend.", LISTED))


def test_bare_no_to_a_listed_question_still_denies_every_item() -> None:
    context = "Doctor: Any cough, wheeze or fever since the weekend?\nMother: No.\nDoctor: Okay."
    assert any("'wheeze'" in m for m in _flips("Wheeze since the weekend.", context))
