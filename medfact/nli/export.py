"""Export a support model (verifier-v3's kind) to ONNX for ``crossencoder.v1``'s ``onnx`` backend.

    python -m medfact.nli.export --model-dir medfact/models/verifier-v3 --out /tmp/v3-onnx
    python -m medfact.nli.export --model-dir DIR --out OUT --int8   # dynamic int8 weights

Writes ``model.onnx`` (float32, or with ``--int8`` its MatMul weights quantized per channel with
dynamic activation scales, which the backend computes per pair because it runs each pair as its
own call) and copies the folder's config, tokenizer and model card beside it, so that ``OUT`` is
a model folder: ``[components."crossencoder.v1"] backend = "onnx"`` and ``model_dir = OUT``.
Then it checks the export against the float32 torch model on a few probe pairs and prints the
largest difference in P(supported). Needs ``torch``, ``onnx`` and ``onnxruntime``.

    python -m medfact.nli.export --model-dir DIR --out OUT --int8 \
        --compare-on /work/nli-data/nli --compare-on /work/nli-data/twins

also compares torch bfloat16 and the export with float32 torch on those folders' test split
(the card's sources, premises cut to the trained window): differences in P(supported), AUC
(supported vs not_enough_info) per source, threshold crossings at the card's thresholds, pairs/s.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import click
import numpy as np

from medfact.errors import InputError, MedfactError

log = logging.getLogger("medfact")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
COPIED = ("config.json", "model_card.json", "tokenizer.json", "tokenizer_config.json")
PROBES = [
    ("The left knee is swollen and warm after a fall two days ago.", "Left knee swelling."),
    ("She takes metformin 500 mg twice daily and lisinopril 10 mg daily.", "Metformin 1 g daily."),
    ("No chest pain today. Denies shortness of breath.", "The patient reports chest pain."),
    ("Follow up in two weeks with the cardiology clinic.", "He has a brother with diabetes."),
]


def export_onnx(model_dir: Path, out: Path, int8: bool = False, opset: int = 17) -> Path:
    """``model_dir``'s support model as ``out/model.onnx`` (+ its config, tokenizer and card)."""
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as exc:
        raise MedfactError(f"export needs {exc.name}: pip install 'medfact[model]'") from None
    if not (model_dir / "config.json").is_file() or not (model_dir / "model.safetensors").is_file():
        raise InputError(f"{model_dir}: no config.json + model.safetensors", field="model_dir")
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(model_dir), use_safetensors=True, dtype=torch.float32
    ).eval()
    example = tokenizer(
        [p for p, _ in PROBES[:2]], [h for _, h in PROBES[:2]], padding=True, return_tensors="pt"
    )
    target = out / "model.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx" if int8 else target
        axes = {k: {0: "batch", 1: "tokens"} for k in INPUTS} | {"logits": {0: "batch"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's notes on indexing
            torch.onnx.export(
                model,
                tuple(example[k] for k in INPUTS),
                str(fp32),
                input_names=list(INPUTS),
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=opset,
                dynamo=False,
            )
        if int8:
            _quantize(fp32, target)
    for name in COPIED:
        if (model_dir / name).is_file() and model_dir.resolve() != out.resolve():
            shutil.copyfile(model_dir / name, out / name)
    return target


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8: MatMul weights per output channel; activation scales computed at run
    time over the call's tensor (one pair per call in the backend, so per pair)."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise MedfactError(f"--int8 needs {exc.name}: pip install onnxruntime onnx") from None
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )


def check(model_dir: Path, out: Path) -> float:
    """Largest |P(supported) difference| between ``out``'s ONNX backend and the float32 torch
    model of ``model_dir`` on the probe pairs."""
    from medfact.verifiers.crossencoder import CrossEncoder

    reference = CrossEncoder(model_dir=model_dir, backend="torch", per_row=True).predict(PROBES)
    onnx = CrossEncoder(model_dir=out, backend="onnx", per_row=True).predict(PROBES)
    return float(np.abs(reference[:, 0] - onnx[:, 0]).max())


def compare_backends(model_dir: Path, out: Path, folders: list[Path]) -> list[str]:
    """Markdown rows: each backend (per-row) against float32 torch on the test split."""
    from sklearn.metrics import roc_auc_score

    from medfact.nli.train import load_examples
    from medfact.verifiers.crossencoder import CrossEncoder

    card = json.loads((model_dir / "model_card.json").read_text())
    training = card.get("training", {})
    examples = load_examples(
        folders,
        "test",
        training.get("sources", ()),
        contradicted=False,
        window_chars=int(training.get("window_chars", 600)),
    )
    if not examples:
        raise InputError(f"no test pairs of the card's sources in {folders}", field="compare_on")
    pairs = [(e.premise, e.hypothesis) for e in examples]
    y = np.array([e.y for e in examples])
    sources = np.array([e.source for e in examples])
    cuts = [
        v for k, v in card.get("thresholds", {}).items() if k in ("supported", "not_enough_info")
    ]
    runs = {
        "torch float32": CrossEncoder(model_dir=model_dir, backend="torch", per_row=True),
        "torch bfloat16": CrossEncoder(model_dir=model_dir, backend="torch-bf16", per_row=True),
        f"onnx {out.name}": CrossEncoder(model_dir=out, backend="onnx", per_row=True),
    }
    probs, speed = {}, {}
    for name, encoder in runs.items():
        encoder.predict(pairs[:4])  # loaded, warm
        start = time.perf_counter()
        probs[name] = encoder.predict(pairs)[:, 0]
        speed[name] = len(pairs) / (time.perf_counter() - start)
    ref = probs["torch float32"]
    names = sorted({s for s in sources if len(set(y[sources == s])) == 2})
    rows = [
        f"{len(pairs)} test pairs; AUC deltas to float32 per source: " + ", ".join(names),
        "| backend (per row) | pairs/s | max abs dP | mean abs dP | crossings | AUC deltas |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, p in probs.items():
        crossings = sum(int(((p >= c) != (ref >= c)).sum()) for c in cuts)
        deltas = [
            roc_auc_score(y[sources == s], p[sources == s])
            - roc_auc_score(y[sources == s], ref[sources == s])
            for s in names
        ]
        rows.append(
            f"| {name} | {speed[name]:.1f} | {np.abs(p - ref).max():.4f} | "
            f"{np.abs(p - ref).mean():.5f} | {crossings} | "
            + " ".join(f"{d:+.4f}" for d in deltas)
            + " |"
        )
    return rows


@click.command()
@click.option(
    "--model-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="a support model folder (config.json + model.safetensors)",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="the folder to write model.onnx to (the model's files are copied beside it)",
)
@click.option("--int8", is_flag=True, help="dynamic int8 MatMul weights (per channel)")
@click.option("--opset", type=click.IntRange(14), default=17, show_default=True)
@click.option(
    "--compare-on",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    help="an NLI data folder whose test split compares the backends (repeatable)",
)
def main(model_dir: Path, out: Path, int8: bool, opset: int, compare_on: tuple[Path, ...]) -> None:
    """Export a support model to ONNX and check it against torch."""
    target = export_onnx(model_dir, out, int8=int8, opset=opset)
    size = target.stat().st_size / 1e6
    click.echo(f"wrote {target} ({size:.1f} MB); max |dP(supported)| on probes: ", nl=False)
    click.echo(f"{check(model_dir, out):.2e}")
    if compare_on:
        click.echo("\n".join(compare_backends(model_dir, out, list(compare_on))))


if __name__ == "__main__":
    main()
