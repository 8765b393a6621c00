"""Export a support model (verifier-v3's kind) to ONNX for ``crossencoder.v1``'s ``onnx`` backend.

    python -m medfact.nli.export --model-dir medfact/models/verifier-v3 --out /tmp/v3-onnx
    python -m medfact.nli.export --model-dir DIR --out OUT --int8   # dynamic int8 weights

Writes ``model.onnx`` (float32, or with ``--int8`` its MatMul weights quantized per channel with
dynamic activation scales, which the backend computes per pair because it runs each pair as its
own call) and copies the folder's config, tokenizer and model card beside it, so that ``OUT`` is
a model folder: ``[components."crossencoder.v1"] backend = "onnx"`` and ``model_dir = OUT``.
Then it checks the export against the float32 torch model on a few probe pairs and prints the
largest difference in P(supported). Needs ``torch``, ``onnx`` and ``onnxruntime``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
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
def main(model_dir: Path, out: Path, int8: bool, opset: int) -> None:
    """Export a support model to ONNX and check it against torch."""
    target = export_onnx(model_dir, out, int8=int8, opset=opset)
    size = target.stat().st_size / 1e6
    click.echo(f"wrote {target} ({size:.1f} MB); max |dP(supported)| on probes: ", nl=False)
    click.echo(f"{check(model_dir, out):.2e}")


if __name__ == "__main__":
    main()
