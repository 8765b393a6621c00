"""Tests of the decomposers sentence.v1 and condition_aware.v1 (medfact.decomposers)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from medfact.decomposers import ConditionAwareDecomposer, SentenceDecomposer
from medfact.decomposers.sentence import is_bare_header, is_pleasantry
from medfact.errors import ConfigError
from medfact.registry import decomposers
from medfact.segment import segment
from medfact.types import Claim, Sentence

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def assert_claims(text: str, sentences: list[Sentence], claims: list[Claim]) -> None:
    """Ids run c0..; every span is a non-empty region inside its sentence; order is kept."""
    previous = (-1, -1)
    for i, claim in enumerate(claims):
        start, end = claim.span
        assert claim.id == f"c{i}"
        sent = sentences[claim.sentence]
        assert sent.span[0] <= start < end <= sent.span[1]
        region = text[start:end]
        assert region.strip() == region and region
        assert claim.text.strip()
        assert (claim.sentence, start) > previous
        previous = (claim.sentence, start)
        assert claim.kind in ("statement", "recommendation", "conditional")


def run(text: str, decomposer: object | None = None) -> list[Claim]:
    decomposer = decomposer or ConditionAwareDecomposer()
    sentences = segment(text)
    claims = decomposer(text, sentences)  # type: ignore[operator]
    assert_claims(text, sentences, claims)
    return claims


def spans(text: str, claims: list[Claim]) -> list[str]:
    return [text[c.span[0] : c.span[1]] for c in claims]


# --- sentence.v1 -------------------------------------------------------------------------------


def test_sentence_one_claim_per_sentence() -> None:
    text = "The patient has hypertension. She takes lisinopril daily!\nNo fever."
    claims = run(text, SentenceDecomposer())
    assert [c.text for c in claims] == [
        "The patient has hypertension.",
        "She takes lisinopril daily!",
        "No fever.",
    ]
    assert [c.sentence for c in claims] == [0, 1, 2]
    assert all(c.kind == "statement" and c.conditions == [] for c in claims)
    assert spans(text, claims) == [c.text for c in claims]


def test_sentence_skips_headers_tags_and_pleasantries() -> None:
    text = (
        "HPI:\nHe has a cough.\nASSESSMENT AND PLAN\nDoctor:\nPatient: Thank you.\n"
        "Thank you. I hope this helps! Take care. Okay. Rest at home."
    )
    claims = run(text, SentenceDecomposer())
    assert [c.text for c in claims] == ["He has a cough.", "Rest at home."]
    assert [c.id for c in claims] == ["c0", "c1"]


def test_sentence_keeps_answers_and_content_that_looks_polite() -> None:
    text = "Patient: No.\nTake care to keep the wound dry.\nNO KNOWN DRUG ALLERGIES"
    claims = run(text, SentenceDecomposer())
    assert [c.text for c in claims] == [
        "Patient: No.",
        "Take care to keep the wound dry.",
        "NO KNOWN DRUG ALLERGIES",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Thank you.",
        "Thanks so much for your question!",
        "I hope this helps!",
        "Take care.",
        "Hi, good to see you.",
        "Mm-hmm.",
        "Okay, all right.",
        "I'm sorry to hear that.",
        "Feel better soon!",
    ],
)
def test_is_pleasantry(text: str) -> None:
    assert is_pleasantry(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hello, I have a rash on my arm.",
        "No.",
        "Take care when standing up.",
        "Thanks to rest, she improved.",
    ],
)
def test_is_not_pleasantry(text: str) -> None:
    assert not is_pleasantry(text)


@pytest.mark.parametrize("text", ["HPI:", "Plan:", "ASSESSMENT AND PLAN", "REVIEW OF SYSTEMS"])
def test_is_bare_header(text: str) -> None:
    assert is_bare_header(text)


@pytest.mark.parametrize("text", ["NO KNOWN DRUG ALLERGIES", "HPI: cough.", "Chest pain"])
def test_is_not_bare_header(text: str) -> None:
    assert not is_bare_header(text)


# --- condition_aware.v1: (a) conditions ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("Return to the ER if symptoms worsen.", "if symptoms worsen"),
        ("If you have a fever, take acetaminophen.", "If you have a fever"),
        ("Do not drive unless the dizziness resolves.", "unless the dizziness resolves"),
        ("Carry an inhaler in case of wheezing.", "in case of wheezing"),
        ("The pain worsens whenever he climbs stairs.", "whenever he climbs stairs"),
        ("When he stands up, the pain worsens.", "When he stands up"),
        ("He became short of breath while playing football.", "while playing football"),
        ("The rash appeared after starting amoxicillin.", "after starting amoxicillin"),
        ("Check your sugar before you eat.", "before you eat"),
        ("Metformin is avoided for patients with severe kidney disease.", None),
        (
            "For patients with kidney disease, NSAIDs are avoided.",
            "For patients with kidney disease",
        ),
        ("Take one tablet before meals.", "before meals"),
    ],
)
def test_condition_stays_in_the_claim(text: str, condition: str | None) -> None:
    claims = run(text)
    assert len(claims) == 1
    claim = claims[0]
    assert claim.text == text.rstrip() and spans(text, claims) == [text]
    expected = condition or "for patients with severe kidney disease"
    assert claim.conditions == [expected]
    assert claim.kind in ("conditional", "recommendation")


def test_condition_kind_is_conditional_for_statements() -> None:
    (claim,) = run("When he stands up, the pain worsens.")
    assert claim.kind == "conditional"


@pytest.mark.parametrize(
    "text",
    [
        "He is not sure if it is due to the change in seasons.",
        "He feels bloated once in a while.",
        "The symptoms started after the fall.",
        "Symptoms began in early spring.",
    ],
)
def test_no_condition_where_there_is_none(text: str) -> None:
    (claim,) = run(text)
    assert claim.conditions == []
    assert claim.kind == "statement"


def test_condition_ends_where_the_main_clause_resumes() -> None:
    text = "The day after she was dismissed, her nephew called me."
    (claim,) = run(text)
    assert claim.conditions == ["after she was dismissed"]


def test_leading_condition_is_shared_by_split_clauses() -> None:
    text = "If you have a fever, take acetaminophen and call your doctor."
    claims = run(text)
    assert [c.text for c in claims] == [
        "If you have a fever, take acetaminophen",
        "If you have a fever, call your doctor.",
    ]
    assert spans(text, claims) == ["If you have a fever, take acetaminophen", "call your doctor."]
    assert all(c.conditions == ["If you have a fever"] for c in claims)
    assert all(c.kind == "recommendation" for c in claims)


def test_condition_without_comma() -> None:
    text = "If the rash spreads then stop the cream."
    (claim,) = run(text)
    assert claim.conditions == ["If the rash spreads"]
    assert claim.kind == "recommendation"


def test_no_split_inside_a_trailing_condition() -> None:
    (claim,) = run("Call your doctor if you have fever and develop a rash.")
    assert claim.conditions == ["if you have fever and develop a rash"]


# --- (b) coordination --------------------------------------------------------------------------


def test_coordinated_verb_phrases_split_with_shared_subject() -> None:
    text = "The patient has hypertension and takes lisinopril daily."
    claims = run(text)
    assert [c.text for c in claims] == [
        "The patient has hypertension",
        "The patient takes lisinopril daily.",
    ]
    assert spans(text, claims) == ["The patient has hypertension", "takes lisinopril daily."]
    assert [c.sentence for c in claims] == [0, 0]


def test_list_of_objects_stays_one_claim() -> None:
    for text in (
        "She denies fever, chills, or cough.",
        "He denies nausea, vomiting, and diarrhea.",
        "Nausea and vomiting are present.",
        "He has pain but not fever.",
        "He has not yet started the medication.",
    ):
        assert [c.text for c in run(text)] == [text]


def test_semicolon_splits() -> None:
    text = "She lives alone; she works as a clerk."
    claims = run(text)
    assert [c.text for c in claims] == ["She lives alone", "She works as a clerk."]
    assert spans(text, claims) == ["She lives alone", "she works as a clerk."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "He is compliant with his medications but admits to dietary indiscretion.",
            ["He is compliant with his medications", "He admits to dietary indiscretion."],
        ),
        (
            "The lungs are clear, but there is mild wheezing.",
            ["The lungs are clear", "There is mild wheezing."],
        ),
        (
            "The wound is clean; however, the edges are red.",
            ["The wound is clean", "The edges are red."],
        ),
        (
            "She is single and he has no children.",
            ["She is single", "He has no children."],
        ),
        (
            "You should rest and drink plenty of fluids.",
            ["You should rest", "You should drink plenty of fluids."],
        ),
        (
            "He was admitted and started on antibiotics.",
            ["He was admitted", "He was started on antibiotics."],
        ),
    ],
)
def test_independent_clauses_split(text: str, expected: list[str]) -> None:
    assert [c.text for c in run(text)] == expected


def test_relative_clause_is_not_split() -> None:
    text = "He had an ulcer that was not painful and resolved on its own."
    assert [c.text for c in run(text)] == [text]


def test_negated_shared_imperative_is_not_split() -> None:
    assert [c.text for c in run("Do not drink and drive.")] == ["Do not drink and drive."]


def test_split_coordination_off() -> None:
    text = "The patient has hypertension and takes lisinopril daily; she lives alone."
    claims = run(text, ConditionAwareDecomposer(split_coordination=False))
    assert [c.text for c in claims] == [text]


# --- (c) recommendations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "You should stop smoking.",
        "Patients must avoid grapefruit juice.",
        "Take ibuprofen with food.",
        "Follow up in 2 weeks.",
        "Avoid alcohol.",
        "Continue lisinopril 20 mg daily.",
        "Consider an MRI of the knee.",
        "We recommend a low-salt diet.",
        "I advised the patient to monitor his weight.",
        "Please start the inhaler tonight.",
        "Medical Treatment: Increase Lasix to 80 mg daily.",
        "We will order a repeat echocardiogram.",
    ],
)
def test_advice_is_a_recommendation(text: str) -> None:
    (claim,) = run(text)
    assert claim.kind == "recommendation"


@pytest.mark.parametrize(
    "text",
    [
        "The patient takes ibuprofen daily.",
        "Follow-up of chronic problems.",
        "Chest X-ray suggests pneumonia.",
        "Please see history of present illness.",
        "He stopped smoking in 2010.",
    ],
)
def test_statements_are_not_recommendations(text: str) -> None:
    (claim,) = run(text)
    assert claim.kind == "statement"


def test_advice_is_its_own_claim() -> None:
    text = "You have the flu, so you should rest."
    claims = run(text)
    assert [(c.text, c.kind) for c in claims] == [
        ("You have the flu", "statement"),
        ("You should rest.", "recommendation"),
    ]


# --- (d) nothing to check ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for your question. I hope this helps! Take care.",
        "I had this too.",
        "My mother had the same problem.",
        "Personally, I have had migraines for years.",
        "HPI:\nASSESSMENT AND PLAN",
        "Doctor: Any fever?",
        "Doctor:",
        "",
        "   \n ",
    ],
)
def test_nothing_to_check(text: str) -> None:
    assert run(text) == []


def test_first_person_in_dialogue_and_notes_is_kept() -> None:
    dialogue = "Doctor: Any pain?\nPatient: I had chest pain yesterday."
    assert [c.text for c in run(dialogue)] == ["I had chest pain yesterday."]
    note = "I had given her instructions regarding follow up."
    assert [c.text for c in run(note)] == [note]


def test_speaker_tag_and_list_marker_are_left_out_of_spans() -> None:
    text = "Patient: I take aspirin daily.\n- Metformin 500 mg twice a day."
    claims = run(text)
    assert spans(text, claims) == ["I take aspirin daily.", "Metformin 500 mg twice a day."]


# --- (e) spans and rewriting; parameters -------------------------------------------------------


def test_unchanged_claims_equal_their_span() -> None:
    text = (
        "HPI:\nThe patient is a 58-year-old man with chest pain. He denies fever, chills, or "
        "cough. Return if symptoms worsen.\n• Constitutional: Endorses fatigue."
    )
    claims = run(text)
    assert len(claims) == 4
    for claim in claims:
        assert claim.text == text[claim.span[0] : claim.span[1]]


def test_min_claim_chars_drops_short_clauses() -> None:
    text = "Take ibuprofen if needed, and rest."
    assert [c.text for c in run(text)] == ["Take ibuprofen if needed", "Rest."]
    short = ConditionAwareDecomposer(min_claim_chars=10)
    assert [c.text for c in run(text, short)] == ["Take ibuprofen if needed"]


def test_registry_builds_both() -> None:
    assert {"sentence.v1", "condition_aware.v1"} <= set(decomposers.names())
    made = decomposers.create("condition_aware.v1", {"split_coordination": False})
    assert isinstance(made, ConditionAwareDecomposer)
    assert made.split_coordination is False and made.min_claim_chars == 3
    assert isinstance(decomposers.create("sentence.v1"), SentenceDecomposer)


@pytest.mark.parametrize(
    "params",
    [{"split_coordination": "yes"}, {"min_claim_chars": -1}, {"min_claim_chars": 2.5}],
)
def test_bad_parameters(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=next(iter(params))):
        decomposers.create("condition_aware.v1", params)


def test_unknown_parameter() -> None:
    with pytest.raises(ConfigError, match="min_claim_chars"):
        decomposers.create("condition_aware.v1", {"min_claim_char": 3})
    with pytest.raises(ConfigError):
        decomposers.create("sentence.v1", {"min_claim_chars": 3})


def test_pipe_equals_call() -> None:
    texts = ["He has asthma and uses an inhaler.", "Thank you.", "Rest if tired."]
    items = [(t, segment(t)) for t in texts]
    for decomposer in (SentenceDecomposer(), ConditionAwareDecomposer()):
        assert list(decomposer.pipe(items)) == [decomposer(t, s) for t, s in items]


def test_non_ascii_text() -> None:
    text = "Él tiene fiebre y tos. Le patient prend du paracétamol. Das Kind hat Fieber."
    claims = run(text)
    assert [c.text for c in claims] == [s.text for s in segment(text)]
    sentence_claims = run(text, SentenceDecomposer())
    assert len(sentence_claims) == 3


def test_large_input_is_bounded() -> None:
    text = (
        "The patient has hypertension and takes lisinopril daily. If symptoms worsen, "
        "return to the ER. Thank you. "
    ) * 2000
    started = time.perf_counter()
    claims = run(text)
    assert time.perf_counter() - started < 30
    assert len(claims) == 6000


# --- real data (skipped when ../shared/data is absent) -----------------------------------------


def test_claims_on_mts_notes_and_dialogues() -> None:
    path = DATA / "mts-dialog" / "Main-Dataset" / "MTS-Dialog-ValidationSet.csv"
    if not path.exists():
        pytest.skip(f"data file {path} is absent (tests on real data need ../shared/data)")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column in ("section_text", "dialogue"):
            for decomposer in (SentenceDecomposer(), ConditionAwareDecomposer()):
                run(row[column], decomposer)
