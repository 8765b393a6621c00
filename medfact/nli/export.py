"""Export a support model (verifier-v3's kind) to ONNX for ``crossencoder.v1``'s ``onnx`` backend.

    python -m medfact.nli.export --model-dir medfact/models/verifier-v3 --out /tmp/v3-onnx
    python -m medfact.nli.export --model-dir DIR --out OUT --int8   # dynamic int8 weights
    python -m medfact.nli.export --model-dir medfact/models/verifier-v3 \
        --out medfact/models/verifier-v3 --int8 --embeddings int8 --outliers 16 \
        --calibrate-on /work/nli-data/nli --calibrate-on /work/nli-data/twins  # the shipped one

Writes ``model.onnx`` (float32, or with ``--int8`` its MatMul weights quantized per channel with
dynamic activation scales, which the backend computes per pair because it runs each pair as its
own call) and copies the folder's config, tokenizer and model card beside it, so that ``OUT`` is
a model folder: ``[components."crossencoder.v1"] backend = "onnx"`` and ``model_dir = OUT``.
``--embeddings`` stores the word-embedding table (half the float32 file) as float32, float16
(exact for a model saved in float16, as ``medfact.nli.train`` saves) or int8 with one scale per
token row, dequantized in the graph after the lookup. ``--float-ffn 0,1,2`` leaves those layers'
feed-forward MatMuls unquantized (stored as float16). ``--outliers 16 --calibrate-on DATA`` keeps
each feed-forward MatMul's 16 input channels of the widest range (per-channel largest |value| on
300 seeded validation pairs of DATA) in a small float MatMul beside the int8 one: those few
channels otherwise set the int8 scale of all the others. The card in ``OUT`` gets an ``onnx`` key:
the file's sha256 and size, the command, the package versions and the source weights' sha256.
Then it checks the export against the float32 torch model on a few probe pairs and prints the
largest difference in P(supported). Needs ``torch``, ``onnx`` and ``onnxruntime``.

    python -m medfact.nli.export --model-dir DIR --out OUT --int8 \
        --compare-on /work/nli-data/nli --compare-on /work/nli-data/twins

also compares torch bfloat16 and the export with float32 torch on those folders' test split
(the card's sources, premises cut to the trained window): differences in P(supported), AUC
(supported vs not_enough_info) per source, threshold crossings at the card's thresholds, pairs/s.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


EMBEDDINGS = ("float32", "float16", "int8")
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"  # a BERT export's initializer


def export_onnx(
    model_dir: Path,
    out: Path,
    int8: bool = False,
    opset: int = 17,
    embeddings: str = "float32",
    float_ffn: Sequence[int] = (),
    command: str | None = None,
    outliers: int = 0,
    calibrate_on: Sequence[Path] = (),
) -> Path:
    """``model_dir``'s support model as ``out/model.onnx`` (+ its config, tokenizer and card,
    the card with an ``onnx`` key recording how the file was made). ``outliers``: with ``int8``,
    each feed-forward MatMul's that many input channels of the largest range (measured on the
    validation split of ``calibrate_on``) stay float, the rest int8."""
    try:
        import onnx
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as exc:
        raise MedfactError(f"export needs {exc.name}: pip install 'medfact[model]' onnx") from None
    if embeddings not in EMBEDDINGS:
        raise InputError(f"{embeddings!r} is not one of {list(EMBEDDINGS)}", field="embeddings")
    if float_ffn and not int8:
        raise InputError(
            "--float-ffn names layers left out of --int8; add --int8", field="float_ffn"
        )
    if outliers and not (int8 and calibrate_on):
        raise InputError("--outliers needs --int8 and --calibrate-on", field="outliers")
    weights = model_dir / "model.safetensors"
    if not (model_dir / "config.json").is_file() or not weights.is_file():
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
        fp32 = Path(tmp) / "fp32.onnx"
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
        source, exclude = fp32, [n for i in float_ffn for n in _ffn_matmuls(i)]
        calibration: dict[str, Any] = {}
        if outliers:
            pairs, calibration = _calibration_pairs(model_dir, calibrate_on)
            ranges = _input_ranges(fp32, tokenizer, pairs, _max_length(model_dir))
            split = onnx.load(str(fp32))
            exclude += _split_outliers(split, ranges, outliers, skip=set(exclude))
            source = Path(tmp) / "split.onnx"
            onnx.save(split, str(source))
            calibration["outlier_channels"] = outliers
        if int8:
            quantized = Path(tmp) / "int8.onnx"
            _quantize(source, quantized, exclude=exclude)
            source = quantized
        graph = onnx.load(str(source))
    if embeddings != "float32":
        _store_embeddings(graph, embeddings)
    if float_ffn:
        _float16_matmul_weights(graph)
    onnx.checker.check_model(graph)
    onnx.save(graph, str(target))
    for name in COPIED:
        if (model_dir / name).is_file() and model_dir.resolve() != out.resolve():
            shutil.copyfile(model_dir / name, out / name)
    _record(out, target, weights, command, opset, calibration)
    return target


def _max_length(model_dir: Path) -> int:
    card_path = model_dir / "model_card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    return int(card.get("training", {}).get("max_length", 128))


def _calibration_pairs(
    model_dir: Path, folders: Sequence[Path], limit: int = 300, seed: int = 0
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """A seeded sample of the validation split of ``folders`` (the card's sources, premises cut
    to its window), and a record of what was read."""
    from medfact.nli.train import load_examples

    card_path = model_dir / "model_card.json"
    training = json.loads(card_path.read_text()).get("training", {}) if card_path.is_file() else {}
    examples = load_examples(
        list(folders),
        "valid",
        training.get("sources", ()),
        contradicted=False,
        window_chars=int(training.get("window_chars", 600)),
    )
    if not examples:
        raise InputError(f"no validation pairs of the card's sources in {folders}", "calibrate_on")
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(examples), min(limit, len(examples)), replace=False))
    pairs = [(examples[i].premise, examples[i].hypothesis) for i in picked]
    record = {"split": "valid", "pairs": len(pairs), "of": len(examples), "seed": seed}
    return pairs, record


def _ffn_inputs(model: Any) -> dict[str, list[Any]]:
    """Each feed-forward MatMul's activation input -> its MatMul nodes (weights initializers)."""
    tables = {t.name for t in model.graph.initializer}
    out: dict[str, list[Any]] = {}
    for node in model.graph.node:
        ffn = "/intermediate/dense/" in node.name or "/output/dense/" in node.name
        weighted = node.op_type == "MatMul" and node.input[1] in tables
        if weighted and ffn and "/attention/" not in node.name:
            out.setdefault(node.input[0], []).append(node)
    return out


def _input_ranges(
    fp32: Path, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int
) -> dict[str, np.ndarray]:
    """Per-channel largest |value| of every feed-forward MatMul input over ``pairs``, each pair
    its own call (float32 graph with those tensors as extra outputs)."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(fp32))
    names = sorted(_ffn_inputs(model))
    for name in names:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, 1, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    ranges: dict[str, np.ndarray] = {}
    for premise, hypothesis in pairs:
        enc = tokenizer(
            [premise], [hypothesis], truncation="longest_first", max_length=max_length,
            return_tensors="np",
        )  # fmt: skip
        feed = {k: enc[k].astype(np.int64) for k in INPUTS}
        values = session.run(names, feed)
        for name, value in zip(names, values, strict=True):
            top = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
            ranges[name] = np.maximum(ranges[name], top) if name in ranges else top
    return ranges


def _split_outliers(model: Any, ranges: dict[str, np.ndarray], k: int, skip: set[str]) -> list[str]:
    """Each feed-forward MatMul ``X @ W`` as ``(X * mask) @ W + X[..., idx] @ W[idx]``: the ``k``
    input channels of the largest range (``idx``) go through a small float MatMul, so the int8
    quantization of the rest is not stretched by them (LLM.int8()'s decomposition, with fixed
    channels). Returns the names of the float MatMuls, to keep out of quantization."""
    from onnx import helper, numpy_helper

    graph = model.graph
    tables = {t.name: t for t in graph.initializer}
    kept: list[str] = []
    for name, nodes in sorted(_ffn_inputs(model).items()):
        for node in nodes:
            if node.name in skip:
                continue
            weights = numpy_helper.to_array(tables[node.input[1]])
            idx = np.sort(np.argsort(-ranges[name], kind="stable")[:k]).astype(np.int64)
            mask = np.ones(weights.shape[0], dtype=np.float32)
            mask[idx] = 0.0
            p = node.name
            graph.initializer.extend(
                [
                    numpy_helper.from_array(idx, f"{p}.outlier_idx"),
                    numpy_helper.from_array(mask, f"{p}.inlier_mask"),
                    numpy_helper.from_array(weights[idx].astype(np.float32), f"{p}.outlier_w"),
                ]
            )
            x, y = node.input[0], node.output[0]
            at = list(graph.node).index(node)
            before = [
                helper.make_node("Mul", [x, f"{p}.inlier_mask"], [f"{p}.xi"], name=f"{p}.mask"),
                helper.make_node(
                    "Gather", [x, f"{p}.outlier_idx"], [f"{p}.xo"], axis=2, name=f"{p}.pick"
                ),
                helper.make_node(
                    "MatMul", [f"{p}.xo", f"{p}.outlier_w"], [f"{p}.yo"], name=f"{p}.outliers"
                ),
            ]
            for j, item in enumerate(before):
                graph.node.insert(at + j, item)
            node.input[0], node.output[0] = f"{p}.xi", f"{p}.yi"
            add = helper.make_node("Add", [f"{p}.yi", f"{p}.yo"], [y], name=f"{p}.sum")
            graph.node.insert(list(graph.node).index(node) + 1, add)
            kept.append(f"{p}.outliers")
    return kept


def _ffn_matmuls(layer: int) -> list[str]:
    """The node names of a BERT layer's two feed-forward MatMuls in a TorchScript export."""
    return [
        f"/bert/encoder/layer.{layer}/intermediate/dense/MatMul",
        f"/bert/encoder/layer.{layer}/output/dense/MatMul",
    ]


def _quantize(source: Path, target: Path, exclude: Sequence[str] = ()) -> None:
    """Dynamic int8: MatMul weights per output channel; activation scales computed at run
    time over the call's tensor (one pair per call in the backend, so per pair)."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise MedfactError(f"--int8 needs {exc.name}: pip install onnxruntime onnx") from None
    if exclude:
        names = {n.name for n in onnx.load(str(source), load_external_data=False).graph.node}
        missing = [n for n in exclude if n not in names]
        if missing:
            raise InputError(f"no MatMul nodes {missing} in the export", field="float_ffn")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer's advice on pre-processing, logged to root
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=list(exclude),
        )
    finally:
        root.setLevel(level)


def _insert_after(graph: Any, node: Any, new: list[Any]) -> None:
    at = list(graph.node).index(node) + 1
    for k, item in enumerate(new):
        graph.node.insert(at + k, item)


def _store_embeddings(model: Any, how: str) -> None:
    """The word-embedding table as float16 (cast after the lookup) or as int8 rows with one
    float32 scale per row (symmetric; dequantized after the lookup): only the looked-up rows
    are converted at run time, so memory stays at the stored size."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    table = next((t for t in graph.initializer if t.name == WORD_EMBEDDINGS), None)
    lookup = next(
        (n for n in graph.node if n.op_type == "Gather" and n.input[0] == WORD_EMBEDDINGS), None
    )
    if table is None or lookup is None:
        raise MedfactError(f"the export has no {WORD_EMBEDDINGS} lookup to store as {how}")
    values = numpy_helper.to_array(table).astype(np.float32)
    graph.initializer.remove(table)
    out, ids = lookup.output[0], lookup.input[1]
    if how == "float16":
        graph.initializer.append(
            numpy_helper.from_array(values.astype(np.float16), f"{table.name}.f16")
        )
        lookup.input[0], lookup.output[0] = f"{table.name}.f16", f"{out}.f16"
        cast = helper.make_node(
            "Cast", [f"{out}.f16"], [out], to=TensorProto.FLOAT, name=f"{out}.cast"
        )
        _insert_after(graph, lookup, [cast])
        return
    scale = np.abs(values).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    rows = np.clip(np.rint(values / scale[:, None]), -127, 127).astype(np.int8)
    graph.initializer.extend(
        [
            numpy_helper.from_array(rows, f"{table.name}.int8"),
            numpy_helper.from_array(scale.astype(np.float32), f"{table.name}.scale"),
            numpy_helper.from_array(np.array([-1], dtype=np.int64), f"{table.name}.axes"),
        ]
    )
    lookup.input[0], lookup.output[0] = f"{table.name}.int8", f"{out}.int8"
    _insert_after(
        graph,
        lookup,
        [
            helper.make_node(
                "Gather", [f"{table.name}.scale", ids], [f"{out}.s"], name=f"{out}.gs"
            ),
            helper.make_node(
                "Unsqueeze", [f"{out}.s", f"{table.name}.axes"], [f"{out}.s1"], name=f"{out}.us"
            ),
            helper.make_node(
                "Cast", [f"{out}.int8"], [f"{out}.f32"], to=TensorProto.FLOAT, name=f"{out}.cast"
            ),
            helper.make_node("Mul", [f"{out}.f32", f"{out}.s1"], [out], name=f"{out}.mul"),
        ],
    )


def _float16_matmul_weights(model: Any) -> None:
    """Float32 MatMul weight matrices left unquantized: stored as float16 with a Cast (exact
    for weights saved in float16; ONNX Runtime folds the Cast once, at session start)."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    tables = {t.name: t for t in graph.initializer if t.data_type == TensorProto.FLOAT}
    names = {i for n in graph.node if n.op_type == "MatMul" for i in n.input if i in tables}
    for name in sorted(names):
        values = numpy_helper.to_array(tables[name])
        if values.ndim != 2:
            continue
        graph.initializer.remove(tables[name])
        graph.initializer.append(numpy_helper.from_array(values.astype(np.float16), f"{name}.f16"))
        cast = helper.make_node(
            "Cast", [f"{name}.f16"], [name], to=TensorProto.FLOAT, name=f"{name}.cast"
        )
        graph.node.insert(0, cast)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(
    out: Path,
    target: Path,
    weights: Path,
    command: str | None,
    opset: int,
    calibration: dict[str, Any] | None = None,
) -> None:
    """The ``onnx`` key of ``out``'s model card (other keys untouched)."""
    from importlib.metadata import version

    card_path = out / "model_card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    card["onnx"] = {
        "file": target.name,
        "sha256": sha256(target),
        "bytes": target.stat().st_size,
        "source_weights_sha256": sha256(weights),
        "command": command,
        "opset": opset,
        "calibration": calibration or None,
        "versions": {p: version(p) for p in ("onnx", "onnxruntime", "torch", "transformers")},
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


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
@click.option(
    "--embeddings",
    type=click.Choice(EMBEDDINGS),
    default="float32",
    show_default=True,
    help="how the word-embedding table is stored",
)
@click.option(
    "--float-ffn",
    default="",
    metavar="LAYERS",
    help="with --int8: layers (e.g. 0,1,2) whose feed-forward MatMuls stay unquantized",
)
@click.option(
    "--outliers",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="with --int8: input channels of each feed-forward MatMul kept float (widest range)",
)
@click.option(
    "--calibrate-on",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    help="an NLI data folder whose validation split measures the ranges (repeatable)",
)
@click.option("--opset", type=click.IntRange(14), default=17, show_default=True)
@click.option(
    "--compare-on",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    help="an NLI data folder whose test split compares the backends (repeatable)",
)
def main(
    model_dir: Path,
    out: Path,
    int8: bool,
    embeddings: str,
    float_ffn: str,
    outliers: int,
    calibrate_on: tuple[Path, ...],
    opset: int,
    compare_on: tuple[Path, ...],
) -> None:
    """Export a support model to ONNX and check it against torch."""
    try:
        layers = [int(x) for x in float_ffn.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"{float_ffn!r}: layer numbers, e.g. 0,1,2") from None
    command = f"python -m medfact.nli.export --model-dir {model_dir} --out {out}"
    command += " --int8" * int8 + f" --embeddings {embeddings}" * (embeddings != "float32")
    command += f" --float-ffn {','.join(map(str, layers))}" * bool(layers)
    command += f" --outliers {outliers}" * bool(outliers)
    command += "".join(f" --calibrate-on {p}" for p in calibrate_on)
    command += f" --opset {opset}" * (opset != 17)
    target = export_onnx(
        model_dir, out, int8, opset, embeddings, layers, command, outliers, calibrate_on
    )
    size = target.stat().st_size / 1e6
    click.echo(f"wrote {target} ({size:.1f} MB); max |dP(supported)| on probes: ", nl=False)
    click.echo(f"{check(model_dir, out):.2e}")
    if compare_on:
        click.echo("\n".join(compare_backends(model_dir, out, list(compare_on))))


if __name__ == "__main__":
    main()
