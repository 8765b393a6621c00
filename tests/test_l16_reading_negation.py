"""negation.v1 readings of session 16 (helper RB), from false alarms on real clinician notes.

- A word that only names the kind of the noun after it ("no pulmonary restrictions") is not
  compared with the input's mention of it before another noun ("my respiratory symptoms").
- A field whose value closes its clause after a comma or a spaced dash ("Alcohol use,
  denies.") is denied, as after a colon.
- What a reported question asks about ("When asked about night sweats, ...") is asked, not
  affirmed.
- An input that denies a finding only at a site named before it ("no tongue swelling") or
  only at a time or place named after it ("any pain at rest? - no") leaves the bare finding
  open: an output that affirms it without that site or time is not contradicted.

Each reading has a control that failed before it and a twin, a true error of the same shape,
that is still caught.
"""

from __future__ import annotations

from medfact.testing import analysed
from medfact.testing import negation_flips as _flips


def _polarity(text: str, word: str) -> str:
    doc = analysed(text, "Patient: Hello.")
    return next(t.polarity for t in doc.output.tokens if t.text == word)


# --- a word naming the kind of the noun after it --------------------------------------------


def test_kind_word_before_another_noun_is_another_mention() -> None:
    # "respiratory symptoms" are another thing than "pulmonary restrictions"
    context = "Patient: My respiratory symptoms have been great lately, I walk two miles."
    output = "No pulmonary restrictions on activity."
    assert not _flips(output, context)


def test_kind_word_before_the_same_noun_is_still_compared() -> None:
    context = "Patient: My lung doctor says my pulmonary restrictions are strict, no flying."
    output = "No pulmonary restrictions."
    assert any("'pulmonary'" in m for m in _flips(output, context))


def test_adjective_before_another_adjective_is_read_as_before() -> None:
    # "tender anterior nodes": "anterior" is no noun the word names a kind of
    context = "Doctor: Any tenderness in the neck? Patient: Yes, it is sore under my jaw."
    output = "No tender anterior nodes."
    assert any("'tender'" in m for m in _flips(output, context))


def test_finding_denied_outright_is_still_contradicted() -> None:
    context = "Patient: I'm short of breath all the time."
    output = "Not short of breath."
    assert any("'short'" in m for m in _flips(output, context))


# --- a field's value after a comma or a dash ------------------------------------------------


def test_value_after_a_comma_denies_its_field() -> None:
    assert _polarity("Tobacco, never. Alcohol use, denies.", "alcohol") == "negated"
    assert _polarity("Fever - denied.", "fever") == "negated"


def test_a_denial_that_goes_on_is_no_field_value() -> None:
    # "Fever, no chills": the "no" denies what follows it, not the fever
    assert _polarity("Fever, no chills.", "fever") == "affirmed"
    assert _polarity("Reports fever, denies chills.", "fever") == "affirmed"


def test_field_denied_after_a_comma_agrees_with_a_denying_input() -> None:
    context = "Doctor: Do you drink? Patient: No, never."
    output = "Alcohol use, denies."
    assert not _flips(output, context)


def test_field_denied_after_a_comma_against_an_affirming_input() -> None:
    context = "Doctor: Do you drink? Patient: I drink most nights, two beers."
    output = "Alcohol use, denies."
    assert any("'alcohol' is negated" in m for m in _flips(output, context))


# --- a reported question --------------------------------------------------------------------


def test_reported_question_does_not_affirm_what_it_asks() -> None:
    context = "Doctor: Any night sweats? Patient: No. Doctor: Weight loss? Patient: No."
    output = "When asked about night sweats or weight loss, he denied both."
    assert not _flips(output, context)


def test_reported_question_ends_with_its_clause() -> None:
    doc = analysed("He was questioned regarding chest pain and said he has had it.", "P: hi")
    polarity = {t.text: t.polarity for t in doc.output.tokens}
    assert polarity["chest"] == "asked"
    assert polarity["said"] == "affirmed"


def test_stated_finding_is_still_contradicted() -> None:
    context = "Doctor: Any night sweats? Patient: No."
    output = "He reports night sweats."
    assert any("'sweats'" in m for m in _flips(output, context))


# --- a denial narrowed to a site, a time or a place -----------------------------------------


def test_denial_at_a_time_leaves_the_bare_finding_open() -> None:
    context = (
        "Doctor: Any pain at rest? Patient: No, none. Doctor: How bad does it get on the "
        "stairs? Patient: About a five."
    )
    output = "Reports pain, which she rates 5/10."
    assert not _flips(output, context)


def test_output_narrowed_to_the_same_time_is_still_contradicted() -> None:
    context = (
        "Doctor: Any pain at rest? Patient: No, none. Doctor: How bad does it get on the "
        "stairs? Patient: About a five."
    )
    output = "Pain at rest, rated 5/10."
    assert any("'pain'" in m for m in _flips(output, context))


def test_denial_at_a_named_site_leaves_another_site_open() -> None:
    context = (
        "Doctor: Any lip or tongue swelling? Patient: No. Doctor: Where did it sting you? "
        "Patient: On the forearm."
    )
    output = "Marked redness and swelling of the forearm around the sting."
    assert not _flips(output, context)


def test_the_denied_site_named_in_the_output_is_still_contradicted() -> None:
    context = "Doctor: Any lip or tongue swelling? Patient: No."
    output = "Tongue swelling noted after the sting."
    assert any("'swelling'" in m for m in _flips(output, context))


def test_no_finding_at_all_is_no_narrowed_denial() -> None:
    # "at all" narrows nothing: the denial is of every pain
    assert any("'pain'" in m for m in _flips("She reports pain.", "Patient: No pain at all."))


def test_the_patients_own_asking_is_no_reported_question() -> None:
    # "she had asked about X for Y": a request; the indication is hers
    doc = analysed("She had asked about zopiclone for her insomnia.", "P: hi")
    polarity = {t.text: t.polarity for t in doc.output.tokens}
    assert polarity["insomnia"] == "affirmed"
