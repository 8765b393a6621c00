"""Corpus mode reads the whole aligned document (session 9, helper C).

A claim's aligned window is one sentence window of a corpus passage; the document it was cut
from is kept (``CaseDoc.documents``), a number the document states nowhere makes the claim
not_enough_info (``document_values.v1``), and with ``corpus_compare = "results"`` the claim's
facts are also compared with the document's result sentences. Each test has a control. The
corpus is two abstracts written for these tests; no model is loaded (compare reads every first
window when tier 1 is off).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medfact.aligned_document import VALUES_RULE, absent_values, checked_values, states_value
from medfact.analysis import AnalyzedText
from medfact.config import NO_MODEL, ConfigError
from medfact.corpora.bm25 import BM25Corpus, Passage, corpus_dir
from medfact.pipeline import Engine
from medfact.taxonomy import VerdictLabel

CORPUS = "c9-abstracts"
RESTENOSIS = (
    "Collateral circulation may protect the myocardium during coronary occlusion. "
    "We sought to assess whether a well developed collateral circulation predisposes to "
    "restenosis after percutaneous coronary intervention. "
    "A total of 120 patients with stable angina were enrolled and followed for 6 months. "
    "Restenosis rates were similar in poor and good collateral groups (35% v 43%, p = 0.76). "
    "Mortality was 2% in both groups."
)
VITAMIN = (
    "Vitamin D deficiency is common in older adults. "
    "We measured serum vitamin D in 300 nursing home residents over two winters. "
    "Deficiency was found in 64% of residents and was associated with falls (p = 0.01). "
    "Mortality did not differ between the groups."
)
ASTHMA = "Asthma mortality was low in both groups of children with wheezing."
# the claims; the window retrieval cuts for each is the aim or the enrolment sentence
FAITHFUL_VALUE = "Collateral circulation was studied in 120 patients after coronary intervention."
CHANGED_VALUE = "Collateral circulation was studied in 150 patients after coronary intervention."
FLIPPED = (
    "A well developed collateral circulation predisposes to an increased rate of restenosis "
    "after coronary intervention."
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = corpus_dir(CORPUS, tmp_path_factory.mktemp("home"))
    BM25Corpus.build(
        CORPUS,
        [Passage("111", RESTENOSIS), Passage("222", VITAMIN), Passage("333", ASTHMA)],
        directory,
    )
    return directory


def _engine(corpus: Path, **evidence) -> Engine:
    config = {**NO_MODEL, "evidence": {"corpora": [str(corpus)], "window_chars": 120, **evidence}}
    return Engine.from_config(None, config)


def _analysed(engine: Engine, text: str) -> AnalyzedText:
    parts = engine.load().parts
    return parts.analyzer(text, parts.segmenter(text))


# --- which numbers are looked for, and where they are found -----------------------------------


def _said(engine: Engine, text: str) -> list[tuple[str, float]]:
    doc = _analysed(engine, text)
    found = checked_values(text, doc.quantities, 0, len(text))
    return [(text[q.start : q.end], v) for q, v in found]


def test_checked_values_are_figures_multipliers_and_fractions(corpus):
    engine = _engine(corpus)
    said = _said(engine, "Pain fell by one third; falls were twice as common over five years.")
    assert ("one", pytest.approx(1 / 3)) in said
    assert ("twice", 2.0) in said and ("five years", 5.0) in said
    assert _said(engine, "Survival was 54.2% at 7-year follow-up.") == [
        ("54.2%", 54.2),
        ("7-year", 7.0),
    ]


def test_names_ordinals_thresholds_and_counted_words_are_not_looked_for(corpus):
    engine = _engine(corpus)
    assert _said(engine, "TGF-beta1 fell in the 21st century at two sites (p < 0.05).") == []
    # control: the same sentence with a figure of its own
    assert _said(engine, "TGF-beta1 fell by 30% at two sites.") == [("30%", 30.0)]


def test_a_value_is_found_as_a_quantity_as_digits_or_as_the_same_share(corpus):
    engine = _engine(corpus)
    doc = _analysed(engine, "Falls fell in 33% of residents; 15 sites took part.")
    q = _analysed(engine, "one third").quantities[0]
    assert states_value(doc, 1 / 3, q)  # one third ~ 33%
    assert states_value(doc, 15.0, q)
    assert not states_value(doc, 5.0, q)  # "5" is not in "15"
    assert not states_value(doc, 0.5, q)  # a half is not 33%


def test_absent_values_names_only_the_missing_number(corpus):
    engine = _engine(corpus)
    claim = "Deficiency was found in 64% of 250 residents."
    said = _analysed(engine, claim)
    missing = absent_values(claim, said.quantities, (0, len(claim)), _analysed(engine, VITAMIN))
    assert [claim[q.start : q.end] for q in missing] == ["250"]


# --- through the pipeline -----------------------------------------------------------------------


def _verdict(engine: Engine, output: str):
    result = engine.score_one(output)
    (verdict,) = result.verdicts
    return verdict, result


def test_retrieval_keeps_each_hits_whole_document(corpus):
    engine = _engine(corpus).load()
    doc = next(engine.pipe([{"id": "a", "output": CHANGED_VALUE}], until="retrieve"))
    (window, *_) = doc.evidence[doc.claims[0].id]
    assert window.text != RESTENOSIS  # cut to its window
    assert doc.documents[(CORPUS, "111")].text == RESTENOSIS


def test_a_number_the_document_states_nowhere_is_not_enough_info(corpus):
    verdict, result = _verdict(_engine(corpus), CHANGED_VALUE)
    assert verdict.label == VerdictLabel.NOT_ENOUGH_INFO and verdict.verifier == VALUES_RULE
    assert verdict.evidence[0].doc_id == "111" and verdict.evidence[0].text == RESTENOSIS
    assert "output says '150'" in verdict.rationale
    (finding,) = [f for f in result.findings if f.rule == VALUES_RULE]
    assert int(finding.risk) == 2 and finding.relation == "unsupported"
    assert int(result.risk_level) <= 2  # a check, not an unsafe finding


def test_control_the_documents_own_number_raises_nothing(corpus):
    verdict, result = _verdict(_engine(corpus), FAITHFUL_VALUE)
    assert verdict.verifier != VALUES_RULE
    assert not [f for f in result.findings if f.rule == VALUES_RULE]


def test_switched_off_the_document_is_not_read(corpus):
    _, result = _verdict(_engine(corpus, corpus_document=False), CHANGED_VALUE)
    assert not [f for f in result.findings if f.rule == VALUES_RULE]


def test_context_mode_never_reads_corpus_documents(corpus):
    engine = _engine(corpus)
    result = engine.score_one(CHANGED_VALUE, RESTENOSIS)
    assert not [f for f in result.findings if f.rule == VALUES_RULE]
    record = {"id": "b", "output": CHANGED_VALUE, "context": RESTENOSIS}
    doc = next(engine.pipe([record], until="retrieve"))
    assert doc.documents == {}


def test_result_sentences_are_compared_only_when_asked(corpus):
    # the window retrieval cuts for the claim is the aim sentence, which states no result
    _, window = _verdict(_engine(corpus), FLIPPED)
    assert not [f for f in window.findings if f.relation == "contradicted"]
    verdict, results = _verdict(_engine(corpus, corpus_compare="results"), FLIPPED)
    assert verdict.label == VerdictLabel.CONTRADICTED
    assert "Restenosis rates were similar" in verdict.evidence[0].text  # the deciding sentence
    assert "output says" in verdict.rationale and "passage says" in verdict.rationale


def test_corpus_compare_refuses_an_unknown_scope(corpus):
    with pytest.raises(ConfigError, match="corpus_compare"):
        _engine(corpus, corpus_compare="everything")


# --- tier 1 reads the aligned document where retrieval's windows do not support the claim ------


class _ReadsResults:
    """A stand-in support model: P(supported) 0.9 for a premise that states the restenosis
    result, 0.1 otherwise; it counts the pairs it reads."""

    thresholds = {"supported": 0.5}

    def __init__(self) -> None:
        self.read: list[tuple[str, str]] = []

    def align(self, claims, evidence):
        pairs = [((evidence.get(c.id) or [None])[0], c.text) for c in claims]
        return self.predict([(w.text if w else "", t) for w, t in pairs]), evidence

    def predict(self, pairs):
        import numpy as np

        self.read.extend(pairs)
        p = [0.9 if "Restenosis rates were similar" in premise else 0.1 for premise, _ in pairs]
        return np.array([[x, 0.0, 1.0 - x] for x in p], dtype=np.float32)


RESTATED = "Restenosis after coronary intervention was studied in patients with collaterals."


def _tier1(engine: Engine, model: _ReadsResults, output: str):
    from medfact.stages import Tier1Stage

    engine.load()
    doc = next(engine.pipe([{"id": "t", "output": output}], until="retrieve"))
    stage = Tier1Stage(engine.settings, engine.parts)
    stage.model = model
    return stage(doc)


@pytest.fixture
def every_window(monkeypatch):
    """Tier 1 reads every window of the document (2 by default, the closest by BM25)."""
    import medfact.stages

    monkeypatch.setattr(medfact.stages, "_DOCUMENT_WINDOWS", 50)


def test_tier1_reads_the_aligned_documents_windows_when_retrieval_does_not_support(
    corpus, every_window
):
    model = _ReadsResults()
    doc = _tier1(_engine(corpus), model, RESTATED)
    (claim,) = doc.claims
    assert "Restenosis rates were similar" not in doc.documents[(CORPUS, "111")].text[:200]
    assert float(doc.probabilities[0][0]) == pytest.approx(0.9)
    first = doc.evidence[claim.id][0]
    assert first.doc_id == "111" and "Restenosis rates were similar" in first.text
    assert doc.document_aligned == {claim.id}
    # control: switched off, the claim keeps its retrieved window and its low probability
    off = _tier1(_engine(corpus, corpus_document=False), _ReadsResults(), RESTATED)
    assert float(off.probabilities[0][0]) == pytest.approx(0.1)
    assert off.document_aligned == set()


def test_tier1_leaves_a_supported_claim_alone(corpus):
    model = _ReadsResults()
    doc = _tier1(_engine(corpus), model, "Restenosis rates were similar in both groups.")
    assert float(doc.probabilities[0][0]) == pytest.approx(0.9)
    assert len(model.read) == 1 and doc.document_aligned == set()  # no document window read


def test_tier1_reads_at_most_two_document_windows_by_default(corpus):
    model = _ReadsResults()
    doc = _tier1(_engine(corpus), model, RESTATED)
    assert len(model.read) == 1 + 2  # the retrieved window, then two of the document's
    assert all(premise in doc.documents[(CORPUS, "111")].text for premise, _ in model.read)


def test_a_document_aligned_claim_gets_no_fact_comparison(corpus, every_window):
    from medfact.compare import CompareStage

    engine = _engine(corpus, corpus_compare="results")
    doc = _tier1(engine, _ReadsResults(), FLIPPED)
    assert doc.document_aligned  # support found in the document's result sentence
    findings = CompareStage(engine.settings, engine.parts)(doc).findings
    assert not [f for f in findings if f.relation == "contradicted"]
    # control: the same claim aligned by retrieval is compared (test above: contradicted)
    doc.document_aligned = set()
    doc.findings = []
    findings = CompareStage(engine.settings, engine.parts)(doc).findings
    assert [f for f in findings if f.relation == "contradicted"]


# --- anchoring: supported only by a passage the claim shares a specific word with -----------------


def test_passages_with_counts_the_passages_that_hold_a_word(corpus):
    index = BM25Corpus.load(corpus)
    assert index.passages_with("mortal") == 3  # in all three passages
    assert index.passages_with("restenosi") == 1
    assert index.passages_with("moon") == 0


class _Supports(_ReadsResults):
    """A stand-in support model that reads every pair as supported (P 0.9)."""

    def predict(self, pairs):
        import numpy as np

        self.read.extend(pairs)
        return np.array([[0.9, 0.0, 0.1]] * len(pairs), dtype=np.float32)


def _verdict_with_model(engine: Engine, output: str):
    from medfact.stages import VerdictStage

    doc = _tier1(engine, _Supports(), output)
    (verdict,) = VerdictStage(engine.settings, engine.parts)(doc).verdicts
    return verdict


GENERIC = "Mortality in both groups."  # its words are in two or three of the three passages
# a word only the passage holds is specific, however small the corpus
SPECIFIC = "Mortality was 2% after coronary intervention in both groups."


def test_a_claim_sharing_only_common_words_is_not_supported(corpus):
    verdict = _verdict_with_model(_engine(corpus), GENERIC)  # 2%: one passage of three
    assert verdict.label == VerdictLabel.NOT_ENOUGH_INFO
    assert "shares no specific word" in verdict.rationale and verdict.evidence
    # control: anchoring off, the same claim and passage are supported
    off = _verdict_with_model(_engine(corpus, anchor_share=1.0), GENERIC)
    assert off.label == VerdictLabel.SUPPORTED


def test_control_a_claim_naming_the_passages_own_words_is_supported(corpus):
    verdict = _verdict_with_model(_engine(corpus), SPECIFIC)
    assert verdict.label == VerdictLabel.SUPPORTED and verdict.evidence[0].doc_id == "111"


def test_anchor_share_must_be_a_share(corpus):
    with pytest.raises(ConfigError, match="anchor_share"):
        _engine(corpus, anchor_share=0.0)


# --- determinism: the document reading is per case ------------------------------------------------


@pytest.mark.slow
def test_corpus_mode_with_the_shipped_model_does_not_depend_on_the_batch(corpus):
    import random

    from medfact.testing import canonical_result as canonical

    engine = Engine.from_config(None, {"evidence": {"corpora": [str(corpus)]}}).load()
    outputs = [RESTATED, FLIPPED, CHANGED_VALUE, FAITHFUL_VALUE, GENERIC, SPECIFIC, RESTENOSIS]
    records = [{"id": f"r{i}", "output": o} for i, o in enumerate(outputs)]
    alone = {r["id"]: canonical(engine.score(r)) for r in records}
    rng = random.Random(9)
    for size in (2, 3, 64):
        shuffled = records[:]
        rng.shuffle(shuffled)
        for result in engine.score_many(shuffled, batch_size=size):
            assert canonical(result) == alone[result.id], (result.id, size)
