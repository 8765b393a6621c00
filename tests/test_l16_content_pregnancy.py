"""Session 16 (helper RA): pregnancy status read as it is now.

- An output that says "gestational diabetes" or "third trimester" keeps the pregnancy.
- A pregnancy the speaker tells as over ("while I was pregnant with him") or rules out ("there is
  no possibility that I am pregnant") is none the output must keep.
- "Pregnancy and delivery without complications" is obstetric history, and "any problems with
  your pregnancy? - No" denies the problems, not a pregnancy.

Each reading has a control that failed before it and a twin that must still be found.
"""

from __future__ import annotations

from medfact.testing import run_rule


def _pregnancy(rule: str, output: str, context: str) -> list[str]:
    return [f.message for f in run_rule(rule, output, context) if "pregnan" in f.message]


_DIET = "Patient: I'm pregnant and they found gestational diabetes, so I'm here about my diet."


def test_a_condition_only_a_pregnancy_has_keeps_the_pregnancy() -> None:
    assert _pregnancy("omission.v1", "Diet review for gestational diabetes.", _DIET) == []
    # twin: a note that drops every sign of the pregnancy leaves it out
    assert _pregnancy("omission.v1", "Diet review for diabetes.", _DIET)


_BIRTH = (
    "Doctor: Tell me about his birth.\n"
    "Mother: He came early, and he was exposed to alcohol while I was pregnant with him."
)


def test_a_mothers_past_pregnancy_is_no_status_to_keep() -> None:
    assert _pregnancy("omission.v1", "Born preterm with alcohol exposure in utero.", _BIRTH) == []
    # twin: the mother's pregnancy now, told of herself, must be kept
    now = "Mother: He came early. I'm pregnant again, about twenty weeks."
    assert _pregnancy("omission.v1", "Born preterm.", now)


_RULED_OUT = (
    "Doctor: Could you be pregnant?\n"
    "Patient: There is no possibility that I am pregnant, my period finished last week."
)


def test_a_pregnancy_ruled_out_is_no_pregnancy_left_out() -> None:
    assert _pregnancy("omission.v1", "LMP last week.", _RULED_OUT) == []
    # twin: a pregnancy stated outright stays a status to keep
    stated = "Patient: I am pregnant, my period is a month late."
    assert _pregnancy("omission.v1", "Period a month late.", stated)


_HISTORY = (
    "Doctor: Do you have children?\nPatient: One boy, he's four.\n"
    "Doctor: Any problems with your pregnancy or labour?\nPatient: No, none at all."
)


def test_a_past_pregnancy_with_its_outcome_is_no_status() -> None:
    note = "One child. Pregnancy and labour were uncomplicated."
    assert _pregnancy("entities.v1", note, _HISTORY) == []
    # twin: a pregnancy now, where the input rules one out, is still contradicted
    denied = "Doctor: Is there any chance you are pregnant?\nPatient: No, none."
    assert _pregnancy("entities.v1", "She is currently pregnant.", denied)
