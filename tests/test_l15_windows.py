"""Tier 1 may read a claim's second-best window of the input where the best falls short
(``crossencoder.v1`` ``window_reads``; issue 12, session 15, helper N)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from medfact.claim_window import ClaimWindows
from medfact.errors import MedfactError
from medfact.pipeline import Engine
from medfact.stages import Tier1Stage
from medfact.testing import assert_same_in_any_batch
from medfact.types import Claim, Evidence, Sentence
from medfact.verifiers.crossencoder import CrossEncoderVerifier

# the claim's words sit mostly in the first sentence; what supports it, in the third
TEXT = (
    "Budesonide and exacerbations in children were the topics of the trial. "
    "Weather data came from the national service. "
    "The inhaled steroid halved the attacks. "
    "Follow-up lasted one year."
)
CLAIM = "Budesonide halved exacerbations in children."


def _sentences(text: str) -> list[Sentence]:
    """One sentence per ". "-separated part, spans into ``text``."""
    out, start = [], 0
    for i, part in enumerate(text.split(". ")):
        end = start + len(part) + (1 if not part.endswith(".") else 0)
        out.append(Sentence(index=i, span=(start, end), text=text[start:end]))
        start = end + 1
    return out


def _indices(doc_id: str) -> set[int]:
    """Sentence indices of a window named "s3" or "s3-5"."""
    first, _, last = doc_id[1:].partition("-")
    return set(range(int(first), int(last or first) + 1))


def test_the_first_of_the_windows_is_the_window() -> None:
    cut = ClaimWindows(TEXT, _sentences(TEXT), 80)
    first, second = cut.windows(CLAIM, 2)
    assert cut.window(CLAIM) == first and first.doc_id == "s0"
    assert second.doc_id == "s2" and "halved" in second.text
    assert second.text == TEXT[second.span[0] : second.span[1]]
    assert [w.doc_id for w in cut.windows(CLAIM, 1)] == ["s0"]  # control: one asked, one given


def test_a_later_window_adds_a_sentence_the_ones_before_it_lack() -> None:
    wide = ClaimWindows(TEXT, _sentences(TEXT), 170).windows(CLAIM, 3)  # three sentences fit
    assert [w.doc_id for w in wide] == ["s0-2"]  # the runs "s0" and "s2" lie inside it
    held: set[int] = set()
    for w in ClaimWindows(TEXT, _sentences(TEXT), 130).windows(CLAIM, 3):
        assert len(w.text) <= 130 and not _indices(w.doc_id) <= held
        held |= _indices(w.doc_id)
    # control: with room for two sentences, "s2" is outside the first window and comes second
    assert [w.doc_id for w in ClaimWindows(TEXT, _sentences(TEXT), 130).windows(CLAIM, 3)] == [
        "s0",
        "s2",
    ]


def test_an_input_that_fits_has_one_window_and_an_unrelated_claim_none() -> None:
    assert [w.text for w in ClaimWindows(TEXT, _sentences(TEXT), 400).windows(CLAIM, 2)] == [TEXT]
    assert ClaimWindows(TEXT, _sentences(TEXT), 80).windows("Metformin lowers glucose.", 2) == []
    # control: a claim sharing a word has windows
    assert ClaimWindows(TEXT, _sentences(TEXT), 80).windows("Metformin for children.", 2)


class _Encoder:
    """A support model stand-in: P(supported) 0.9 for a window saying "halved", else 0.1;
    counts the pairs it reads."""

    support_model_ = True
    card_ = {"thresholds": {"supported": 0.5}}

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def load(self) -> _Encoder:
        return self

    def predict(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        self.pairs += list(pairs)
        p = np.array([0.9 if "halved" in w else 0.1 for w, _ in pairs], dtype=np.float32)
        return np.stack([p, np.zeros_like(p), 1 - p], axis=1)


def _tier1(reads: int, chars: int = 80) -> tuple[Tier1Stage, _Encoder]:
    verifier = CrossEncoderVerifier(window_chars=chars, window_reads=reads)
    verifier.encoder = _Encoder()  # type: ignore[assignment]
    settings = SimpleNamespace(evidence=SimpleNamespace(corpus_document=True))
    stage = Tier1Stage(settings, SimpleNamespace(model=verifier, segmenter=None))  # type: ignore[arg-type]
    return stage, verifier.encoder  # type: ignore[return-value]


def _doc(claims: list[Claim]) -> Any:
    sentences = _sentences(TEXT)
    chunks = [
        Evidence(text=s.text, source="context", doc_id=f"s{s.index}", span=s.span)
        for s in sentences
    ]
    return SimpleNamespace(
        claims=claims,
        context_text=TEXT,
        context_sentences=sentences,
        evidence={c.id: chunks[:] for c in claims},  # retrieval's order
        documents={},
        checkable=True,
    )


def test_the_second_window_is_read_where_the_first_falls_short() -> None:
    claim = Claim(id="c0", text=CLAIM, span=(0, len(CLAIM)), sentence=0)
    stage, encoder = _tier1(reads=2)
    probabilities, evidence, _ = stage.predict([_doc([claim])])[0]
    assert probabilities[0, 0] == pytest.approx(0.9)
    assert [w for w, _ in encoder.pairs] == [
        "Budesonide and exacerbations in children were the topics of the trial.",
        "The inhaled steroid halved the attacks.",
    ]
    assert evidence["c0"][0].doc_id == "s2"  # the deciding window's chunk first
    # control: reading one window leaves the claim unsupported, evidence from the first window
    stage, encoder = _tier1(reads=1)
    probabilities, evidence, _ = stage.predict([_doc([claim])])[0]
    assert probabilities[0, 0] == pytest.approx(0.1) and len(encoder.pairs) == 1
    assert evidence["c0"][0].doc_id == "s0"


def test_a_claim_its_first_window_supports_is_read_once() -> None:
    claim = Claim(id="c1", text="The steroid halved the attacks.", span=(0, 31), sentence=0)
    stage, encoder = _tier1(reads=2)
    probabilities, _, _ = stage.predict([_doc([claim])])[0]
    assert probabilities[0, 0] == pytest.approx(0.9)
    assert len(encoder.pairs) == 1 and "halved" in encoder.pairs[0][0]
    # control: a claim its first window does not support gets a second read
    other = Claim(id="c0", text=CLAIM, span=(0, len(CLAIM)), sentence=0)
    stage, encoder = _tier1(reads=2)
    stage.predict([_doc([claim, other])])
    assert len(encoder.pairs) == 3


def test_window_reads_must_be_a_positive_integer() -> None:
    from medfact import registry

    for bad in (0, -1, True, 1.5):
        with pytest.raises(MedfactError, match="window_reads"):
            registry.verifiers.create("crossencoder.v1", {"window_reads": bad})
    assert registry.verifiers.create("crossencoder.v1", {"window_reads": 2}).window_reads == 2


OUTPUTS = [
    "Left knee swelling for three days with a warm effusion. No fever.",
    "Takes metformin twice daily and lisinopril for blood pressure; penicillin causes hives.",
    "Father had gout. Plan: aspirate the knee, check uric acid, follow up in a week.",
    "Right knee swelling for two weeks with fever.",
    "The patient smokes a pack a day.",
]


@pytest.mark.slow
def test_with_two_window_reads_a_record_scores_the_same_alone_and_in_any_batch(
    long_visit: str,
) -> None:
    config = {"components": {"crossencoder.v1": {"window_reads": 2}}}
    engine = Engine.from_config(None, config).load()
    records = [{"id": f"n{i}", "output": o, "context": long_visit} for i, o in enumerate(OUTPUTS)]
    assert_same_in_any_batch(engine, records, seed=15)
