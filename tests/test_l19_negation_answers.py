"""negation.v1 readings of dialogue answers, session 19 (helper B), from false alarms on the
rotated parts (blind2-blind6).

- A no that names what it denies ("No cough.") answers only that item: the other things the
  turn asked are left unanswered when they were asked in another sentence ("Any cough?
  Diarrhoea?") or when the answer goes on with a statement of its own ("No cough. He threw up
  twice.").
- A no the speaker hedges with "well" and follows with a statement ("No. Well, she threw up
  once.") answers none of the questions for sure.
- "no, sorry" and "no, wait" take back what was just said; they deny nothing after them.

Each reading has a control that failed before it and a twin, a true error of the same shape,
that is still caught.
"""

from __future__ import annotations

from medfact.testing import context_polarity as _polarity
from medfact.testing import negation_flips as _flips

# --- a no that names what it denies -------------------------------------------------------

SPLIT_QUESTION = (
    "Doctor: Has he had a cough this week? Diarrhoea?\n"
    "Father: No cough. He had diarrhoea on Monday, three times.\n"
    "Doctor: Right, let me look at his tummy."
)


def test_named_no_leaves_a_question_of_another_sentence_unanswered() -> None:
    assert _polarity(SPLIT_QUESTION, "diarrhoea") != "negated"
    assert not _flips("Diarrhoea x3 on Monday; no cough.", SPLIT_QUESTION)


def test_named_no_still_denies_what_it_names() -> None:
    assert any("'cough'" in m for m in _flips("Cough this week. Diarrhoea x3.", SPLIT_QUESTION))


LISTED_QUESTION = (
    "Nurse: Any headache, dizziness or falls since the new tablets?\n"
    "Son: No falls. He gets dizzy standing up in the morning.\n"
    "Nurse: Okay, I'll mention that to the GP."
)


def test_named_no_followed_by_a_statement_answers_item_by_item() -> None:
    assert _polarity(LISTED_QUESTION, "dizziness") != "negated"
    assert not _flips("Dizziness on standing in the mornings. No falls.", LISTED_QUESTION)


def test_named_no_closed_by_nothing_else_denies_the_rest() -> None:
    context = (
        "Nurse: Any headache, dizziness or falls since the new tablets?\n"
        "Son: No falls. Nothing else.\n"
        "Nurse: Good."
    )
    assert any("'dizziness'" in m for m in _flips("Dizziness since the new tablets.", context))


# --- a hedged no ----------------------------------------------------------------------------

HEDGED = (
    "Nurse: Any fever? Any vomiting?\n"
    "Mother: No. Well, she brought up her lunch once yesterday but nothing since.\n"
    "Nurse: Okay."
)


def test_hedged_no_with_a_statement_answers_nothing_for_sure() -> None:
    assert _polarity(HEDGED, "vomiting") != "negated"
    assert not _flips("Vomited once yesterday, none since.", HEDGED)


def test_plain_no_still_denies() -> None:
    context = "Nurse: Any fever? Any vomiting?\nMother: No.\nNurse: Okay."
    assert any("'vomited'" in m for m in _flips("Vomited once yesterday.", context))


# --- a speaker's correction ------------------------------------------------------------------

CORRECTED = (
    "Doctor: Any other medicines?\n"
    "Patient: I use a salbutamol inhaler... no, sorry, I stopped that, it was for my wheeze "
    "last winter.\n"
    "Doctor: Okay."
)


def test_no_sorry_denies_nothing_after_it() -> None:
    assert _polarity(CORRECTED, "wheeze") != "negated"
    assert _polarity(CORRECTED, "salbutamol") == "negated"  # the clause it takes back
    assert not _flips("Salbutamol inhaler stopped; it was for wheeze last winter.", CORRECTED)


def test_no_without_correction_still_denies() -> None:
    context = "Doctor: Any wheeze?\nPatient: No, no wheeze at all.\nDoctor: Okay."
    assert any("'wheeze'" in m for m in _flips("Wheeze at night.", context))


# --- what a question takes as given ------------------------------------------------------------


def test_definite_circumstance_of_a_question_is_given() -> None:
    context = "Doctor: any tingling or weakness with the back pain\nPatient: no nothing like that"
    assert _polarity(context, "back") != "negated"
    assert not _flips("Back pain, no tingling or weakness.", context)


def test_what_the_question_asks_is_still_denied() -> None:
    context = "Doctor: any tingling or weakness with the back pain\nPatient: no nothing like that"
    assert any("'weakness'" in m for m in _flips("Back pain with weakness.", context))


def test_drug_a_problem_is_asked_with_is_not_denied() -> None:
    context = (
        "Doctor: have you ever had a problem with naproxen\nPatient: no I take it now and then"
    )
    assert not _flips("Takes naproxen now and then without problems.", context)


def test_drug_denied_outright_is_still_compared() -> None:
    context = "Doctor: are you taking naproxen\nPatient: no I never have"
    assert any("'naproxen'" in m for m in _flips("Takes naproxen for knee pain.", context))


def test_problems_with_a_part_are_still_asked_of() -> None:
    # "problems with your hearing": the hearing problems are what is asked, and denied
    context = "Doctor: Any dizziness, or problems with your hearing?\nPatient: No."
    assert _polarity(context, "hearing") == "negated"
