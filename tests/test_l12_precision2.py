"""Session 12, helper G: false alarms on faithful twins (issue 13), each reading with a control."""

from __future__ import annotations

import medfact.verifiers  # noqa: F401 - the rules registered
from medfact.testing import run_rule


def _risky(rule: str, output: str, context: str) -> list[str]:
    """Messages of the rule's findings at risk 3 or more."""
    return [f.message for f in run_rule(rule, output, context) if f.risk >= 3]


_GOUT = (
    "Doctor: what are you taking for this flare\n"
    "Patient: the colchicine, I took {count} then one an hour later on sunday\n"
    "Doctor: continue colchicine point six milligrams twice daily."
)


def test_tablets_taken_times_strength_is_the_dose() -> None:
    out = "Took colchicine 1.2 mg then 0.6 mg an hour later."
    assert _risky("numbers.v1", out, _GOUT.format(count="two")) == []
    # control: one tablet taken, 1.2 mg is a doubled dose
    assert any("dose x2" in m for m in _risky("numbers.v1", out, _GOUT.format(count="one")))


def test_a_count_of_days_is_no_tablet_count() -> None:
    ctx = _GOUT.format(count="one").replace("on sunday", "and took two days off")
    out = "Took colchicine 1.2 mg then 0.6 mg an hour later."
    assert any("dose x2" in m for m in _risky("numbers.v1", out, ctx))


_DRESS = (
    "Patient: two years ago, I got a rash all over, fever, {liver}, I was in the hospital a week\n"
    "Wife: they called it dress, they said never take it again"
)


def test_a_liver_injury_in_lay_words_supports_hepatitis() -> None:
    out = "Allergy: DRESS (generalized rash, fever, hepatitis)."
    assert _risky("entities.v1", out, _DRESS.format(liver="my liver went crazy")) == []
    # control: the liver spared, the hepatitis is unsupported
    spared = _DRESS.format(liver="no liver damage")
    assert any("hepatitis" in m for m in _risky("entities.v1", out, spared))


_OGD = "OGD: a {ulcer} with a clean base, no stigmata of recent haemorrhage. CLO positive."


def test_du_names_the_duodenal_ulcer() -> None:
    out = "OGD D1: clean-based DU, CLO positive."
    assert _risky("entities.v1", out, _OGD.format(ulcer="duodenal ulcer")) == []
    # control: an ulcer the input never names is a fabricated diagnosis
    assert any("DU" in m for m in _risky("entities.v1", out, _OGD.format(ulcer="gastritis")))


_CT = (
    "CT chest: reticulation at the bases, appearances could represent usual interstitial "
    "pneumonia. Plan: discuss at the MDT."
)


def test_usual_interstitial_pneumonia_is_a_fibrosis_pattern_not_a_pneumonia() -> None:
    assert _risky("omission.v1", "CT: basal reticulation, possible UIP. Plan: MDT.", _CT) == []
    # control: a pneumonia the input establishes is still missed when left out
    infection = "CXR: right lower lobe pneumonia. Plan: amoxicillin."
    assert any(
        "pneumonia" in m for m in _risky("omission.v1", "CXR done. Plan: amoxicillin.", infection)
    )


_HAND = (
    "Doctor: Is it the whole hand or certain fingers?\n"
    "Patient: The thumb and the first two fingers. Mostly at night."
)


def test_a_plural_site_collects_the_digits_listed_before_it() -> None:
    out = "Numbness L thumb, index, middle fingers, worse at night."
    assert not [m for m in _risky("laterality.v1", out, _HAND) if "site" in m]
    # control: the fingers without the thumb, where the input names the thumb
    alone = "Numbness L middle fingers, worse at night."
    thumb = _HAND.replace("The thumb and the first two fingers", "The thumb")
    assert any("names the thumb" in m for m in _risky("laterality.v1", alone, thumb))


_KNEES = (
    "Surgeon: Can you tell me which knee we're doing today?\n"
    "Patient: The left. Well, they both ache, but the left is the one that locks and gives way.\n"
    "Surgeon: And the right {part}?\n"
    "Patient: {answer}\n"
    "Surgeon: Okay, I'm going to mark the left knee now."
)


def test_a_question_naming_only_the_other_side_is_answered_of_that_side() -> None:
    out = "L knee locking, giving way; R knee AM stiffness only."
    for part in ("one", "knee"):
        ctx = _KNEES.format(part=part, answer="Just stiff in the mornings.")
        assert _risky("laterality.v1", out, ctx) == [], part
    # control: a bare no to it says nothing of the right knee
    ctx = _KNEES.format(part="one", answer="No.")
    assert any("left side" in m for m in _risky("laterality.v1", out, ctx))


def test_the_side_that_is_the_one_names_the_part_before() -> None:
    ctx = _KNEES.format(part="one", answer="Just stiff in the mornings.")
    wrong = "Site confirmed: R knee arthroscopy (locking, giving way). L knee marked."
    assert any("left knee" in m for m in _risky("laterality.v1", wrong, ctx))
    right = "Site confirmed: L knee arthroscopy (locking, giving way). L knee marked."
    assert _risky("laterality.v1", right, ctx) == []


_SKIN = (
    "Doctor: on exam few papules on the chin, no nodules or cysts, post inflammatory "
    "hyperpigmentation on the cheeks, cheilitis, mild xerosis of the forearms."
)


def _flips(output: str, context: str) -> list[str]:
    return [
        output[f.span[0] : f.span[1]].lower()
        for f in run_rule("negation.v1", output, context)
        if f.span is not None and f.risk >= 3
    ]


def test_an_item_with_its_own_site_after_a_closed_list_is_not_denied() -> None:
    assert _flips("Exam: cheilitis. Hyperpigmentation of cheeks.", _SKIN) == []
    # control: without an item that names its site the list reads on (a review of systems'
    # "no fever or chills, cough, congestion")
    unsited = _SKIN.replace("post inflammatory hyperpigmentation on the cheeks, ", "")
    assert any("cheilitis" in w for w in _flips("Exam: cheilitis.", unsited))


def test_an_item_that_joins_the_list_stays_denied() -> None:
    ctx = "She denies any pain in her back or any numbness, tingling, or weakness in her arms."
    assert any("weakness" in w for w in _flips("Weakness in her arms.", ctx))


def test_a_dip_with_nitrites_supports_a_urinary_infection() -> None:
    ctx = (
        "27-year-old woman. Two days of right loin pain and rigors. Urine dip: leucocytes 3+, "
        "nitrites {result}."
    )
    out = "27F, R pyelonephritis: 2/7 R loin pain, rigors."
    assert _risky("entities.v1", out, ctx.format(result="positive")) == []
    # control: nitrites negative, the infection is not in the input
    negative = _risky("entities.v1", out, ctx.format(result="negative"))
    assert any("pyelonephritis" in m for m in negative)
