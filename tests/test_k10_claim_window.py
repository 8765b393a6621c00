"""Tier 1 reads a claim against its window of the input (medfact.claim_window, session 10 K)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from medfact.claim_window import ClaimWindows
from medfact.errors import MedfactError
from medfact.pipeline import Engine
from medfact.stages import Tier1Stage
from medfact.support_features import features, logit
from medfact.testing import assert_same_in_any_batch, canonical_result
from medfact.types import Claim, Evidence, Sentence

TEXT = (
    "The study enrolled adults with asthma. "
    "Inhaled budesonide reduced exacerbations by half. "
    "Budesonide was well tolerated in children. "
    "Weather data came from the national service."
)


def _sentences(text: str) -> list[Sentence]:
    out, start = [], 0
    for i, part in enumerate(text.split(". ")):
        end = start + len(part) + (1 if not part.endswith(".") else 0)
        out.append(Sentence(index=i, span=(start, end), text=text[start:end]))
        start = end + 1
    return out


def test_the_window_is_the_run_holding_most_of_the_claims_words() -> None:
    cut = ClaimWindows(TEXT, _sentences(TEXT), 100)
    claim = "Budesonide halved exacerbations in asthma and was tolerated in children."
    window = cut.window(claim)
    assert window is not None and len(window.text) <= 100
    assert window.text == TEXT[window.span[0] : window.span[1]]
    assert window.text.startswith("Inhaled budesonide") and "children" in window.text
    assert window.doc_id == "s1-2" and window.source == "context"
    # control: a longer window reaches the first sentence's "asthma" too
    wide = ClaimWindows(TEXT, _sentences(TEXT), 150).window(claim)
    assert wide is not None and wide.doc_id == "s0-2"


def test_the_window_starts_on_a_sentence_with_the_claims_words() -> None:
    cut = ClaimWindows(TEXT, _sentences(TEXT), 150)
    window = cut.window("Inhaled budesonide reduced exacerbations.")
    assert window is not None and window.doc_id == "s1"  # not "s0-1", which holds no more
    # control: the first sentence is the window when it holds the claim's words
    first = cut.window("Adults with asthma were enrolled.")
    assert first is not None and first.doc_id == "s0"


def test_an_input_that_fits_is_the_window_whole() -> None:
    window = ClaimWindows(TEXT, _sentences(TEXT), len(TEXT)).window("Budesonide was tolerated.")
    assert window is not None and window.text == TEXT and window.doc_id == "s0-3"
    # control: one character less and the window is the claim's run
    cut = ClaimWindows(TEXT, _sentences(TEXT), len(TEXT) - 1).window("Tolerated in children.")
    assert cut is not None and cut.doc_id == "s2"
    assert ClaimWindows(TEXT, _sentences(TEXT), len(TEXT)).window("Metformin dose.") is None


def test_a_sentence_longer_than_the_window_is_cut_at_a_word() -> None:
    text = "Budesonide " + "reduced exacerbations markedly " * 10 + "in adults."
    cut = ClaimWindows(text, [Sentence(index=0, span=(0, len(text)), text=text)], 50)
    window = cut.window("Budesonide reduced exacerbations.")
    assert window is not None and len(window.text) <= 50 and not window.text.endswith(" ")
    assert text.startswith(window.text) and text[len(window.text)] == " "


def test_a_claim_sharing_no_word_with_the_input_has_no_window() -> None:
    cut = ClaimWindows(TEXT, _sentences(TEXT), 400)
    assert cut.window("Metformin lowers glucose.") is None
    assert cut.window("Budesonide lowers glucose.") is not None  # control


class _Model:
    """A tier-1 stand-in: records what it reads; P(supported) 0.9 for a window naming
    budesonide, else 0.1."""

    thresholds = {"supported": 0.5}

    def __init__(self, window_chars: int) -> None:
        self.window_chars = window_chars
        self.read: list[dict[str, list[str]]] = []

    def align(self, claims: list[Any], evidence: dict[str, list[Any]]) -> Any:
        self.read.append({c.id: [e.text for e in evidence.get(c.id, [])] for c in claims})
        out = np.zeros((len(claims), 3), dtype=np.float32)
        for i, c in enumerate(claims):
            first = (evidence.get(c.id) or [None])[0]
            p = 0.9 if first is not None and "budesonide" in first.text.lower() else 0.1
            out[i] = (p, 0.0, 1 - p)
        return out, evidence


def _doc(output: str) -> Any:
    engine = Engine.from_config({"pipeline": {"model": ""}}).load()
    doc = engine.document({"id": "k", "output": output, "context": TEXT})
    engine.run_stages(
        [doc], [engine.stage(n) for n in ("segment", "decompose", "analyze", "retrieve")]
    )
    return doc


def _stage(model: _Model) -> Tier1Stage:
    settings = SimpleNamespace(evidence=SimpleNamespace(corpus_document=True))
    return Tier1Stage(settings, SimpleNamespace(model=model, segmenter=None))  # type: ignore[arg-type]


def test_tier1_reads_each_claim_against_its_window_of_the_input() -> None:
    doc = _doc("Budesonide halved exacerbations. It was tolerated in children.")
    model = _Model(window_chars=120)
    probabilities, evidence, moved = _stage(model).predict([doc])[0]
    assert not moved and len(model.read) == 1
    for claim in doc.claims:
        read = model.read[0][claim.id]
        assert len(read) == 1 and len(read[0]) <= 120 and read[0] in TEXT  # the window alone
        assert sorted(e.span for e in evidence[claim.id]) == sorted(
            e.span for e in doc.evidence[claim.id]
        )  # the evidence stays retrieval's chunks
    assert probabilities[:, 0].tolist() == pytest.approx([0.9] * len(doc.claims))


def test_retrievals_chunks_inside_the_window_come_first() -> None:
    sentences = _sentences(TEXT)
    claim = Claim(
        id="c0", text="Budesonide was well tolerated in children.", span=(0, 42), sentence=0
    )
    chunk = {
        s.index: Evidence(text=s.text, source="context", doc_id=f"s{s.index}", span=s.span)
        for s in sentences
    }
    doc = SimpleNamespace(
        claims=[claim],
        context_text=TEXT,
        context_sentences=sentences,
        evidence={"c0": [chunk[1], chunk[2], chunk[3]]},  # retrieval's order
        documents={},
        checkable=True,
    )
    model = _Model(window_chars=60)  # the window is sentence 2 alone
    _, evidence, _ = _stage(model).predict([doc])[0]
    assert model.read[0]["c0"] == [chunk[2].text]
    assert [e.doc_id for e in evidence["c0"]] == ["s2", "s1", "s3"]
    # control: a window holding sentences 1 and 2 keeps retrieval's order
    model = _Model(window_chars=100)
    _, evidence, _ = _stage(model).predict([doc])[0]
    assert model.read[0]["c0"] == [TEXT[sentences[1].span[0] : sentences[2].span[1]]]
    assert [e.doc_id for e in evidence["c0"]] == ["s1", "s2", "s3"]


def test_without_a_window_size_tier1_reads_retrievals_chunks() -> None:
    doc = _doc("Budesonide halved exacerbations. It was tolerated in children.")
    model = _Model(window_chars=0)
    _, evidence, _ = _stage(model).predict([doc])[0]
    assert model.read[0] == {c.id: [e.text for e in doc.evidence[c.id]] for c in doc.claims}
    assert evidence == doc.evidence


def test_a_claim_without_a_window_is_read_against_retrievals_chunks() -> None:
    doc = _doc("Metformin lowers glucose. Budesonide reduced exacerbations.")
    model = _Model(window_chars=400)
    _stage(model).predict([doc])
    read = model.read[0]
    first, second = doc.claims
    assert read[first.id] == [e.text for e in doc.evidence[first.id]]  # no word shared
    assert len(read[second.id]) == 1 and "budesonide" in read[second.id][0].lower()


def test_window_chars_must_be_a_non_negative_integer() -> None:
    from medfact import registry

    with pytest.raises(MedfactError, match="window_chars"):
        registry.verifiers.create("crossencoder.v1", {"window_chars": -1})
    assert registry.verifiers.create("crossencoder.v1", {"window_chars": 0}).window_chars == 0


def test_features_of_a_pair() -> None:
    z = {"best": logit(0.8)}
    f = features(
        "Aspirin 81 mg daily.", "Aspirin 81 mg and 20 mg of statin.", "Aspirin 81 mg daily.", z
    )
    assert f["numbers_missing"] == pytest.approx(0.5) and f["has_numbers"] == 1.0
    assert f["z_max"] == f["z_best"] == pytest.approx(np.log(4))
    assert 0 < f["recall_window"] < 1
    # control: names are no numbers ("COVID-19", "SARS-CoV-2")
    g = features("COVID-19 spreads.", "SARS-CoV-2 spreads in COVID-19.", "COVID-19 spreads.", z)
    assert g["has_numbers"] == 0.0 and g["numbers_missing"] == 0.0


LONG_OUTPUTS = [
    "Left knee swelling for three days. No fever.",
    "Takes metformin 500 mg twice daily and lisinopril 10 mg daily. Allergic to penicillin.",
    "Father had gout. Plan: knee aspiration, uric acid, follow up in one week.",
    "Right knee swelling for two weeks with fever.",
    "The patient smokes a pack a day.",
]


@pytest.mark.slow
def test_with_windows_a_record_scores_the_same_alone_and_in_any_batch(long_visit: str) -> None:
    assert len(long_visit) > 300  # windows are cut from it, not the whole input
    engine = Engine.from_config(None).load()
    records = [
        {"id": f"k{i}", "output": o, "context": long_visit} for i, o in enumerate(LONG_OUTPUTS)
    ]
    alone = {r["id"]: canonical_result(engine.score(r)) for r in records}
    # control: windows are in play (retrieval's chunks alone give other probabilities)
    chunks = Engine.from_config(None, {"components": {"crossencoder.v1": {"window_chars": 0}}})
    assert any(canonical_result(chunks.load().score(r)) != alone[r["id"]] for r in records)
    assert_same_in_any_batch(engine, records, seed=10)
